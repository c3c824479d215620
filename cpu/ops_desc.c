/*
 * cpu/ops_desc.c: system instructions on descriptor tables and segments,
 * per their SDM Vol.2 pages cited at each handler and SDM Vol.3 ch.3
 * "Protected-Mode Memory Management" and ch.5 "Protection":
 * - descriptor-table registers: LGDT, LIDT, SGDT, SIDT
 * - LDTR and TR: LLDT, SLDT, LTR, STR
 * - segment queries: LAR, LSL, VERR, VERW, ARPL
 * - 64-bit bases: SWAPGS, RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE
 *
 * Descriptors are read through cpu/seg.h. Every check that can fault runs
 * before any register is written (STYLE 4).
 */
#include "cpu/fault.h"
#include "cpu/ops_sys.h"
#include "cpu/seg.h"

/* ---------------------------------------------------------------------
 * Descriptor-table registers (SDM Vol.2A LGDT/LIDT, Vol.2B SGDT, SIDT)
 * ------------------------------------------------------------------- */

static SimStatus load_dtr(Cpu *cpu, const DecodedInsn *d, DescTable *dt)
{
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    uint64_t ea = insn_ea(cpu, d);
    uint64_t limit, base;
    unsigned bsize = cpu->mode == MODE_LONG64 ? 8 : 4;
    SimStatus st = cpu_read_u(cpu, d->seg, ea, 2, &limit);
    if (st)
        return st;
    st = cpu_read_u(cpu, d->seg, (ea + 2) & sys_addr_mask(d), bsize, &base);
    if (st)
        return st;
    if (cpu->mode == MODE_LONG64) {
        if (!cpu_is_canonical(cpu, base))
            return cpu_gp(cpu, 0);
    } else if (d->opsize == 2) {
        /* 16-bit operand size: a 24-bit base. */
        base &= 0xffffff;
    }
    dt->base = base;
    dt->limit = (uint16_t)limit;
    return ST_OK;
}

static SimStatus store_dtr(Cpu *cpu, const DecodedInsn *d, const DescTable *dt)
{
    if (sys_umip_blocks(cpu))
        return cpu_gp(cpu, 0);
    uint64_t ea = insn_ea(cpu, d);
    uint64_t ea2 = (ea + 2) & sys_addr_mask(d);
    /* 64-bit mode stores 10 bytes; otherwise a 16-bit limit and the full
     * 32-bit base whatever the operand size (current SDM SGDT). */
    unsigned bsize = cpu->mode == MODE_LONG64 ? 8 : 4;
    SimStatus st = cpu_check_write(cpu, d->seg, ea, 2);
    if (st)
        return st;
    st = cpu_check_write(cpu, d->seg, ea2, bsize);
    if (st)
        return st;
    st = cpu_write_u(cpu, d->seg, ea, 2, dt->limit);
    if (st)
        return st;
    return cpu_write_u(cpu, d->seg, ea2, bsize, dt->base & size_mask(bsize));
}

SimStatus op_lgdt_Ms(Cpu *cpu, const DecodedInsn *d) { return load_dtr(cpu, d, &cpu->gdtr); }
SimStatus op_lidt_Ms(Cpu *cpu, const DecodedInsn *d) { return load_dtr(cpu, d, &cpu->idtr); }
SimStatus op_sgdt_Ms(Cpu *cpu, const DecodedInsn *d) { return store_dtr(cpu, d, &cpu->gdtr); }
SimStatus op_sidt_Ms(Cpu *cpu, const DecodedInsn *d) { return store_dtr(cpu, d, &cpu->idtr); }

/* ---------------------------------------------------------------------
 * LDTR and TR (SDM Vol.2A LLDT, LTR; Vol.2B SLDT, STR)
 * ------------------------------------------------------------------- */

/* Checks common to a 16-byte system descriptor in IA-32e mode: the type
 * field of the upper half must be 0 and the base canonical (SDM Vol.3
 * 8.2.3 "TSS Descriptor in 64-bit mode"). */
static bool wide_desc_ok(const Cpu *cpu, const SegDesc *desc)
{
    if (((desc->hi >> 40) & 0x1f) != 0)
        return false;
    return cpu_is_canonical(cpu, seg_desc_base(desc, true));
}

