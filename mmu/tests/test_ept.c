/*
 * mmu/tests/test_ept.c: EPT translation against the rules of SDM Vol.3
 * 28.2.2 (walk), 28.2.3.1 (misconfigurations), 28.2.3.2 (violations),
 * 28.2.4 (A/D flags) and the exit-qualification bits of 27.2.1 Table 27-7.
 *
 * The access matrix puts every permission combination at every level of
 * 4 KiB, 2 MiB and 1 GiB translations (the other levels fully permissive),
 * tries every access kind with and without mode-based execute control and
 * execute-only support, and compares with the rules written out below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mmu/ept.h"

#define RAM (8u << 20)
#define ROOT 0x100000ull
#define GPA  0x40201234ull          /* PML4 0, PDPT 1, PD 1, PT 1 */
#define FRAME 0x300000ull
#define ALL (EPTE_R | EPTE_W | EPTE_X | EPTE_XU)
#define WB (6ull << EPTE_MT_SHIFT)
#define CAPS_ALL (EPT_CAP_EXEC_ONLY | EPT_CAP_2M | EPT_CAP_1G | (1ull << 6))

typedef struct World {
    PhysMap pm;
    EptCtx ctx;
} World;

static int setup(void **state)
{
    World *w = calloc(1, sizeof(*w));
    const char *err = NULL;
    assert_true(physmem_init(&w->pm, RAM, &err));
    w->ctx = (EptCtx){ .pm = &w->pm, .eptp = ROOT | (3 << 3) | 6, .caps = CAPS_ALL,
                       .maxphyaddr = 46 };
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    World *w = *state;
    physmem_destroy(&w->pm);
    free(w);
    return 0;
}

/* Build a walk for GPA whose leaf is at `leaf_level` (1: 4 KiB, 2: 2 MiB,
 * 3: 1 GiB); entry at level L gets perms[L]. */
static void build(World *w, unsigned leaf_level, const uint64_t perms[5], uint64_t leaf_extra)
{
    uint64_t table[5] = { 0, ROOT + 0x3000, ROOT + 0x2000, ROOT + 0x1000, ROOT };
    memset(w->pm.ram + ROOT, 0, 0x4000);
    for (unsigned level = 4; level >= leaf_level; level--) {
        unsigned idx = (GPA >> (12 + 9 * (level - 1))) & 511;
        uint64_t e;
        if (level == leaf_level) {
            uint64_t size_mask = (1ull << (12 + 9 * (level - 1))) - 1;
            e = ((FRAME << (level == 3 ? 10 : 0)) & ~size_mask) | perms[level] | WB | leaf_extra |
                (level > 1 ? EPTE_PS : 0);
        } else {
            e = table[level - 1] | perms[level];
        }
        physmem_write(&w->pm, table[level] + 8 * idx, 8, e);
        if (level == 1)
            break;
    }
}

/* The SDM's rules, restated for the oracle. */
static bool misconfigured_perm(uint64_t p, bool mbec, bool exec_only)
{
    if (!(p & EPTE_R) && (p & EPTE_W))
        return true;
    bool exec = (p & EPTE_X) || (mbec && (p & EPTE_XU));
    return !(p & (EPTE_R | EPTE_W)) && exec && !exec_only;
}

static bool present_perm(uint64_t p, bool mbec)
{
    return (p & (EPTE_R | EPTE_W | EPTE_X)) || (mbec && (p & EPTE_XU));
}

