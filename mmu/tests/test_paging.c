/*
 * mmu/tests/test_paging.c: the paging walk against SDM Vol.3 chapter 4:
 * every paging mode (4.3 32-bit, 4.4 PAE, 4.5 4-level and 5-level), large
 * pages, reserved bits per level, the access-rights matrix of 4.6 (U/S,
 * R/W with CR0.WP, XD with NXE, SMEP, SMAP with EFLAGS.AC and implicit
 * accesses, protection keys), the error codes of 4.7 and the accessed and
 * dirty flags of 4.8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/bits.h"
#include "mmu/paging.h"

#define P   BIT(0)
#define RW  BIT(1)
#define US  BIT(2)
#define A   BIT(5)
#define D   BIT(6)
#define PS  BIT(7)
#define G   BIT(8)
#define XD  BIT(63)

#define PF_P    BIT(0)
#define PF_W    BIT(1)
#define PF_U    BIT(2)
#define PF_RSVD BIT(3)
#define PF_ID   BIT(4)
#define PF_PK   BIT(5)

#define RAM (16u << 20)
#define TABLES 0x100000u

typedef struct Env {
    PhysMap pm;
    PagingCtx ctx;
    uint64_t next_table;
    uint64_t pdpte[4];
} Env;

static int env_setup(void **state)
{
    Env *env = calloc(1, sizeof(*env));
    const char *err;
    assert_true(physmem_init(&env->pm, RAM, &err));
    env->next_table = TABLES;
    env->ctx = (PagingCtx){ .mode = PAGING_4LEVEL, .maxphyaddr = 40,
                            .pm = &env->pm, .pdpte = env->pdpte,
                            .page1g = true };
    *state = env;
    return 0;
}

static int env_teardown(void **state)
{
    Env *env = *state;
    physmem_destroy(&env->pm);
    free(env);
    return 0;
}

static uint64_t new_table(Env *env)
{
    uint64_t t = env->next_table;
    env->next_table += 0x1000;
    return t;
}

static uint64_t rd(Env *env, uint64_t gpa, unsigned size)
{
    return physmem_read(&env->pm, gpa, size);
}

static void wr(Env *env, uint64_t gpa, unsigned size, uint64_t v)
{
    physmem_write(&env->pm, gpa, size, v);
}

/* IA-32e paging: map lin to pa with `upper` flags on every non-leaf entry
 * and `leaf` on the leaf at `leaf_level` (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB).
 * Returns the guest-physical address of the leaf entry. Creates tables as
 * needed under cr3 (which must be set). */
static uint64_t map64(Env *env, uint64_t lin, uint64_t pa, uint64_t upper,
                      uint64_t leaf, unsigned leaf_level)
{
    unsigned top = env->ctx.mode == PAGING_5LEVEL ? 5 : 4;
    uint64_t table = env->ctx.cr3 & BITS(51, 12);
    for (unsigned level = top; ; level--) {
        uint64_t slot = table + ((lin >> (12 + 9 * (level - 1))) & 0x1ff) * 8;
        if (level == leaf_level) {
            wr(env, slot, 8, pa | leaf);
            return slot;
        }
        uint64_t e = rd(env, slot, 8);
        if (!(e & P)) {
            e = new_table(env) | upper;
            wr(env, slot, 8, e);
        }
        table = e & BITS(51, 12);
    }
}

static void use_4level(Env *env)
{
    env->ctx.mode = PAGING_4LEVEL;
    env->ctx.cr3 = new_table(env);
}

static PagingStatus walk(Env *env, uint64_t lin, unsigned acc, PagingResult *r)
{
    return paging_walk(&env->ctx, lin, acc, r);
}

/* Fault error code of a walk that must fault. */
static uint32_t pf_error(Env *env, uint64_t lin, unsigned acc)
{
    PagingResult r;
    assert_int_equal(walk(env, lin, acc, &r), PAGING_PF);
    return r.error;
}

static void walk_ok(Env *env, uint64_t lin, unsigned acc, uint64_t expect_gpa)
{
    PagingResult r;
    PagingStatus st = walk(env, lin, acc, &r);
    if (st != PAGING_OK)
        fail_msg("walk of %#llx acc %u faulted with error %#x",
                 (unsigned long long)lin, acc, r.error);
    assert_int_equal(r.gpa, expect_gpa);
}

/* ---- modes ---- */

static void test_paging_off_identity_rule(void **state)
{
    Env *env = *state;
    env->ctx.mode = PAGING_OFF;
    walk_ok(env, 0x123456, PG_ACC_WRITE | PG_ACC_USER, 0x123456);
}

