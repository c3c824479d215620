/*
 * sim/tests/test_loader.c: the kernel loaders against images built here:
 * Multiboot 1 (Multiboot Specification 0.6.96 3.1 header, 3.1.3 a.out
 * kludge, 3.2 machine state, 3.3 boot information) in ELF32, ELF64 and
 * a.out-kludge form, plain ELF64 with vmxsim's long-mode entry, modules,
 * and every kind of bad input the loader must refuse with a message naming
 * the file and what was expected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>

#include "cpu/cpu.h"
#include "sim/loader.h"

#define MB_MAGIC 0x1badb002u
#define RAM_128M (128ull << 20)

typedef struct Fx {
    char *dir;
    BootRam ram;
    PhysMap pm;
} Fx;

static int fx_setup(void **state)
{
    Fx *f = g_new0(Fx, 1);
    f->dir = g_dir_make_tmp("vmxsim-loader-XXXXXX", NULL);
    f->ram = (BootRam){ RAM_128M, RAM_128M };
    const char *err;
    assert_true(physmem_init(&f->pm, RAM_128M, &err));
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    Fx *f = *state;
    GDir *d = g_dir_open(f->dir, 0, NULL);
    for (const char *n; d && (n = g_dir_read_name(d));) {
        g_autofree char *p = g_build_filename(f->dir, n, NULL);
        g_remove(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(f->dir);
    g_free(f->dir);
    physmem_destroy(&f->pm);
    g_free(f);
    return 0;
}

static void put16(GByteArray *b, size_t off, uint16_t v)
{
    if (b->len < off + 2) g_byte_array_set_size(b, (guint)(off + 2));
    b->data[off] = (uint8_t)v;
    b->data[off + 1] = (uint8_t)(v >> 8);
}
static void put32(GByteArray *b, size_t off, uint32_t v)
{
    put16(b, off, (uint16_t)v);
    put16(b, off + 2, (uint16_t)(v >> 16));
}
static void put64(GByteArray *b, size_t off, uint64_t v)
{
    put32(b, off, (uint32_t)v);
    put32(b, off + 4, (uint32_t)(v >> 32));
}

static GByteArray *zeroed(size_t len)
{
    GByteArray *b = g_byte_array_sized_new((guint)len);
    g_byte_array_set_size(b, (guint)len);
    memset(b->data, 0, len);
    return b;
}

static void put_mb_header(GByteArray *b, size_t off, uint32_t flags)
{
    put32(b, off, MB_MAGIC);
    put32(b, off + 4, flags);
    put32(b, off + 8, (uint32_t)(0u - MB_MAGIC - flags));
}

typedef struct Seg {
    uint64_t offset, vaddr, paddr, filesz, memsz;
} Seg;

/* An ELF executable: header, program headers at 0x40 (ELF32: 0x34), then
 * whatever the caller puts at the segment offsets. */
static GByteArray *mk_elf(bool is64, uint64_t entry, const Seg *segs,
                          unsigned nseg, size_t len)
{
    GByteArray *b = zeroed(len);
    uint8_t *d = b->data;
    d[0] = 0x7f; d[1] = 'E'; d[2] = 'L'; d[3] = 'F';
    d[4] = is64 ? 2 : 1;
    d[5] = 1;
    d[6] = 1;
    put16(b, 16, 2);                           /* ET_EXEC */
    put16(b, 18, is64 ? 62 : 3);
    put32(b, 20, 1);
    if (is64) {
        put64(b, 24, entry);
        put64(b, 32, 64);                      /* e_phoff */
        put16(b, 52, 64);
        put16(b, 54, 56);
        put16(b, 56, (uint16_t)nseg);
        for (unsigned i = 0; i < nseg; i++) {
            size_t p = 64 + i * 56;
            put32(b, p, 1);                    /* PT_LOAD */
            put32(b, p + 4, 7);
            put64(b, p + 8, segs[i].offset);
            put64(b, p + 16, segs[i].vaddr);
            put64(b, p + 24, segs[i].paddr);
            put64(b, p + 32, segs[i].filesz);
            put64(b, p + 40, segs[i].memsz);
            put64(b, p + 48, 0x1000);
        }
    } else {
        put32(b, 24, (uint32_t)entry);
        put32(b, 28, 52);
        put16(b, 40, 52);
        put16(b, 42, 32);
        put16(b, 44, (uint16_t)nseg);
        for (unsigned i = 0; i < nseg; i++) {
            size_t p = 52 + i * 32;
            put32(b, p, 1);
            put32(b, p + 4, (uint32_t)segs[i].offset);
            put32(b, p + 8, (uint32_t)segs[i].vaddr);
            put32(b, p + 12, (uint32_t)segs[i].paddr);
            put32(b, p + 16, (uint32_t)segs[i].filesz);
            put32(b, p + 20, (uint32_t)segs[i].memsz);
            put32(b, p + 24, 7);
        }
    }
    return b;
}