SimStatus op_lldt_Ew(Cpu *cpu, const DecodedInsn *d)
{
    if (!sys_protected_mode(cpu))
        return cpu_ud(cpu);
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    uint16_t sel;
    SimStatus st = sys_read_Ew(cpu, d, &sel);
    if (st)
        return st;
    if (seg_sel_is_null(sel)) {
        /* A null selector makes LDTR unusable (SDM Vol.2A LLDT). */
        cpu->seg[SEG_LDTR].sel = sel;
        cpu->seg[SEG_LDTR].ar = AR_UNUSABLE;
        return ST_OK;
    }
    if (sel & SEL_TI)
        return cpu_gp(cpu, seg_sel_error(sel));
    bool wide = sys_ia32e(cpu);
    SegDesc desc;
    st = seg_read_descriptor(cpu, sel, wide ? 16 : 8, EXC_GP, 0, &desc);
    if (st)
        return st;
    if (seg_desc_s(&desc) || seg_desc_type(&desc) != DESC_LDT)
        return cpu_gp(cpu, seg_sel_error(sel));
    if (!seg_desc_present(&desc))
        return cpu_np(cpu, seg_sel_error(sel));
    if (wide && !wide_desc_ok(cpu, &desc))
        return cpu_gp(cpu, seg_sel_error(sel));
    cpu->seg[SEG_LDTR] = seg_desc_to_cache(&desc, sel, wide);
    return ST_OK;
}

SimStatus op_ltr_Ew(Cpu *cpu, const DecodedInsn *d)
{
    if (!sys_protected_mode(cpu))
        return cpu_ud(cpu);
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    uint16_t sel;
    SimStatus st = sys_read_Ew(cpu, d, &sel);
    if (st)
        return st;
    if (seg_sel_is_null(sel))
        return cpu_gp(cpu, 0);
    if (sel & SEL_TI)
        return cpu_gp(cpu, seg_sel_error(sel));
    bool wide = sys_ia32e(cpu);
    SegDesc desc;
    st = seg_read_descriptor(cpu, sel, wide ? 16 : 8, EXC_GP, 0, &desc);
    if (st)
        return st;
    /* Must be an available TSS: in IA-32e mode only the 64-bit type 9. */
    unsigned type = seg_desc_type(&desc);
    bool ok = !seg_desc_s(&desc)
              && (type == DESC_TSS32_AVAIL || (!wide && type == DESC_TSS16_AVAIL));
    if (!ok)
        return cpu_gp(cpu, seg_sel_error(sel));
    if (!seg_desc_present(&desc))
        return cpu_np(cpu, seg_sel_error(sel));
    if (wide && !wide_desc_ok(cpu, &desc))
        return cpu_gp(cpu, seg_sel_error(sel));
    st = seg_set_busy(cpu, sel, &desc, true);
    if (st)
        return st;
    cpu->seg[SEG_TR] = seg_desc_to_cache(&desc, sel, wide);
    return ST_OK;
}

SimStatus op_sldt_Ev(Cpu *cpu, const DecodedInsn *d)
{
    if (!sys_protected_mode(cpu))
        return cpu_ud(cpu);
    if (sys_umip_blocks(cpu))
        return cpu_gp(cpu, 0);
    return sys_store_Ew(cpu, d, cpu->seg[SEG_LDTR].sel);
}

SimStatus op_str_Ev(Cpu *cpu, const DecodedInsn *d)
{
    if (!sys_protected_mode(cpu))
        return cpu_ud(cpu);
    if (sys_umip_blocks(cpu))
        return cpu_gp(cpu, 0);
    return sys_store_Ew(cpu, d, cpu->seg[SEG_TR].sel);
}

/* ---------------------------------------------------------------------
 * Segment queries: LAR, LSL, VERR, VERW, ARPL (SDM Vol.2A LAR, LSL,
 * ARPL; Vol.2B VERR/VERW). They report through ZF and never fault on a
 * selector that is null or outside its table.
 * ------------------------------------------------------------------- */

