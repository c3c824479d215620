/*
 * cpu/ops_far.c: instructions that load segment registers or transfer
 * control between code segments: MOV to/from Sreg, PUSH/POP Sreg,
 * LDS/LES/LFS/LGS/LSS, far JMP and CALL (direct, through call gates with
 * the stack switch and parameter copy of SDM Vol.3 5.8.5 "Stack
 * Switching", or to a task through cpu/task.c), far RET, IRET in every
 * mode (task return included), INT n/INT3/INTO/INT1, and the
 * fast system calls SYSCALL/SYSRET and SYSENTER/SYSEXIT. Each handler
 * follows the "Operation" section of its SDM Vol.2 page; privilege rules
 * are SDM Vol.3 5.8 "Privilege Level Checking When Transferring Program
 * Control Between Code Segments".
 *
 * Every access that can fault happens before the first register is
 * written (cpu/insn.h conventions); a branch sets cpu->next_rip.
 */
#include "cpu/cpu.h"

#include "cpu/deliver.h"
#include "cpu/fault.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/seg.h"
#include "cpu/task.h"

static bool ia32e(const Cpu *cpu)
{
    return cpu->efer & EFER_LMA;
}

static bool desc_l(const SegDesc *d) { return (d->lo >> 53) & 1; }
static bool desc_db(const SegDesc *d) { return (d->lo >> 54) & 1; }
static bool desc_conforming(const SegDesc *d) { return seg_desc_type(d) & AR_TYPE_DC; }

/* Does this code descriptor run in 64-bit mode once loaded? */
static bool code_is_64(const Cpu *cpu, const SegDesc *d)
{
    return ia32e(cpu) && desc_l(d);
}