static char *save(Fx *f, const char *name, GByteArray *b)
{
    char *p = g_build_filename(f->dir, name, NULL);
    assert_true(g_file_set_contents(p, (const char *)b->data, b->len, NULL));
    g_byte_array_unref(b);
    return p;
}

/* The usual image: ELF32, one segment at 1 MiB with 8 KiB of memory, 0x40
 * bytes of file data (a multiboot header and code pattern at 0x100). */
static char *std_elf32(Fx *f, uint32_t flags)
{
    Seg s = { 0x100, 0x100000, 0x100000, 0x40, 0x2000 };
    GByteArray *b = mk_elf(false, 0x100010, &s, 1, 0x140);
    put_mb_header(b, 0x100, flags);
    for (int i = 0x10; i < 0x40; i++)
        b->data[0x100 + i] = (uint8_t)(0xa0 + i);
    return save(f, "k32.elf", b);
}

static uint32_t rd32(Fx *f, uint64_t gpa)
{
    return (uint32_t)physmem_read(&f->pm, gpa, 4);
}

static char *rdstr(Fx *f, uint64_t gpa)
{
    GString *s = g_string_new(NULL);
    for (uint8_t c; (c = (uint8_t)physmem_read(&f->pm, gpa, 1)); gpa++)
        g_string_append_c(s, (char)c);
    return g_string_free(s, FALSE);
}

static bool prepare(Fx *f, const char *kernel, const char *append,
                    const char *initrd, BootPlan *plan, GError **err)
{
    BootRequest req = { kernel, append, initrd };
    return loader_prepare(&req, &f->ram, plan, err);
}

static char *prepare_error(Fx *f, const char *kernel, const char *initrd)
{
    BootPlan plan;
    GError *err = NULL;
    assert_false(prepare(f, kernel, NULL, initrd, &plan, &err));
    char *m = g_strdup(err->message);
    g_error_free(err);
    return m;
}

/* Multiboot ELF32: segments at p_paddr, BSS zeroed, entry = e_entry. */
static void test_mb_elf32_loads_segments_and_zeroes_bss(void **state)
{
    Fx *f = *state;
    g_autofree char *k = std_elf32(f, 0x3);
    BootPlan plan;
    GError *err = NULL;
    assert_true(prepare(f, k, "console=ttyS0", NULL, &plan, &err));
    assert_int_equal(plan.kind, BOOT_PROT32);
    assert_int_equal(plan.entry, 0x100010);
    const BootChunk *c = &g_array_index(plan.chunks, BootChunk, 0);
    assert_int_equal(c->gpa, 0x100000);
    assert_int_equal(c->len, 0x2000);
    assert_int_equal(c->data_len, 0x40);
    memset(f->pm.ram, 0xcc, 4u << 20);
    loader_apply(&plan, &f->pm);
    assert_int_equal(rd32(f, 0x100000), MB_MAGIC);
    assert_int_equal(physmem_read(&f->pm, 0x10003f, 1), 0xa0 + 0x3f);
    assert_int_equal(physmem_read(&f->pm, 0x100040, 8), 0);
    assert_int_equal(physmem_read(&f->pm, 0x101ff8, 8), 0);
    assert_int_equal(physmem_read(&f->pm, 0x102000, 1), 0xcc);
    boot_plan_clear(&plan);
}

/* 3.3 Boot information: flags, mem_lower/upper, cmdline "KERNEL APPEND"
 * (QEMU), boot loader name, e820-style memory map. */
