/*
 * mmu/tests/test_tlb.c: the translation cache against SDM Vol.3 4.10
 * "Caching Translation Information": hits per access kind, INVLPG
 * (4.10.4.1) including every fragment of a large page, global entries
 * (4.10.2.4) surviving non-global flushes, and PCID tagging (4.10.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "mmu/tlb.h"

static uint8_t page_a[4096], page_b[4096];

static int tlb_setup(void **state)
{
    Tlb *tlb = calloc(1, sizeof(Tlb));
    tlb_flush_all(tlb);
    *state = tlb;
    return 0;
}

static int tlb_teardown(void **state)
{
    free(*state);
    return 0;
}

static const TlbEntry *slot(const Tlb *tlb, unsigned half, uint64_t lin)
{
    return &tlb->e[half][tlb_index(lin)];
}

static bool hits_read(const Tlb *tlb, unsigned half, uint64_t lin, uint64_t cr3)
{
    return slot(tlb, half, lin)->lin_read == tlb_key(lin, cr3);
}

static bool hits_write(const Tlb *tlb, unsigned half, uint64_t lin, uint64_t cr3)
{
    return slot(tlb, half, lin)->lin_write == tlb_key(lin, cr3);
}

static bool hits_exec(const Tlb *tlb, unsigned half, uint64_t lin, uint64_t cr3)
{
    return slot(tlb, half, lin)->lin_exec == tlb_key(lin, cr3);
}

static void test_fill_sets_only_allowed_tags_rule(void **state)
{
    Tlb *tlb = *state;
    tlb_fill(tlb, TLB_USER, 0x401000, 0x9000, page_a,
             TLB_PERM_READ | TLB_PERM_EXEC, false, 12);
    assert_true(hits_read(tlb, TLB_USER, 0x401abc, 0));
    assert_true(hits_exec(tlb, TLB_USER, 0x401abc, 0));
    assert_false(hits_write(tlb, TLB_USER, 0x401abc, 0));
    /* The other privilege half and other pages of the set miss. */
    assert_false(hits_read(tlb, TLB_SUPERVISOR, 0x401000, 0));
    assert_false(hits_read(tlb, TLB_USER, 0x401000 + TLB_SETS * 4096ull, 0));
    assert_ptr_equal(slot(tlb, TLB_USER, 0x401000)->host, page_a);
    assert_int_equal(slot(tlb, TLB_USER, 0x401000)->gpa, 0x9000);
}

static void test_mmio_gets_no_tags_rule(void **state)
{
    /* No host backing: every access must go through physmem. */
    Tlb *tlb = *state;
    tlb_fill(tlb, TLB_SUPERVISOR, 0xfee00000, 0xfee00000, NULL,
             TLB_PERM_READ | TLB_PERM_WRITE | TLB_PERM_EXEC, false, 12);
    assert_false(hits_read(tlb, TLB_SUPERVISOR, 0xfee00000, 0));
    assert_false(hits_write(tlb, TLB_SUPERVISOR, 0xfee00000, 0));
    assert_false(hits_exec(tlb, TLB_SUPERVISOR, 0xfee00000, 0));
}

static void test_invlpg_drops_page_both_halves_rule(void **state)
{
    /* SDM Vol.3 4.10.4.1 INVLPG: entries for that page, global or not. */
    Tlb *tlb = *state;
    tlb_fill(tlb, TLB_USER, 0x5000, 0x5000, page_a, TLB_PERM_READ, true, 12);
    tlb_fill(tlb, TLB_SUPERVISOR, 0x5000, 0x5000, page_a, TLB_PERM_READ, false, 12);
    tlb_fill(tlb, TLB_SUPERVISOR, 0x6000, 0x6000, page_b, TLB_PERM_READ, false, 12);
    tlb_flush_page(tlb, 0x5ff8);
    assert_false(hits_read(tlb, TLB_USER, 0x5000, 0));
    assert_false(hits_read(tlb, TLB_SUPERVISOR, 0x5000, 0));
    assert_true(hits_read(tlb, TLB_SUPERVISOR, 0x6000, 0));
}

static void test_invlpg_drops_all_fragments_of_large_page_rule(void **state)
{
    /* A 2 MiB page cached as 4 KiB fragments: INVLPG of any address in the
     * page must drop every fragment (4.10.2.3). */
    Tlb *tlb = *state;
    tlb_fill(tlb, TLB_SUPERVISOR, 0x200000, 0x400000, page_a, TLB_PERM_READ, false, 21);
    tlb_fill(tlb, TLB_SUPERVISOR, 0x3ff000, 0x5ff000, page_b, TLB_PERM_READ, false, 21);
    tlb_fill(tlb, TLB_SUPERVISOR, 0x400000, 0x400000, page_a, TLB_PERM_READ, false, 12);
    tlb_flush_page(tlb, 0x234567);
    assert_false(hits_read(tlb, TLB_SUPERVISOR, 0x200000, 0));
    assert_false(hits_read(tlb, TLB_SUPERVISOR, 0x3ff000, 0));
    assert_true(hits_read(tlb, TLB_SUPERVISOR, 0x400000, 0));
}

static void test_global_survives_nonglobal_flush_rule(void **state)
{
    /* SDM Vol.3 4.10.4.1 MOV to CR3: global entries are not invalidated. */
    Tlb *tlb = *state;
    tlb_fill(tlb, TLB_SUPERVISOR, 0x7000, 0x7000, page_a, TLB_PERM_READ, true, 12);
    tlb_fill(tlb, TLB_SUPERVISOR, 0x8000, 0x8000, page_b, TLB_PERM_READ, false, 12);
    tlb_flush_nonglobal(tlb);
    assert_true(hits_read(tlb, TLB_SUPERVISOR, 0x7000, 0));
    assert_false(hits_read(tlb, TLB_SUPERVISOR, 0x8000, 0));
    tlb_flush_all(tlb);
    assert_false(hits_read(tlb, TLB_SUPERVISOR, 0x7000, 0));
}