static unsigned iopl(const Cpu *cpu)
{
    return (unsigned)((cpu->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT);
}

static uint64_t sp_add(const Cpu *cpu, uint64_t n)
{
    return (cpu->gpr[R_RSP] + n) & size_mask(cpu->stack_size);
}

/* The new RIP must be canonical for 64-bit code, else within the code
 * segment's limit: #GP(0) (SDM Vol.2 JMP/CALL/RET "Operation"). */
static SimStatus check_target(Cpu *cpu, const SegDesc *code, uint64_t off)
{
    if (code_is_64(cpu, code))
        return cpu_is_canonical(cpu, off) ? ST_OK : cpu_gp(cpu, 0);
    return off > seg_desc_limit(code) ? cpu_gp(cpu, 0) : ST_OK;
}

/* ---- MOV, PUSH, POP of segment registers ---------------------------- */

/* SDM Vol.2 MOV "Operation": loading CS with MOV is #UD, as are the
 * reserved encodings 6 and 7. MOV SS inhibits interrupts until after the
 * next instruction (SDM Vol.3 6.8.3). */
SimStatus op_mov_Sw_Ew(Cpu *cpu, const DecodedInsn *d)
{
    /* REX.R does not extend the segment-register field. */
    unsigned s = d->reg & 7;
    if (s > SEG_GS || s == SEG_CS)
        return cpu_ud(cpu);
    uint64_t v;
    if (d->mod == 3) {
        v = cpu->gpr[d->rm] & 0xffff;
    } else {
        SimStatus st = cpu_read_u(cpu, d->seg, insn_ea(cpu, d), 2, &v);
        if (st)
            return st;
    }
    SimStatus st = seg_load(cpu, s, (uint16_t)v);
    if (st)
        return st;
    if (s == SEG_SS)
        cpu->movss_shadow = true;
    return ST_OK;
}

/* SDM Vol.2 MOV: a register destination receives the selector
 * zero-extended to the operand size; memory gets 16 bits. */
SimStatus op_mov_Ev_Sw(Cpu *cpu, const DecodedInsn *d)
{
    unsigned s = d->reg & 7;
    if (s > SEG_GS)
        return cpu_ud(cpu);
    uint16_t sel = cpu->seg[s].sel;
    if (d->mod == 3) {
        cpu_reg_write(cpu, d->rm, d->opsize, false, sel);
        return ST_OK;
    }
    return cpu_write_u(cpu, d->seg, insn_ea(cpu, d), 2, sel);
}

/* SDM Vol.2 PUSH: with a 32- or 64-bit operand size, recent Intel
 * processors move only the 16-bit selector into the new slot, leaving
 * its upper bytes unmodified. */
static SimStatus push_sreg(Cpu *cpu, const DecodedInsn *d, unsigned s)
{
    uint64_t sp = (cpu->gpr[R_RSP] - d->opsize) & size_mask(cpu->stack_size);
    SimStatus st = cpu_write_u(cpu, SEG_SS, sp, 2, cpu->seg[s].sel);
    if (st)
        return st;
    seg_set_sp(cpu, sp, cpu->stack_size);
    return ST_OK;
}

/* SDM Vol.2 POP: the selector is loaded with MOV's checks before ESP
 * moves; POP SS inhibits interrupts like MOV SS. */
static SimStatus pop_sreg(Cpu *cpu, const DecodedInsn *d, unsigned s)
{
    uint64_t v;
    unsigned ssize = cpu->stack_size;
    uint64_t sp = sp_add(cpu, d->opsize);
    SimStatus st = cpu_stack_peek(cpu, 0, d->opsize, &v);
    if (st)
        return st;
    st = seg_load(cpu, s, (uint16_t)v);
    if (st)
        return st;
    seg_set_sp(cpu, sp, ssize);
    if (s == SEG_SS)
        cpu->movss_shadow = true;
    return ST_OK;
}

SimStatus op_push_ES(Cpu *cpu, const DecodedInsn *d) { return push_sreg(cpu, d, SEG_ES); }
SimStatus op_push_CS(Cpu *cpu, const DecodedInsn *d) { return push_sreg(cpu, d, SEG_CS); }
SimStatus op_push_SS(Cpu *cpu, const DecodedInsn *d) { return push_sreg(cpu, d, SEG_SS); }
SimStatus op_push_DS(Cpu *cpu, const DecodedInsn *d) { return push_sreg(cpu, d, SEG_DS); }
SimStatus op_push_FS(Cpu *cpu, const DecodedInsn *d) { return push_sreg(cpu, d, SEG_FS); }
SimStatus op_push_GS(Cpu *cpu, const DecodedInsn *d) { return push_sreg(cpu, d, SEG_GS); }
SimStatus op_pop_ES(Cpu *cpu, const DecodedInsn *d) { return pop_sreg(cpu, d, SEG_ES); }
SimStatus op_pop_SS(Cpu *cpu, const DecodedInsn *d) { return pop_sreg(cpu, d, SEG_SS); }
SimStatus op_pop_DS(Cpu *cpu, const DecodedInsn *d) { return pop_sreg(cpu, d, SEG_DS); }
SimStatus op_pop_FS(Cpu *cpu, const DecodedInsn *d) { return pop_sreg(cpu, d, SEG_FS); }
SimStatus op_pop_GS(Cpu *cpu, const DecodedInsn *d) { return pop_sreg(cpu, d, SEG_GS); }

/* ---- far pointers in memory ----------------------------------------- */

/* Read an m16:16, m16:32 or m16:64 operand: offset, then selector. */
static SimStatus read_far_ptr(Cpu *cpu, const DecodedInsn *d, uint64_t *off,
                              uint16_t *sel)
{
    uint64_t ea = insn_ea(cpu, d);
    uint64_t s;
    SimStatus st = cpu_read_u(cpu, d->seg, ea, d->opsize, off);
    if (st)
        return st;
    st = cpu_read_u(cpu, d->seg, (ea + d->opsize) & size_mask(d->addrsize), 2, &s);
    if (st)
        return st;
    *sel = (uint16_t)s;
    return ST_OK;
}

/* SDM Vol.2 LDS/LES/LFS/LGS/LSS: the segment register is loaded (with
 * MOV's checks) before the general register is written. */
static SimStatus load_far_ptr(Cpu *cpu, const DecodedInsn *d, unsigned s)
{
    uint64_t off;
    uint16_t sel;
    SimStatus st = read_far_ptr(cpu, d, &off, &sel);
    if (st)
        return st;
    st = seg_load(cpu, s, sel);
    if (st)
        return st;
    cpu_reg_write(cpu, d->reg, d->opsize, false, off);
    return ST_OK;
}

SimStatus op_les_Gz_Mp(Cpu *cpu, const DecodedInsn *d) { return load_far_ptr(cpu, d, SEG_ES); }
SimStatus op_lds_Gz_Mp(Cpu *cpu, const DecodedInsn *d) { return load_far_ptr(cpu, d, SEG_DS); }
SimStatus op_lss_Gv_Mp(Cpu *cpu, const DecodedInsn *d) { return load_far_ptr(cpu, d, SEG_SS); }
SimStatus op_lfs_Gv_Mp(Cpu *cpu, const DecodedInsn *d) { return load_far_ptr(cpu, d, SEG_FS); }
SimStatus op_lgs_Gv_Mp(Cpu *cpu, const DecodedInsn *d) { return load_far_ptr(cpu, d, SEG_GS); }

/* ---- far JMP and CALL ----------------------------------------------- */

/* Real-address and virtual-8086 mode: CS = sel with base sel << 4; the
 * offset must lie within CS's limit (SDM Vol.2 JMP "REAL-ADDRESS-MODE or
 * VIRTUAL-8086-MODE"). */
static SimStatus check_real_target(Cpu *cpu, uint64_t off)
{
    uint32_t limit = cpu->mode == MODE_V86 ? 0xffff : cpu->seg[SEG_CS].limit;
    return off > limit ? cpu_gp(cpu, 0) : ST_OK;
}

static void load_real_cs(Cpu *cpu, uint16_t sel)
{
    if (cpu->mode == MODE_V86)
        seg_load_v86(cpu, SEG_CS, sel);
    else
        seg_load_real(cpu, SEG_CS, sel);
}

/* The descriptor a far JMP/CALL names: 8 bytes, or 16 for a call gate in
 * IA-32e mode (SDM Vol.3 5.8.3.1 "IA-32e Mode Call Gates"). */
static SimStatus read_far_desc(Cpu *cpu, uint16_t sel, SegDesc *d)
{
    if (seg_sel_is_null(sel))
        return cpu_gp(cpu, 0);
    SimStatus st = seg_read_descriptor(cpu, sel, 8, EXC_GP, 0, d);
    if (st)
        return st;
    if (ia32e(cpu) && !seg_desc_s(d) && seg_desc_type(d) == DESC_CALL32)
        st = seg_read_descriptor(cpu, sel, 16, EXC_GP, 0, d);
    return st;
}

/* Direct far transfer to a code segment (SDM Vol.3 5.8.2 "Accessing
 * Nonconforming Code Segments", 5.8.1.2 conforming): nonconforming needs
 * RPL <= CPL and DPL = CPL, conforming DPL <= CPL; CPL does not change. */
static SimStatus check_direct_code(Cpu *cpu, uint16_t sel, const SegDesc *d)
{
    uint32_t err = seg_sel_error(sel);
    unsigned dpl = seg_desc_dpl(d);
    if (desc_conforming(d) ? dpl > cpu->cpl
                           : ((sel & SEL_RPL_MASK) > cpu->cpl || dpl != cpu->cpl))
        return cpu_gp(cpu, err);
    if (!seg_desc_present(d))
        return cpu_np(cpu, err);
    /* L = 1 with D = 1 is reserved in IA-32e mode. */
    if (ia32e(cpu) && desc_l(d) && desc_db(d))
        return cpu_gp(cpu, err);
    return ST_OK;
}

typedef struct CallGate {
    uint16_t cs_sel;
    SegDesc code;
    uint64_t off;
    unsigned width;        /* 2, 4 or 8: the gate's size */
    unsigned params;       /* parameter count (legacy 32/16-bit gates) */
} CallGate;

/* Check a call gate and its target code segment (SDM Vol.3 5.8.4
 * "Accessing a Code Segment Through a Call Gate"; Vol.2 CALL and JMP
 * "CALL-GATE"): gate DPL >= CPL and >= RPL; target DPL <= CPL. */
static SimStatus resolve_call_gate(Cpu *cpu, uint16_t gsel, const SegDesc *gate,
                                   CallGate *g)
{
    uint32_t gerr = seg_sel_error(gsel);
    unsigned type = seg_desc_type(gate);
    unsigned gdpl = seg_desc_dpl(gate);
    /* In IA-32e mode the type of the upper 8 bytes must be 0. */
    if (ia32e(cpu) && ((gate->hi >> 40) & 0x1f))
        return cpu_gp(cpu, gerr);
    if (gdpl < cpu->cpl || gdpl < (gsel & SEL_RPL_MASK))
        return cpu_gp(cpu, gerr);
    if (!seg_desc_present(gate))
        return cpu_np(cpu, gerr);
    g->cs_sel = seg_gate_selector(gate);
    if (seg_sel_is_null(g->cs_sel))
        return cpu_gp(cpu, 0);
    SimStatus st = seg_read_descriptor(cpu, g->cs_sel, 8, EXC_GP, 0, &g->code);
    if (st)
        return st;
    uint32_t cerr = seg_sel_error(g->cs_sel);
    if (!seg_desc_is_code(&g->code) || seg_desc_dpl(&g->code) > cpu->cpl)
        return cpu_gp(cpu, cerr);
    if (!seg_desc_present(&g->code))
        return cpu_np(cpu, cerr);
    /* A 64-bit call gate must lead to 64-bit code (L = 1, D = 0). */
    if (ia32e(cpu) && (!desc_l(&g->code) || desc_db(&g->code)))
        return cpu_gp(cpu, cerr);
    g->width = ia32e(cpu) ? 8 : type == DESC_CALL32 ? 4 : 2;
    g->off = seg_gate_offset(gate, ia32e(cpu));
    if (g->width == 2)
        g->off &= 0xffff;
    g->params = ia32e(cpu) ? 0 : seg_gate_param_count(gate);
    return ST_OK;
}

/* Is the system descriptor a call gate valid in this mode? Task gates
 * and TSSs (task switches) are reported unsupported by the caller. */
static bool is_call_gate(const Cpu *cpu, const SegDesc *d)
{
    unsigned type = seg_desc_type(d);
    return ia32e(cpu) ? type == DESC_CALL32 : (type == DESC_CALL16 || type == DESC_CALL32);
}

static bool is_task_switch(const Cpu *cpu, const SegDesc *d)
{
    unsigned type = seg_desc_type(d);
    return !ia32e(cpu) && (type == DESC_TASK || type == DESC_TSS16_AVAIL ||
                           type == DESC_TSS32_AVAIL);
}

/* JMP/CALL to a TSS or a task gate (SDM Vol.2 JMP/CALL "TASK-GATE" and
 * "TASK-STATE-SEGMENT"; Vol.3 8.3): DPL >= CPL and >= RPL, then a task
 * switch that saves the return address in the outgoing TSS. */
static SimStatus far_task(Cpu *cpu, uint16_t sel, const SegDesc *d, TaskSource src)
{
    uint32_t err = seg_sel_error(sel);
    unsigned dpl = seg_desc_dpl(d);
    if (dpl < cpu->cpl || dpl < (sel & SEL_RPL_MASK))
        return cpu_gp(cpu, err);
    uint16_t tss_sel = sel;
    SegDesc tss = *d;
    if (seg_desc_type(d) == DESC_TASK) {
        if (!seg_desc_present(d))
            return cpu_np(cpu, err);
        tss_sel = seg_gate_selector(d);
        if (tss_sel & SEL_TI)
            return cpu_gp(cpu, seg_sel_error(tss_sel));
        SimStatus st = seg_read_descriptor(cpu, tss_sel, 8, EXC_GP, 0, &tss);
        if (st)
            return st;
    }
    return task_switch(cpu, tss_sel, &tss, src, cpu->next_rip, 0, false, 0);
}

static SimStatus far_jmp(Cpu *cpu, uint16_t sel, uint64_t off, unsigned opsize)
{
    off &= size_mask(opsize);
    SimStatus st;
    if (cpu->mode == MODE_REAL || cpu->mode == MODE_V86) {
        st = check_real_target(cpu, off);
        if (st)
            return st;
        load_real_cs(cpu, sel);
        cpu->next_rip = off;
        return ST_OK;
    }
    SegDesc d;
    st = read_far_desc(cpu, sel, &d);
    if (st)
        return st;
    uint32_t err = seg_sel_error(sel);
    if (seg_desc_is_code(&d)) {
        st = check_direct_code(cpu, sel, &d);
        if (!st)
            st = check_target(cpu, &d, off);
        if (!st)
            st = seg_set_accessed(cpu, sel, &d);
        if (st)
            return st;
        seg_load_cs(cpu, sel, &d, cpu->cpl);
        cpu->next_rip = off;
        return ST_OK;
    }
    if (seg_desc_s(&d))
        return cpu_gp(cpu, err);
    if (is_task_switch(cpu, &d))
        return far_task(cpu, sel, &d, TASK_JMP);
    if (!is_call_gate(cpu, &d))
        return cpu_gp(cpu, err);
    CallGate g;
    st = resolve_call_gate(cpu, sel, &d, &g);
    if (st)
        return st;
    /* JMP through a call gate never changes CPL (SDM Vol.2 JMP): a
     * nonconforming target must have DPL = CPL. */
    if (!desc_conforming(&g.code) && seg_desc_dpl(&g.code) != cpu->cpl)
        return cpu_gp(cpu, seg_sel_error(g.cs_sel));
    st = check_target(cpu, &g.code, g.off);
    if (!st)
        st = seg_set_accessed(cpu, g.cs_sel, &g.code);
    if (st)
        return st;
    seg_load_cs(cpu, g.cs_sel, &g.code, cpu->cpl);
    cpu->next_rip = g.off;
    return ST_OK;
}

/* Push the return CS:EIP on the current stack with slot width w. */
static SimStatus push_return(Cpu *cpu, unsigned w, uint64_t *sp)
{
    uint64_t vals[2] = { cpu->seg[SEG_CS].sel, cpu->next_rip };
    *sp = cpu->gpr[R_RSP];
    return seg_push_frame(cpu, &cpu->seg[SEG_SS], cpu->stack_size, sp, vals, 2, w,
                          false, 0);
}

/* CALL through a call gate to a more privileged nonconforming segment
 * (SDM Vol.3 5.8.5 "Stack Switching", 5.8.5.1 for IA-32e mode; Vol.2 CALL
 * "MORE-PRIVILEGE"). */
static SimStatus call_gate_inner(Cpu *cpu, const CallGate *g)
{
    unsigned dpl = seg_desc_dpl(&g->code);
    uint64_t vals[4 + 31];
    unsigned n = 0;
    SimStatus st;
    SegDesc code = g->code;

    if (ia32e(cpu)) {
        uint64_t new_sp;
        st = seg_tss64_stack(cpu, 4 + 8 * dpl, 0, &new_sp);
        if (st)
            return st;
        vals[n++] = cpu->seg[SEG_SS].sel;
        vals[n++] = cpu->gpr[R_RSP];
        vals[n++] = cpu->seg[SEG_CS].sel;
        vals[n++] = cpu->next_rip;
        st = check_target(cpu, &code, g->off);
        if (!st)
            st = seg_set_accessed(cpu, g->cs_sel, &code);
        if (st)
            return st;
        SegReg flat = { 0 };
        st = seg_push_frame(cpu, &flat, 8, &new_sp, vals, n, 8, true, 0);
        if (st)
            return st;
        /* SS becomes a null selector with RPL = new CPL. */
        seg_load_null(cpu, SEG_SS, (uint16_t)dpl, dpl);
        cpu->gpr[R_RSP] = new_sp;
        seg_load_cs(cpu, g->cs_sel, &code, dpl);
        cpu->next_rip = g->off;
        return ST_OK;
    }

    uint16_t new_ss;
    uint64_t new_sp;
    st = seg_tss_stack(cpu, dpl, 0, &new_ss, &new_sp);
    if (st)
        return st;
    SegDesc ssd;
    st = seg_check_stack(cpu, new_ss, dpl, EXC_TS, 0, &ssd);
    if (st)
        return st;
    SegReg ss_cache = seg_desc_to_cache(&ssd, new_ss, false);
    unsigned ssize = (ss_cache.ar & AR_DB) ? 4 : 2;
    unsigned w = g->width;
    vals[n++] = cpu->seg[SEG_SS].sel;
    vals[n++] = cpu->gpr[R_RSP];
    /* Parameters: the gate's count of words or doublewords, copied from
     * the caller's stack in the same order. */
    for (unsigned i = g->params; i-- > 0;) {
        st = cpu_stack_peek(cpu, (uint64_t)i * w, w, &vals[n]);
        if (st)
            return st;
        n++;
    }
    vals[n++] = cpu->seg[SEG_CS].sel;
    vals[n++] = cpu->next_rip;
    st = check_target(cpu, &code, g->off);
    if (!st)
        st = seg_set_accessed(cpu, g->cs_sel, &code);
    if (st)
        return st;
    st = seg_push_frame(cpu, &ss_cache, ssize, &new_sp, vals, n, w, true,
                        seg_sel_error(new_ss));
    if (st)
        return st;
    seg_load_ss_desc(cpu, new_ss, &ssd, dpl);
    seg_set_sp(cpu, new_sp, ssize);
    seg_load_cs(cpu, g->cs_sel, &code, dpl);
    cpu->next_rip = g->off;
    return ST_OK;
}

static SimStatus far_call(Cpu *cpu, uint16_t sel, uint64_t off, unsigned opsize)
{
    off &= size_mask(opsize);
    uint64_t sp;
    SimStatus st;
    if (cpu->mode == MODE_REAL || cpu->mode == MODE_V86) {
        st = check_real_target(cpu, off);
        if (!st)
            st = push_return(cpu, opsize, &sp);
        if (st)
            return st;
        seg_set_sp(cpu, sp, cpu->stack_size);
        load_real_cs(cpu, sel);
        cpu->next_rip = off;
        return ST_OK;
    }
    SegDesc d;
    st = read_far_desc(cpu, sel, &d);
    if (st)
        return st;
    uint32_t err = seg_sel_error(sel);
    if (seg_desc_is_code(&d)) {
        st = check_direct_code(cpu, sel, &d);
        if (!st)
            st = check_target(cpu, &d, off);
        if (!st)
            st = push_return(cpu, opsize, &sp);
        if (!st)
            st = seg_set_accessed(cpu, sel, &d);
        if (st)
            return st;
        unsigned ssize = cpu->stack_size;
        seg_load_cs(cpu, sel, &d, cpu->cpl);
        seg_set_sp(cpu, sp, ssize);
        cpu->next_rip = off;
        return ST_OK;
    }
    if (seg_desc_s(&d))
        return cpu_gp(cpu, err);
    if (is_task_switch(cpu, &d))
        return far_task(cpu, sel, &d, TASK_CALL);
    if (!is_call_gate(cpu, &d))
        return cpu_gp(cpu, err);
    CallGate g;
    st = resolve_call_gate(cpu, sel, &d, &g);
    if (st)
        return st;
    if (!desc_conforming(&g.code) && seg_desc_dpl(&g.code) < cpu->cpl)
        return call_gate_inner(cpu, &g);
    /* Same privilege through the gate: the return address is pushed with
     * the gate's size. */
    st = check_target(cpu, &g.code, g.off);
    if (!st)
        st = push_return(cpu, g.width, &sp);
    if (!st)
        st = seg_set_accessed(cpu, g.cs_sel, &g.code);
    if (st)
        return st;
    unsigned ssize = cpu->stack_size;
    seg_load_cs(cpu, g.cs_sel, &g.code, cpu->cpl);
    seg_set_sp(cpu, sp, ssize);
    cpu->next_rip = g.off;
    return ST_OK;
}

SimStatus op_jmp_Ap(Cpu *cpu, const DecodedInsn *d)
{
    return far_jmp(cpu, d->imm2, (uint64_t)d->disp, d->opsize);
}

SimStatus op_jmp_Mp(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t off;
    uint16_t sel;
    SimStatus st = read_far_ptr(cpu, d, &off, &sel);
    if (st)
        return st;
    return far_jmp(cpu, sel, off, d->opsize);
}

SimStatus op_call_Ap(Cpu *cpu, const DecodedInsn *d)
{
    return far_call(cpu, d->imm2, (uint64_t)d->disp, d->opsize);
}

SimStatus op_call_Mp(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t off;
    uint16_t sel;
    SimStatus st = read_far_ptr(cpu, d, &off, &sel);
    if (st)
        return st;
    return far_call(cpu, sel, off, d->opsize);
}

/* ---- far RET and IRET ----------------------------------------------- */

/* Check the code segment a far RET or IRET returns to (SDM Vol.2 RET
 * "PROTECTED-MODE", IRET "PROTECTED-MODE-RETURN"): RPL >= CPL; a
 * conforming segment needs DPL <= RPL, a nonconforming one DPL = RPL. */
static SimStatus check_return_cs(Cpu *cpu, uint16_t sel, SegDesc *d)
{
    if (seg_sel_is_null(sel))
        return cpu_gp(cpu, 0);
    SimStatus st = seg_read_descriptor(cpu, sel, 8, EXC_GP, 0, d);
    if (st)
        return st;
    uint32_t err = seg_sel_error(sel);
    unsigned rpl = sel & SEL_RPL_MASK;
    unsigned dpl = seg_desc_dpl(d);
    if (!seg_desc_is_code(d) || rpl < cpu->cpl)
        return cpu_gp(cpu, err);
    if (desc_conforming(d) ? dpl > rpl : dpl != rpl)
        return cpu_gp(cpu, err);
    if (!seg_desc_present(d))
        return cpu_np(cpu, err);
    if (ia32e(cpu) && desc_l(d) && desc_db(d))
        return cpu_gp(cpu, err);
    return ST_OK;
}

/* The SS a return to an outer level (or any IRET in 64-bit mode) loads.
 * A null SS is allowed only when returning to 64-bit code at CPL < 3 from
 * 64-bit mode (SDM Vol.2 IRET and RET, IA-32e mode exceptions). */
static SimStatus check_return_ss(Cpu *cpu, uint16_t ss, const SegDesc *code,
                                 unsigned rpl, SegDesc *ssd, bool *null_ss)
{
    *null_ss = false;
    if (seg_sel_is_null(ss)) {
        if (cpu->mode == MODE_LONG64 && code_is_64(cpu, code) && rpl < 3) {
            *null_ss = true;
            return ST_OK;
        }
        return cpu_gp(cpu, 0);
    }
    return seg_check_stack(cpu, ss, rpl, EXC_GP, 0, ssd);
}

static void load_return_ss(Cpu *cpu, uint16_t ss, const SegDesc *ssd, bool null_ss,
                           unsigned rpl)
{
    if (null_ss)
        seg_load_null(cpu, SEG_SS, ss, rpl);
    else
        seg_load_ss_desc(cpu, ss, ssd, rpl);
}

static SimStatus far_ret(Cpu *cpu, unsigned size, uint64_t imm)
{
    uint64_t off, csv;
    SimStatus st = cpu_stack_peek(cpu, 0, size, &off);
    if (!st)
        st = cpu_stack_peek(cpu, size, size, &csv);
    if (st)
        return st;
    uint16_t sel = (uint16_t)csv;
    unsigned ssize = cpu->stack_size;

    if (cpu->mode == MODE_REAL || cpu->mode == MODE_V86) {
        st = check_real_target(cpu, off);
        if (st)
            return st;
        load_real_cs(cpu, sel);
        seg_set_sp(cpu, sp_add(cpu, 2 * size + imm), ssize);
        cpu->next_rip = off;
        return ST_OK;
    }
    SegDesc code;
    st = check_return_cs(cpu, sel, &code);
    if (st)
        return st;
    unsigned rpl = sel & SEL_RPL_MASK;
    if (rpl == cpu->cpl) {
        st = check_target(cpu, &code, off);
        if (!st)
            st = seg_set_accessed(cpu, sel, &code);
        if (st)
            return st;
        uint64_t sp = sp_add(cpu, 2 * size + imm);
        seg_load_cs(cpu, sel, &code, cpu->cpl);
        seg_set_sp(cpu, sp, ssize);
        cpu->next_rip = off;
        return ST_OK;
    }
    /* RETURN-TO-OUTER-PRIVILEGE-LEVEL: SS:ESP follow the immediate. */
    uint64_t new_sp, ssv;
    st = cpu_stack_peek(cpu, 2 * size + imm, size, &new_sp);
    if (!st)
        st = cpu_stack_peek(cpu, 3 * size + imm, size, &ssv);
    if (st)
        return st;
    SegDesc ssd;
    bool null_ss;
    st = check_return_ss(cpu, (uint16_t)ssv, &code, rpl, &ssd, &null_ss);
    if (!st)
        st = check_target(cpu, &code, off);
    if (!st)
        st = seg_set_accessed(cpu, sel, &code);
    if (st)
        return st;
    load_return_ss(cpu, (uint16_t)ssv, &ssd, null_ss, rpl);
    seg_load_cs(cpu, sel, &code, rpl);
    seg_set_sp(cpu, new_sp + imm, cpu->stack_size);
    seg_invalidate_for_cpl(cpu, rpl);
    cpu->next_rip = off;
    return ST_OK;
}

SimStatus op_retf(Cpu *cpu, const DecodedInsn *d)
{
    return far_ret(cpu, d->opsize, 0);
}

SimStatus op_retf_Iw(Cpu *cpu, const DecodedInsn *d)
{
    return far_ret(cpu, d->opsize, d->imm & 0xffff);
}

/* RFLAGS bits IRET may load, by operand size (SDM Vol.2 IRET
 * "Operation"): 32-bit real mode keeps VM, VIF and VIP (257FD5H mask,
 * 1A0000H kept); V86 mode also keeps IOPL. */
#define IRET_REAL32_MASK 0x257fd5ull
#define IRET_V86_32_MASK 0x257fd5ull
#define IRET_V86_32_KEEP 0x1a3000ull

static uint64_t fixed_flags(uint64_t f)
{
    /* Bit 1 reads as 1; bits 3, 5, 15 and 22 up read as 0. */
    return (f & 0x3f7fd5ull) | RFLAGS_FIXED1;
}

static SimStatus iret_real(Cpu *cpu, unsigned size)
{
    uint64_t ip, csv, fl;
    SimStatus st = cpu_stack_peek(cpu, 0, size, &ip);
    if (!st)
        st = cpu_stack_peek(cpu, size, size, &csv);
    if (!st)
        st = cpu_stack_peek(cpu, 2 * size, size, &fl);
    if (!st)
        st = check_real_target(cpu, ip);
    if (st)
        return st;
    uint64_t f = cpu->rflags;
    if (cpu->mode == MODE_V86) {
        /* IOPL is not changed by IRET in V86 mode. */
        if (size == 4)
            f = (fl & IRET_V86_32_MASK & ~RFLAGS_IOPL) | (f & IRET_V86_32_KEEP);
        else
            f = (f & ~0xffffull) | (fl & 0xffff & ~RFLAGS_IOPL) | (f & RFLAGS_IOPL);
    } else if (size == 4) {
        f = (fl & IRET_REAL32_MASK) | (f & 0x1a0000ull);
    } else {
        f = (f & ~0xffffull) | (fl & 0xffff);
    }
    unsigned ssize = cpu->stack_size;
    cpu->rflags = fixed_flags(f);
    load_real_cs(cpu, (uint16_t)csv);
    seg_set_sp(cpu, sp_add(cpu, 3 * size), ssize);
    cpu->next_rip = ip;
    return ST_OK;
}

/* SDM Vol.2 IRET "RETURN-TO-VIRTUAL-8086-MODE": from CPL 0 with VM set in
 * the popped EFLAGS (32-bit operand size, not IA-32e mode). */
static SimStatus iret_to_v86(Cpu *cpu, uint64_t eip, uint16_t cs, uint64_t fl)
{
    uint64_t v[6];          /* ESP, SS, ES, DS, FS, GS */
    for (unsigned i = 0; i < 6; i++) {
        SimStatus st = cpu_stack_peek(cpu, 12 + 4 * i, 4, &v[i]);
        if (st)
            return st;
    }
    if ((eip & 0xffffffffu) > 0xffff)
        return cpu_gp(cpu, 0);
    cpu->rflags = fixed_flags(fl) | RFLAGS_VM;
    seg_load_v86(cpu, SEG_CS, cs);
    seg_load_v86(cpu, SEG_SS, (uint16_t)v[1]);
    seg_load_v86(cpu, SEG_ES, (uint16_t)v[2]);
    seg_load_v86(cpu, SEG_DS, (uint16_t)v[3]);
    seg_load_v86(cpu, SEG_FS, (uint16_t)v[4]);
    seg_load_v86(cpu, SEG_GS, (uint16_t)v[5]);
    cpu->gpr[R_RSP] = v[0] & 0xffffffffu;
    cpu_update_mode(cpu);
    cpu->next_rip = eip & 0xffff;
    return ST_OK;
}

/* The flags a protected-mode IRET loads, with the privilege rules of SDM
 * Vol.2 IRET "RETURN-TO-SAME-PRIVILEGE-LEVEL": IF only if CPL <= IOPL,
 * IOPL, VIF and VIP only at CPL 0; RF, AC and ID only with a 32/64-bit
 * operand size; VM never (outside the return to V86 mode). */
static uint64_t iret_flags(const Cpu *cpu, uint64_t fl, unsigned size)
{
    uint64_t mask = RFLAGS_ARITH | RFLAGS_TF | RFLAGS_DF | RFLAGS_NT;
    if (size >= 4)
        mask |= RFLAGS_RF | RFLAGS_AC | RFLAGS_ID;
    if (cpu->cpl <= iopl(cpu))
        mask |= RFLAGS_IF;
    if (cpu->cpl == 0) {
        mask |= RFLAGS_IOPL;
        if (size >= 4)
            mask |= RFLAGS_VIF | RFLAGS_VIP;
    }
    return fixed_flags((cpu->rflags & ~mask) | (fl & mask));
}

static SimStatus iret_prot(Cpu *cpu, unsigned size)
{
    /* NT = 1: return to the task named by the previous-task link of the
     * current TSS (SDM Vol.2 IRET "TASK-RETURN", Vol.3 8.4); in IA-32e
     * mode #GP(0). */
    if (cpu->rflags & RFLAGS_NT) {
        if (ia32e(cpu))
            return cpu_gp(cpu, 0);
        uint16_t link = 0;
        SimStatus st = cpu_read_lin(cpu, cpu->seg[SEG_TR].base & 0xffffffffu, 2, &link,
                                    ACC_READ | ACC_IMPLICIT_SUPERVISOR);
        if (st)
            return st;
        if (link & SEL_TI)
            return cpu_ts(cpu, seg_sel_error(link));
        SegDesc tss;
        st = seg_read_descriptor(cpu, link, 8, EXC_TS, 0, &tss);
        if (st)
            return st;
        return task_switch(cpu, link, &tss, TASK_IRET, cpu->next_rip, 0, false, 0);
    }
    uint64_t off, csv, fl;
    SimStatus st = cpu_stack_peek(cpu, 0, size, &off);
    if (!st)
        st = cpu_stack_peek(cpu, size, size, &csv);
    if (!st)
        st = cpu_stack_peek(cpu, 2 * size, size, &fl);
    if (st)
        return st;
    uint16_t sel = (uint16_t)csv;
    if (!ia32e(cpu) && size == 4 && (fl & RFLAGS_VM) && cpu->cpl == 0)
        return iret_to_v86(cpu, off, sel, fl);

    SegDesc code;
    st = check_return_cs(cpu, sel, &code);
    if (st)
        return st;
    unsigned rpl = sel & SEL_RPL_MASK;
    off &= size_mask(size);
    /* In 64-bit mode IRET always pops SS:RSP (SDM Vol.3 6.14.3 "IRET in
     * IA-32e Mode"); elsewhere only on a return to an outer level. */
    bool pop_ss = rpl > cpu->cpl || cpu->mode == MODE_LONG64;
    uint64_t new_sp = 0, ssv = 0;
    SegDesc ssd;
    bool null_ss = false;
    if (pop_ss) {
        st = cpu_stack_peek(cpu, 3 * size, size, &new_sp);
        if (!st)
            st = cpu_stack_peek(cpu, 4 * size, size, &ssv);
        if (!st)
            st = check_return_ss(cpu, (uint16_t)ssv, &code, rpl, &ssd, &null_ss);
        if (st)
            return st;
    }
    st = check_target(cpu, &code, off);
    if (!st)
        st = seg_set_accessed(cpu, sel, &code);
    if (st)
        return st;

    unsigned old_cpl = cpu->cpl;
    unsigned ssize = cpu->stack_size;
    cpu->rflags = iret_flags(cpu, fl, size);
    if (pop_ss) {
        load_return_ss(cpu, (uint16_t)ssv, &ssd, null_ss, rpl);
        seg_load_cs(cpu, sel, &code, rpl);
        seg_set_sp(cpu, new_sp, cpu->stack_size);
    } else {
        uint64_t sp = sp_add(cpu, 3 * size);
        seg_load_cs(cpu, sel, &code, rpl);
        seg_set_sp(cpu, sp, ssize);
    }
    if (rpl > old_cpl)
        seg_invalidate_for_cpl(cpu, rpl);
    cpu->next_rip = off;
    return ST_OK;
}

/* SDM Vol.2 IRET, virtual-8086 mode with CR4.VME = 1 and IOPL < 3 (Vol.3
 * 21.3.3 "Class 3—Software Interrupt Handling in Virtual-8086 Mode",
 * 21.4 "Protected-Mode Virtual Interrupts"): a 16-bit IRET loads VIF from
 * the popped IF and keeps IF and IOPL; a 32-bit one, or one that would
 * enable interrupts while VIP is set, or set TF, is #GP(0). */
static SimStatus iret_vme(Cpu *cpu, unsigned size)
{
    if (size != 2)
        return cpu_gp(cpu, 0);
    uint64_t ip, csv, fl;
    SimStatus st = cpu_stack_peek(cpu, 0, 2, &ip);
    if (!st)
        st = cpu_stack_peek(cpu, 2, 2, &csv);
    if (!st)
        st = cpu_stack_peek(cpu, 4, 2, &fl);
    if (!st)
        st = check_real_target(cpu, ip);
    if (st)
        return st;
    if (((fl & RFLAGS_IF) && (cpu->rflags & RFLAGS_VIP)) || (fl & RFLAGS_TF))
        return cpu_gp(cpu, 0);
    uint64_t keep = RFLAGS_IF | RFLAGS_IOPL;
    uint64_t f = (cpu->rflags & ~0xffffull) | (fl & 0xffff & ~keep) | (cpu->rflags & keep);
    f = (fl & RFLAGS_IF) ? (f | RFLAGS_VIF) : (f & ~RFLAGS_VIF);
    unsigned ssize = cpu->stack_size;
    cpu->rflags = fixed_flags(f);
    seg_load_v86(cpu, SEG_CS, (uint16_t)csv);
    seg_set_sp(cpu, sp_add(cpu, 6), ssize);
    cpu->next_rip = ip;
    return ST_OK;
}

/* SDM Vol.2 IRET/IRETD/IRETQ. IRET ends NMI blocking even when it faults
 * (SDM Vol.3 6.7.1 "Handling Multiple NMIs"). */
SimStatus op_iret(Cpu *cpu, const DecodedInsn *d)
{
    cpu->nmi_blocked = false;
    switch (cpu->mode) {
    case MODE_REAL:
        return iret_real(cpu, d->opsize);
    case MODE_V86:
        /* IOPL < 3 is #GP(0) unless the virtual-mode extensions handle it
         * (SDM Vol.3 21.2.7 "Sensitive Instructions"). */
        if (iopl(cpu) < 3) {
            if (cpu->cr4 & CR4_VME)
                return iret_vme(cpu, d->opsize);
            return cpu_gp(cpu, 0);
        }
        return iret_real(cpu, d->opsize);
    default:
        return iret_prot(cpu, d->opsize);
    }
}

/* ---- software interrupts -------------------------------------------- */

/* The software-interrupt redirection bit of vector n: the 32 bytes just
 * below the I/O permission bitmap, whose base is the word at offset 66H
 * of the 32-bit TSS (SDM Vol.3 21.3.3.5 "Method 5: Software Interrupt
 * Handling", Figure 21-5). A bit beyond the TSS limit is #GP(0). */
static SimStatus redirection_bit(Cpu *cpu, uint8_t n, bool *bit)
{
    const SegReg *tr = &cpu->seg[SEG_TR];
    uint16_t iomap = 0;
    uint8_t byte = 0;
    if (tr->limit < 0x67)
        return cpu_gp(cpu, 0);
    SimStatus st = cpu_read_lin(cpu, (tr->base + 0x66) & 0xffffffffu, 2, &iomap,
                                ACC_READ | ACC_IMPLICIT_SUPERVISOR);
    if (st)
        return st;
    uint32_t off = (uint32_t)iomap - 32 + n / 8;
    if (iomap < 32 || off > tr->limit)
        return cpu_gp(cpu, 0);
    st = cpu_read_lin(cpu, (tr->base + off) & 0xffffffffu, 1, &byte,
                      ACC_READ | ACC_IMPLICIT_SUPERVISOR);
    if (st)
        return st;
    *bit = (byte >> (n % 8)) & 1;
    return ST_OK;
}

/* Methods 5 and 6 of SDM Vol.3 Table 21-2 "Software Interrupt Handling
 * Methods While in Virtual-8086 Mode": the interrupt goes to the 8086
 * handler in the task's own IVT at linear 0, like a real-mode INT; with
 * IOPL < 3 the pushed FLAGS show IOPL 3 and IF = VIF, and VIF (not IF) is
 * cleared. */
static SimStatus int_v86_redirect(Cpu *cpu, uint8_t n)
{
    uint32_t ent = 0;
    SimStatus st = cpu_read_lin(cpu, (uint64_t)n * 4, 4, &ent, ACC_READ);
    if (st)
        return st;
    bool virt = iopl(cpu) < 3;
    uint64_t image = cpu->rflags & 0xffff & ~RFLAGS_NT;
    if (virt) {
        image |= RFLAGS_IOPL;
        image = (cpu->rflags & RFLAGS_VIF) ? (image | RFLAGS_IF) : (image & ~RFLAGS_IF);
    }
    uint64_t vals[3] = { image, cpu->seg[SEG_CS].sel, cpu->next_rip };
    uint64_t sp = cpu->gpr[R_RSP];
    st = seg_push_frame(cpu, &cpu->seg[SEG_SS], 2, &sp, vals, 3, 2, false, 0);
    if (st)
        return st;
    seg_set_sp(cpu, sp, 2);
    cpu->rflags &= ~(RFLAGS_TF | (virt ? RFLAGS_VIF : RFLAGS_IF));
    seg_load_v86(cpu, SEG_CS, (uint16_t)(ent >> 16));
    cpu->next_rip = ent & 0xffff;
    return ST_OK;
}

/* SDM Vol.2 INT n: in virtual-8086 mode INT n is IOPL-sensitive (#GP(0)
 * when IOPL < 3); with CR4.VME the TSS redirection bitmap decides among
 * the methods of SDM Vol.3 Table 21-2: bit clear redirects to the 8086
 * handler, bit set goes to the protected-mode handler (IOPL 3) or #GP(0). */
SimStatus op_int_Ib(Cpu *cpu, const DecodedInsn *d)
{
    uint8_t n = (uint8_t)d->imm;
    if (cpu->mode == MODE_V86) {
        if (cpu->cr4 & CR4_VME) {
            bool bit;
            SimStatus st = redirection_bit(cpu, n, &bit);
            if (st)
                return st;
            if (!bit)
                return int_v86_redirect(cpu, n);
        }
        if (iopl(cpu) < 3)
            return cpu_gp(cpu, 0);
    }
    return cpu_deliver_event(cpu, EV_SOFTWARE_INT, n, false, 0);
}

SimStatus op_int3(Cpu *cpu, const DecodedInsn *d)
{
    return cpu_deliver_event(cpu, EV_SOFTWARE_EXC, EXC_BP, false, 0);
}

SimStatus op_into(Cpu *cpu, const DecodedInsn *d)
{
    if (!(cpu->rflags & RFLAGS_OF))
        return ST_OK;
    return cpu_deliver_event(cpu, EV_SOFTWARE_EXC, EXC_OF, false, 0);
}

SimStatus op_int1(Cpu *cpu, const DecodedInsn *d)
{
    return cpu_deliver_event(cpu, EV_PRIV_SOFTWARE_EXC, EXC_DB, false, 0);
}

/* ---- SYSCALL/SYSRET and SYSENTER/SYSEXIT ----------------------------- */

#define MSR_STAR_SYSCALL_CS(star) ((uint16_t)((star) >> 32))
#define MSR_STAR_SYSRET_CS(star)  ((uint16_t)((star) >> 48))

/* The flat segments these instructions load without reading the GDT:
 * base 0, limit 4 GiB, G = 1. */
static SegReg flat_code(uint16_t sel, unsigned dpl, bool l)
{
    return (SegReg){ .base = 0, .limit = 0xffffffffu, .sel = sel,
                     .ar = 0xbu | AR_S | AR_P | AR_G | (dpl << AR_DPL_SHIFT) |
                           (l ? AR_L : AR_DB) };
}

static SegReg flat_stack(uint16_t sel, unsigned dpl)
{
    return (SegReg){ .base = 0, .limit = 0xffffffffu, .sel = sel,
                     .ar = 0x3u | AR_S | AR_P | AR_G | AR_DB | (dpl << AR_DPL_SHIFT) };
}

static void load_flat(Cpu *cpu, SegReg cs, SegReg ss)
{
    cpu->seg[SEG_CS] = cs;
    cpu->seg[SEG_SS] = ss;
    cpu_update_mode(cpu);
}

/* SDM Vol.2 SYSCALL: 64-bit mode only on Intel (#UD in compatibility
 * mode), with EFER.SCE. */
SimStatus op_syscall(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->mode != MODE_LONG64 || !(cpu->efer & EFER_SCE))
        return cpu_ud(cpu);
    uint16_t cs = MSR_STAR_SYSCALL_CS(cpu->msr.star) & 0xfffc;
    cpu->gpr[R_RCX] = cpu->next_rip;
    cpu->gpr[R_R11] = cpu->rflags;
    /* FMASK clears what the OS chose; RF is always cleared. */
    cpu->rflags = fixed_flags(cpu->rflags & ~cpu->msr.fmask & ~RFLAGS_RF);
    load_flat(cpu, flat_code(cs, 0, true), flat_stack((uint16_t)(cs + 8), 0));
    cpu->next_rip = cpu->msr.lstar;
    return ST_OK;
}