static void test_mb_info_structure_as_spec(void **state)
{
    Fx *f = *state;
    g_autofree char *k = std_elf32(f, 0x3);
    BootPlan plan;
    GError *err = NULL;
    assert_true(prepare(f, k, "a=1 b", NULL, &plan, &err));
    loader_apply(&plan, &f->pm);
    uint64_t mbi = plan.info_addr;
    assert_true(mbi >= 0x1000 && mbi + 128 <= LOW_RAM_END);
    uint32_t flags = rd32(f, mbi);
    assert_int_equal(flags, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
    assert_int_equal(rd32(f, mbi + 4), 639);
    assert_int_equal(rd32(f, mbi + 8), (RAM_128M - (1u << 20)) >> 10);
    g_autofree char *cmd = rdstr(f, rd32(f, mbi + 16));
    g_autofree char *want = g_strdup_printf("%s a=1 b", k);
    assert_string_equal(cmd, want);
    assert_int_equal(rd32(f, mbi + 20), 0);            /* mods_count */
    g_autofree char *name = rdstr(f, rd32(f, mbi + 64));
    assert_string_equal(name, "vmxsim");
    uint32_t mlen = rd32(f, mbi + 44), maddr = rd32(f, mbi + 48);
    assert_int_equal(mlen, 4 * 24);
    static const uint64_t want_map[4][3] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
        { 0x100000, RAM_128M - 0x100000, 1 },
    };
    for (int i = 0; i < 4; i++) {
        uint64_t e = maddr + 24u * i;
        assert_int_equal(rd32(f, e), 20);
        assert_int_equal(physmem_read(&f->pm, e + 4, 8), want_map[i][0]);
        assert_int_equal(physmem_read(&f->pm, e + 12, 8), want_map[i][1]);
        assert_int_equal(rd32(f, e + 20), want_map[i][2]);
    }
    boot_plan_clear(&plan);
}

/* RAM above 4 GiB appears as its own available range; mem_upper counts
 * only memory below the hole. */
static void test_mb_mmap_reports_ram_above_4g(void **state)
{
    Fx *f = *state;
    f->ram = (BootRam){ 4ull << 30, 3ull << 30 };
    g_autofree char *k = std_elf32(f, 0x3);
    BootPlan plan;
    GError *err = NULL;
    assert_true(prepare(f, k, NULL, NULL, &plan, &err));
    const BootChunk *area = &g_array_index(plan.chunks, BootChunk, plan.chunks->len - 1);
    const uint8_t *mbi = area->data + (plan.info_addr - area->gpa);
    uint32_t mlen, maddr, upper;
    memcpy(&upper, mbi + 8, 4);
    memcpy(&mlen, mbi + 44, 4);
    memcpy(&maddr, mbi + 48, 4);
    assert_int_equal(upper, ((3ull << 30) - (1u << 20)) >> 10);
    assert_int_equal(mlen, 5 * 24);
    const uint8_t *e = area->data + (maddr - area->gpa) + 4 * 24;
    uint64_t base, len;
    memcpy(&base, e + 4, 8);
    memcpy(&len, e + 12, 8);
    assert_int_equal(base, 1ull << 32);
    assert_int_equal(len, 1ull << 30);
    boot_plan_clear(&plan);
}

/* Multiboot ELF64: loaded by physical address, the entry translated from
 * the virtual e_entry through its segment. */
static void test_mb_elf64_entry_is_physical(void **state)
{
    Fx *f = *state;
    Seg s = { 0x1000, 0xffffffff80200000ull, 0x200000, 0x100, 0x100 };
    GByteArray *b = mk_elf(true, 0xffffffff80200020ull, &s, 1, 0x1100);
    put_mb_header(b, 0x1000, 0x0);
    g_autofree char *k = save(f, "k64mb.elf", b);
    BootPlan plan;
    GError *err = NULL;
    assert_true(prepare(f, k, NULL, NULL, &plan, &err));
    assert_int_equal(plan.kind, BOOT_PROT32);
    assert_int_equal(plan.entry, 0x200020);
    boot_plan_clear(&plan);
}

/* 3.1.3: with flag 16 the address fields say what to load, even from an
 * ELF file; load_end_addr 0 = to the end of the file, BSS to bss_end. */