static void set_zf(Cpu *cpu, bool z)
{
    if (z)
        cpu->rflags |= RFLAGS_ZF;
    else
        cpu->rflags &= ~(uint64_t)RFLAGS_ZF;
}

/* Read the descriptor of sel if it is in the GDT/LDT; *found = false for
 * a null or out-of-table selector. */
static SimStatus query_desc(Cpu *cpu, uint16_t sel, SegDesc *desc, bool *found)
{
    *found = false;
    if (seg_sel_is_null(sel) || !seg_sel_in_table(cpu, sel, 8))
        return ST_OK;
    SimStatus st = seg_read_descriptor(cpu, sel, 8, EXC_GP, 0, desc);
    if (st)
        return st;
    *found = true;
    return ST_OK;
}

/* Privilege rule of LAR/LSL/VERR/VERW: a conforming code segment is always
 * visible; anything else needs DPL >= CPL and DPL >= RPL. */
static bool query_visible(const Cpu *cpu, const SegDesc *desc, uint16_t sel)
{
    if (seg_desc_is_code(desc) && (seg_desc_type(desc) & AR_TYPE_DC))
        return true;
    unsigned dpl = seg_desc_dpl(desc);
    return dpl >= cpu->cpl && dpl >= (sel & SEL_RPL_MASK);
}

/* System types LAR accepts (SDM Vol.2A LAR, Table 3-57 "Segment and Gate
 * Types"): in IA-32e mode only the 64-bit TSS (available, busy) and the
 * 64-bit call gate; not even the LDT. */
static bool lar_type_ok(const Cpu *cpu, const SegDesc *desc)
{
    if (seg_desc_s(desc))
        return true;
    switch (seg_desc_type(desc)) {
    case DESC_TSS32_AVAIL: case DESC_TSS32_BUSY: case DESC_CALL32:
        return true;
    case DESC_LDT: case DESC_TSS16_AVAIL: case DESC_TSS16_BUSY: case DESC_CALL16:
    case DESC_TASK:
        return !sys_ia32e(cpu);
    default:
        return false;
    }
}

/* LSL: system types with a limit (SDM Vol.2A LSL, Table 3-63). */
static bool lsl_type_ok(const Cpu *cpu, const SegDesc *desc)
{
    if (seg_desc_s(desc))
        return true;
    switch (seg_desc_type(desc)) {
    case DESC_LDT: case DESC_TSS32_AVAIL: case DESC_TSS32_BUSY:
        return true;
    case DESC_TSS16_AVAIL: case DESC_TSS16_BUSY:
        return !sys_ia32e(cpu);
    default:
        return false;
    }
}

static SimStatus lar_lsl(Cpu *cpu, const DecodedInsn *d, bool lsl)
{
    if (!sys_protected_mode(cpu))
        return cpu_ud(cpu);
    uint16_t sel;
    SimStatus st = sys_read_Ew(cpu, d, &sel);
    if (st)
        return st;
    SegDesc desc;
    bool found;
    st = query_desc(cpu, sel, &desc, &found);
    if (st)
        return st;
    if (!found || !(lsl ? lsl_type_ok(cpu, &desc) : lar_type_ok(cpu, &desc))
        || !query_visible(cpu, &desc, sel)) {
        set_zf(cpu, false);
        return ST_OK;
    }
    /* LAR: bits 23:8 of the descriptor's second doubleword (type, S, DPL,
     * P, AVL, L, D/B, G), the rest 0. LSL: the byte-granular limit. */
    uint64_t v = lsl ? seg_desc_limit(&desc) : (desc.lo >> 32) & 0x00f0ff00u;
    cpu_reg_write(cpu, d->reg, d->opsize, true, v & size_mask(d->opsize));
    set_zf(cpu, true);
    return ST_OK;
}

SimStatus op_lar_Gv_Ew(Cpu *cpu, const DecodedInsn *d) { return lar_lsl(cpu, d, false); }
SimStatus op_lsl_Gv_Ew(Cpu *cpu, const DecodedInsn *d) { return lar_lsl(cpu, d, true); }

