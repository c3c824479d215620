/*
 * mmu/tests/test_physmem.c: the guest-physical address space: RAM layout
 * around 4 GiB, MMIO dispatch with sized accesses, holes (all ones on read,
 * writes dropped) and the code-page hooks behind self-modifying code
 * (SDM Vol.3 11.6 "Self-Modifying Code").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mmu/physmem.h"

#define MMIO_BASE 0xfee00000ull
#define MMIO_LOG 16

typedef struct MmioAccess {
    bool write;
    uint64_t off;
    unsigned size;
    uint64_t val;
} MmioAccess;

typedef struct MmioLog {
    unsigned n;
    MmioAccess a[MMIO_LOG];
} MmioLog;

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
    MmioLog *l = opaque;
    if (l->n < MMIO_LOG)
        l->a[l->n++] = (MmioAccess){ false, off, size, 0 };
    return 0x1122334455667788ull >> (8 * (off & 7));
}

static void dev_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
    MmioLog *l = opaque;
    if (l->n < MMIO_LOG)
        l->a[l->n++] = (MmioAccess){ true, off, size, v };
}

static const MmioOps dev_ops = { dev_read, dev_write };

typedef struct CodeLog {
    unsigned marked, written;
    uint64_t last_page, last_gpa;
    unsigned last_len;
} CodeLog;

static void on_marked(void *opaque, uint64_t page)
{
    CodeLog *c = opaque;
    c->marked++;
    c->last_page = page;
}

static void on_written(void *opaque, uint64_t gpa, unsigned len)
{
    CodeLog *c = opaque;
    c->written++;
    c->last_gpa = gpa;
    c->last_len = len;
}

static void test_ram_below_and_above_4g_rule(void **state)
{
    /* QEMU pc layout: at most 3 GiB below 4 GiB, the rest from 4 GiB. The
     * test uses a small map with the split moved down to keep RAM small. */
    PhysMap pm;
    const char *err = NULL;
    assert_true(physmem_init(&pm, 1u << 20, &err));
    assert_int_equal(pm.ram_below_4g, 1u << 20);
    pm.ram_below_4g = 0x80000;     /* pretend 512 KiB below, 512 KiB above */
    assert_int_equal(physmem_ram_offset(&pm, 0x7ffff), 0x7ffff);
    assert_int_equal(physmem_ram_offset(&pm, 0x80000), UINT64_MAX);
    assert_int_equal(physmem_ram_offset(&pm, GPA_4G), 0x80000);
    assert_int_equal(physmem_ram_offset(&pm, GPA_4G + 0x7ffff), 0xfffff);
    assert_int_equal(physmem_ram_offset(&pm, GPA_4G + 0x80000), UINT64_MAX);
    physmem_write(&pm, GPA_4G + 8, 4, 0xdeadbeef);
    assert_int_equal(pm.ram[0x80008], 0xef);
    physmem_destroy(&pm);
}

static void test_ram_size_split_at_3g_rule(void **state)
{
    /* ram_below_4g = min(ram_size, 3 GiB). The allocation is lazy on
     * Linux hosts, so 4 GiB costs only the pages touched. */
    PhysMap pm;
    const char *err = NULL;
    if (!physmem_init(&pm, 4ull << 30, &err))
        skip();
    assert_int_equal(pm.ram_below_4g, PHYSMEM_DEFAULT_BELOW_4G);
    physmem_write(&pm, GPA_4G + (1ull << 30) - 8, 8, 0x0102030405060708ull);
    assert_int_equal(physmem_read(&pm, GPA_4G + (1ull << 30) - 8, 8), 0x0102030405060708ull);
    assert_null(physmem_ram_ptr(&pm, PHYSMEM_DEFAULT_BELOW_4G));
    physmem_destroy(&pm);
}

static void test_init_rejects_unaligned_size_rule(void **state)
{
    PhysMap pm;
    const char *err = NULL;
    assert_false(physmem_init(&pm, 4097, &err));
    assert_non_null(err);
}

static void test_ram_sized_access_little_endian_rule(void **state)
{
    PhysMap pm;
    const char *err;
    assert_true(physmem_init(&pm, 1u << 20, &err));
    physmem_write(&pm, 0x100, 8, 0x8877665544332211ull);
    assert_int_equal(physmem_read(&pm, 0x100, 1), 0x11);
    assert_int_equal(physmem_read(&pm, 0x101, 2), 0x3322);
    assert_int_equal(physmem_read(&pm, 0x104, 4), 0x88776655);
    /* A sized access may straddle the end of RAM into a hole. */
    physmem_write(&pm, (1u << 20) - 2, 4, 0xaabbccdd);
    assert_int_equal(physmem_read(&pm, (1u << 20) - 2, 4), 0xffffccdd);
    physmem_destroy(&pm);
}

static void test_hole_reads_ones_drops_writes_rule(void **state)
{
    PhysMap pm;
    const char *err;
    assert_true(physmem_init(&pm, 1u << 20, &err));
    physmem_write(&pm, 0x40000000, 4, 0);
    assert_int_equal(physmem_read(&pm, 0x40000000, 4), 0xffffffff);
    assert_int_equal(physmem_read(&pm, 0x40000000, 8), UINT64_MAX);
    uint8_t buf[5];
    physmem_read_buf(&pm, 0x40000000, buf, sizeof(buf));
    for (unsigned i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xff);
    physmem_destroy(&pm);
}

