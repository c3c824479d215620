/*
 * cpu/task.c: hardware task switching (SDM Vol.3 ch. 8 "Task Management"):
 * 8.2 "Task Management Data Structures" (the 32-bit and 16-bit TSS), 8.3
 * "Task Switching" (the steps, Table 8-1 "Exception Conditions Checked
 * During a Task Switch", Table 8-2 on busy, NT, previous-task link and
 * CR0.TS) and 8.4 "Task Linking". Legacy protected mode only: IA-32e mode
 * has no task switching (8.7).
 */
#include "cpu/task.h"

#include "vmx/vmx.h"

#include "cpu/fault.h"
#include "cpu/mem.h"

/* Field offsets of the dynamic state (SDM Vol.3 Figure 8-2 "32-Bit
 * Task-State Segment (TSS)" and Figure 8-11 "16-Bit TSS Format"). The
 * general registers are stored in encoding order (EAX, ECX, EDX, EBX,
 * ESP, EBP, ESI, EDI) and the segment selectors in SEG_* order (ES, CS,
 * SS, DS, FS, GS), one slot of `w` bytes each. */
typedef struct TssLayout {
    uint8_t eip, eflags, gpr, seg, ldt, cr3;
    uint8_t w;             /* slot width: 4 or 2 */
    uint8_t nseg;          /* 6 segment registers, 4 in a 16-bit TSS */
    uint8_t min_limit;     /* 67H or 2BH (Table 8-1) */
} TssLayout;

static const TssLayout tss32_layout = { 32, 36, 40, 72, 96, 28, 4, 6, 0x67 };
static const TssLayout tss16_layout = { 14, 16, 18, 34, 42, 0, 2, 4, 0x2b };

static const TssLayout *layout_of_type(unsigned type)
{
    return (type & 8) ? &tss32_layout : &tss16_layout;
}

static SimStatus tss_read(Cpu *cpu, uint64_t base, unsigned off, unsigned size,
                          uint64_t *v)
{
    *v = 0;
    return cpu_read_lin(cpu, (base + off) & 0xffffffffu, size, v,
                        ACC_READ | ACC_IMPLICIT_SUPERVISOR);
}

static SimStatus tss_write(Cpu *cpu, uint64_t base, unsigned off, unsigned size,
                           uint64_t v)
{
    return cpu_write_lin(cpu, (base + off) & 0xffffffffu, size, &v,
                         ACC_WRITE | ACC_IMPLICIT_SUPERVISOR);
}

/* The state read from the incoming TSS before anything changes. */
typedef struct TaskState {
    uint64_t eip, eflags, cr3, ldt;
    uint64_t gpr[8];
    uint64_t seg[6];
} TaskState;

static SimStatus read_task(Cpu *cpu, uint64_t base, const TssLayout *l, TaskState *t)
{
    SimStatus st = tss_read(cpu, base, l->eip, l->w, &t->eip);
    if (!st)
        st = tss_read(cpu, base, l->eflags, l->w, &t->eflags);
    for (unsigned i = 0; !st && i < 8; i++)
        st = tss_read(cpu, base, l->gpr + i * l->w, l->w, &t->gpr[i]);
    for (unsigned i = 0; i < 6; i++)
        t->seg[i] = 0;
    for (unsigned i = 0; !st && i < l->nseg; i++)
        st = tss_read(cpu, base, l->seg + i * l->w, 2, &t->seg[i]);
    if (!st)
        st = tss_read(cpu, base, l->ldt, 2, &t->ldt);
    t->cr3 = 0;
    if (!st && l->cr3)
        st = tss_read(cpu, base, l->cr3, 4, &t->cr3);
    return st;
}

/* Step 7 of SDM 8.3: the outgoing task's dynamic state. */
static SimStatus save_task(Cpu *cpu, const TssLayout *l, uint64_t eip, uint64_t eflags)
{
    uint64_t base = cpu->seg[SEG_TR].base;
    SimStatus st = tss_write(cpu, base, l->eip, l->w, eip);
    if (!st)
        st = tss_write(cpu, base, l->eflags, l->w, eflags);
    for (unsigned i = 0; !st && i < 8; i++)
        st = tss_write(cpu, base, l->gpr + i * l->w, l->w, cpu->gpr[i]);
    for (unsigned i = 0; !st && i < l->nseg; i++)
        st = tss_write(cpu, base, l->seg + i * l->w, 2, cpu->seg[i].sel);
    return st;
}

/* ---- loading the new task's segments (Table 8-1) --------------------- */