static void test_access_matrix(void **state)
{
    World *w = *state;
    static const unsigned accesses[] = {
        EPT_ACC_READ, EPT_ACC_WRITE, EPT_ACC_FETCH, EPT_ACC_FETCH | EPT_ACC_USER,
        EPT_ACC_READ | EPT_ACC_USER,
    };
    unsigned checked = 0;
    for (unsigned leaf_level = 1; leaf_level <= 3; leaf_level++)
    for (unsigned at = leaf_level; at <= 4; at++)
    for (unsigned p = 0; p < 16; p++)
    for (unsigned mbec = 0; mbec < 2; mbec++)
    for (unsigned xo = 0; xo < 2; xo++)
    for (unsigned a = 0; a < sizeof(accesses) / sizeof(accesses[0]); a++) {
        uint64_t perm = (p & 7) | ((p & 8) ? EPTE_XU : 0);
        uint64_t perms[5] = { 0, ALL, ALL, ALL, ALL };
        perms[at] = perm;
        build(w, leaf_level, perms, 0);
        w->ctx.mbec = mbec;
        w->ctx.caps = CAPS_ALL & ~(xo ? 0 : EPT_CAP_EXEC_ONLY);
        w->ctx.eptp = ROOT | (3 << 3) | 6;           /* A/D off */
        unsigned acc = accesses[a];
        EptResult r;
        EptStatus st = ept_translate(&w->ctx, GPA, acc, &r);

        EptStatus want;
        if (!present_perm(perm, mbec))
            want = EPT_VIOLATION;
        else if (misconfigured_perm(perm, mbec, xo))
            want = EPT_MISCONFIG;
        else {
            bool ok = true;
            if ((acc & EPT_ACC_READ) && !(perm & EPTE_R)) ok = false;
            if ((acc & EPT_ACC_WRITE) && !(perm & EPTE_W)) ok = false;
            if (acc & EPT_ACC_FETCH) {
                uint64_t need = (mbec && (acc & EPT_ACC_USER)) ? EPTE_XU : EPTE_X;
                if (!(perm & need)) ok = false;
            }
            want = ok ? EPT_OK : EPT_VIOLATION;
        }
        if (st != want)
            fail_msg("leaf L%u, perm %#llx at L%u, mbec %u, exec-only %u, access %#x: got %d want %d",
                     leaf_level, (unsigned long long)perm, at, mbec, xo, acc, st, want);
        if (st == EPT_OK) {
            uint64_t size = 1ull << (12 + 9 * (leaf_level - 1));
            uint64_t base = (FRAME << (leaf_level == 3 ? 10 : 0)) & ~(size - 1);
            assert_int_equal(r.hpa, base | (GPA & (size - 1)));
            assert_int_equal(r.page_size, size);
        }
        if (st == EPT_VIOLATION) {
            /* Table 27-7: access bits 2:0, permissions of the walk 3-6. */
            uint64_t q = acc & 7;
            if (perm & EPTE_R) q |= 1u << 3;
            if (perm & EPTE_W) q |= 1u << 4;
            if (perm & EPTE_X) q |= 1u << 5;
            if (mbec && (perm & EPTE_XU)) q |= 1u << 6;
            if (!present_perm(perm, mbec))
                q = acc & 7;                 /* the AND includes the empty entry */
            assert_int_equal(r.qualification, q);
        }
        checked++;
    }
    print_message("# %u EPT access cases checked\n", checked);
}

static void expect_misconfig(World *w, unsigned leaf_level, uint64_t extra_at_leaf, const char *what)
{
    uint64_t perms[5] = { 0, ALL, ALL, ALL, ALL };
    build(w, leaf_level, perms, extra_at_leaf);
    EptResult r;
    if (ept_translate(&w->ctx, GPA, EPT_ACC_READ, &r) != EPT_MISCONFIG)
        fail_msg("expected an EPT misconfiguration: %s", what);
}

static void test_misconfig_memory_types_and_reserved_bits(void **state)
{
    World *w = *state;
    /* Leaf memory types 2, 3 and 7 are reserved (28.2.3.1); WB passes. */
    for (unsigned mt = 2; mt <= 7; mt++) {
        if (mt != 2 && mt != 3 && mt != 7)
            continue;
        uint64_t perms[5] = { 0, ALL, ALL, ALL, ALL };
        build(w, 1, perms, 0);
        uint64_t pt = ROOT + 0x3000 + 8 * ((GPA >> 12) & 511);
        uint64_t e = physmem_read(&w->pm, pt, 8);
        physmem_write(&w->pm, pt, 8, (e & ~(7ull << 3)) | ((uint64_t)mt << 3));
        EptResult r;
        assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_READ, &r), EPT_MISCONFIG);
    }
    expect_misconfig(w, 1, 1ull << 47, "leaf address beyond MAXPHYADDR 46");
    expect_misconfig(w, 2, 1ull << 13, "2 MiB leaf with bits 20:12 set");
    expect_misconfig(w, 3, 1ull << 20, "1 GiB leaf with bits 29:12 set");
    w->ctx.caps &= ~EPT_CAP_1G;
    expect_misconfig(w, 3, 0, "1 GiB page without 1 GiB support");
    w->ctx.caps = CAPS_ALL & ~EPT_CAP_2M;
    expect_misconfig(w, 2, 0, "2 MiB page without 2 MiB support");
    w->ctx.caps = CAPS_ALL;
    /* Non-leaf reserved bits: PML4E bit 7 and bits 6:3 of a non-leaf PDE. */
    uint64_t perms[5] = { 0, ALL, ALL, ALL, ALL };
    build(w, 1, perms, 0);
    uint64_t pml4e = physmem_read(&w->pm, ROOT, 8);
    physmem_write(&w->pm, ROOT, 8, pml4e | EPTE_PS);
    EptResult r;
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_READ, &r), EPT_MISCONFIG);
    build(w, 1, perms, 0);
    uint64_t pde_addr = ROOT + 0x2000 + 8 * ((GPA >> 21) & 511);
    physmem_write(&w->pm, pde_addr, 8, physmem_read(&w->pm, pde_addr, 8) | (1ull << 4));
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_READ, &r), EPT_MISCONFIG);
}