static void test_mb_aout_kludge_uses_address_fields(void **state)
{
    Fx *f = *state;
    GByteArray *b = zeroed(0x300);
    put_mb_header(b, 0x40, 0x00010002);
    put32(b, 0x4c, 0x100040);                  /* header_addr */
    put32(b, 0x50, 0x100000);                  /* load_addr */
    put32(b, 0x54, 0);                         /* load_end: whole file */
    put32(b, 0x58, 0x104000);                  /* bss_end */
    put32(b, 0x5c, 0x100080);                  /* entry */
    b->data[0x2ff] = 0x5a;
    g_autofree char *k = save(f, "aout.bin", b);
    BootPlan plan;
    GError *err = NULL;
    assert_true(prepare(f, k, NULL, NULL, &plan, &err));
    assert_int_equal(plan.entry, 0x100080);
    const BootChunk *c = &g_array_index(plan.chunks, BootChunk, 0);
    assert_int_equal(c->gpa, 0x100000);
    assert_int_equal(c->data_len, 0x300);
    assert_int_equal(c->len, 0x4000);
    loader_apply(&plan, &f->pm);
    assert_int_equal(physmem_read(&f->pm, 0x1002ff, 1), 0x5a);
    boot_plan_clear(&plan);
}

/* The a.out kludge takes a file offset: header_addr - load_addr bytes
 * before the header. */
static void test_mb_aout_kludge_offset_and_truncation(void **state)
{
    Fx *f = *state;
    GByteArray *b = zeroed(0x200);
    put_mb_header(b, 0x100, 0x00010000);
    put32(b, 0x10c, 0x200000);                 /* header_addr */
    put32(b, 0x110, 0x1fff00);                 /* load_addr: file offset 0 */
    put32(b, 0x114, 0x200400);                 /* load_end beyond the file */
    put32(b, 0x118, 0);
    put32(b, 0x11c, 0x200000);
    g_autofree char *k = save(f, "aout-trunc.bin", b);
    g_autofree char *msg = prepare_error(f, k, NULL);
    assert_non_null(strstr(msg, "truncated: a.out kludge loads 0x500 bytes"));
    assert_true(g_str_has_prefix(msg, k));
}

/* Plain ELF64: identity map of 4 GiB with 2-MByte pages, 64-bit entry. */
static void test_plain_elf64_builds_identity_paging(void **state)
{
    Fx *f = *state;
    Seg s = { 0x1000, 0x400000, 0x400000, 0x10, 0x1000 };
    GByteArray *b = mk_elf(true, 0x400000, &s, 1, 0x1010);
    g_autofree char *k = save(f, "plain64.elf", b);
    BootPlan plan;
    GError *err = NULL;
    assert_true(prepare(f, k, NULL, NULL, &plan, &err));
    assert_int_equal(plan.kind, BOOT_LONG64);
    assert_int_equal(plan.entry, 0x400000);
    assert_true(plan.cr3 && plan.cr3 < LOW_RAM_END && !(plan.cr3 & 0xfff));
    assert_true(plan.stack_top <= LOW_RAM_END);
    loader_apply(&plan, &f->pm);
    uint64_t pml4e = physmem_read(&f->pm, plan.cr3, 8);
    assert_int_equal(pml4e & 3, 3);
    uint64_t pdpt = pml4e & ~0xfffull;
    for (unsigned g = 0; g < 4; g++) {
        uint64_t pdpte = physmem_read(&f->pm, pdpt + 8 * g, 8);
        assert_int_equal(pdpte & 3, 3);
        uint64_t pde = physmem_read(&f->pm, (pdpte & ~0xfffull) + 8 * 5, 8);
        assert_int_equal(pde, ((uint64_t)g << 30) + (5u << 21) + 0x83);
    }
    assert_int_equal(physmem_read(&f->pm, pdpt + 8 * 4, 8), 0);
    boot_plan_clear(&plan);
}

/* -initrd "path args,path2": modules page-aligned after the kernel, each
 * with its whole string; ",," is a comma (QEMU). */
