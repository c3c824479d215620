/*
 * cpu/icache.c: the decoded-instruction cache (ARCHITECTURE "The path of one
 * instruction", step 2). Code is fetched per SDM Vol.3 5.3 "Limit Checking"
 * (CS limit, #GP(0)), 3.3.7.1 "Canonical Addressing" (non-canonical RIP,
 * #GP(0)) and 4.6 "Access Rights" (instruction fetch through paging), and
 * decoded once into blocks of straight-line instructions.
 *
 * Design:
 * - A block starts at a guest-physical address and holds up to
 *   ICACHE_BLOCK_INSNS instructions at consecutive addresses of one page. It
 *   ends after a branch, system or I/O instruction (F_BRANCH, F_SYSTEM,
 *   F_IO), at the page end, or before an instruction that does not decode.
 *   An instruction crossing a page boundary is a block of its own and also
 *   records the second page.
 * - Blocks live in a direct-mapped table of 2^ICACHE_BITS slots indexed by
 *   a hash of (GPA, decode mode); no hash table and no allocation on the
 *   lookup path. A lookup is one TLB tag compare for the linear-to-physical
 *   step (cpu_translate only on a TLB miss) and one slot compare; the run
 *   loop skips the TLB step while it stays on the code page it translated
 *   last (IcPage, cpu/internal.h).
 * - Validity: each RAM page has a generation counter. A block remembers the
 *   generation of its page(s) when decoded; a write into decoded bytes bumps
 *   it (SDM Vol.3 11.6 "Self-Modifying Code": a write to a code location
 *   takes effect for the next fetch). Decoded bytes are tracked per 64-byte
 *   piece of a page so writes to data sharing a page with code cost nothing
 *   but the slow write path. Pages with decoded code are marked in the
 *   PhysMap code bitmap; marking drops the TLB write tags of every vCPU so
 *   their writes reach physmem_write and its code_written hook.
 * - A block is valid for any CS base or limit: entry checks that the whole
 *   block lies within the current CS limit, else the instruction is decoded
 *   uncached.
 */
#include "cpu/icache.h"

#include <glib.h>
#include <string.h>

#include "cpu/fault.h"
#include "cpu/internal.h"
#include "cpu/mem.h"

#define NO_PAGE (~0ull)

static void ic_code_written(void *opaque, uint64_t gpa, unsigned len)
{
    Icache *ic = opaque;
    uint64_t end = gpa + (len ? len : 1);
    for (uint64_t a = gpa; a < end; a = (a & PAGE_MASK) + PAGE_SIZE) {
        uint64_t off = physmem_ram_offset(ic->pm, a);
        if (off == UINT64_MAX)
            continue;
        uint64_t pg = off >> PAGE_SHIFT;
        unsigned lo = (unsigned)(a & (PAGE_SIZE - 1)) >> 6;
        uint64_t last = end - 1 < (a | (PAGE_SIZE - 1)) ? end - 1 : (a | (PAGE_SIZE - 1));
        unsigned hi = (unsigned)(last & (PAGE_SIZE - 1)) >> 6;
        uint64_t mask = (hi == 63 ? ~0ull : (2ull << hi) - 1) & ~((1ull << lo) - 1);
        if (ic->chunks[pg] & mask)
            icache_invalidate_page(ic, a);
    }
}

static void ic_code_marked(void *opaque, uint64_t gpa_page)
{
    Icache *ic = opaque;
    for (unsigned i = 0; i < ic->ncpus; i++)
        tlb_flush_write_gpa(&ic->cpus[i]->tlb, gpa_page & PAGE_MASK);
}

Icache *icache_new(PhysMap *pm)
{
    Icache *ic = g_new0(Icache, 1);
    ic->pm = pm;
    ic->ix = decode_index_new();
    ic->blocks = g_new0(IcBlock, 1u << ICACHE_BITS);
    ic->npages = (pm->ram_size + PAGE_SIZE - 1) >> PAGE_SHIFT;
    ic->gen = g_new0(uint32_t, ic->npages ? ic->npages : 1);
    ic->chunks = g_new0(uint64_t, ic->npages ? ic->npages : 1);
    pm->code_written = ic_code_written;
    pm->code_marked = ic_code_marked;
    pm->code_opaque = ic;
    return ic;
}