static void test_pcid_switch_keeps_but_hides_entries_rule(void **state)
{
    /* SDM Vol.3 4.10.1: a translation is used only under the PCID it was
     * cached for (global ones under any); switching back without a flush
     * may use it again. */
    Tlb *tlb = *state;
    tlb_set_pcid(tlb, 1);
    tlb_fill(tlb, TLB_USER, 0x9000, 0x9000, page_a, TLB_PERM_READ, false, 12);
    tlb_fill(tlb, TLB_USER, 0xa000, 0xa000, page_b, TLB_PERM_READ, true, 12);
    assert_true(hits_read(tlb, TLB_USER, 0x9000, 0x1001));
    tlb_set_pcid(tlb, 2);
    assert_false(hits_read(tlb, TLB_USER, 0x9000, 0x2002));
    assert_true(hits_read(tlb, TLB_USER, 0xa000, 0x2002));
    tlb_set_pcid(tlb, 1);
    assert_true(hits_read(tlb, TLB_USER, 0x9000, 0x1001));
    assert_true(hits_read(tlb, TLB_USER, 0xa000, 0x1001));
}

static void test_pcid_flushes_rule(void **state)
{
    /* INVPCID single-context and individual-address: only the named PCID,
     * never global entries. */
    Tlb *tlb = *state;
    tlb_set_pcid(tlb, 3);
    tlb_fill(tlb, TLB_SUPERVISOR, 0xb000, 0xb000, page_a, TLB_PERM_READ, false, 12);
    tlb_fill(tlb, TLB_SUPERVISOR, 0xc000, 0xc000, page_a, TLB_PERM_READ, true, 12);
    tlb_set_pcid(tlb, 4);
    tlb_fill(tlb, TLB_SUPERVISOR, 0xd000, 0xd000, page_b, TLB_PERM_READ, false, 12);
    tlb_fill(tlb, TLB_SUPERVISOR, 0xe000, 0xe000, page_b, TLB_PERM_READ, false, 12);
    tlb_flush_pcid(tlb, 3);
    tlb_flush_page_pcid(tlb, 0xd000, 4);
    tlb_set_pcid(tlb, 3);
    assert_false(hits_read(tlb, TLB_SUPERVISOR, 0xb000, 3));
    assert_true(hits_read(tlb, TLB_SUPERVISOR, 0xc000, 3));
    tlb_set_pcid(tlb, 4);
    assert_false(hits_read(tlb, TLB_SUPERVISOR, 0xd000, 4));
    assert_true(hits_read(tlb, TLB_SUPERVISOR, 0xe000, 4));
}

static void test_flush_write_gpa_keeps_read_rule(void **state)
{
    /* A page that becomes code loses its write tags so stores take the
     * slow path (and reach the decoded-instruction cache). */
    Tlb *tlb = *state;
    unsigned rw = TLB_PERM_READ | TLB_PERM_WRITE;
    tlb_fill(tlb, TLB_USER, 0x11000, 0x42000, page_a, rw, false, 12);
    tlb_fill(tlb, TLB_SUPERVISOR, 0x7f0000012000ull, 0x42000, page_a, rw, false, 12);
    tlb_fill(tlb, TLB_SUPERVISOR, 0x13000, 0x43000, page_b, rw, false, 12);
    tlb_flush_write_gpa(tlb, 0x42000);
    assert_false(hits_write(tlb, TLB_USER, 0x11000, 0));
    assert_false(hits_write(tlb, TLB_SUPERVISOR, 0x7f0000012000ull, 0));
    assert_true(hits_read(tlb, TLB_USER, 0x11000, 0));
    assert_true(hits_write(tlb, TLB_SUPERVISOR, 0x13000, 0));
    /* A later PCID retag must not bring the write tag back. */
    tlb_fill(tlb, TLB_SUPERVISOR, 0x14000, 0x44000, page_b, rw, true, 12);
    tlb_flush_write_gpa(tlb, 0x44000);
    tlb_set_pcid(tlb, 9);
    assert_true(hits_read(tlb, TLB_SUPERVISOR, 0x14000, 9));
    assert_false(hits_write(tlb, TLB_SUPERVISOR, 0x14000, 9));
}

static void test_invalid_tag_never_matches_rule(void **state)
{
    /* The highest canonical page with PCID FFFH, and a cleared TLB. */
    Tlb *tlb = *state;
    assert_true(tlb_key(0xfffffffffffff000ull, 0xfff) != TLB_INVALID);
    tlb_set_pcid(tlb, 0xfff);
    assert_false(hits_read(tlb, TLB_SUPERVISOR, 0xfffffffffffff000ull, 0xfff));
    assert_false(hits_read(tlb, TLB_SUPERVISOR, 0, 0));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tlb_setup, tlb_teardown)
    const struct CMUnitTest tests[] = {
        T(test_fill_sets_only_allowed_tags_rule),
        T(test_mmio_gets_no_tags_rule),
        T(test_invlpg_drops_page_both_halves_rule),
        T(test_invlpg_drops_all_fragments_of_large_page_rule),
        T(test_global_survives_nonglobal_flush_rule),
        T(test_pcid_switch_keeps_but_hides_entries_rule),
        T(test_pcid_flushes_rule),
        T(test_flush_write_gpa_keeps_read_rule),
        T(test_invalid_tag_never_matches_rule),
    };
#undef T
    return cmocka_run_group_tests_name("mmu_tlb", tests, NULL, NULL);
}