/* SDM Vol.2 SYSRET: CPL 0 only; with REX.W to 64-bit code at
 * STAR[63:48] + 16, else to compatibility-mode code at STAR[63:48]. A
 * non-canonical RCX faults with #GP(0) at CPL 0 on Intel parts. */
SimStatus op_sysret(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->mode != MODE_LONG64 || !(cpu->efer & EFER_SCE))
        return cpu_ud(cpu);
    if (cpu->cpl != 0)
        return cpu_gp(cpu, 0);
    bool to64 = d->opsize == 8;
    uint64_t rip = to64 ? cpu->gpr[R_RCX] : cpu->gpr[R_RCX] & 0xffffffffu;
    if (to64 && !cpu_is_canonical(cpu, rip))
        return cpu_gp(cpu, 0);
    uint16_t base = MSR_STAR_SYSRET_CS(cpu->msr.star);
    uint16_t cs = (uint16_t)((to64 ? base + 16 : base) | 3);
    uint16_t ss = (uint16_t)((base + 8) | 3);
    cpu->rflags = fixed_flags(cpu->gpr[R_R11] & 0x3c7fd7ull);
    load_flat(cpu, flat_code(cs, 3, to64), flat_stack(ss, 3));
    cpu->next_rip = rip;
    return ST_OK;
}