void icache_free(Icache *ic)
{
    if (!ic)
        return;
    if (ic->pm->code_opaque == ic) {
        ic->pm->code_written = NULL;
        ic->pm->code_marked = NULL;
        ic->pm->code_opaque = NULL;
    }
    decode_index_free(ic->ix);
    g_free(ic->blocks);
    g_free(ic->gen);
    g_free(ic->chunks);
    g_free(ic->cpus);
    g_free(ic);
}

void icache_invalidate_page(Icache *ic, uint64_t gpa)
{
    uint64_t off = physmem_ram_offset(ic->pm, gpa);
    if (off == UINT64_MAX)
        return;
    uint64_t pg = off >> PAGE_SHIFT;
    ic->gen[pg]++;
    ic->chunks[pg] = 0;
    ic->smc = true;
    physmem_clear_code(ic->pm, gpa & PAGE_MASK);
}

void icache_flush(Icache *ic)
{
    for (uint64_t pg = 0; pg < ic->npages; pg++) {
        ic->gen[pg]++;
        ic->chunks[pg] = 0;
    }
    for (uint64_t a = 0; a < ic->pm->ram_size; a += PAGE_SIZE) {
        uint64_t gpa = a < ic->pm->ram_below_4g ? a : a - ic->pm->ram_below_4g + GPA_4G;
        physmem_clear_code(ic->pm, gpa);
    }
    ic->smc = true;
}

static DecodeMode ic_mode(const Cpu *cpu)
{
    return (DecodeMode){
        .code_size = cpu->code_size,
        .vex_off = cpu->mode == MODE_REAL || cpu->mode == MODE_V86,
    };
}

/* Linear address of an offset in CS (SDM Vol.3 3.4 "Logical and Linear
 * Addresses"; outside 64-bit mode linear addresses are 32 bits). */
static uint64_t ic_lin(const Cpu *cpu, uint64_t off)
{
    if (cpu->code_size == 8)
        return off;
    return (cpu->seg[SEG_CS].base + off) & 0xffffffffu;
}

/* The linear page after the one holding lin. */
static uint64_t ic_next_page(const Cpu *cpu, uint64_t lin)
{
    uint64_t next = (lin & PAGE_MASK) + PAGE_SIZE;
    return cpu->code_size == 8 ? next : next & 0xffffffffu;
}

/* Translate a linear code address, TLB tag first (mmu/tlb.h). */
static SimStatus ic_translate(Cpu *cpu, uint64_t lin, uint64_t *gpa)
{
    const TlbEntry *e = &cpu->tlb.e[cpu->cpl == 3 ? TLB_USER : TLB_SUPERVISOR][tlb_index(lin)];
    if (SIM_LIKELY(e->lin_exec == tlb_key(lin, cpu->cr3))) {
        *gpa = e->gpa | (lin & (PAGE_SIZE - 1));
        return ST_OK;
    }
    return cpu_translate(cpu, lin, ACC_EXEC, gpa);
}

static void ic_register_cpu(Icache *ic, Cpu *cpu)
{
    for (unsigned i = 0; i < ic->ncpus; i++)
        if (ic->cpus[i] == cpu)
            return;
    ic->cpus = g_renew(Cpu *, ic->cpus, ic->ncpus + 1);
    ic->cpus[ic->ncpus++] = cpu;
}

/* Bytes of CS available from offset rip: the limit check of SDM Vol.3 5.3
 * (no limit in 64-bit mode, 3.2.4). */
static uint64_t ic_limit_avail(const Cpu *cpu, uint64_t rip)
{
    if (cpu->code_size == 8)
        return UINT64_MAX;
    uint64_t lim = cpu->seg[SEG_CS].limit;
    return rip > lim ? 0 : lim - rip + 1;
}

/* Turn a failed decode of the instruction at cpu->rip into its fault. */
static SimStatus ic_decode_fault(Cpu *cpu, DecodeResult r)
{
    if (r == DECODE_UD)
        return cpu_ud(cpu);
    return cpu_gp(cpu, 0);
}

