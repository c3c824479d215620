/*
 * cpu/tests/test_mem.c: memory accesses through segments and paging, per
 * SDM Vol.3 5.3 "Limit Checking" (expand-up, expand-down, 16/32-bit upper
 * bound), 5.4 "Type Checking", 3.4.4 / Vol.1 3.3.7.1 canonical addresses in
 * 64-bit mode, 6.15 "#AC", 4.7 page faults with CR2, cross-page writes that
 * write nothing when either page faults, MMIO dispatch, instruction fetch
 * across a faulting page, and stack wrap by stack-address size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/mem.h"
#include "cpu/tests/fixture.h"

#define PD (FX_PAGING + 0x2000)   /* fixture's page directory (2 MiB pages) */

static int fx_setup(void **state)
{
    *state = fixture_new();
    return 0;
}

static int fx_teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

static void expect_fault(Cpu *cpu, SimStatus st, uint8_t vector, uint32_t error)
{
    assert_int_equal(st, ST_FAULT);
    assert_int_equal(cpu->fault.vector, vector);
    assert_true(cpu->fault.has_error);
    assert_int_equal(cpu->fault.error, error);
}

/* ---- segment limits and types (protected mode, no paging) ---- */

static void test_limit_expand_up_rule(void **state)
{
    /* SDM Vol.3 5.3: every byte must lie at or below the limit; #GP(0),
     * or #SS(0) through SS. */
    Fixture *fx = *state;
    fixture_mode_prot32(fx);
    Cpu *cpu = &fx->cpu;
    cpu->seg[SEG_DS].limit = 0xfff;
    cpu->seg[SEG_SS].limit = 0xfff;
    uint32_t v;
    assert_int_equal(cpu_read(cpu, SEG_DS, 0xffc, 4, &v), ST_OK);
    expect_fault(cpu, cpu_read(cpu, SEG_DS, 0xffd, 4, &v), EXC_GP, 0);
    expect_fault(cpu, cpu_write(cpu, SEG_SS, 0xfff, 2, &v), EXC_SS, 0);
    /* The access wrapping past 4 GiB is a limit violation too. */
    cpu->seg[SEG_DS].limit = 0xffffffff;
    expect_fault(cpu, cpu_read(cpu, SEG_DS, 0xfffffffe, 4, &v), EXC_GP, 0);
}

static void test_limit_expand_down_rule(void **state)
{
    /* SDM Vol.3 5.3: an expand-down segment allows offsets limit+1 up to
     * FFFFFFFFH (B = 1) or FFFFH (B = 0). */
    Fixture *fx = *state;
    fixture_mode_prot32(fx);
    Cpu *cpu = &fx->cpu;
    uint64_t v = 0;
    cpu->seg[SEG_ES].ar = 0x7u | AR_S | AR_P | AR_DB;   /* data, expand-down, RW */
    cpu->seg[SEG_ES].limit = 0xfff;
    expect_fault(cpu, cpu_read(cpu, SEG_ES, 0xfff, 1, &v), EXC_GP, 0);
    expect_fault(cpu, cpu_read(cpu, SEG_ES, 0, 1, &v), EXC_GP, 0);
    assert_int_equal(cpu_write(cpu, SEG_ES, 0x1000, 4, &v), ST_OK);
    assert_int_equal(cpu_read(cpu, SEG_ES, 0xfffffffc, 4, &v), ST_OK);
    cpu->seg[SEG_ES].ar &= ~AR_DB;                        /* 16-bit upper bound */
    assert_int_equal(cpu_read(cpu, SEG_ES, 0xfffe, 2, &v), ST_OK);
    expect_fault(cpu, cpu_read(cpu, SEG_ES, 0xffff, 2, &v), EXC_GP, 0);
    expect_fault(cpu, cpu_read(cpu, SEG_ES, 0x10000, 1, &v), EXC_GP, 0);
}

