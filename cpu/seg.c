/*
 * cpu/seg.c: segment descriptors and segment-register loads.
 *
 * Descriptor fetch from the GDT and LDT (SDM Vol.3 3.4.2 "Segment
 * Selectors", 3.4.5 "Segment Descriptors", 3.5.1 "Segment Descriptor
 * Tables"), loads of ES/SS/DS/FS/GS in every mode with the checks of SDM
 * Vol.2 MOV, POP and LDS/LES/LFS/LGS/LSS "Operation" and SDM Vol.3 5.10.1
 * "Checking Access Rights", the real-address and virtual-8086 forms (SDM
 * Vol.3 21.1.1, 21.2.1), null selectors (5.4.1 "Null Segment Selector
 * Checking") and the IA-32e rules (3.4.4 "Segment Loading Instructions in
 * IA-32e Mode", 8.2.3 16-byte system descriptors). Also the stack helpers
 * that far transfers and event delivery use to build frames on a stack
 * other than the current one (5.3 "Limit Checking", 6.12.1 "Exception- or
 * Interrupt-Handler Procedures").
 */
#include "cpu/seg.h"

#include <glib.h>

#include "cpu/fault.h"
#include "cpu/mem.h"

uint64_t seg_desc_base(const SegDesc *d, bool wide)
{
    uint64_t base = ((d->lo >> 16) & 0xffffff) | (((d->lo >> 56) & 0xff) << 24);
    if (wide)
        base |= (d->hi & 0xffffffffull) << 32;
    return base;
}

uint32_t seg_desc_limit(const SegDesc *d)
{
    uint32_t limit = (uint32_t)((d->lo & 0xffff) | (((d->lo >> 48) & 0xf) << 16));
    /* G = 1: the limit counts 4 KiB units and the low 12 bits read as 1s
     * (SDM Vol.3 3.4.5, "G (granularity) flag"). */
    if ((d->lo >> 55) & 1)
        limit = (limit << 12) | 0xfff;
    return limit;
}

SegReg seg_desc_to_cache(const SegDesc *d, uint16_t sel, bool wide)
{
    return (SegReg){ .base = seg_desc_base(d, wide), .limit = seg_desc_limit(d),
                     .ar = seg_desc_ar(d), .sel = sel };
}

uint64_t seg_gate_offset(const SegDesc *d, bool wide)
{
    uint64_t off = (d->lo & 0xffff) | (((d->lo >> 48) & 0xffff) << 16);
    if (wide)
        off |= (d->hi & 0xffffffffull) << 32;
    return off;
}

uint64_t seg_desc_addr(const Cpu *cpu, uint16_t sel)
{
    uint64_t base = (sel & SEL_TI) ? cpu->seg[SEG_LDTR].base : cpu->gdtr.base;
    uint64_t addr = base + (sel & SEL_INDEX_MASK);
    /* Outside IA-32e mode descriptor-table bases are 32-bit. */
    if (!(cpu->efer & EFER_LMA))
        addr &= 0xffffffffu;
    return addr;
}

bool seg_sel_in_table(const Cpu *cpu, uint16_t sel, unsigned bytes)
{
    uint32_t limit;
    if (sel & SEL_TI) {
        const SegReg *ldtr = &cpu->seg[SEG_LDTR];
        /* An LDT selector while LDTR holds a null selector faults (SDM
         * Vol.3 3.5.1). */
        if ((ldtr->ar & AR_UNUSABLE) || seg_sel_is_null(ldtr->sel))
            return false;
        limit = ldtr->limit;
    } else {
        limit = cpu->gdtr.limit;
    }
    return (uint32_t)(sel & SEL_INDEX_MASK) + bytes - 1 <= limit;
}

SimStatus seg_read_descriptor(Cpu *cpu, uint16_t sel, unsigned bytes,
                              uint8_t vector, uint32_t ext, SegDesc *d)
{
    if (!seg_sel_in_table(cpu, sel, bytes))
        return cpu_raise_err(cpu, vector, seg_sel_error(sel) | ext);
    uint64_t addr = seg_desc_addr(cpu, sel);
    uint64_t raw[2] = { 0, 0 };
    SimStatus st = cpu_read_lin(cpu, addr, bytes, raw,
                                ACC_READ | ACC_IMPLICIT_SUPERVISOR);
    if (st)
        return st;
    d->lo = raw[0];
    d->hi = raw[1];
    return ST_OK;
}

static SimStatus write_type_byte(Cpu *cpu, uint16_t sel, const SegDesc *d)
{
    uint8_t b = (uint8_t)(d->lo >> 40);
    return cpu_write_lin(cpu, seg_desc_addr(cpu, sel) + 5, 1, &b,
                         ACC_WRITE | ACC_IMPLICIT_SUPERVISOR);
}