static void test_32bit_4k_translation_and_ad_rule(void **state)
{
    /* SDM Vol.3 4.3: CR3[31:12] -> PDE (lin 31:22) -> PTE (lin 21:12). */
    Env *env = *state;
    env->ctx.mode = PAGING_32;
    env->ctx.cr3 = 0x200000;
    wr(env, 0x200000 + 4 * 1, 4, 0x201000 | P | RW | US);
    wr(env, 0x201000 + 4 * 2, 4, 0x345000 | P | RW | US);
    walk_ok(env, 0x00402abc, 0, 0x345abc);
    /* SDM Vol.3 4.8: a read sets A in both entries and never D. */
    assert_int_equal(rd(env, 0x200004, 4), 0x201000 | P | RW | US | A);
    assert_int_equal(rd(env, 0x201008, 4), 0x345000 | P | RW | US | A);
    walk_ok(env, 0x00402abc, PG_ACC_WRITE, 0x345abc);
    assert_int_equal(rd(env, 0x200004, 4), 0x201000 | P | RW | US | A);
    assert_int_equal(rd(env, 0x201008, 4), 0x345000 | P | RW | US | A | D);
}

static void test_32bit_4m_page_pse36_rule(void **state)
{
    /* SDM Vol.3 4.3, Table 4-4: with CR4.PSE = 1 a PDE with PS = 1 maps 4
     * MiB; bits 20:13 hold physical-address bits 39:32 (PSE-36). */
    Env *env = *state;
    env->ctx.mode = PAGING_32;
    env->ctx.pse = true;
    env->ctx.maxphyaddr = 40;
    env->ctx.cr3 = 0x200000;
    wr(env, 0x200000 + 4 * 3, 4, 0x00c00000 | (0x5u << 13) | PS | P | RW);
    walk_ok(env, 0x00c12345, 0, 0x500c12345ull);
    /* With MAXPHYADDR = 36, address bit 36 (PDE bit 17) is reserved, and
     * PDE bit 21 is always reserved. */
    env->ctx.maxphyaddr = 36;
    wr(env, 0x200000 + 4 * 3, 4, 0x00c00000 | (0x10u << 13) | PS | P | RW);
    assert_int_equal(pf_error(env, 0x00c12345, 0), PF_P | PF_RSVD);
    wr(env, 0x200000 + 4 * 3, 4, 0x00c00000 | BIT(21) | PS | P | RW);
    assert_int_equal(pf_error(env, 0x00c12345, 0), PF_P | PF_RSVD);
}

static void test_32bit_ps_ignored_without_pse_rule(void **state)
{
    /* SDM Vol.3 4.3: with CR4.PSE = 0 the PDE always references a page
     * table (bit 7 ignored). */
    Env *env = *state;
    env->ctx.mode = PAGING_32;
    env->ctx.pse = false;
    env->ctx.cr3 = 0x200000;
    wr(env, 0x200000, 4, 0x201000 | PS | P | RW);
    wr(env, 0x201000 + 4 * 5, 4, 0x777000 | P | RW);
    walk_ok(env, 0x5123, 0, 0x777123);
}

static void test_pae_uses_pdpte_registers_rule(void **state)
{
    /* SDM Vol.3 4.4.1: PAE walks start at the PDPTE registers, not at
     * memory: changing the PDPT in memory has no effect until reloaded. */
    Env *env = *state;
    env->ctx.mode = PAGING_PAE;
    env->ctx.nxe = true;
    env->ctx.cr3 = 0x200020;       /* PDPT at bits 31:5 */
    wr(env, 0x200020 + 8 * 2, 8, 0x300000 | P);
    assert_true(paging_read_pdptes(&env->ctx, env->ctx.cr3, env->pdpte));
    assert_int_equal(env->pdpte[2], 0x300000 | P);
    wr(env, 0x300000 + 8 * 1, 8, 0x301000 | P | RW);
    wr(env, 0x301000 + 8 * 7, 8, 0x456000 | P | RW | XD);
    walk_ok(env, 0x80207fff, 0, 0x456fff);
    wr(env, 0x200020 + 8 * 2, 8, 0);      /* memory only */
    walk_ok(env, 0x80207fff, 0, 0x456fff);
    /* Not-present PDPTE register. */
    assert_int_equal(pf_error(env, 0x40000000, PG_ACC_WRITE), PF_W);
    /* XD in PAE: fetch refused with I/D. */
    assert_int_equal(pf_error(env, 0x80207000, PG_ACC_EXEC), PF_P | PF_ID);
}