static void test_type_checks_rule(void **state)
{
    /* SDM Vol.3 5.4: no reads from execute-only code, no writes to code or
     * read-only data. */
    Fixture *fx = *state;
    fixture_mode_prot32(fx);
    Cpu *cpu = &fx->cpu;
    uint32_t v = 0;
    cpu->seg[SEG_FS].ar = 0x9u | AR_S | AR_P | AR_DB;     /* execute-only code */
    expect_fault(cpu, cpu_read(cpu, SEG_FS, FX_DATA, 4, &v), EXC_GP, 0);
    cpu->seg[SEG_FS].ar = 0xbu | AR_S | AR_P | AR_DB;     /* execute/read */
    assert_int_equal(cpu_read(cpu, SEG_FS, FX_DATA, 4, &v), ST_OK);
    expect_fault(cpu, cpu_write(cpu, SEG_FS, FX_DATA, 4, &v), EXC_GP, 0);
    cpu->seg[SEG_GS].ar = 0x1u | AR_S | AR_P | AR_DB;     /* read-only data */
    assert_int_equal(cpu_read(cpu, SEG_GS, FX_DATA, 4, &v), ST_OK);
    expect_fault(cpu, cpu_write(cpu, SEG_GS, FX_DATA, 4, &v), EXC_GP, 0);
    expect_fault(cpu, cpu_check_write(cpu, SEG_GS, FX_DATA, 4), EXC_GP, 0);
}

static void test_null_segment_rule(void **state)
{
    /* SDM Vol.3 5.4.1 "Null Segment Selector Checking": a memory reference
     * through a null (unusable) segment is #GP(0); for SS, #SS(0). */
    Fixture *fx = *state;
    fixture_mode_prot32(fx);
    Cpu *cpu = &fx->cpu;
    uint32_t v;
    cpu->seg[SEG_ES].ar |= AR_UNUSABLE;
    expect_fault(cpu, cpu_read(cpu, SEG_ES, FX_DATA, 4, &v), EXC_GP, 0);
    cpu->seg[SEG_SS].ar |= AR_UNUSABLE;
    expect_fault(cpu, cpu_read(cpu, SEG_SS, FX_DATA, 4, &v), EXC_SS, 0);
}

static void test_segment_base_applied_and_wraps_rule(void **state)
{
    /* Linear address = base + offset, truncated to 32 bits outside
     * IA-32e mode (SDM Vol.3 3.4). */
    Fixture *fx = *state;
    fixture_mode_prot32(fx);
    Cpu *cpu = &fx->cpu;
    fixture_write_phys(fx, FX_DATA, 4, 0xcafef00d);
    cpu->seg[SEG_DS].base = 0xfff00000;
    uint64_t v;
    assert_int_equal(cpu_read_u(cpu, SEG_DS, FX_DATA + 0x100000, 4, &v), ST_OK);
    assert_int_equal(v, 0xcafef00d);
}

/* ---- 64-bit mode ---- */

static void test_canonical_checks_rule(void **state)
{
    /* SDM Vol.3 3.4.4, 5.3.1: no limit checks in 64-bit mode, only FS/GS
     * bases; a non-canonical address is #GP(0), or #SS(0) through SS. */
    Fixture *fx = *state;
    fixture_mode_long64(fx);
    Cpu *cpu = &fx->cpu;
    uint64_t v;
    cpu->seg[SEG_DS].limit = 0;
    cpu->seg[SEG_DS].base = 0x100000;          /* ignored */
    fixture_write_phys(fx, FX_DATA, 8, 0x1122334455667788ull);
    assert_int_equal(cpu_read_u(cpu, SEG_DS, FX_DATA, 8, &v), ST_OK);
    assert_int_equal(v, 0x1122334455667788ull);
    cpu->seg[SEG_FS].base = FX_DATA - 0x10;
    assert_int_equal(cpu_read_u(cpu, SEG_FS, 0x10, 8, &v), ST_OK);
    assert_int_equal(v, 0x1122334455667788ull);
    expect_fault(cpu, cpu_read_u(cpu, SEG_DS, 0x0000800000000000ull, 8, &v), EXC_GP, 0);
    expect_fault(cpu, cpu_read_u(cpu, SEG_SS, 0xffff7fffffffffffull, 1, &v), EXC_SS, 0);
    /* An access whose last byte is non-canonical. */
    expect_fault(cpu, cpu_read_u(cpu, SEG_DS, 0x00007ffffffffffcull, 8, &v), EXC_GP, 0);
    assert_true(cpu_is_canonical(cpu, 0xffff800000000000ull));
    assert_false(cpu_is_canonical(cpu, 0x0000800000000000ull));
}

