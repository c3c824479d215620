/*
 * sim/tests/test_fw_cfg.c: QEMU's fw_cfg device on ports 0x510/0x511/0x514
 * (sim/devices/fw_cfg.c) as QEMU's docs/specs/fw_cfg.rst describes the
 * guest-side interface -- selector, data register, file directory, DMA --
 * and the items sim/firmware.c puts in it (vCPU counts, RAM size, command
 * line, etc/e820 matching the multiboot memory map).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "sim/devices/fw_cfg.h"
#include "sim/firmware.h"
#include "sim/ioport.h"
#include "sim/loader.h"

typedef struct Bench {
    PhysMap pm;
    IoPortMap io;
    FwCfg f;
    BootRam ram;
    uint32_t ids[64];
} Bench;

static Bench *bench_new(unsigned ncpus, uint64_t ram, const char *append)
{
    Bench *b = g_new0(Bench, 1);
    const char *why = NULL;
    /* Guest memory for DMA only; the items describe `ram` (laid out as
     * the machine lays it out: at most 3 GiB below 4 GiB). */
    assert_true(physmem_init(&b->pm, 16ull << 20, &why));
    ioport_init(&b->io);
    fw_cfg_init(&b->f, &b->pm);
    assert_true(ioport_register(&b->io, 0x510, FW_CFG_NPORTS, &fw_cfg_ops, &b->f,
                                "fw_cfg", &why));
    assert_true(ioport_register(&b->io, 0x514, FW_CFG_DMA_NPORTS,
                                &fw_cfg_dma_ops, &b->f, "fw_cfg dma", &why));
    for (unsigned i = 0; i < ncpus; i++)
        b->ids[i] = i;
    FirmwareInfo fi = { .ncpus = ncpus, .apic_ids = b->ids };
    BootRam br = { ram, MIN(ram, PHYSMEM_DEFAULT_BELOW_4G) };
    b->ram = br;
    firmware_fw_cfg(&b->f, &fi, &br, append);
    return b;
}

static void bench_free(Bench *b)
{
    fw_cfg_clear(&b->f);
    physmem_destroy(&b->pm);
    g_free(b);
}

static void sel(Bench *b, uint16_t key)
{
    assert_int_equal(ioport_out(&b->io, 0x510, 2, key), ST_OK);
}

static uint8_t data(Bench *b)
{
    uint32_t v = 0;
    assert_int_equal(ioport_in(&b->io, 0x511, 1, &v), ST_OK);
    return (uint8_t)v;
}

static void read_item(Bench *b, uint16_t key, void *buf, size_t n)
{
    sel(b, key);
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)buf)[i] = data(b);
}

static uint64_t read_le(Bench *b, uint16_t key, unsigned n)
{
    uint8_t buf[8] = { 0 };
    read_item(b, key, buf, n);
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)buf[i] << (8 * i);
    return v;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_signature_and_id_rule(void **state)
{
    Bench *b = bench_new(1, 128ull << 20, "");
    char sig[5] = { 0 };
    read_item(b, 0x0000, sig, 4);
    assert_string_equal(sig, "QEMU");
    /* Bit 0: traditional interface; bit 1: DMA. */
    assert_int_equal(read_le(b, 0x0001, 4), 3);
    uint8_t uuid[16];
    read_item(b, 0x0002, uuid, 16);
    for (int i = 0; i < 16; i++)
        assert_int_equal(uuid[i], 0);
    bench_free(b);
}

/* Selecting sets the offset to zero; reads past the end (or of an item
 * that does not exist) return 0; data writes are ignored. */
static void test_data_register_offset_rule(void **state)
{
    Bench *b = bench_new(1, 128ull << 20, "");
    sel(b, 0x0000);
    assert_int_equal(data(b), 'Q');
    assert_int_equal(data(b), 'E');
    assert_int_equal(ioport_out(&b->io, 0x511, 1, 'X'), ST_OK);
    assert_int_equal(data(b), 'M');
    assert_int_equal(data(b), 'U');
    assert_int_equal(data(b), 0);
    assert_int_equal(data(b), 0);
    sel(b, 0x0000);
    assert_int_equal(data(b), 'Q');
    sel(b, 0x0123);
    assert_int_equal(data(b), 0);
    /* The write-channel bit does not change the item read. */
    sel(b, 0x4000);
    assert_int_equal(data(b), 'Q');
    /* A 16-bit read of the selector port returns one data byte. */
    uint32_t v = 0;
    assert_int_equal(ioport_in(&b->io, 0x510, 2, &v), ST_OK);
    assert_int_equal(v, 'E');
    bench_free(b);
}