static void test_pae_pdpte_reserved_bits_rule(void **state)
{
    /* SDM Vol.3 4.4.1: a present PDPTE with bits 2:1, 8:5 or 63:M set
     * makes the load fail (#GP) and nothing is loaded. */
    static const uint64_t bad[] = { BIT(1), BIT(2), BIT(5), BIT(8), BIT(40), BIT(63) };
    Env *env = *state;
    env->ctx.mode = PAGING_PAE;
    env->ctx.cr3 = 0x200000;
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        uint64_t out[4] = { 1, 2, 3, 4 };
        wr(env, 0x200000 + 8, 8, 0x300000 | P | bad[i]);
        assert_false(paging_read_pdptes(&env->ctx, env->ctx.cr3, out));
        assert_int_equal(out[0], 1);
    }
    /* Reserved bits in a not-present PDPTE are ignored. */
    uint64_t out[4];
    wr(env, 0x200000 + 8, 8, BIT(1) | BIT(63));
    assert_true(paging_read_pdptes(&env->ctx, env->ctx.cr3, out));
}

static void test_pae_2m_page_and_reserved_rule(void **state)
{
    /* SDM Vol.3 4.4.2, Table 4-9: PDE with PS = 1 maps 2 MiB; bits 20:13
     * and 62:M are reserved; XD is reserved when NXE = 0. */
    Env *env = *state;
    env->ctx.mode = PAGING_PAE;
    env->pdpte[0] = 0x300000 | P;
    wr(env, 0x300000 + 8 * 3, 8, 0x400000 | PS | P | RW);
    walk_ok(env, 0x0067890a, 0, 0x47890a);
    wr(env, 0x300000 + 8 * 3, 8, 0x400000 | BIT(13) | PS | P | RW);
    assert_int_equal(pf_error(env, 0x0067890a, 0), PF_P | PF_RSVD);
    wr(env, 0x300000 + 8 * 3, 8, 0x400000 | BIT(62) | PS | P | RW);
    assert_int_equal(pf_error(env, 0x0067890a, 0), PF_P | PF_RSVD);
    env->ctx.nxe = false;
    wr(env, 0x300000 + 8 * 3, 8, 0x400000 | XD | PS | P | RW);
    assert_int_equal(pf_error(env, 0x0067890a, 0), PF_P | PF_RSVD);
    env->ctx.nxe = true;
    walk_ok(env, 0x0067890a, 0, 0x47890a);
}

static void test_4level_page_sizes_rule(void **state)
{
    /* SDM Vol.3 4.5.4: 4 KiB, 2 MiB (PDE.PS) and 1 GiB (PDPTE.PS) pages. */
    Env *env = *state;
    use_4level(env);
    map64(env, 0x7f0000001000ull, 0x123000, P | RW | US, P | RW | US, 1);
    map64(env, 0x7f0000200000ull, 0x600000, P | RW | US, P | RW | US | PS, 2);
    map64(env, 0x7f0040000000ull, 0x40000000, P | RW | US, P | RW | US | PS, 3);
    walk_ok(env, 0x7f0000001abcull, 0, 0x123abc);
    walk_ok(env, 0x7f00002fffffull, 0, 0x6fffff);
    walk_ok(env, 0x7f007fffffffull, 0, 0x7fffffff);
    PagingResult r;
    assert_int_equal(walk(env, 0x7f0040000000ull, 0, &r), PAGING_OK);
    assert_int_equal(r.page_size, 1ull << 30);
}

static void test_5level_translation_rule(void **state)
{
    /* SDM Vol.3 4.5: 5-level paging adds the PML5 table (lin 56:48). */
    Env *env = *state;
    env->ctx.mode = PAGING_5LEVEL;
    env->ctx.cr3 = new_table(env);
    map64(env, 0x01ff000000003000ull, 0x888000, P | RW, P | RW, 1);
    walk_ok(env, 0x01ff000000003123ull, 0, 0x888123);
    /* Same low 48 bits, different bits 56:48: not mapped. */
    assert_int_equal(pf_error(env, 0x0000000000003123ull, 0), 0);
}