static void test_alignment_check_rule(void **state)
{
    /* SDM Vol.3 6.15: #AC(0) for misaligned data at CPL 3 when CR0.AM and
     * RFLAGS.AC are both set; never at CPL < 3; implicit supervisor
     * accesses are not checked. */
    Fixture *fx = *state;
    fixture_mode_long64(fx);
    Cpu *cpu = &fx->cpu;
    uint64_t v = 0;
    cpu->cr0 |= CR0_AM;
    cpu->rflags |= RFLAGS_AC;
    assert_int_equal(cpu_read_u(cpu, SEG_DS, FX_DATA + 1, 4, &v), ST_OK);  /* CPL 0 */
    cpu->cpl = 3;
    expect_fault(cpu, cpu_read_u(cpu, SEG_DS, FX_DATA + 1, 4, &v), EXC_AC, 0);
    expect_fault(cpu, cpu_write_u(cpu, SEG_DS, FX_DATA + 4, 8, 0), EXC_AC, 0);
    assert_int_equal(cpu_read_u(cpu, SEG_DS, FX_DATA + 4, 4, &v), ST_OK);
    assert_int_equal(cpu_read_u(cpu, SEG_DS, FX_DATA + 3, 1, &v), ST_OK);
    uint8_t buf[8];
    assert_int_equal(cpu_read_lin(cpu, FX_DATA + 1, 8, buf, ACC_IMPLICIT_SUPERVISOR), ST_OK);
    cpu->rflags &= ~RFLAGS_AC;
    assert_int_equal(cpu_read_u(cpu, SEG_DS, FX_DATA + 1, 4, &v), ST_OK);
}

/* ---- paging through the cpu layer ---- */

static void set_pde(Fixture *fx, unsigned i, uint64_t v)
{
    fixture_write_phys(fx, PD + 8 * i, 8, v);
    tlb_flush_all(&fx->cpu.tlb);
}

static void test_cross_page_write_faulting_writes_nothing_rule(void **state)
{
    /* mem.h: both pages are translated before the first byte is stored;
     * the #PF reports the second page in CR2 (SDM Vol.3 4.7). */
    Fixture *fx = *state;
    fixture_mode_long64(fx);
    Cpu *cpu = &fx->cpu;
    set_pde(fx, 5, 0);                        /* 0xa00000..: not present */
    fixture_write_phys(fx, 0x9ffffc, 4, 0x11111111);
    uint64_t v = 0x2222222222222222ull;
    expect_fault(cpu, cpu_write(cpu, SEG_DS, 0x9ffffc, 8, &v), EXC_PF, PFEC_WR);
    assert_int_equal(cpu->fault.cr2, 0xa00000);
    assert_int_equal(fixture_read_phys(fx, 0x9ffffc, 4), 0x11111111);

    /* Read-only second page with CR0.WP = 1: protection fault, P = 1. */
    set_pde(fx, 5, 0xa00000 | 0x85);
    cpu_set_cr0(cpu, cpu->cr0 | CR0_WP);
    expect_fault(cpu, cpu_write(cpu, SEG_DS, 0x9ffffc, 8, &v), EXC_PF, PFEC_P | PFEC_WR);
    assert_int_equal(fixture_read_phys(fx, 0x9ffffc, 4), 0x11111111);

    /* Writable: both halves land. */
    set_pde(fx, 5, 0xa00000 | 0x87);
    assert_int_equal(cpu_write(cpu, SEG_DS, 0x9ffffc, 8, &v), ST_OK);
    assert_int_equal(fixture_read_phys(fx, 0x9ffffc, 8), 0x2222222222222222ull);
}

static void test_cross_page_read_assembles_rule(void **state)
{
    Fixture *fx = *state;
    fixture_mode_prot32(fx);
    Cpu *cpu = &fx->cpu;
    for (unsigned i = 0; i < 16; i++)
        fixture_write_phys(fx, FX_DATA + 0xff8 + i, 1, i + 1);
    uint8_t buf[16];
    assert_int_equal(cpu_read(cpu, SEG_DS, FX_DATA + 0xff8, 16, buf), ST_OK);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(buf[i], i + 1);
}