static void test_mb_modules_follow_kernel(void **state)
{
    Fx *f = *state;
    g_autofree char *k = std_elf32(f, 0x1);
    GByteArray *m1 = zeroed(5000);
    m1->data[0] = 'M';
    m1->data[4999] = 'E';
    g_autofree char *p1 = save(f, "mod1", m1);
    GByteArray *m2 = zeroed(3);
    g_autofree char *p2 = save(f, "mod2", m2);
    g_autofree char *initrd = g_strdup_printf("%s x=1,,2,%s", p1, p2);
    BootPlan plan;
    GError *err = NULL;
    assert_true(prepare(f, k, NULL, initrd, &plan, &err));
    loader_apply(&plan, &f->pm);
    uint64_t mbi = plan.info_addr;
    assert_int_equal(rd32(f, mbi + 20), 2);
    uint32_t mods = rd32(f, mbi + 24);
    uint32_t s0 = rd32(f, mods), e0 = rd32(f, mods + 4);
    uint32_t s1 = rd32(f, mods + 16), e1 = rd32(f, mods + 20);
    assert_int_equal(s0, 0x102000);
    assert_int_equal(e0, 0x102000 + 5000);
    assert_int_equal(s1 % 4096, 0);
    assert_true(s1 >= e0);
    assert_int_equal(e1 - s1, 3);
    assert_int_equal(physmem_read(&f->pm, s0, 1), 'M');
    assert_int_equal(physmem_read(&f->pm, e0 - 1, 1), 'E');
    g_autofree char *str0 = rdstr(f, rd32(f, mods + 8));
    g_autofree char *want0 = g_strdup_printf("%s x=1,2", p1);
    assert_string_equal(str0, want0);
    g_autofree char *str1 = rdstr(f, rd32(f, mods + 24));
    assert_string_equal(str1, p2);
    boot_plan_clear(&plan);
}

/* An image in conventional memory: the boot information goes elsewhere
 * below 0x9FC00, never over the image. */
static void test_boot_area_avoids_low_image(void **state)
{
    Fx *f = *state;
    Seg s = { 0x100, 0x8f000, 0x8f000, 0x40, 0x10000 };
    GByteArray *b = mk_elf(false, 0x8f010, &s, 1, 0x140);
    put_mb_header(b, 0x100, 0);
    g_autofree char *k = save(f, "low.elf", b);
    BootPlan plan;
    GError *err = NULL;
    assert_true(prepare(f, k, NULL, NULL, &plan, &err));
    const BootChunk *area = &g_array_index(plan.chunks, BootChunk, plan.chunks->len - 1);
    assert_true(area->gpa + area->len <= 0x8f000 ||
                area->gpa >= 0x9f000);
    assert_true(area->gpa + area->len <= LOW_RAM_END);
    boot_plan_clear(&plan);
}

static void test_bad_truncated_elf_header(void **state)
{
    Fx *f = *state;
    Seg s = { 0x100, 0x100000, 0x100000, 0x40, 0x40 };
    GByteArray *b = mk_elf(true, 0x100000, &s, 1, 0x140);
    g_byte_array_set_size(b, 40);
    g_autofree char *k = save(f, "trunc.elf", b);
    g_autofree char *msg = prepare_error(f, k, NULL);
    /* 40 bytes: too short to be ELF64 x86-64, and no multiboot header. */
    assert_non_null(strstr(msg, "not a bootable image"));
    assert_true(g_str_has_prefix(msg, k));
}

static void test_bad_program_headers_past_end(void **state)
{
    Fx *f = *state;
    Seg s = { 0x100, 0x100000, 0x100000, 0x40, 0x40 };
    GByteArray *b = mk_elf(true, 0x100000, &s, 1, 0x140);
    put64(b, 32, 0x130);                       /* e_phoff near the end */
    g_autofree char *k = save(f, "phoff.elf", b);
    g_autofree char *msg = prepare_error(f, k, NULL);
    assert_non_null(strstr(msg, "truncated or corrupt: program headers at 0x130"));
}

static void test_bad_segment_past_end_of_file(void **state)
{
    Fx *f = *state;
    Seg s = { 0x100, 0x100000, 0x100000, 0x1000, 0x1000 };
    GByteArray *b = mk_elf(false, 0x100000, &s, 1, 0x140);
    put_mb_header(b, 0x100, 0);
    g_autofree char *k = save(f, "seg.elf", b);
    g_autofree char *msg = prepare_error(f, k, NULL);
    assert_non_null(strstr(msg, "segment data at 0x100 + 0x1000 extends past "
                            "the end of the file (320 bytes)"));
}

static void test_bad_image_past_ram_end(void **state)
{
    Fx *f = *state;
    Seg s = { 0x100, 0x7ff0000, 0x7ff0000, 0x40, 0x20000 };
    GByteArray *b = mk_elf(false, 0x7ff0000, &s, 1, 0x140);
    put_mb_header(b, 0x100, 0);
    g_autofree char *k = save(f, "big.elf", b);
    g_autofree char *msg = prepare_error(f, k, NULL);
    assert_non_null(strstr(msg, "segment 0 at 0x7ff0000-0x800ffff lies beyond "
                            "the end of RAM"));
}