static SimStatus verify(Cpu *cpu, const DecodedInsn *d, bool write)
{
    if (!sys_protected_mode(cpu))
        return cpu_ud(cpu);
    uint16_t sel;
    SimStatus st = sys_read_Ew(cpu, d, &sel);
    if (st)
        return st;
    SegDesc desc;
    bool found;
    st = query_desc(cpu, sel, &desc, &found);
    if (st)
        return st;
    bool ok = found && seg_desc_s(&desc) && query_visible(cpu, &desc, sel);
    if (ok) {
        unsigned type = seg_desc_type(&desc);
        if (write)
            ok = !(type & AR_TYPE_CODE) && (type & AR_TYPE_RW);
        else
            ok = !(type & AR_TYPE_CODE) || (type & AR_TYPE_RW);
    }
    set_zf(cpu, ok);
    return ST_OK;
}

SimStatus op_verr_Ew(Cpu *cpu, const DecodedInsn *d) { return verify(cpu, d, false); }
SimStatus op_verw_Ew(Cpu *cpu, const DecodedInsn *d) { return verify(cpu, d, true); }

SimStatus op_arpl_Ew_Gw(Cpu *cpu, const DecodedInsn *d)
{
    if (!sys_protected_mode(cpu))
        return cpu_ud(cpu);
    uint16_t dst;
    SimStatus st = sys_read_Ew(cpu, d, &dst);
    if (st)
        return st;
    unsigned src_rpl = cpu->gpr[d->reg] & SEL_RPL_MASK;
    if ((dst & SEL_RPL_MASK) >= src_rpl) {
        set_zf(cpu, false);
        return ST_OK;
    }
    uint16_t v = (uint16_t)((dst & ~SEL_RPL_MASK) | src_rpl);
    if (d->mod == 3)
        cpu_reg_write(cpu, d->rm, 2, true, v);
    else {
        st = cpu_write_u(cpu, d->seg, insn_ea(cpu, d), 2, v);
        if (st)
            return st;
    }
    set_zf(cpu, true);
    return ST_OK;
}

/* ---------------------------------------------------------------------
 * 64-bit segment bases (SDM Vol.2B SWAPGS; Vol.2B RDFSBASE/RDGSBASE,
 * WRFSBASE/WRGSBASE)
 * ------------------------------------------------------------------- */

SimStatus op_swapgs(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->mode != MODE_LONG64)
        return cpu_ud(cpu);
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    uint64_t t = cpu->seg[SEG_GS].base;
    cpu->seg[SEG_GS].base = cpu->msr.kernel_gs_base;
    cpu->msr.kernel_gs_base = t;
    return ST_OK;
}

static unsigned fsgs_size(const DecodedInsn *d)
{
    return (d->pfx & D_REXW) ? 8 : 4;
}

static SimStatus rdbase(Cpu *cpu, const DecodedInsn *d, unsigned seg)
{
    if (!(cpu->cr4 & CR4_FSGSBASE))
        return cpu_ud(cpu);
    cpu_reg_write(cpu, d->rm, fsgs_size(d), true, cpu->seg[seg].base);
    return ST_OK;
}

static SimStatus wrbase(Cpu *cpu, const DecodedInsn *d, unsigned seg)
{
    if (!(cpu->cr4 & CR4_FSGSBASE))
        return cpu_ud(cpu);
    uint64_t v = cpu_reg_read(cpu, d->rm, fsgs_size(d), true);
    if (!cpu_is_canonical(cpu, v))
        return cpu_gp(cpu, 0);
    cpu->seg[seg].base = v;
    return ST_OK;
}

SimStatus op_rdfsbase_Ry(Cpu *cpu, const DecodedInsn *d) { return rdbase(cpu, d, SEG_FS); }
SimStatus op_rdgsbase_Ry(Cpu *cpu, const DecodedInsn *d) { return rdbase(cpu, d, SEG_GS); }
SimStatus op_wrfsbase_Ry(Cpu *cpu, const DecodedInsn *d) { return wrbase(cpu, d, SEG_FS); }
SimStatus op_wrgsbase_Ry(Cpu *cpu, const DecodedInsn *d) { return wrbase(cpu, d, SEG_GS); }