static void test_user_access_supervisor_page_pf_rule(void **state)
{
    /* SDM Vol.3 4.6, 4.7: CPL 3 read of a supervisor page: #PF with
     * P | U/S, CR2 = the address; the dirty flag is set by a write. */
    Fixture *fx = *state;
    fixture_mode_long64(fx);
    Cpu *cpu = &fx->cpu;
    set_pde(fx, 6, 0xc00000 | 0x83);          /* supervisor, RW, 2 MiB */
    uint64_t v;
    assert_int_equal(cpu_write_u(cpu, SEG_DS, 0xc00010, 4, 5), ST_OK);
    assert_true(fixture_read_phys(fx, PD + 8 * 6, 8) & 0x40);     /* D */
    cpu->cpl = 3;
    expect_fault(cpu, cpu_read_u(cpu, SEG_DS, 0xc00010, 4, &v), EXC_PF, PFEC_P | PFEC_US);
    assert_int_equal(cpu->fault.cr2, 0xc00010);
}

static void test_smap_follows_ac_without_flush_rule(void **state)
{
    /* SMAP depends on EFLAGS.AC at the time of each access; STAC/CLAC do
     * not flush the TLB, so a cached translation must not let a
     * supervisor access through once AC is clear again. */
    Fixture *fx = *state;
    fixture_mode_long64(fx);
    Cpu *cpu = &fx->cpu;
    cpu_set_cr4(cpu, cpu->cr4 | CR4_SMAP);
    uint64_t v;
    expect_fault(cpu, cpu_read_u(cpu, SEG_DS, FX_DATA, 4, &v), EXC_PF, PFEC_P);
    cpu->rflags |= RFLAGS_AC;
    assert_int_equal(cpu_read_u(cpu, SEG_DS, FX_DATA, 4, &v), ST_OK);
    assert_int_equal(cpu_write_u(cpu, SEG_DS, FX_DATA, 4, 1), ST_OK);
    uint8_t b[4];
    expect_fault(cpu, cpu_read_lin(cpu, FX_DATA, 4, b, ACC_IMPLICIT_SUPERVISOR),
                 EXC_PF, PFEC_P);
    cpu->rflags &= ~RFLAGS_AC;
    expect_fault(cpu, cpu_read_u(cpu, SEG_DS, FX_DATA, 4, &v), EXC_PF, PFEC_P);
    expect_fault(cpu, cpu_write_u(cpu, SEG_DS, FX_DATA, 4, 1), EXC_PF, PFEC_P | PFEC_WR);
}

static void test_fetch_stops_at_faulting_page_rule(void **state)
{
    /* mem.h: cpu_fetch returns the bytes before the first faulting page;
     * a fetch that gets nothing faults with I/D (NXE = 1). */
    Fixture *fx = *state;
    fixture_mode_long64(fx);
    Cpu *cpu = &fx->cpu;
    set_pde(fx, 5, 0);
    uint8_t buf[15];
    unsigned got = 99;
    assert_int_equal(cpu_fetch(cpu, 0x9ffff8, buf, 15, &got), ST_OK);
    assert_int_equal(got, 8);
    expect_fault(cpu, cpu_fetch(cpu, 0xa00000, buf, 15, &got), EXC_PF, PFEC_ID);
    assert_int_equal(got, 0);
    assert_int_equal(cpu->fault.cr2, 0xa00000);
    /* Execute-disable on a present page. */
    set_pde(fx, 5, 0xa00000 | 0x87 | (1ull << 63));
    expect_fault(cpu, cpu_fetch(cpu, 0xa00000, buf, 15, &got), EXC_PF, PFEC_P | PFEC_ID);
}

static void test_pae_pdpte_load_rule(void **state)
{
    /* SDM Vol.3 4.4.1: loading PDPTEs with a reserved bit set in a present
     * entry is #GP(0) and leaves the registers unchanged. */
    Fixture *fx = *state;
    fixture_mode_prot32(fx);
    Cpu *cpu = &fx->cpu;
    uint64_t pdpt = FX_DATA;
    fixture_write_phys(fx, pdpt, 8, 0x300000 | 1);
    fixture_write_phys(fx, pdpt + 8, 8, 0x301000 | 1 | (1ull << 6));   /* bit 6 reserved */
    cpu->cr3 = pdpt;
    cpu->pdpte[0] = 0x1234;
    expect_fault(cpu, cpu_load_pdptes(cpu), EXC_GP, 0);
    assert_int_equal(cpu->pdpte[0], 0x1234);
    fixture_write_phys(fx, pdpt + 8, 8, 0x301000 | 1);
    assert_int_equal(cpu_load_pdptes(cpu), ST_OK);
    assert_int_equal(cpu->pdpte[0], 0x300001);
    assert_int_equal(cpu->pdpte[1], 0x301001);
}