static void test_accessed_and_dirty_flags(void **state)
{
    World *w = *state;
    uint64_t perms[5] = { 0, ALL, ALL, ALL, ALL };
    build(w, 1, perms, 0);
    uint64_t pte = ROOT + 0x3000 + 8 * ((GPA >> 12) & 511);
    EptResult r;
    /* A/D off (EPTP[6] = 0): nothing is written. */
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_WRITE, &r), EPT_OK);
    assert_int_equal(physmem_read(&w->pm, pte, 8) & (EPTE_A | EPTE_D), 0);
    /* A/D on: a read sets A everywhere, D nowhere (28.2.4). */
    w->ctx.eptp |= EPTP_AD;
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_READ, &r), EPT_OK);
    assert_true(physmem_read(&w->pm, ROOT, 8) & EPTE_A);
    assert_int_equal(physmem_read(&w->pm, pte, 8) & (EPTE_A | EPTE_D), EPTE_A);
    /* A write sets D in the leaf. */
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_WRITE, &r), EPT_OK);
    assert_int_equal(physmem_read(&w->pm, pte, 8) & (EPTE_A | EPTE_D), EPTE_A | EPTE_D);
    /* A guest paging-structure read counts as a write with A/D on: it
     * needs W and sets D (28.2.4). */
    perms[1] = EPTE_R | EPTE_X;
    build(w, 1, perms, 0);
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_READ | EPT_ACC_PAGING, &r), EPT_VIOLATION);
    assert_int_equal(r.qualification & 7, EPT_ACC_READ | EPT_ACC_WRITE);
    perms[1] = ALL;
    build(w, 1, perms, 0);
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_READ | EPT_ACC_PAGING, &r), EPT_OK);
    assert_true(physmem_read(&w->pm, pte, 8) & EPTE_D);
    /* A failed translation sets no flag. */
    perms[1] = EPTE_R;
    build(w, 1, perms, 0);
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_WRITE, &r), EPT_VIOLATION);
    assert_int_equal(physmem_read(&w->pm, ROOT, 8) & EPTE_A, 0);
}

static void test_page_modification_log(void **state)
{
    World *w = *state;
    uint64_t perms[5] = { 0, ALL, ALL, ALL, ALL };
    build(w, 1, perms, 0);
    uint64_t log = 0x200000, index = 1;
    w->ctx.eptp |= EPTP_AD;
    w->ctx.pml_address = log;
    w->ctx.pml_index = &index;
    EptResult r;
    /* A read sets no dirty flag: nothing is logged (SDM 28.2.6.1). */
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_READ, &r), EPT_OK);
    assert_int_equal(index, 1);
    /* The first write logs the 4-KByte-aligned GPA at index 1, then 0. */
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_WRITE, &r), EPT_OK);
    assert_int_equal(physmem_read(&w->pm, log + 8, 8), GPA & ~0xfffull);
    assert_int_equal(index, 0);
    /* The dirty flag is now set: a second write logs nothing. */
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_WRITE, &r), EPT_OK);
    assert_int_equal(index, 0);
    /* Index 0 is still in range; after it the index wraps to FFFFH and the
     * next logging write is a log-full event that does not complete. */
    build(w, 1, perms, 0);
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_WRITE, &r), EPT_OK);
    assert_int_equal(index, 0xffff);
    build(w, 1, perms, 0);
    uint64_t pte = ROOT + 0x3000 + 8 * ((GPA >> 12) & 511);
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_WRITE, &r), EPT_PML_FULL);
    assert_int_equal(physmem_read(&w->pm, pte, 8) & EPTE_D, 0);
}

static void test_five_level_walk_and_suppress_ve(void **state)
{
    World *w = *state;
    /* A 5-level EPTP puts one more table above (PML5 index 0). */
    uint64_t pml5 = ROOT + 0x5000;
    uint64_t perms[5] = { 0, ALL, ALL, ALL, ALL };
    build(w, 1, perms, EPTE_SVE);
    physmem_write(&w->pm, pml5, 8, ROOT | ALL);
    w->ctx.eptp = pml5 | (4 << 3) | 6;
    EptResult r;
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_READ, &r), EPT_OK);
    assert_int_equal(r.hpa, FRAME | (GPA & 0xfff));
    /* Suppress #VE comes from the leaf of a violation. */
    perms[1] = EPTE_R;
    build(w, 1, perms, EPTE_SVE);
    assert_int_equal(ept_translate(&w->ctx, GPA, EPT_ACC_WRITE, &r), EPT_VIOLATION);
    assert_true(r.suppress_ve);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_access_matrix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misconfig_memory_types_and_reserved_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accessed_and_dirty_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_modification_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_five_level_walk_and_suppress_ve, setup, teardown),
    };
    return cmocka_run_group_tests_name("mmu_ept", tests, NULL, NULL);
}