SimStatus seg_set_accessed(Cpu *cpu, uint16_t sel, SegDesc *d)
{
    /* SDM Vol.3 3.4.5.1 "Code- and Data-Segment Descriptor Types": the
     * processor sets the accessed bit when it loads the selector, and
     * writes only when the bit is clear. */
    if (d->lo & BIT(40))
        return ST_OK;
    SegDesc n = *d;
    n.lo |= BIT(40);
    SimStatus st = write_type_byte(cpu, sel, &n);
    if (st)
        return st;
    *d = n;
    return ST_OK;
}

SimStatus seg_set_busy(Cpu *cpu, uint16_t sel, SegDesc *d, bool busy)
{
    /* TSS types 1/3 and 9/11 differ only in bit 1 (busy), SDM Vol.3 8.2.2
     * "TSS Descriptor". */
    SegDesc n = *d;
    n.lo = busy ? (n.lo | BIT(41)) : (n.lo & ~BIT(41));
    if (n.lo == d->lo)
        return ST_OK;
    SimStatus st = write_type_byte(cpu, sel, &n);
    if (st)
        return st;
    *d = n;
    return ST_OK;
}

void seg_load_real(Cpu *cpu, unsigned seg, uint16_t sel)
{
    SegReg *s = &cpu->seg[seg];
    /* A real-mode load sets selector and base only; limit and attributes
     * keep what was cached ("big real" mode relies on it, SDM Vol.3 10.9.2
     * "Switching Back to Real-Address Mode"). A register left unusable by a
     * protected-mode null load becomes usable again. */
    s->sel = sel;
    s->base = (uint64_t)sel << 4;
    if (s->ar & AR_UNUSABLE)
        s->ar = (s->ar & ~AR_UNUSABLE) | AR_P | AR_S | AR_TYPE_RW;
    if (seg == SEG_CS || seg == SEG_SS)
        cpu_update_mode(cpu);
}

void seg_load_v86(Cpu *cpu, unsigned seg, uint16_t sel)
{
    /* SDM Vol.3 21.2.1: in virtual-8086 mode every segment is a 64 KiB
     * read/write data segment at sel << 4 with DPL 3; these are the
     * attributes VM entry requires for a V86 guest (27.3.1.2). */
    cpu->seg[seg] = (SegReg){ .base = (uint64_t)sel << 4, .limit = 0xffff,
                              .ar = 0x3u | AR_S | AR_P | AR_DPL_MASK,
                              .sel = sel };
}

void seg_load_null(Cpu *cpu, unsigned seg, uint16_t sel, unsigned rpl)
{
    /* SDM Vol.3 5.4.1: a null selector may be loaded into DS, ES, FS, GS
     * (and SS at CPL < 3 in 64-bit mode); the register is unusable until
     * reloaded. Intel parts clear the base (64-bit mode FS/GS loads
     * included). SS keeps the CPL in its DPL, where VMX reads CPL from. */
    uint32_t ar = AR_UNUSABLE;
    if (seg == SEG_SS)
        ar |= (rpl & 3u) << AR_DPL_SHIFT;
    cpu->seg[seg] = (SegReg){ .base = 0, .limit = 0, .ar = ar, .sel = sel };
    if (seg == SEG_SS)
        cpu_update_mode(cpu);
}

void seg_load_cs(Cpu *cpu, uint16_t sel, const SegDesc *d, unsigned cpl)
{
    cpu->seg[SEG_CS] = seg_desc_to_cache(d, (uint16_t)((sel & ~SEL_RPL_MASK) | cpl), false);
    cpu_update_mode(cpu);
}

void seg_load_ss_desc(Cpu *cpu, uint16_t sel, const SegDesc *d, unsigned cpl)
{
    cpu->seg[SEG_SS] = seg_desc_to_cache(d, (uint16_t)((sel & ~SEL_RPL_MASK) | cpl), false);
    cpu_update_mode(cpu);
}

SimStatus seg_check_stack(Cpu *cpu, uint16_t sel, unsigned cpl, uint8_t vector,
                          uint32_t ext, SegDesc *d)
{
    if (seg_sel_is_null(sel))
        return cpu_raise_err(cpu, vector, ext);
    SimStatus st = seg_read_descriptor(cpu, sel, 8, vector, ext, d);
    if (st)
        return st;
    uint32_t err = seg_sel_error(sel) | ext;
    /* SDM Vol.3 5.10.1 / Vol.2 MOV: a stack segment is a writable data
     * segment with RPL = DPL = CPL. */
    if ((sel & SEL_RPL_MASK) != cpl || !seg_desc_s(d) || seg_desc_is_code(d) ||
        !(seg_desc_type(d) & AR_TYPE_RW) || seg_desc_dpl(d) != cpl)
        return cpu_raise_err(cpu, vector, err);
    if (!seg_desc_present(d))
        return cpu_ss_fault(cpu, err);
    return seg_set_accessed(cpu, sel, d);
}