static void test_pcid_switch_without_flush_never_hits_old_rule(void **state)
{
    /* SDM Vol.3 4.10.1: with CR4.PCIDE = 1, MOV to CR3 with bit 63 set
     * keeps cached translations, but only those of the new PCID (and
     * global ones) may be used. */
    Fixture *fx = *state;
    fixture_mode_long64(fx);
    Cpu *cpu = &fx->cpu;
    uint64_t pml4b = 0x300000, pdptb = 0x301000, pdb = 0x302000;
    fixture_write_phys(fx, pml4b, 8, pdptb | 7);
    fixture_write_phys(fx, pdptb, 8, pdb | 7);
    for (uint64_t i = 0; i < 512; i++)
        fixture_write_phys(fx, pdb + 8 * i, 8, (i << 21) | 0x87);
    fixture_write_phys(fx, pdb + 8 * 2, 8, 0x600000 | 0x87);   /* 4M -> 6M */
    fixture_write_phys(fx, 0x400000, 4, 0xaaaa);
    fixture_write_phys(fx, 0x600000, 4, 0xbbbb);
    cpu_set_cr4(cpu, cpu->cr4 | CR4_PCIDE);
    cpu_set_cr3(cpu, FX_PAGING | 1);
    uint64_t v;
    assert_int_equal(cpu_read_u(cpu, SEG_DS, 0x400000, 4, &v), ST_OK);
    assert_int_equal(v, 0xaaaa);
    cpu_set_cr3(cpu, pml4b | 2 | BIT(63));
    assert_int_equal(cpu_read_u(cpu, SEG_DS, 0x400000, 4, &v), ST_OK);
    assert_int_equal(v, 0xbbbb);
    cpu_set_cr3(cpu, FX_PAGING | 1 | BIT(63));
    assert_int_equal(cpu_read_u(cpu, SEG_DS, 0x400000, 4, &v), ST_OK);
    assert_int_equal(v, 0xaaaa);
}

static void test_32bit_paging_through_cpu_rule(void **state)
{
    /* CR0.PG = 1 with CR4.PAE = 0 selects 32-bit paging (SDM Vol.3 4.1.1);
     * CR4.PSE = 1 enables 4 MiB pages. */
    Fixture *fx = *state;
    fixture_mode_prot32(fx);
    Cpu *cpu = &fx->cpu;
    uint64_t pd = 0x300000;
    for (uint32_t i = 0; i < 1024; i++)
        fixture_write_phys(fx, pd + 4 * i, 4, (i << 22) | 0x87);
    fixture_write_phys(fx, pd + 4 * 0x300, 4, 0x400000 | 0x87);  /* C0000000 -> 4M */
    fixture_write_phys(fx, 0x400010, 4, 0x5151);
    cpu_set_cr4(cpu, cpu->cr4 | CR4_PSE);
    cpu_set_cr3(cpu, pd);
    cpu_set_cr0(cpu, cpu->cr0 | CR0_PG);
    uint64_t v;
    assert_int_equal(cpu_read_u(cpu, SEG_DS, 0xc0000010, 4, &v), ST_OK);
    assert_int_equal(v, 0x5151);
    assert_int_equal(fixture_read_phys(fx, pd + 4 * 0x300, 4), 0x400000 | 0x87 | 0x20);
    fixture_write_phys(fx, pd + 4 * 0x301, 4, 0);
    expect_fault(cpu, cpu_write_u(cpu, SEG_DS, 0xc0400000, 1, 0), EXC_PF, PFEC_WR);
    assert_int_equal(cpu->fault.cr2, 0xc0400000);
}

static void test_pae_paging_through_cpu_rule(void **state)
{
    /* PAE paging walks from the PDPTE registers (SDM Vol.3 4.4). */
    Fixture *fx = *state;
    fixture_mode_prot32(fx);
    Cpu *cpu = &fx->cpu;
    uint64_t pdpt = 0x300000, pd = 0x301000;
    fixture_write_phys(fx, pdpt + 8 * 3, 8, pd | 1);
    fixture_write_phys(fx, pd + 8 * 1, 8, 0x600000 | 0x83);      /* C0200000 -> 6M */
    fixture_write_phys(fx, 0x600008, 8, 0x123456789ull);
    cpu_set_cr4(cpu, cpu->cr4 | CR4_PAE);
    cpu_set_cr3(cpu, pdpt);
    assert_int_equal(cpu_load_pdptes(cpu), ST_OK);
    cpu_set_cr0(cpu, cpu->cr0 | CR0_PG);
    uint64_t v;
    assert_int_equal(cpu_read_u(cpu, SEG_DS, 0xc0200008, 8, &v), ST_OK);
    assert_int_equal(v, 0x123456789ull);
    expect_fault(cpu, cpu_read_u(cpu, SEG_DS, 0x00200008, 8, &v), EXC_PF, 0);
}