static void test_1g_page_needs_page1gb_rule(void **state)
{
    /* SDM Vol.3 4.5.4: without 1-GByte page support PDPTE.PS is reserved;
     * with it, bits 29:13 of a 1 GiB PDPTE are reserved. */
    Env *env = *state;
    use_4level(env);
    uint64_t slot = map64(env, 0x40000000, 0x40000000, P | RW, P | RW | PS, 3);
    env->ctx.page1g = false;
    assert_int_equal(pf_error(env, 0x40000000, 0), PF_P | PF_RSVD);
    env->ctx.page1g = true;
    walk_ok(env, 0x40000000, 0, 0x40000000);
    wr(env, slot, 8, 0x40000000 | BIT(20) | P | RW | PS);
    assert_int_equal(pf_error(env, 0x40000000, 0), PF_P | PF_RSVD);
}

/* ---- reserved bits per level ---- */

static void test_reserved_above_maxphyaddr_each_level_rule(void **state)
{
    /* SDM Vol.3 4.5.4 "Reserved bits": bits 51:MAXPHYADDR of any present
     * entry are reserved -> #PF with RSVD = 1 and P = 1. */
    Env *env = *state;
    use_4level(env);
    env->ctx.maxphyaddr = 39;
    uint64_t pte = map64(env, 0x5000, 0x5000, P | RW, P | RW, 1);
    walk_ok(env, 0x5000, 0, 0x5000);
    /* Collect the four entry addresses of the walk. */
    uint64_t slots[4];
    uint64_t t = env->ctx.cr3;
    for (unsigned l = 4; l >= 1; l--) {
        slots[4 - l] = (t & BITS(51, 12)) + ((0x5000ull >> (12 + 9 * (l - 1))) & 0x1ff) * 8;
        t = rd(env, slots[4 - l], 8);
    }
    assert_int_equal(slots[3], pte);
    for (unsigned i = 0; i < 4; i++) {
        uint64_t saved = rd(env, slots[i], 8);
        wr(env, slots[i], 8, saved | BIT(39));
        assert_int_equal(pf_error(env, 0x5000, PG_ACC_USER), PF_P | PF_RSVD | PF_U);
        wr(env, slots[i], 8, saved | BIT(51));
        assert_int_equal(pf_error(env, 0x5000, 0), PF_P | PF_RSVD);
        /* Bits 62:52 are ignored in IA-32e paging. */
        wr(env, slots[i], 8, saved | BIT(52));
        walk_ok(env, 0x5000, 0, 0x5000);
        wr(env, slots[i], 8, saved);
    }
}

static void test_pml4_ps_and_xd_reserved_rule(void **state)
{
    /* SDM Vol.3 4.5.4: PS is reserved in PML4Es (and PML5Es); XD is
     * reserved when IA32_EFER.NXE = 0; a PDE with PS = 1 reserves 20:13. */
    Env *env = *state;
    use_4level(env);
    uint64_t pde = map64(env, 0x200000, 0x200000, P | RW, P | RW | PS, 2);
    uint64_t pml4e = env->ctx.cr3;
    walk_ok(env, 0x200000, 0, 0x200000);
    wr(env, pml4e, 8, rd(env, pml4e, 8) | PS);
    assert_int_equal(pf_error(env, 0x200000, 0), PF_P | PF_RSVD);
    wr(env, pml4e, 8, rd(env, pml4e, 8) & ~PS);
    wr(env, pde, 8, 0x200000 | P | RW | PS | XD);
    env->ctx.nxe = false;
    assert_int_equal(pf_error(env, 0x200000, 0), PF_P | PF_RSVD);
    env->ctx.nxe = true;
    walk_ok(env, 0x200000, 0, 0x200000);
    wr(env, pde, 8, 0x200000 | P | RW | PS | BIT(14));
    assert_int_equal(pf_error(env, 0x200000, 0), PF_P | PF_RSVD);
}

static void test_not_present_stops_before_reserved_rule(void **state)
{
    /* SDM Vol.3 4.5.4: if P = 0 the other bits are ignored: a not-present
     * fault, not a reserved-bit fault. */
    Env *env = *state;
    use_4level(env);
    uint64_t pte = map64(env, 0x9000, 0x9000, P | RW, P | RW, 1);
    wr(env, pte, 8, BIT(51) | RW);
    assert_int_equal(pf_error(env, 0x9000, PG_ACC_WRITE | PG_ACC_USER), PF_W | PF_U);
}

/* ---- access rights (SDM Vol.3 4.6.1) ---- */