/* Protected-mode load of SS (SDM Vol.2 MOV "Operation", "IF SS is
 * loaded"; 64-bit mode exceptions for null selectors). */
static SimStatus load_ss(Cpu *cpu, uint16_t sel)
{
    unsigned cpl = cpu->cpl;
    if (seg_sel_is_null(sel)) {
        /* 64-bit mode allows a null SS at CPL < 3 when RPL = CPL; otherwise
         * #GP(0) (#GP(selector) for RPL != CPL, which is 0 for a null
         * selector too). */
        if (cpu->mode == MODE_LONG64 && cpl < 3 && (sel & SEL_RPL_MASK) == cpl) {
            seg_load_null(cpu, SEG_SS, sel, cpl);
            return ST_OK;
        }
        return cpu_gp(cpu, 0);
    }
    SegDesc d;
    SimStatus st = seg_read_descriptor(cpu, sel, 8, EXC_GP, 0, &d);
    if (st)
        return st;
    if ((sel & SEL_RPL_MASK) != cpl || !seg_desc_s(&d) || seg_desc_is_code(&d) ||
        !(seg_desc_type(&d) & AR_TYPE_RW) || seg_desc_dpl(&d) != cpl)
        return cpu_gp(cpu, seg_sel_error(sel));
    if (!seg_desc_present(&d))
        return cpu_ss_fault(cpu, seg_sel_error(sel));
    st = seg_set_accessed(cpu, sel, &d);
    if (st)
        return st;
    seg_load_ss_desc(cpu, sel, &d, cpl);
    return ST_OK;
}

/* Protected-mode load of DS, ES, FS or GS (SDM Vol.2 MOV "Operation",
 * "IF DS, ES, FS, or GS is loaded with non-NULL selector"). */
static SimStatus load_data(Cpu *cpu, unsigned seg, uint16_t sel)
{
    if (seg_sel_is_null(sel)) {
        seg_load_null(cpu, seg, sel, 0);
        return ST_OK;
    }
    SegDesc d;
    SimStatus st = seg_read_descriptor(cpu, sel, 8, EXC_GP, 0, &d);
    if (st)
        return st;
    uint32_t err = seg_sel_error(sel);
    unsigned type = seg_desc_type(&d);
    bool code = type & AR_TYPE_CODE;
    /* A data segment or a readable code segment. */
    if (!seg_desc_s(&d) || (code && !(type & AR_TYPE_RW)))
        return cpu_gp(cpu, err);
    /* Data and nonconforming code: RPL and CPL must not exceed DPL
     * (SDM Vol.3 5.6 "Privilege Level Checking When Accessing Data
     * Segments"); conforming code is accessible from any level. */
    bool conforming = code && (type & AR_TYPE_DC);
    unsigned dpl = seg_desc_dpl(&d);
    if (!conforming && ((sel & SEL_RPL_MASK) > dpl || cpu->cpl > dpl))
        return cpu_gp(cpu, err);
    if (!seg_desc_present(&d))
        return cpu_np(cpu, err);
    st = seg_set_accessed(cpu, sel, &d);
    if (st)
        return st;
    /* In 64-bit mode the FS and GS bases loaded here are the low 32 bits
     * from the descriptor; the full 64-bit bases come from the
     * IA32_FS_BASE/IA32_GS_BASE MSRs, which alias seg[].base (SDM Vol.3
     * 3.4.4). */
    cpu->seg[seg] = seg_desc_to_cache(&d, sel, false);
    return ST_OK;
}

SimStatus seg_load(Cpu *cpu, unsigned seg, uint16_t sel)
{
    g_assert_cmpuint(seg, <=, SEG_GS);
    g_assert_cmpuint(seg, !=, SEG_CS);
    switch (cpu->mode) {
    case MODE_REAL:
        seg_load_real(cpu, seg, sel);
        return ST_OK;
    case MODE_V86:
        seg_load_v86(cpu, seg, sel);
        return ST_OK;
    default:
        return seg == SEG_SS ? load_ss(cpu, sel) : load_data(cpu, seg, sel);
    }
}