/* ---- MMIO ---- */

typedef struct Dev {
    unsigned n;
    uint64_t off[8];
    unsigned size[8];
    bool write[8];
    uint64_t val[8];
} Dev;

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
    Dev *d = opaque;
    if (d->n < 8) {
        d->off[d->n] = off;
        d->size[d->n] = size;
        d->write[d->n++] = false;
    }
    return 0xa5a5a5a5a5a5a5a5ull;
}

static void dev_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
    Dev *d = opaque;
    if (d->n < 8) {
        d->off[d->n] = off;
        d->size[d->n] = size;
        d->val[d->n] = v;
        d->write[d->n++] = true;
    }
}

static const MmioOps dev_ops = { dev_read, dev_write };

static void test_mmio_dispatch_through_cpu_rule(void **state)
{
    /* A data access to an MMIO address reaches the device with the
     * access's size, every time (nothing is cached for MMIO). */
    Fixture *fx = *state;
    Dev dev = { 0 };
    assert_true(physmem_add_mmio(&fx->pm, 0xfee00000, 0x1000, &dev_ops, &dev, "dev"));
    fixture_mode_prot32(fx);
    Cpu *cpu = &fx->cpu;
    uint64_t v;
    assert_int_equal(cpu_write_u(cpu, SEG_DS, 0xfee00010, 4, 0x12345678), ST_OK);
    assert_int_equal(cpu_read_u(cpu, SEG_DS, 0xfee00020, 2, &v), ST_OK);
    assert_int_equal(v, 0xa5a5);
    assert_int_equal(cpu_read_u(cpu, SEG_DS, 0xfee00020, 2, &v), ST_OK);
    assert_int_equal(dev.n, 3);
    assert_true(dev.write[0]);
    assert_int_equal(dev.off[0], 0x10);
    assert_int_equal(dev.size[0], 4);
    assert_int_equal(dev.val[0], 0x12345678);
    assert_false(dev.write[1]);
    assert_int_equal(dev.size[1], 2);
    assert_int_equal(dev.off[2], 0x20);
}

/* ---- code pages ---- */

typedef struct CodeSpy {
    Cpu *cpu;
    unsigned written;
} CodeSpy;

static void spy_written(void *opaque, uint64_t gpa, unsigned len)
{
    ((CodeSpy *)opaque)->written++;
}

static void spy_marked(void *opaque, uint64_t page)
{
    tlb_flush_write_gpa(&((CodeSpy *)opaque)->cpu->tlb, page);
}

static void test_write_to_code_page_never_bypasses_hook_rule(void **state)
{
    /* Stores to a page holding decoded code must reach code_written even
     * when the TLB already had a fast write tag for it (SDM Vol.3 11.6
     * "Self-Modifying Code"). */
    Fixture *fx = *state;
    fixture_mode_long64(fx);
    Cpu *cpu = &fx->cpu;
    CodeSpy spy = { cpu, 0 };
    fx->pm.code_written = spy_written;
    fx->pm.code_marked = spy_marked;
    fx->pm.code_opaque = &spy;
    assert_int_equal(cpu_write_u(cpu, SEG_DS, FX_DATA + 0x3000, 4, 1), ST_OK);
    assert_int_equal(cpu_write_u(cpu, SEG_DS, FX_DATA + 0x3000, 4, 2), ST_OK);
    assert_int_equal(spy.written, 0);
    physmem_mark_code(&fx->pm, FX_DATA + 0x3000);
    assert_int_equal(cpu_write_u(cpu, SEG_DS, FX_DATA + 0x3004, 4, 3), ST_OK);
    assert_int_equal(spy.written, 1);
    assert_int_equal(cpu_write_u(cpu, SEG_DS, FX_DATA + 0x3008, 1, 3), ST_OK);
    assert_int_equal(spy.written, 2);
    /* A page that was code before its first store. */
    physmem_mark_code(&fx->pm, FX_DATA + 0x5000);
    assert_int_equal(cpu_write_u(cpu, SEG_DS, FX_DATA + 0x5000, 8, 3), ST_OK);
    assert_int_equal(spy.written, 3);
    fx->pm.code_written = NULL;
    fx->pm.code_marked = NULL;
    fx->pm.code_opaque = NULL;
}