static SimStatus load_ldtr(Cpu *cpu, uint16_t sel, uint32_t ext)
{
    if (seg_sel_is_null(sel)) {
        cpu->seg[SEG_LDTR] = (SegReg){ .ar = AR_UNUSABLE, .sel = sel };
        return ST_OK;
    }
    uint32_t err = seg_sel_error(sel) | ext;
    if (sel & SEL_TI)
        return cpu_ts(cpu, err);
    SegDesc d;
    SimStatus st = seg_read_descriptor(cpu, sel, 8, EXC_TS, ext, &d);
    if (st)
        return st;
    if (seg_desc_s(&d) || seg_desc_type(&d) != DESC_LDT || !seg_desc_present(&d))
        return cpu_ts(cpu, err);
    cpu->seg[SEG_LDTR] = seg_desc_to_cache(&d, sel, false);
    return ST_OK;
}

static SimStatus load_cs(Cpu *cpu, uint16_t sel, uint32_t ext, SegDesc *d)
{
    if (seg_sel_is_null(sel))
        return cpu_ts(cpu, ext);
    SimStatus st = seg_read_descriptor(cpu, sel, 8, EXC_TS, ext, d);
    if (st)
        return st;
    uint32_t err = seg_sel_error(sel) | ext;
    unsigned rpl = sel & SEL_RPL_MASK, dpl = seg_desc_dpl(d);
    bool conforming = seg_desc_type(d) & AR_TYPE_DC;
    if (!seg_desc_is_code(d) || (conforming ? dpl > rpl : dpl != rpl))
        return cpu_ts(cpu, err);
    if (!seg_desc_present(d))
        return cpu_np(cpu, err);
    return seg_set_accessed(cpu, sel, d);
}

static SimStatus load_data(Cpu *cpu, unsigned s, uint16_t sel, unsigned cpl,
                           uint32_t ext)
{
    if (seg_sel_is_null(sel)) {
        seg_load_null(cpu, s, sel, 0);
        return ST_OK;
    }
    SegDesc d;
    SimStatus st = seg_read_descriptor(cpu, sel, 8, EXC_TS, ext, &d);
    if (st)
        return st;
    uint32_t err = seg_sel_error(sel) | ext;
    unsigned type = seg_desc_type(&d), dpl = seg_desc_dpl(&d);
    bool code = type & AR_TYPE_CODE;
    bool conforming = code && (type & AR_TYPE_DC);
    if (!seg_desc_s(&d) || (code && !(type & AR_TYPE_RW)) ||
        (!conforming && (dpl < cpl || dpl < (sel & SEL_RPL_MASK))))
        return cpu_ts(cpu, err);
    if (!seg_desc_present(&d))
        return cpu_np(cpu, err);
    st = seg_set_accessed(cpu, sel, &d);
    if (st)
        return st;
    cpu->seg[s] = seg_desc_to_cache(&d, sel, false);
    return ST_OK;
}

/* Steps 11-12 of SDM 8.3: LDTR, then CS and SS (which fix CPL), then the
 * data segments; errors here belong to the new task. */
static SimStatus load_segments(Cpu *cpu, const TaskState *t, uint32_t ext)
{
    /* Until its descriptor is loaded, each register holds its new
     * selector with an unusable cache. */
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        cpu->seg[s] = (SegReg){ .ar = AR_UNUSABLE | (cpu->seg[s].ar & AR_DPL_MASK),
                                .sel = (uint16_t)t->seg[s] };
    SimStatus st = load_ldtr(cpu, (uint16_t)t->ldt, ext);
    if (st)
        return st;
    if (cpu->rflags & RFLAGS_VM) {
        /* A TSS whose EFLAGS has VM set resumes a virtual-8086 task. */
        for (unsigned s = SEG_ES; s <= SEG_GS; s++)
            seg_load_v86(cpu, s, (uint16_t)t->seg[s]);
        cpu_update_mode(cpu);
        return ST_OK;
    }
    uint16_t cs = (uint16_t)t->seg[SEG_CS], ss = (uint16_t)t->seg[SEG_SS];
    unsigned cpl = cs & SEL_RPL_MASK;
    SegDesc csd, ssd;
    st = load_cs(cpu, cs, ext, &csd);
    if (!st)
        st = seg_check_stack(cpu, ss, cpl, EXC_TS, ext, &ssd);
    if (st)
        return st;
    seg_load_ss_desc(cpu, ss, &ssd, cpl);
    seg_load_cs(cpu, cs, &csd, cpl);
    static const unsigned data_segs[] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < ARRAY_SIZE(data_segs); i++) {
        st = load_data(cpu, data_segs[i], (uint16_t)t->seg[data_segs[i]], cpl, ext);
        if (st)
            return st;
    }
    return ST_OK;
}