/* SDM Vol.2 SYSENTER: #GP(0) in real mode or with IA32_SYSENTER_CS[15:2]
 * = 0; clears VM, IF and RF; enters CPL 0 at SYSENTER_CS (64-bit code in
 * IA-32e mode). */
SimStatus op_sysenter(Cpu *cpu, const DecodedInsn *d)
{
    uint16_t cs = (uint16_t)(cpu->msr.sysenter_cs & 0xfffc);
    if (!(cpu->cr0 & CR0_PE) || cs == 0)
        return cpu_gp(cpu, 0);
    bool l = ia32e(cpu);
    cpu->rflags &= ~(RFLAGS_VM | RFLAGS_IF | RFLAGS_RF);
    load_flat(cpu, flat_code(cs, 0, l), flat_stack((uint16_t)(cs + 8), 0));
    if (l) {
        cpu->gpr[R_RSP] = cpu->msr.sysenter_esp;
        cpu->next_rip = cpu->msr.sysenter_eip;
    } else {
        cpu->gpr[R_RSP] = cpu->msr.sysenter_esp & 0xffffffffu;
        cpu->next_rip = cpu->msr.sysenter_eip & 0xffffffffu;
    }
    return ST_OK;
}

/* SDM Vol.2 SYSEXIT: CPL 0 in protected mode with SYSENTER_CS set; REX.W
 * returns to 64-bit code at SYSENTER_CS + 32 (RCX and RDX must be
 * canonical), otherwise to 32-bit code at SYSENTER_CS + 16. */
SimStatus op_sysexit(Cpu *cpu, const DecodedInsn *d)
{
    uint16_t base = (uint16_t)cpu->msr.sysenter_cs;
    if ((base & 0xfffc) == 0 || !(cpu->cr0 & CR0_PE) || cpu->cpl != 0)
        return cpu_gp(cpu, 0);
    bool to64 = d->opsize == 8;
    uint64_t rsp = cpu->gpr[R_RCX], rip = cpu->gpr[R_RDX];
    if (to64) {
        if (!cpu_is_canonical(cpu, rsp) || !cpu_is_canonical(cpu, rip))
            return cpu_gp(cpu, 0);
    } else {
        rsp &= 0xffffffffu;
        rip &= 0xffffffffu;
    }
    uint16_t cs = (uint16_t)((base + (to64 ? 32 : 16)) | 3);
    load_flat(cpu, flat_code(cs, 3, to64), flat_stack((uint16_t)(cs + 8), 3));
    cpu->gpr[R_RSP] = rsp;
    cpu->next_rip = rip;
    return ST_OK;
}