/* Decode one instruction at cpu->rip through cpu_fetch, uncached. */
static SimStatus ic_decode_uncached(Cpu *cpu, Icache *ic, uint64_t lin,
                                    uint64_t limit_avail, const IcBlock **out)
{
    uint8_t buf[15];
    unsigned want = limit_avail < 15 ? (unsigned)limit_avail : 15, got = 0;
    if (want == 0)
        return cpu_gp(cpu, 0);
    SimStatus st = cpu_fetch(cpu, lin, buf, want, &got);
    if (st != ST_OK)
        return st;
    IcBlock *b = &ic->scratch;
    DecodeResult r = decode_insn(ic->ix, cpu, ic_mode(cpu), buf, got, &b->insn[0]);
    if (r == DECODE_NEED_MORE) {
        if (got < want) {
            /* The fetch stopped at a fault: raise it. */
            unsigned more = 0;
            uint8_t one;
            st = cpu_fetch(cpu, lin + got, &one, 1, &more);
            if (st != ST_OK)
                return st;
        }
        return cpu_gp(cpu, 0);   /* beyond the CS limit */
    }
    if (r != DECODE_OK)
        return ic_decode_fault(cpu, r);
    b->gpa = NO_PAGE;
    b->gpa2 = NO_PAGE;
    b->mode = 0;
    b->sys_end = (insn_table[b->insn[0].desc].flags & F_SYSTEM) != 0;
    b->n = 1;
    b->bytes = b->insn[0].len;
    *out = b;
    return ST_OK;
}

static void ic_mark(Icache *ic, uint64_t pg, unsigned from, unsigned len)
{
    unsigned lo = from >> 6, hi = (from + len - 1) >> 6;
    for (unsigned i = lo; i <= hi && i < 64; i++)
        ic->chunks[pg] |= 1ull << i;
}

/* Decode a new block at gpa (RAM page pg) into b. */
static SimStatus ic_build(Cpu *cpu, Icache *ic, IcBlock *b, uint64_t lin,
                          uint64_t gpa, uint64_t pg, uint8_t key,
                          uint64_t limit_avail, const IcBlock **out)
{
    DecodeMode mode = ic_mode(cpu);
    const uint8_t *page = physmem_ram_ptr(ic->pm, gpa & PAGE_MASK);
    unsigned pgoff = (unsigned)(gpa & (PAGE_SIZE - 1));
    unsigned n = 0, bytes = 0;

    ic_register_cpu(ic, cpu);
    physmem_mark_code(ic->pm, gpa);
    b->mode = 0;
    while (n < ICACHE_BLOCK_INSNS) {
        unsigned in_page = (unsigned)PAGE_SIZE - pgoff;
        uint64_t lim = limit_avail - bytes;
        unsigned avail = in_page < 15 ? in_page : 15;
        if (lim < avail)
            avail = (unsigned)lim;
        DecodedInsn *d = &b->insn[n];
        DecodeResult r = decode_insn(ic->ix, cpu, mode, page + pgoff, avail, d);
        if (r == DECODE_OK) {
            ic_mark(ic, pg, pgoff, d->len);
            n++;
            pgoff += d->len;
            bytes += d->len;
            if ((insn_table[d->desc].flags & (F_BRANCH | F_SYSTEM | F_IO)) || pgoff >= PAGE_SIZE)
                break;
            continue;
        }
        if (n > 0)
            break;
        if (r != DECODE_NEED_MORE || avail >= lim)
            return ic_decode_fault(cpu, r);   /* #UD, too long, CS limit */
        /* The first instruction crosses into the next page. */
        uint8_t buf[15];
        unsigned want = lim < 15 ? (unsigned)lim : 15, got = 0;
        SimStatus st = cpu_fetch(cpu, lin, buf, want, &got);
        if (st != ST_OK)
            return st;
        r = decode_insn(ic->ix, cpu, mode, buf, got, d);
        if (r == DECODE_NEED_MORE && got < want) {
            uint8_t one;
            unsigned more = 0;
            st = cpu_fetch(cpu, lin + got, &one, 1, &more);
            if (st != ST_OK)
                return st;
        }
        if (r != DECODE_OK)
            return ic_decode_fault(cpu, r);
        uint64_t lin2 = ic_next_page(cpu, lin);
        uint64_t gpa2;
        st = ic_translate(cpu, lin2, &gpa2);
        if (st != ST_OK)
            return st;
        uint64_t off2 = physmem_ram_offset(ic->pm, gpa2);
        if (off2 == UINT64_MAX) {
            ic->scratch.insn[0] = *d;
            ic->scratch.gpa = ic->scratch.gpa2 = NO_PAGE;
            ic->scratch.mode = 0;
            ic->scratch.sys_end = (insn_table[d->desc].flags & F_SYSTEM) != 0;
            ic->scratch.n = 1;
            ic->scratch.bytes = d->len;
            *out = &ic->scratch;
            return ST_OK;
        }
        physmem_mark_code(ic->pm, gpa2);
        ic_mark(ic, pg, pgoff, in_page);
        ic_mark(ic, off2 >> PAGE_SHIFT, 0, d->len - in_page);
        b->gpa2 = gpa2 & PAGE_MASK;
        b->gen2 = ic->gen[off2 >> PAGE_SHIFT];
        b->gpa = gpa;
        b->gen = ic->gen[pg];
        b->sys_end = (insn_table[d->desc].flags & F_SYSTEM) != 0;
        b->n = 1;
        b->bytes = d->len;
        b->mode = key;
        *out = b;
        return ST_OK;
    }
    b->gpa = gpa;
    b->gpa2 = NO_PAGE;
    b->gen = ic->gen[pg];
    b->sys_end = (insn_table[b->insn[n - 1].desc].flags & F_SYSTEM) != 0;
    b->n = (uint8_t)n;
    b->bytes = (uint16_t)bytes;
    b->mode = key;
    *out = b;
    return ST_OK;
}