static void check_counts(unsigned ncpus, uint64_t ram)
{
    Bench *b = bench_new(ncpus, ram, "");
    assert_int_equal(read_le(b, 0x0005, 2), ncpus);  /* NB_CPUS */
    assert_int_equal(read_le(b, 0x000f, 2), ncpus);  /* MAX_CPUS */
    assert_int_equal(read_le(b, 0x0003, 8), ram);    /* RAM_SIZE */
    assert_int_equal(read_le(b, 0x8002, 4), 1);      /* IRQ0_OVERRIDE */
    bench_free(b);
}

static void test_cpus_and_ram_smp1_m128_rule(void **state) { check_counts(1, 128ull << 20); }
static void test_cpus_and_ram_smp4_m256_rule(void **state) { check_counts(4, 256ull << 20); }
static void test_cpus_and_ram_smp64_m4g_rule(void **state) { check_counts(64, 4ull << 30); }

static void test_cmdline_is_the_append_string_rule(void **state)
{
    Bench *b = bench_new(1, 64ull << 20, "console=ttyS0 quiet");
    uint32_t n = (uint32_t)read_le(b, 0x0014, 4);
    assert_int_equal(n, strlen("console=ttyS0 quiet") + 1);
    char buf[64];
    read_item(b, 0x0015, buf, n);
    assert_string_equal(buf, "console=ttyS0 quiet");
    bench_free(b);
    b = bench_new(1, 64ull << 20, "");
    assert_int_equal(read_le(b, 0x0014, 4), 1);
    assert_int_equal(read_le(b, 0x0015, 1), 0);
    bench_free(b);
}

/* The directory: be32 count, then 64-byte entries (be32 size, be16
 * select, be16 reserved, name), sorted by name. */
static void test_file_directory_format_rule(void **state)
{
    Bench *b = bench_new(1, 128ull << 20, "");
    uint8_t hdr[4];
    read_item(b, 0x0019, hdr, 4);
    uint32_t n = be32(hdr);
    assert_int_equal(n, 2);
    uint8_t *dir = g_malloc(4 + 64 * n);
    read_item(b, 0x0019, dir, 4 + 64 * n);
    const char *prev = "";
    bool e820 = false, wait = false;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = dir + 4 + 64 * i;
        uint16_t key = (uint16_t)(e[4] << 8 | e[5]);
        const char *name = (const char *)e + 8;
        assert_true(key >= 0x20);
        assert_int_equal(e[6] | e[7], 0);
        assert_true(memchr(name, 0, 56) != NULL);
        assert_true(strcmp(prev, name) < 0);
        prev = name;
        /* The size in the directory is the item's size. */
        const FwCfgItem *it = fw_cfg_item(&b->f, key);
        assert_non_null(it);
        assert_int_equal(be32(e), it->len);
        if (!strcmp(name, "etc/e820"))
            e820 = true;
        if (!strcmp(name, "etc/boot-fail-wait")) {
            wait = true;
            assert_int_equal(be32(e), 4);
            assert_int_equal(read_le(b, key, 4), 0xffffffffu);
        }
    }
    assert_true(e820 && wait);
    g_free(dir);
    bench_free(b);
}

/* etc/e820 is the multiboot memory map: same ranges, same types, and its
 * RAM adds up to the RAM size. */
static void check_e820(uint64_t ram)
{
    Bench *b = bench_new(1, ram, "");
    uint16_t key = fw_cfg_file_key(&b->f, "etc/e820");
    assert_int_not_equal(key, 0);
    const FwCfgItem *it = fw_cfg_item(&b->f, key);
    E820Entry map[E820_MAX_ENTRIES];
    unsigned n = loader_e820_map(&b->ram, map);
    assert_int_equal(n, ram > PHYSMEM_DEFAULT_BELOW_4G ? 5 : 4);
    assert_int_equal(it->len, n * 20);
    uint64_t total = 0;
    uint8_t buf[E820_MAX_ENTRIES * 20];
    read_item(b, key, buf, it->len);
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *e = buf + 20 * i;
        uint64_t base = 0, len = 0;
        for (int k = 0; k < 8; k++) {
            base |= (uint64_t)e[k] << (8 * k);
            len |= (uint64_t)e[8 + k] << (8 * k);
        }
        uint32_t type = e[16] | e[17] << 8 | e[18] << 16 | (uint32_t)e[19] << 24;
        assert_int_equal(base, map[i].base);
        assert_int_equal(len, map[i].len);
        assert_int_equal(type, map[i].type);
        if (type == 1)
            total += len;
    }
    /* Available RAM: all but the 0x9FC00-0xFFFFF hole. */
    assert_int_equal(total, ram - (0x100000 - 0x9fc00));
    bench_free(b);
}

static void test_e820_matches_multiboot_map_128m_rule(void **state) { check_e820(128ull << 20); }
static void test_e820_matches_multiboot_map_4g_rule(void **state) { check_e820(4ull << 30); }