static void test_user_cannot_touch_supervisor_page_rule(void **state)
{
    Env *env = *state;
    use_4level(env);
    env->ctx.nxe = true;
    map64(env, 0x1000, 0x1000, P | RW | US, P | RW, 1);    /* leaf U/S = 0 */
    assert_int_equal(pf_error(env, 0x1000, PG_ACC_USER), PF_P | PF_U);
    assert_int_equal(pf_error(env, 0x1000, PG_ACC_USER | PG_ACC_WRITE), PF_P | PF_U | PF_W);
    assert_int_equal(pf_error(env, 0x1000, PG_ACC_USER | PG_ACC_EXEC), PF_P | PF_U | PF_ID);
    walk_ok(env, 0x1000, PG_ACC_WRITE, 0x1000);
    /* U/S = 0 at an upper level makes the address supervisor too. */
    map64(env, 0x8000000000ull, 0x2000, P | RW, P | RW | US, 1);
    assert_int_equal(pf_error(env, 0x8000000000ull, PG_ACC_USER), PF_P | PF_U);
}

static void test_write_protect_rule(void **state)
{
    /* R/W = 0 anywhere makes the page read-only: user writes always fault,
     * supervisor writes fault only with CR0.WP = 1. */
    Env *env = *state;
    use_4level(env);
    map64(env, 0x3000, 0x3000, P | US, P | RW | US, 1);   /* upper R/W = 0 */
    assert_int_equal(pf_error(env, 0x3000, PG_ACC_USER | PG_ACC_WRITE), PF_P | PF_W | PF_U);
    walk_ok(env, 0x3000, PG_ACC_USER, 0x3000);
    env->ctx.wp = false;
    walk_ok(env, 0x3000, PG_ACC_WRITE, 0x3000);
    env->ctx.wp = true;
    assert_int_equal(pf_error(env, 0x3000, PG_ACC_WRITE), PF_P | PF_W);
}

static void test_execute_disable_rule(void **state)
{
    /* XD = 1 at any level forbids fetches when NXE = 1, for user and
     * supervisor; reads are unaffected. */
    Env *env = *state;
    use_4level(env);
    env->ctx.nxe = true;
    map64(env, 0x4000, 0x4000, P | RW | US | XD, P | RW | US, 1);
    assert_int_equal(pf_error(env, 0x4000, PG_ACC_EXEC), PF_P | PF_ID);
    assert_int_equal(pf_error(env, 0x4000, PG_ACC_EXEC | PG_ACC_USER), PF_P | PF_ID | PF_U);
    walk_ok(env, 0x4000, PG_ACC_USER, 0x4000);
}

static void test_smep_rule(void **state)
{
    /* SMEP: supervisor fetches from user-mode addresses fault; the I/D
     * flag is reported because CR4.SMEP = 1, even in 32-bit paging. */
    Env *env = *state;
    use_4level(env);
    map64(env, 0x6000, 0x6000, P | RW | US, P | RW | US, 1);
    walk_ok(env, 0x6000, PG_ACC_EXEC, 0x6000);
    env->ctx.smep = true;
    assert_int_equal(pf_error(env, 0x6000, PG_ACC_EXEC), PF_P | PF_ID);
    walk_ok(env, 0x6000, PG_ACC_EXEC | PG_ACC_USER, 0x6000);
    walk_ok(env, 0x6000, 0, 0x6000);

    env->ctx.mode = PAGING_32;
    env->ctx.cr3 = 0x200000;
    wr(env, 0x200000, 4, 0x201000 | P | RW | US);
    wr(env, 0x201000 + 4 * 6, 4, 0x6000 | P | RW | US);
    assert_int_equal(pf_error(env, 0x6000, PG_ACC_EXEC), PF_P | PF_ID);
    env->ctx.smep = false;
    env->ctx.nxe = true;      /* NXE alone does not report I/D in 32-bit paging */
    wr(env, 0x201000 + 4 * 6, 4, 0x6000 | P | RW);
    assert_int_equal(pf_error(env, 0x6000, PG_ACC_EXEC | PG_ACC_USER), PF_P | PF_U);
}

static void test_smap_rule(void **state)
{
    /* SMAP: supervisor data accesses to user-mode addresses fault unless
     * explicit with EFLAGS.AC = 1; implicit accesses always fault. */
    Env *env = *state;
    use_4level(env);
    map64(env, 0x7000, 0x7000, P | RW | US, P | RW | US, 1);
    env->ctx.smap = true;
    env->ctx.wp = true;
    assert_int_equal(pf_error(env, 0x7000, 0), PF_P);
    assert_int_equal(pf_error(env, 0x7000, PG_ACC_WRITE), PF_P | PF_W);
    env->ctx.ac = true;
    walk_ok(env, 0x7000, 0, 0x7000);
    walk_ok(env, 0x7000, PG_ACC_WRITE, 0x7000);
    assert_int_equal(pf_error(env, 0x7000, PG_ACC_IMPLICIT), PF_P);
    assert_int_equal(pf_error(env, 0x7000, PG_ACC_IMPLICIT | PG_ACC_WRITE), PF_P | PF_W);
    /* Fetches and user accesses are not SMAP's business. */
    env->ctx.ac = false;
    walk_ok(env, 0x7000, PG_ACC_EXEC, 0x7000);
    walk_ok(env, 0x7000, PG_ACC_USER | PG_ACC_WRITE, 0x7000);
}