SimStatus icache_block(Cpu *cpu, const IcBlock **out)
{
    Icache *ic = cpu->icache;
    uint64_t rip = cpu->rip;
    uint64_t limit_avail = ic_limit_avail(cpu, rip);
    SimStatus st;

    if (cpu->code_size == 8) {
        if (SIM_UNLIKELY(!cpu_is_canonical(cpu, rip)))
            return cpu_gp(cpu, 0);
    } else if (SIM_UNLIKELY(limit_avail == 0)) {
        return cpu_gp(cpu, 0);
    }
    uint64_t lin = ic_lin(cpu, rip), gpa;
    st = ic_translate(cpu, lin, &gpa);
    if (st != ST_OK)
        return st;
    uint64_t off = physmem_ram_offset(ic->pm, gpa);
    if (SIM_UNLIKELY(off == UINT64_MAX))
        return ic_decode_uncached(cpu, ic, lin, limit_avail, out);
    uint64_t pg = off >> PAGE_SHIFT;
    uint8_t key = icache_key(cpu);
    IcBlock *b = &ic->blocks[icache_slot(gpa, key)];
    if (SIM_LIKELY(b->gpa == gpa && b->mode == key && b->gen == ic->gen[pg])) {
        if (SIM_UNLIKELY(b->gpa2 != NO_PAGE)) {
            /* The crossing instruction: the second page must still map to
             * the same, unmodified physical page. */
            uint64_t lin2 = ic_next_page(cpu, lin);
            uint64_t gpa2;
            st = ic_translate(cpu, lin2, &gpa2);
            if (st != ST_OK)
                return st;
            uint64_t off2 = physmem_ram_offset(ic->pm, gpa2);
            if (off2 == UINT64_MAX || (gpa2 & PAGE_MASK) != b->gpa2 ||
                ic->gen[off2 >> PAGE_SHIFT] != b->gen2)
                return ic_build(cpu, ic, b, lin, gpa, pg, key, limit_avail, out);
        }
        if (SIM_UNLIKELY(b->bytes > limit_avail))
            return ic_decode_uncached(cpu, ic, lin, limit_avail, out);
        *out = b;
        return ST_OK;
    }
    return ic_build(cpu, ic, b, lin, gpa, pg, key, limit_avail, out);
}

SimStatus icache_get(Cpu *cpu, const DecodedInsn **out)
{
    const IcBlock *b;
    SimStatus st = icache_block(cpu, &b);
    if (st != ST_OK)
        return st;
    *out = &b->insn[0];
    return ST_OK;
}