void seg_invalidate_for_cpl(Cpu *cpu, unsigned cpl)
{
    static const unsigned segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < ARRAY_SIZE(segs); i++) {
        SegReg *s = &cpu->seg[segs[i]];
        if (s->ar & AR_UNUSABLE)
            continue;
        unsigned type = s->ar & AR_TYPE_MASK;
        bool conforming_code = (type & AR_TYPE_CODE) && (type & AR_TYPE_DC);
        unsigned dpl = (s->ar & AR_DPL_MASK) >> AR_DPL_SHIFT;
        /* SDM Vol.2 RET/IRET "RETURN-TO-OUTER-PRIVILEGE-LEVEL": the
         * selector becomes null; the hidden base and limit remain. */
        if (!conforming_code && dpl < cpl) {
            s->sel = 0;
            s->ar |= AR_UNUSABLE;
        }
    }
}

void seg_set_sp(Cpu *cpu, uint64_t sp, unsigned stack_size)
{
    uint64_t *rsp = &cpu->gpr[R_RSP];
    if (stack_size == 2)
        *rsp = (*rsp & ~0xffffull) | (sp & 0xffff);
    else if (stack_size == 4)
        *rsp = sp & 0xffffffffull;
    else
        *rsp = sp;
}

/* Is [off, off + len) within the segment's limit (SDM Vol.3 5.3)? */
static bool stack_offset_ok(const SegReg *ss, uint64_t off, unsigned len)
{
    uint64_t last = off + len - 1;
    if ((ss->ar & AR_TYPE_DC) && !(ss->ar & AR_TYPE_CODE)) {
        /* Expand-down: valid offsets are limit+1 .. FFFFH or FFFFFFFFH. */
        uint64_t upper = (ss->ar & AR_DB) ? 0xffffffffull : 0xffffull;
        return off > ss->limit && last <= upper;
    }
    return last <= ss->limit;
}

SimStatus seg_push_frame(Cpu *cpu, const SegReg *ss, unsigned stack_size,
                         uint64_t *sp, const uint64_t *vals, unsigned n,
                         unsigned w, bool supervisor, uint32_t ss_err)
{
    uint64_t mask = size_mask(stack_size);
    uint64_t top = *sp & mask;
    unsigned acc = ACC_WRITE | (supervisor ? ACC_IMPLICIT_SUPERVISOR : 0);
    uint64_t newsp = (top - (uint64_t)n * w) & mask;

    /* Check every slot before writing any. */
    for (unsigned i = 0; i < n; i++) {
        uint64_t off = (top - (uint64_t)(i + 1) * w) & mask;
        if (stack_size == 8) {
            if (!cpu_is_canonical(cpu, off) || !cpu_is_canonical(cpu, off + w - 1))
                return cpu_ss_fault(cpu, ss_err);
        } else if (!stack_offset_ok(ss, off, w)) {
            return cpu_ss_fault(cpu, ss_err);
        }
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t off = (top - (uint64_t)(i + 1) * w) & mask;
        /* 64-bit stacks have base 0 (SDM Vol.3 3.4.4); outside IA-32e
         * mode linear addresses wrap at 4 GiB. */
        uint64_t lin = stack_size == 8 ? off : (ss->base + off) & 0xffffffffull;
        uint64_t v = vals[i];
        SimStatus st = cpu_write_lin(cpu, lin, w, &v, acc);
        if (st)
            return st;
    }
    *sp = newsp;
    return ST_OK;
}

SimStatus seg_tss_stack(Cpu *cpu, unsigned dpl, uint32_t ext, uint16_t *ss,
                        uint64_t *sp)
{
    const SegReg *tr = &cpu->seg[SEG_TR];
    bool tss32 = (tr->ar & AR_TYPE_MASK) & 8;
    uint32_t off = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
    unsigned spsize = tss32 ? 4 : 2;
    if (off + spsize + 1 > tr->limit)
        return cpu_ts(cpu, seg_sel_error(tr->sel) | ext);
    uint64_t base = tr->base + off;
    uint64_t v = 0;
    uint16_t s = 0;
    SimStatus st = cpu_read_lin(cpu, base & 0xffffffffu, spsize, &v,
                                ACC_READ | ACC_IMPLICIT_SUPERVISOR);
    if (st)
        return st;
    st = cpu_read_lin(cpu, (base + spsize) & 0xffffffffu, 2, &s,
                      ACC_READ | ACC_IMPLICIT_SUPERVISOR);
    if (st)
        return st;
    *ss = s;
    *sp = v;
    return ST_OK;
}

SimStatus seg_tss64_stack(Cpu *cpu, uint32_t off, uint32_t ext, uint64_t *sp)
{
    const SegReg *tr = &cpu->seg[SEG_TR];
    if (off + 7 > tr->limit)
        return cpu_ts(cpu, seg_sel_error(tr->sel) | ext);
    uint64_t v = 0;
    SimStatus st = cpu_read_lin(cpu, tr->base + off, 8, &v,
                                ACC_READ | ACC_IMPLICIT_SUPERVISOR);
    if (st)
        return st;
    *sp = v;
    return ST_OK;
}