static void test_protection_keys_rule(void **state)
{
    /* SDM Vol.3 4.6.2: with CR4.PKE = 1, PKRU.AD(i) forbids data accesses
     * and PKRU.WD(i) forbids user writes (and supervisor writes when
     * CR0.WP = 1) to user-mode addresses with key i; PK is set in the
     * error code (4.7). Fetches and supervisor-mode pages are exempt. */
    Env *env = *state;
    use_4level(env);
    uint64_t key5 = 5ull << 59;
    map64(env, 0xa000, 0xa000, P | RW | US, P | RW | US | key5, 1);
    map64(env, 0xb000, 0xb000, P | RW | US, P | RW | key5, 1);   /* supervisor */
    env->ctx.pkru = 1u << 10;                 /* AD5 */
    walk_ok(env, 0xa000, PG_ACC_USER, 0xa000);   /* PKE = 0: no keys */
    env->ctx.pke = true;
    assert_int_equal(pf_error(env, 0xa000, PG_ACC_USER), PF_P | PF_U | PF_PK);
    assert_int_equal(pf_error(env, 0xa000, 0), PF_P | PF_PK);
    walk_ok(env, 0xa000, PG_ACC_USER | PG_ACC_EXEC, 0xa000);
    walk_ok(env, 0xb000, 0, 0xb000);
    env->ctx.pkru = 1u << 11;                 /* WD5 */
    walk_ok(env, 0xa000, PG_ACC_USER, 0xa000);
    assert_int_equal(pf_error(env, 0xa000, PG_ACC_USER | PG_ACC_WRITE),
                     PF_P | PF_W | PF_U | PF_PK);
    env->ctx.wp = true;
    assert_int_equal(pf_error(env, 0xa000, PG_ACC_WRITE), PF_P | PF_W | PF_PK);
    env->ctx.wp = false;
    walk_ok(env, 0xa000, PG_ACC_WRITE, 0xa000);
    /* Key 0 is governed by PKRU bits 1:0 only. */
    env->ctx.pkru = ~0u & ~3u;
    map64(env, 0xc000, 0xc000, P | RW | US, P | RW | US, 1);
    walk_ok(env, 0xc000, PG_ACC_USER | PG_ACC_WRITE, 0xc000);
}

/* The access-rights matrix of SDM Vol.3 4.6.1 as rows: leaf U/S, R/W, XD
 * (upper levels allow everything), the access, CR0.WP, CR4.SMEP,
 * CR4.SMAP, EFLAGS.AC, and the expected #PF error code (0 = allowed). */
typedef struct RightsRow {
    bool us, rw, xd;
    unsigned acc;
    bool wp, smep, smap, ac;
    uint32_t error;
} RightsRow;