/* ---- stack ---- */

static void test_push_pop_wrap_16bit_stack_rule(void **state)
{
    /* SDM Vol.1 6.2.2 / Vol.2 PUSH: a 16-bit stack (SS.B = 0) wraps SP
     * within 64 KiB and leaves RSP bits 63:16 alone. */
    Fixture *fx = *state;
    fixture_mode_real(fx);
    Cpu *cpu = &fx->cpu;
    cpu->seg[SEG_SS].base = 0x20000;
    cpu->gpr[R_RSP] = 0x12340000;
    assert_int_equal(cpu->stack_size, 2);
    assert_int_equal(cpu_push(cpu, 0xbeef, 2), ST_OK);
    assert_int_equal(cpu->gpr[R_RSP], 0x1234fffe);
    assert_int_equal(fixture_read_phys(fx, 0x2fffe, 2), 0xbeef);
    uint64_t v;
    assert_int_equal(cpu_stack_peek(cpu, 0, 2, &v), ST_OK);
    assert_int_equal(v, 0xbeef);
    assert_int_equal(cpu_pop(cpu, 2, &v), ST_OK);
    assert_int_equal(v, 0xbeef);
    assert_int_equal(cpu->gpr[R_RSP], 0x12340000);
    /* A 4-byte pop at SP = FFFEH crosses the 64 KiB limit: #SS(0). */
    cpu->gpr[R_RSP] = 0xfffe;
    expect_fault(cpu, cpu_pop(cpu, 4, &v), EXC_SS, 0);
    assert_int_equal(cpu->gpr[R_RSP], 0xfffe);
}

static void test_push_fault_keeps_rsp_rule(void **state)
{
    /* mem.h: RSP is updated only when the push succeeds. */
    Fixture *fx = *state;
    fixture_mode_long64(fx);
    Cpu *cpu = &fx->cpu;
    cpu->gpr[R_RSP] = 0x0000800000000004ull;          /* RSP - 8 non-canonical */
    expect_fault(cpu, cpu_push(cpu, 1, 8), EXC_SS, 0);
    assert_int_equal(cpu->gpr[R_RSP], 0x0000800000000004ull);
    cpu->gpr[R_RSP] = FX_STACK_TOP;
    assert_int_equal(cpu_push(cpu, 0x1122334455667788ull, 8), ST_OK);
    assert_int_equal(cpu->gpr[R_RSP], FX_STACK_TOP - 8);
    assert_int_equal(fixture_read_phys(fx, FX_STACK_TOP - 8, 8), 0x1122334455667788ull);
    uint64_t v;
    assert_int_equal(cpu_pop(cpu, 8, &v), ST_OK);
    assert_int_equal(v, 0x1122334455667788ull);
    assert_int_equal(cpu->gpr[R_RSP], FX_STACK_TOP);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_limit_expand_up_rule),
        T(test_limit_expand_down_rule),
        T(test_type_checks_rule),
        T(test_null_segment_rule),
        T(test_segment_base_applied_and_wraps_rule),
        T(test_canonical_checks_rule),
        T(test_alignment_check_rule),
        T(test_cross_page_write_faulting_writes_nothing_rule),
        T(test_cross_page_read_assembles_rule),
        T(test_user_access_supervisor_page_pf_rule),
        T(test_smap_follows_ac_without_flush_rule),
        T(test_fetch_stops_at_faulting_page_rule),
        T(test_pae_pdpte_load_rule),
        T(test_pcid_switch_without_flush_never_hits_old_rule),
        T(test_32bit_paging_through_cpu_rule),
        T(test_pae_paging_through_cpu_rule),
        T(test_mmio_dispatch_through_cpu_rule),
        T(test_write_to_code_page_never_bypasses_hook_rule),
        T(test_push_pop_wrap_16bit_stack_rule),
        T(test_push_fault_keeps_rsp_rule),
    };
#undef T
    return cmocka_run_group_tests_name("cpu_mem", tests, NULL, NULL);
}