/* ---- DMA ---- */

static void dma_desc(Bench *b, uint64_t at, uint32_t control, uint32_t len,
                     uint64_t addr)
{
    uint8_t d[16];
    for (int i = 0; i < 4; i++) {
        d[i] = (uint8_t)(control >> (24 - 8 * i));
        d[4 + i] = (uint8_t)(len >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++)
        d[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
    physmem_write_buf(&b->pm, at, d, sizeof(d));
}

/* The guest writes the big-endian halves with OUTL: the value in EAX is
 * the byte-swapped number. */
static void dma_go(Bench *b, uint64_t at)
{
    assert_int_equal(ioport_out(&b->io, 0x514, 4,
                                GUINT32_SWAP_LE_BE((uint32_t)(at >> 32))), ST_OK);
    assert_int_equal(ioport_out(&b->io, 0x518, 4,
                                GUINT32_SWAP_LE_BE((uint32_t)at)), ST_OK);
}

static uint32_t dma_control(Bench *b, uint64_t at)
{
    uint8_t c[4];
    physmem_read_buf(&b->pm, at, c, 4);
    return be32(c);
}

static void test_dma_select_and_read_rule(void **state)
{
    Bench *b = bench_new(4, 64ull << 20, "");
    uint8_t junk[16];
    memset(junk, 0xaa, sizeof(junk));
    physmem_write_buf(&b->pm, 0x3000, junk, sizeof(junk));
    /* Select SIGNATURE and read 8 bytes: 4 of data, then zeroes. */
    dma_desc(b, 0x2000, 0x0000u << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 8,
             0x3000);
    dma_go(b, 0x2000);
    assert_int_equal(dma_control(b, 0x2000), 0);
    uint8_t out[9];
    physmem_read_buf(&b->pm, 0x3000, out, 9);
    assert_memory_equal(out, "QEMU\0\0\0\0", 8);
    assert_int_equal(out[8], 0xaa);            /* nothing past length */
    /* Skip then read continue at the item's offset. */
    dma_desc(b, 0x2000, 0x0005u << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_SKIP, 1, 0);
    dma_go(b, 0x2000);
    assert_int_equal(dma_control(b, 0x2000), 0);
    dma_desc(b, 0x2000, FW_CFG_DMA_READ, 1, 0x3100);
    dma_go(b, 0x2000);
    physmem_read_buf(&b->pm, 0x3100, out, 1);
    assert_int_equal(out[0], 0);               /* NB_CPUS high byte of 4 */
    /* The legacy data port continues where DMA left the offset. */
    assert_int_equal(data(b), 0);
    sel(b, 0x0005);
    assert_int_equal(data(b), 4);
    bench_free(b);
}

static void test_dma_write_sets_error_rule(void **state)
{
    Bench *b = bench_new(1, 64ull << 20, "");
    dma_desc(b, 0x2000, 0x0003u << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_WRITE, 4,
             0x3000);
    dma_go(b, 0x2000);
    assert_int_equal(dma_control(b, 0x2000) & FW_CFG_DMA_ERROR, FW_CFG_DMA_ERROR);
    bench_free(b);
}

/* Reading the DMA register gives "QEMU CFG", most significant byte at
 * the lowest port. */
static void test_dma_register_signature_rule(void **state)
{
    Bench *b = bench_new(1, 64ull << 20, "");
    uint32_t hi = 0, lo = 0;
    assert_int_equal(ioport_in(&b->io, 0x514, 4, &hi), ST_OK);
    assert_int_equal(ioport_in(&b->io, 0x518, 4, &lo), ST_OK);
    uint64_t sig = (uint64_t)GUINT32_SWAP_LE_BE(hi) << 32 | GUINT32_SWAP_LE_BE(lo);
    assert_int_equal(sig, 0x51454d5520434647ull);
    bench_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_and_id_rule),
        cmocka_unit_test(test_data_register_offset_rule),
        cmocka_unit_test(test_cpus_and_ram_smp1_m128_rule),
        cmocka_unit_test(test_cpus_and_ram_smp4_m256_rule),
        cmocka_unit_test(test_cpus_and_ram_smp64_m4g_rule),
        cmocka_unit_test(test_cmdline_is_the_append_string_rule),
        cmocka_unit_test(test_file_directory_format_rule),
        cmocka_unit_test(test_e820_matches_multiboot_map_128m_rule),
        cmocka_unit_test(test_e820_matches_multiboot_map_4g_rule),
        cmocka_unit_test(test_dma_select_and_read_rule),
        cmocka_unit_test(test_dma_write_sets_error_rule),
        cmocka_unit_test(test_dma_register_signature_rule),
    };
    return cmocka_run_group_tests_name("sim_fw_cfg", tests, NULL, NULL);
}