#define UR PG_ACC_USER
#define WR PG_ACC_WRITE
#define EX PG_ACC_EXEC
#define IM PG_ACC_IMPLICIT
static const RightsRow rights_rows[] = {
    /* user-mode accesses */
    { 1, 1, 0, UR,      0, 0, 0, 0, 0 },
    { 1, 0, 0, UR | WR, 0, 0, 0, 0, PF_P | PF_W | PF_U },
    { 0, 1, 0, UR,      0, 0, 0, 0, PF_P | PF_U },
    { 1, 1, 1, UR | EX, 0, 0, 0, 0, PF_P | PF_U | PF_ID },
    { 1, 1, 0, UR | EX, 0, 0, 0, 0, 0 },
    { 0, 1, 0, UR | EX, 0, 0, 0, 0, PF_P | PF_U | PF_ID },
    { 1, 1, 0, UR | WR, 1, 1, 1, 0, 0 },
    /* supervisor writes and CR0.WP */
    { 0, 0, 0, WR,      0, 0, 0, 0, 0 },
    { 0, 0, 0, WR,      1, 0, 0, 0, PF_P | PF_W },
    { 1, 0, 0, WR,      0, 0, 0, 0, 0 },
    { 1, 0, 0, WR,      1, 0, 0, 0, PF_P | PF_W },
    /* SMAP */
    { 1, 1, 0, 0,       0, 0, 1, 0, PF_P },
    { 1, 1, 0, 0,       0, 0, 1, 1, 0 },
    { 1, 1, 0, WR,      1, 0, 1, 1, 0 },
    { 1, 0, 0, WR,      1, 0, 1, 1, PF_P | PF_W },
    { 1, 0, 0, WR,      0, 0, 1, 1, 0 },
    { 1, 1, 0, WR,      0, 0, 1, 0, PF_P | PF_W },
    { 1, 1, 0, IM,      0, 0, 1, 1, PF_P },
    { 1, 1, 0, IM,      0, 0, 0, 0, 0 },
    { 0, 1, 0, 0,       0, 0, 1, 0, 0 },
    /* supervisor fetches: XD and SMEP */
    { 1, 1, 0, EX,      0, 1, 0, 0, PF_P | PF_ID },
    { 1, 1, 0, EX,      0, 0, 0, 0, 0 },
    { 0, 1, 1, EX,      0, 0, 0, 0, PF_P | PF_ID },
    { 1, 1, 1, EX,      0, 1, 0, 0, PF_P | PF_ID },
    { 0, 1, 0, EX,      0, 1, 0, 0, 0 },
    { 1, 1, 0, 0,       0, 1, 0, 0, 0 },
    { 1, 1, 0, EX,      0, 0, 1, 0, 0 },
};
#undef UR
#undef WR
#undef EX
#undef IM

static void test_access_rights_matrix_rule(void **state)
{
    Env *env = *state;
    use_4level(env);
    env->ctx.nxe = true;
    for (unsigned i = 0; i < ARRAY_SIZE(rights_rows); i++) {
        const RightsRow *r = &rights_rows[i];
        uint64_t lin = 0x10000000ull + (uint64_t)i * 0x1000;
        uint64_t leaf = P | (r->us ? US : 0) | (r->rw ? RW : 0) | (r->xd ? XD : 0);
        map64(env, lin, 0x20000, P | RW | US, leaf, 1);
        env->ctx.wp = r->wp;
        env->ctx.smep = r->smep;
        env->ctx.smap = r->smap;
        env->ctx.ac = r->ac;
        PagingResult res;
        PagingStatus st = walk(env, lin, r->acc, &res);
        uint32_t got = st == PAGING_OK ? 0 : res.error;
        if (got != r->error)
            fail_msg("row %u: error %#x, expected %#x", i, got, r->error);
    }
}

static void test_id_flag_needs_nxe_or_smep_rule(void **state)
{
    /* SDM Vol.3 4.7: I/D = 1 only if SMEP = 1 or (PAE = 1 and NXE = 1). */
    Env *env = *state;
    use_4level(env);
    env->ctx.nxe = false;
    assert_int_equal(pf_error(env, 0xdead000, PG_ACC_EXEC), 0);
    env->ctx.nxe = true;
    assert_int_equal(pf_error(env, 0xdead000, PG_ACC_EXEC), PF_ID);
}

/* ---- accessed and dirty flags (SDM Vol.3 4.8) ---- */

static void test_ad_flags_set_on_success_only_rule(void **state)
{
    Env *env = *state;
    use_4level(env);
    uint64_t pte = map64(env, 0xd000, 0xd000, P | RW | US, P | US, 1);  /* leaf RO */
    env->ctx.wp = true;
    uint64_t pml4e = env->ctx.cr3;
    assert_int_equal(pf_error(env, 0xd000, PG_ACC_WRITE), PF_P | PF_W);
    assert_false(rd(env, pml4e, 8) & A);
    assert_false(rd(env, pte, 8) & (A | D));
    walk_ok(env, 0xd000, 0, 0xd000);
    assert_true(rd(env, pml4e, 8) & A);
    assert_true(rd(env, pte, 8) & A);
    assert_false(rd(env, pte, 8) & D);
    wr(env, pte, 8, 0xd000 | P | US | RW);
    PagingResult r;
    assert_int_equal(walk(env, 0xd000, PG_ACC_WRITE, &r), PAGING_OK);
    assert_true(r.dirty);
    assert_true(rd(env, pte, 8) & D);
    /* D is set only in the leaf. */
    assert_false(rd(env, pml4e, 8) & D);
}