SimStatus task_switch(Cpu *cpu, uint16_t sel, const SegDesc *tss, TaskSource src,
                      uint64_t eip, uint32_t ext, bool has_error, uint32_t error)
{
    /* In VMX non-root operation every task switch is a VM exit
     * (SDM Vol.3 25.1.2, 25.4.2 "Treatment of Task Switches"). */
    if (SIM_UNLIKELY(cpu->vmx_non_root)) {
        static const unsigned source[] = { [TASK_CALL] = 0, [TASK_IRET] = 1, [TASK_JMP] = 2, [TASK_INT] = 3 };
        return vmx_task_switch_exit(cpu, sel, source[src]);
    }
    /* Checks on the incoming TSS descriptor (Table 8-1; JMP, CALL, INT n
     * and IRET "Operation"): in the GDT, an available TSS (busy for
     * IRET), present, with a limit that holds the whole TSS. */
    uint32_t err = seg_sel_error(sel) | ext;
    uint8_t vec = src == TASK_IRET ? EXC_TS : EXC_GP;
    unsigned type = seg_desc_type(tss);
    bool is_tss = !seg_desc_s(tss) && (type == DESC_TSS16_AVAIL || type == DESC_TSS16_BUSY ||
                                       type == DESC_TSS32_AVAIL || type == DESC_TSS32_BUSY);
    bool busy = type & 2;
    if ((sel & SEL_TI) || !is_tss || busy != (src == TASK_IRET))
        return cpu_raise_err(cpu, vec, err);
    if (!seg_desc_present(tss))
        return cpu_np(cpu, err);
    const TssLayout *nl = layout_of_type(type);
    if (seg_desc_limit(tss) < nl->min_limit)
        return cpu_ts(cpu, err);

    TaskState t;
    uint64_t nbase = seg_desc_base(tss, false);
    SimStatus st = read_task(cpu, nbase, nl, &t);
    if (st)
        return st;

    /* Steps 5-9: busy flags, NT, the previous-task link, saving the
     * outgoing state (Table 8-2). */
    uint16_t old_sel = cpu->seg[SEG_TR].sel;
    const TssLayout *ol = layout_of_type(cpu->seg[SEG_TR].ar & AR_TYPE_MASK);
    uint64_t old_flags = cpu->rflags;
    if (src == TASK_IRET)
        old_flags &= ~RFLAGS_NT;
    st = save_task(cpu, ol, eip, old_flags);
    if (st)
        return st;
    if (src == TASK_JMP || src == TASK_IRET) {
        SegDesc od;
        st = seg_read_descriptor(cpu, old_sel, 8, EXC_TS, ext, &od);
        if (!st)
            st = seg_set_busy(cpu, old_sel, &od, false);
        if (st)
            return st;
    }
    if (src == TASK_CALL || src == TASK_INT) {
        t.eflags |= RFLAGS_NT;
        st = tss_write(cpu, nbase, 0, 2, old_sel);
        if (st)
            return st;
    }
    SegDesc nd = *tss;
    st = seg_set_busy(cpu, sel, &nd, true);
    if (st)
        return st;

    /* Step 10 on: the switch is committed; TR, CR0.TS, CR3, EFLAGS, EIP
     * and the general registers come from the new TSS. */
    cpu->seg[SEG_TR] = seg_desc_to_cache(&nd, sel, false);
    cpu->cr0 |= CR0_TS;
    uint64_t wmask = size_mask(nl->w);
    for (unsigned i = 0; i < 8; i++)
        cpu->gpr[i] = (cpu->gpr[i] & ~wmask & 0xffffffffull) | (t.gpr[i] & wmask);
    cpu->rflags = ((cpu->rflags & ~wmask) | (t.eflags & wmask) | RFLAGS_FIXED1) & 0x3f7fd7ull;
    cpu->rip = cpu->next_rip = t.eip & wmask;
    cpu->sti_shadow = cpu->movss_shadow = false;
    if (nl->cr3 && (cpu->cr0 & CR0_PG)) {
        cpu_set_cr3(cpu, t.cr3);
        if ((cpu->cr4 & CR4_PAE) && !(cpu->efer & EFER_LMA)) {
            st = cpu_load_pdptes(cpu);
            if (st)
                return st;
        }
    }
    st = load_segments(cpu, &t, ext);
    if (st)
        return st;
    /* SIMPLIFICATION: the TSS debug-trap flag (T, SDM Vol.3 8.2.1) does
     * not raise #DB after the switch. An exception's error code goes on
     * the new task's stack. */
    if (has_error) {
        uint64_t sp = cpu->gpr[R_RSP];
        uint64_t v = error;
        st = seg_push_frame(cpu, &cpu->seg[SEG_SS], cpu->stack_size, &sp, &v, 1,
                            nl->w, false, ext);
        if (st)
            return st;
        seg_set_sp(cpu, sp, cpu->stack_size);
    }
    return ST_OK;
}