static void test_mmio_dispatch_sized_rule(void **state)
{
    PhysMap pm;
    MmioLog log = { 0 };
    const char *err;
    assert_true(physmem_init(&pm, 1u << 20, &err));
    assert_true(physmem_add_mmio(&pm, MMIO_BASE, 0x1000, &dev_ops, &log, "dev"));
    assert_int_equal(physmem_read(&pm, MMIO_BASE + 0x20, 4), 0x55667788);
    physmem_write(&pm, MMIO_BASE + 0x30, 2, 0xbeef);
    assert_int_equal(log.n, 2);
    assert_false(log.a[0].write);
    assert_int_equal(log.a[0].off, 0x20);
    assert_int_equal(log.a[0].size, 4);
    assert_true(log.a[1].write);
    assert_int_equal(log.a[1].off, 0x30);
    assert_int_equal(log.a[1].size, 2);
    assert_int_equal(log.a[1].val, 0xbeef);
    assert_null(physmem_ram_ptr(&pm, MMIO_BASE));
    physmem_destroy(&pm);
}

static void test_mmio_buffer_split_into_aligned_sizes_rule(void **state)
{
    /* A 16-byte buffer write starting 4 bytes into an 8-byte unit reaches
     * the device as 4 + 8 + 4 byte accesses. */
    PhysMap pm;
    MmioLog log = { 0 };
    const char *err;
    assert_true(physmem_init(&pm, 1u << 20, &err));
    assert_true(physmem_add_mmio(&pm, MMIO_BASE, 0x1000, &dev_ops, &log, "dev"));
    uint8_t buf[16];
    memset(buf, 0x5a, sizeof(buf));
    physmem_write_buf(&pm, MMIO_BASE + 4, buf, sizeof(buf));
    assert_int_equal(log.n, 3);
    assert_int_equal(log.a[0].size, 4);
    assert_int_equal(log.a[0].off, 4);
    assert_int_equal(log.a[1].size, 8);
    assert_int_equal(log.a[1].off, 8);
    assert_int_equal(log.a[2].size, 4);
    assert_int_equal(log.a[2].off, 16);
    physmem_destroy(&pm);
}

static void test_mmio_rejects_overlap_rule(void **state)
{
    PhysMap pm;
    MmioLog log = { 0 };
    const char *err;
    assert_true(physmem_init(&pm, 1u << 20, &err));
    assert_true(physmem_add_mmio(&pm, MMIO_BASE, 0x1000, &dev_ops, &log, "a"));
    assert_false(physmem_add_mmio(&pm, MMIO_BASE + 0xfff, 0x10, &dev_ops, &log, "b"));
    assert_false(physmem_add_mmio(&pm, 0x1000, 0x1000, &dev_ops, &log, "ram"));
    assert_true(physmem_add_mmio(&pm, MMIO_BASE + 0x1000, 0x10, &dev_ops, &log, "c"));
    physmem_destroy(&pm);
}

static void test_code_mark_calls_hook_once_rule(void **state)
{
    PhysMap pm;
    CodeLog c = { 0 };
    const char *err;
    assert_true(physmem_init(&pm, 1u << 20, &err));
    pm.code_marked = on_marked;
    pm.code_written = on_written;
    pm.code_opaque = &c;
    physmem_mark_code(&pm, 0x3456);
    physmem_mark_code(&pm, 0x3000);
    assert_int_equal(c.marked, 1);
    assert_int_equal(c.last_page, 0x3000);
    assert_true(physmem_is_code_page(&pm, 0x3fff));
    assert_false(physmem_is_code_page(&pm, 0x4000));
    physmem_clear_code(&pm, 0x3000);
    assert_false(physmem_is_code_page(&pm, 0x3000));
    physmem_destroy(&pm);
}

static void test_write_to_code_page_calls_code_written_rule(void **state)
{
    PhysMap pm;
    CodeLog c = { 0 };
    const char *err;
    assert_true(physmem_init(&pm, 1u << 20, &err));
    pm.code_written = on_written;
    pm.code_opaque = &c;
    physmem_write(&pm, 0x5000, 4, 1);     /* not code yet */
    assert_int_equal(c.written, 0);
    physmem_mark_code(&pm, 0x5000);
    physmem_write(&pm, 0x5010, 2, 0x9090);
    assert_int_equal(c.written, 1);
    assert_int_equal(c.last_gpa, 0x5010);
    assert_int_equal(c.last_len, 2);
    /* A buffer write crossing from a data page into the code page reports
     * only the bytes that landed on the code page. */
    uint8_t buf[8] = { 0 };
    physmem_write_buf(&pm, 0x4ffc, buf, sizeof(buf));
    assert_int_equal(c.written, 2);
    assert_int_equal(c.last_gpa, 0x5000);
    assert_int_equal(c.last_len, 4);
    physmem_destroy(&pm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ram_below_and_above_4g_rule),
        cmocka_unit_test(test_ram_size_split_at_3g_rule),
        cmocka_unit_test(test_init_rejects_unaligned_size_rule),
        cmocka_unit_test(test_ram_sized_access_little_endian_rule),
        cmocka_unit_test(test_hole_reads_ones_drops_writes_rule),
        cmocka_unit_test(test_mmio_dispatch_sized_rule),
        cmocka_unit_test(test_mmio_buffer_split_into_aligned_sizes_rule),
        cmocka_unit_test(test_mmio_rejects_overlap_rule),
        cmocka_unit_test(test_code_mark_calls_hook_once_rule),
        cmocka_unit_test(test_write_to_code_page_calls_code_written_rule),
    };
    return cmocka_run_group_tests_name("mmu_physmem", tests, NULL, NULL);
}