static void test_bad_image_in_reserved_low_area(void **state)
{
    Fx *f = *state;
    Seg s = { 0x100, 0xa0000, 0xa0000, 0x40, 0x40 };
    GByteArray *b = mk_elf(false, 0xa0000, &s, 1, 0x140);
    put_mb_header(b, 0x100, 0);
    g_autofree char *k = save(f, "vga.elf", b);
    g_autofree char *msg = prepare_error(f, k, NULL);
    assert_non_null(strstr(msg, "overlaps the reserved area 0x9fc00-0xfffff"));
}

static void test_bad_no_multiboot_header_elf32(void **state)
{
    Fx *f = *state;
    Seg s = { 0x100, 0x100000, 0x100000, 0x40, 0x40 };
    GByteArray *b = mk_elf(false, 0x100000, &s, 1, 0x140);
    g_autofree char *k = save(f, "nomb.elf", b);
    g_autofree char *msg = prepare_error(f, k, NULL);
    g_autofree char *want = g_strdup_printf("%s: not a bootable image: expected "
        "a Multiboot 1 header (magic 0x1badb002) in the first 8 KiB or an "
        "ELF64 x86-64 executable", k);
    assert_string_equal(msg, want);
}

static void test_bad_header_beyond_8k_not_found(void **state)
{
    Fx *f = *state;
    Seg s = { 0x2100, 0x100000, 0x100000, 0x40, 0x40 };
    GByteArray *b = mk_elf(false, 0x100000, &s, 1, 0x2140);
    put_mb_header(b, 0x2000, 0);
    g_autofree char *k = save(f, "late.elf", b);
    g_autofree char *msg = prepare_error(f, k, NULL);
    assert_non_null(strstr(msg, "not a bootable image"));
}

static void test_bad_checksum_and_unknown_required_flag(void **state)
{
    Fx *f = *state;
    GByteArray *b = zeroed(0x100);
    put32(b, 0x20, MB_MAGIC);
    put32(b, 0x24, 0);
    put32(b, 0x28, 1);
    g_autofree char *k = save(f, "sum.bin", b);
    g_autofree char *msg = prepare_error(f, k, NULL);
    assert_non_null(strstr(msg, "multiboot header at offset 0x20 has a bad "
                            "checksum"));
    GByteArray *b2 = zeroed(0x100);
    put_mb_header(b2, 0, 0x8);                 /* bit 3: unknown, required */
    g_autofree char *k2 = save(f, "flag.bin", b2);
    g_autofree char *msg2 = prepare_error(f, k2, NULL);
    assert_non_null(strstr(msg2, "bits 0x8"));
}

static void test_bad_missing_files(void **state)
{
    Fx *f = *state;
    g_autofree char *msg = prepare_error(f, "/nonexistent/kernel", NULL);
    assert_true(g_str_has_prefix(msg, "/nonexistent/kernel: cannot read the kernel"));
    g_autofree char *k = std_elf32(f, 0);
    g_autofree char *msg2 = prepare_error(f, k, "/nonexistent/mod arg");
    assert_true(g_str_has_prefix(msg2, "/nonexistent/mod: cannot read the module"));
}

static void test_bad_entry_outside_image(void **state)
{
    Fx *f = *state;
    Seg s = { 0x100, 0x100000, 0x100000, 0x40, 0x40 };
    GByteArray *b = mk_elf(false, 0x300000, &s, 1, 0x140);
    put_mb_header(b, 0x100, 0);
    g_autofree char *k = save(f, "entry.elf", b);
    g_autofree char *msg = prepare_error(f, k, NULL);
    assert_non_null(strstr(msg, "entry point 0x300000 is outside the loaded image"));
}

static void test_bad_overlapping_segments(void **state)
{
    Fx *f = *state;
    Seg s[2] = { { 0x100, 0x100000, 0x100000, 0x40, 0x2000 },
                 { 0x100, 0x101000, 0x101000, 0x40, 0x40 } };
    GByteArray *b = mk_elf(false, 0x100010, s, 2, 0x140);
    put_mb_header(b, 0x100, 0);
    g_autofree char *k = save(f, "ovl.elf", b);
    g_autofree char *msg = prepare_error(f, k, NULL);
    assert_non_null(strstr(msg, "segment 0 (0x100000) and segment 1 (0x101000) overlap"));
}