static void test_dirty_set_on_large_page_leaf_rule(void **state)
{
    Env *env = *state;
    use_4level(env);
    uint64_t pde = map64(env, 0x400000, 0x400000, P | RW, P | RW | PS, 2);
    PagingResult r;
    assert_int_equal(walk(env, 0x400123, 0, &r), PAGING_OK);
    assert_false(r.dirty);
    assert_int_equal(walk(env, 0x400123, PG_ACC_WRITE, &r), PAGING_OK);
    assert_true(r.dirty);
    assert_int_equal(rd(env, pde, 8), 0x400000 | P | RW | PS | A | D);
}

static void test_global_needs_pge_rule(void **state)
{
    /* SDM Vol.3 4.10.2.4: G counts only with CR4.PGE = 1. */
    Env *env = *state;
    use_4level(env);
    map64(env, 0xe000, 0xe000, P | RW, P | RW | G, 1);
    PagingResult r;
    assert_int_equal(walk(env, 0xe000, 0, &r), PAGING_OK);
    assert_false(r.global);
    env->ctx.pge = true;
    assert_int_equal(walk(env, 0xe000, 0, &r), PAGING_OK);
    assert_true(r.global);
}

/* ---- every guest-physical reference goes through ctx->phys ---- */

static PagingStatus refuse_phys(void *opaque, PagingPhysReq *req)
{
    return PAGING_PHYS_FAULT;
}

typedef struct PhysTrace {
    PhysMap *pm;
    unsigned reads, sets, finals;
    uint64_t final_gpa;
} PhysTrace;

static PagingStatus trace_phys(void *opaque, PagingPhysReq *req)
{
    PhysTrace *t = opaque;
    switch (req->op) {
    case PHYS_READ_ENTRY:
        t->reads++;
        return paging_phys_direct(t->pm, req);
    case PHYS_SET_BITS:
        t->sets++;
        return paging_phys_direct(t->pm, req);
    default:
        t->finals++;
        t->final_gpa = req->gpa;
        req->gpa += 0x100000000ull;      /* a hook may relocate the result */
        return PAGING_OK;
    }
}

static void test_walk_routes_every_reference_through_phys_rule(void **state)
{
    Env *env = *state;
    use_4level(env);
    map64(env, 0xf000, 0x12000, P | RW, P | RW, 1);
    PhysTrace t = { .pm = &env->pm };
    env->ctx.phys = trace_phys;
    env->ctx.phys_opaque = &t;
    PagingResult r;
    assert_int_equal(walk(env, 0xf008, PG_ACC_WRITE, &r), PAGING_OK);
    assert_int_equal(t.reads, 4);
    assert_int_equal(t.sets, 4);      /* A on each level, A|D in one op */
    assert_int_equal(t.finals, 1);
    assert_int_equal(t.final_gpa, 0x12008);
    assert_int_equal(r.gpa, 0x100012008ull);
    /* A refusal by the hook ends the walk with PAGING_PHYS_FAULT. */
    env->ctx.phys = refuse_phys;
    assert_int_equal(walk(env, 0xf008, 0, &r), PAGING_PHYS_FAULT);
    env->ctx.phys = NULL;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)
    const struct CMUnitTest tests[] = {
        T(test_paging_off_identity_rule),
        T(test_32bit_4k_translation_and_ad_rule),
        T(test_32bit_4m_page_pse36_rule),
        T(test_32bit_ps_ignored_without_pse_rule),
        T(test_pae_uses_pdpte_registers_rule),
        T(test_pae_pdpte_reserved_bits_rule),
        T(test_pae_2m_page_and_reserved_rule),
        T(test_4level_page_sizes_rule),
        T(test_5level_translation_rule),
        T(test_1g_page_needs_page1gb_rule),
        T(test_reserved_above_maxphyaddr_each_level_rule),
        T(test_pml4_ps_and_xd_reserved_rule),
        T(test_not_present_stops_before_reserved_rule),
        T(test_user_cannot_touch_supervisor_page_rule),
        T(test_write_protect_rule),
        T(test_execute_disable_rule),
        T(test_smep_rule),
        T(test_smap_rule),
        T(test_protection_keys_rule),
        T(test_access_rights_matrix_rule),
        T(test_id_flag_needs_nxe_or_smep_rule),
        T(test_ad_flags_set_on_success_only_rule),
        T(test_dirty_set_on_large_page_leaf_rule),
        T(test_global_needs_pge_rule),
        T(test_walk_routes_every_reference_through_phys_rule),
    };
#undef T
    return cmocka_run_group_tests_name("mmu_paging", tests, NULL, NULL);
}