/* 3.2 Machine state: EAX magic, EBX info, flat 32-bit CS/DS, PE=1, PG=0,
 * IF=0. */
static void test_enter_multiboot_machine_state(void **state)
{
    Fx *f = *state;
    g_autofree char *k = std_elf32(f, 0);
    BootPlan plan;
    GError *err = NULL;
    assert_true(prepare(f, k, NULL, NULL, &plan, &err));
    CpuModel model = { 0 };
    Cpu cpu;
    cpu_init(&cpu, 0, &model, &f->pm, NULL, NULL, NULL);
    cpu_reset(&cpu);
    loader_enter(&plan, &cpu);
    assert_int_equal(cpu.gpr[R_RAX], 0x2badb002);
    assert_int_equal(cpu.gpr[R_RBX], plan.info_addr);
    assert_int_equal(cpu.rip, 0x100010);
    assert_int_equal(cpu.cr0 & (CR0_PE | CR0_PG), CR0_PE);
    assert_int_equal(cpu.rflags & RFLAGS_IF, 0);
    assert_int_equal(cpu.mode, MODE_PROT);
    assert_int_equal(cpu.code_size, 4);
    assert_int_equal(cpu.cpl, 0);
    assert_int_equal(cpu.seg[SEG_CS].base, 0);
    assert_int_equal(cpu.seg[SEG_CS].limit, 0xffffffffu);
    assert_int_equal(cpu.seg[SEG_CS].ar & AR_TYPE_CODE, AR_TYPE_CODE);
    assert_int_equal(cpu.seg[SEG_DS].limit, 0xffffffffu);
    assert_int_equal(cpu.seg[SEG_SS].ar & AR_DB, AR_DB);
    boot_plan_clear(&plan);
}

static void test_enter_long64_state(void **state)
{
    Fx *f = *state;
    Seg s = { 0x1000, 0x400000, 0x400000, 0x10, 0x1000 };
    GByteArray *b = mk_elf(true, 0x400004, &s, 1, 0x1010);
    g_autofree char *k = save(f, "p64.elf", b);
    BootPlan plan;
    GError *err = NULL;
    assert_true(prepare(f, k, NULL, NULL, &plan, &err));
    CpuModel model = { 0 };
    Cpu cpu;
    cpu_init(&cpu, 0, &model, &f->pm, NULL, NULL, NULL);
    cpu_reset(&cpu);
    loader_enter(&plan, &cpu);
    assert_int_equal(cpu.mode, MODE_LONG64);
    assert_int_equal(cpu.efer & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);
    assert_int_equal(cpu.cr3, plan.cr3);
    assert_int_equal(cpu.rip, 0x400004);
    assert_int_equal(cpu.gpr[R_RDI], 0x2badb002);
    assert_int_equal(cpu.gpr[R_RSI], plan.info_addr);
    assert_int_equal(cpu.gpr[R_RSP], plan.stack_top);
    assert_int_equal(cpu.code_size, 8);
    boot_plan_clear(&plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
        T(test_mb_elf32_loads_segments_and_zeroes_bss),
        T(test_mb_info_structure_as_spec),
        T(test_mb_mmap_reports_ram_above_4g),
        T(test_mb_elf64_entry_is_physical),
        T(test_mb_aout_kludge_uses_address_fields),
        T(test_mb_aout_kludge_offset_and_truncation),
        T(test_plain_elf64_builds_identity_paging),
        T(test_mb_modules_follow_kernel),
        T(test_boot_area_avoids_low_image),
        T(test_bad_truncated_elf_header),
        T(test_bad_program_headers_past_end),
        T(test_bad_segment_past_end_of_file),
        T(test_bad_image_past_ram_end),
        T(test_bad_image_in_reserved_low_area),
        T(test_bad_no_multiboot_header_elf32),
        T(test_bad_header_beyond_8k_not_found),
        T(test_bad_checksum_and_unknown_required_flag),
        T(test_bad_missing_files),
        T(test_bad_entry_outside_image),
        T(test_bad_overlapping_segments),
        T(test_enter_multiboot_machine_state),
        T(test_enter_long64_state),
#undef T
    };
    return cmocka_run_group_tests_name("sim_loader", tests, NULL, NULL);
}
