/*
 * cpu/deliver.c: exception and interrupt delivery (SDM Vol.3 ch. 6
 * "Interrupt and Exception Handling"): the real-address-mode IVT (SDM
 * Vol.3 21.1.4 "Interrupt and Exception Handling"), the protected-mode
 * IDT with interrupt and trap gates, privilege changes with a stack switch
 * from the 16- or 32-bit TSS and delivery out of virtual-8086 mode (6.12
 * "Exception and Interrupt Handling", 21.3.1.1 "Handling an Interrupt or
 * Exception Through a Protected-Mode Trap or Interrupt Gate"), task gates
 * (a task switch, cpu/task.c), the IA-32e-mode IDT with 16-byte gates, the IST and 16-byte stack alignment
 * (6.14 "Exception and Interrupt Handling in 64-bit Mode"), the double- and
 * triple-fault rules (6.15, "Interrupt 8—Double Fault Exception (#DF)") and
 * the choice of the next event between instructions (6.9 "Priority Among
 * Concurrent Exceptions and Interrupts", 6.7.1 "Handling Multiple NMIs",
 * 6.8.3 "Masking Exceptions and Interrupts When Switching Stacks").
 *
 * Nothing is committed until the whole frame has been written: a fault
 * while delivering leaves RIP, RSP, RFLAGS and the segment registers as
 * they were, and the fault becomes the next event to deliver, or a double
 * fault, or a shutdown.
 */
#include "cpu/deliver.h"

#include "vmx/vmx.h"

#include <glib.h>

#include "cpu/fault.h"
#include "cpu/mem.h"
#include "cpu/seg.h"
#include "cpu/task.h"

typedef struct Event {
    EventKind kind;
    uint8_t vector;
    bool has_error;
    uint32_t error;
} Event;

/* SDM Vol.3 6.15, Interrupt 8, Table 6-4 "Interrupt and Exception
 * Classes". Only exceptions the processor detects have a class other than
 * benign: INT n with a contributory vector number is a software interrupt.
 * #VE is in the page-fault class, #CP contributory. */
typedef enum ExcClass { CLASS_BENIGN, CLASS_CONTRIBUTORY, CLASS_PAGE_FAULT } ExcClass;

static ExcClass exc_class(EventKind kind, uint8_t vector)
{
    if (kind != EV_EXCEPTION)
        return CLASS_BENIGN;
    switch (vector) {
    case EXC_DE: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP: case EXC_CP:
        return CLASS_CONTRIBUTORY;
    case EXC_PF: case EXC_VE:
        return CLASS_PAGE_FAULT;
    default:
        return CLASS_BENIGN;
    }
}

/* Fault-class exceptions (SDM Vol.3 Table 6-1 "Protected-Mode Exceptions
 * and Interrupts", type "Fault"). #DB is a fault or a trap depending on its
 * condition, so it is not listed: RF stays as it was for it. */
static bool is_fault(EventKind kind, uint8_t vector)
{
    if (kind != EV_EXCEPTION)
        return false;
    switch (vector) {
    case EXC_DE: case EXC_BR: case EXC_UD: case EXC_NM: case EXC_TS:
    case EXC_NP: case EXC_SS: case EXC_GP: case EXC_PF: case EXC_MF:
    case EXC_AC: case EXC_XM: case EXC_VE: case EXC_CP:
        return true;
    default:
        return false;
    }
}

/* INT n, INT3 and INTO: the gate's DPL is checked against CPL and the
 * return address is the next instruction (SDM Vol.3 6.12.1.1 "Protection
 * of Exception- and Interrupt-Handler Procedures"). INT1 (ICEBP) returns
 * to the next instruction too but skips the DPL check. */
static bool is_software(EventKind kind)
{
    return kind == EV_SOFTWARE_INT || kind == EV_SOFTWARE_EXC;
}

static bool returns_to_next(EventKind kind)
{
    return is_software(kind) || kind == EV_PRIV_SOFTWARE_EXC;
}

/* The EXT bit of error codes raised while delivering (SDM Vol.3 6.13
 * "Error Code"): set unless the event is INT n, INT3 or INTO. */
static uint32_t ext_bit(EventKind kind)
{
    return is_software(kind) ? 0 : 1;
}

/* The RFLAGS image pushed on the stack: RF = 1 for faults (SDM Vol.3
 * 18.3.1.1 "Instruction-Breakpoint Exception Condition": every
 * fault-class exception other than an instruction breakpoint pushes RF
 * set, so IRET does not re-trigger a breakpoint at the restarted
 * instruction). */
static uint64_t pushed_rflags(const Cpu *cpu, const Event *ev)
{
    uint64_t f = cpu->rflags;
    if (is_fault(ev->kind, ev->vector))
        f |= RFLAGS_RF;
    return f;
}

static uint64_t return_rip(const Cpu *cpu, const Event *ev)
{
    return returns_to_next(ev->kind) ? cpu->next_rip : cpu->rip;
}

static void enter_handler(Cpu *cpu, uint64_t rip)
{
    cpu->rip = rip;
    cpu->next_rip = rip;
}

/* ---- real-address mode ---------------------------------------------- */

/* SDM Vol.3 21.1.4 and Vol.2 INT n "REAL-ADDRESS-MODE": the IVT holds 4-byte
 * CS:IP pointers; FLAGS, CS and IP are pushed; IF, TF and AC cleared. No
 * error code is pushed in real-address mode. */
static SimStatus deliver_real(Cpu *cpu, const Event *ev)
{
    uint32_t off = (uint32_t)ev->vector * 4;
    if (off + 3 > cpu->idtr.limit)
        return cpu_gp(cpu, 0);
    uint32_t ent = 0;
    SimStatus st = cpu_read_lin(cpu, (cpu->idtr.base + off) & 0xffffffffu, 4, &ent,
                                ACC_READ | ACC_IMPLICIT_SUPERVISOR);
    if (st)
        return st;
    uint64_t vals[3] = { pushed_rflags(cpu, ev), cpu->seg[SEG_CS].sel,
                         return_rip(cpu, ev) };
    uint64_t sp = cpu->gpr[R_RSP];
    st = seg_push_frame(cpu, &cpu->seg[SEG_SS], cpu->stack_size, &sp, vals, 3, 2,
                        false, 0);
    if (st)
        return st;
    seg_set_sp(cpu, sp, cpu->stack_size);
    cpu->rflags &= ~(RFLAGS_IF | RFLAGS_TF | RFLAGS_AC | RFLAGS_RF);
    seg_load_real(cpu, SEG_CS, (uint16_t)(ent >> 16));
    enter_handler(cpu, ent & 0xffff);
    return ST_OK;
}

/* ---- common gate checks --------------------------------------------- */

/* Read and check the IDT gate for ev (SDM Vol.2 INT n "Operation",
 * PROTECTED-MODE and IA-32e-MODE; Vol.3 6.10 "Interrupt Descriptor Table",
 * 6.14.1 "64-Bit Mode IDT"). */
static SimStatus read_gate(Cpu *cpu, const Event *ev, bool ia32e, SegDesc *gate)
{
    uint32_t ext = ext_bit(ev->kind);
    uint32_t idt_err = ((uint32_t)ev->vector << 3) | 2u | ext;
    unsigned size = ia32e ? 16 : 8;
    if ((uint32_t)ev->vector * size + size - 1 > cpu->idtr.limit)
        return cpu_gp(cpu, idt_err);
    uint64_t addr = cpu->idtr.base + (uint64_t)ev->vector * size;
    if (!ia32e)
        addr &= 0xffffffffu;
    uint64_t raw[2] = { 0, 0 };
    SimStatus st = cpu_read_lin(cpu, addr, size, raw, ACC_READ | ACC_IMPLICIT_SUPERVISOR);
    if (st)
        return st;
    gate->lo = raw[0];
    gate->hi = raw[1];

    unsigned type = seg_desc_type(gate);
    bool ok;
    if (ia32e)
        ok = type == DESC_INT32 || type == DESC_TRAP32;
    else
        ok = type == DESC_TASK || type == DESC_INT16 || type == DESC_TRAP16 ||
             type == DESC_INT32 || type == DESC_TRAP32;
    if (seg_desc_s(gate) || !ok)
        return cpu_gp(cpu, idt_err);
    /* Software interrupts may only use gates with DPL >= CPL. */
    if (is_software(ev->kind) && seg_desc_dpl(gate) < cpu->cpl)
        return cpu_gp(cpu, idt_err);
    if (!seg_desc_present(gate))
        return cpu_np(cpu, idt_err);
    return ST_OK;
}

/* The handler's code segment (SDM Vol.2 INT n "Operation"). */
static SimStatus read_handler_cs(Cpu *cpu, uint16_t sel, uint32_t ext, bool ia32e,
                                 SegDesc *code)
{
    if (seg_sel_is_null(sel))
        return cpu_gp(cpu, ext);
    SimStatus st = seg_read_descriptor(cpu, sel, 8, EXC_GP, ext, code);
    if (st)
        return st;
    uint32_t err = seg_sel_error(sel) | ext;
    if (!seg_desc_is_code(code) || seg_desc_dpl(code) > cpu->cpl)
        return cpu_gp(cpu, err);
    /* IA-32e mode handlers run in 64-bit mode: L = 1, D = 0 (SDM Vol.3
     * 6.14.1). */
    if (ia32e && (!((code->lo >> 53) & 1) || ((code->lo >> 54) & 1)))
        return cpu_gp(cpu, err);
    if (!seg_desc_present(code))
        return cpu_np(cpu, err);
    return ST_OK;
}

static void clear_flags_on_entry(Cpu *cpu, unsigned type)
{
    /* SDM Vol.3 6.12.1.3 "Flag Usage By Exception- or Interrupt-Handler
     * Procedure": TF, VM, RF and NT are cleared; an interrupt gate also
     * clears IF, a trap gate leaves it. */
    cpu->rflags &= ~(RFLAGS_TF | RFLAGS_VM | RFLAGS_RF | RFLAGS_NT);
    if (type == DESC_INT16 || type == DESC_INT32)
        cpu->rflags &= ~RFLAGS_IF;
}

/* ---- protected mode and virtual-8086 mode --------------------------- */

/* SDM Vol.2 INT n "TASK-GATE" and Vol.3 6.11 "IDT Descriptors": the gate
 * names a TSS in the GDT; the handler is a task switch with nesting, and
 * an error code goes on the new task's stack. */
static SimStatus deliver_task_gate(Cpu *cpu, const Event *ev, const SegDesc *gate)
{
    uint32_t ext = ext_bit(ev->kind);
    uint16_t sel = seg_gate_selector(gate);
    if (sel & SEL_TI)
        return cpu_gp(cpu, seg_sel_error(sel) | ext);
    SegDesc tss;
    SimStatus st = seg_read_descriptor(cpu, sel, 8, EXC_GP, ext, &tss);
    if (st)
        return st;
    return task_switch(cpu, sel, &tss, TASK_INT, return_rip(cpu, ev), ext,
                       ev->has_error, ev->error);
}

static SimStatus deliver_prot(Cpu *cpu, const Event *ev)
{
    uint32_t ext = ext_bit(ev->kind);
    SegDesc gate, code;
    SimStatus st = read_gate(cpu, ev, false, &gate);
    if (st)
        return st;
    unsigned type = seg_desc_type(&gate);
    if (type == DESC_TASK)
        return deliver_task_gate(cpu, ev, &gate);
    bool gate32 = type & 8;
    uint16_t sel = seg_gate_selector(&gate);
    uint64_t target = seg_gate_offset(&gate, false);
    if (!gate32)
        target &= 0xffff;
    st = read_handler_cs(cpu, sel, ext, false, &code);
    if (st)
        return st;
    uint32_t sel_err = seg_sel_error(sel) | ext;
    unsigned dpl = seg_desc_dpl(&code);
    bool conforming = seg_desc_type(&code) & AR_TYPE_DC;
    bool v86 = cpu->rflags & RFLAGS_VM;
    bool inner = !conforming && dpl < cpu->cpl;
    unsigned w = gate32 ? 4 : 2;

    /* From virtual-8086 mode only a nonconforming DPL-0 handler through a
     * 32-bit gate is allowed (SDM Vol.3 21.3.1.1; Vol.2 INT n
     * "INTERRUPT-FROM-VIRTUAL-8086-MODE"). */
    if (v86 && (!inner || dpl != 0 || !gate32))
        return cpu_gp(cpu, sel_err);
    /* The entry point must lie within the handler's code segment. */
    if (target > seg_desc_limit(&code))
        return cpu_gp(cpu, ext);

    uint64_t flags = pushed_rflags(cpu, ev);
    uint64_t rip = return_rip(cpu, ev);
    uint64_t vals[10];
    unsigned n = 0;

    if (inner) {
        /* SDM Vol.3 6.12.1 "Exception- or Interrupt-Handler Procedures":
         * switch to the stack for the handler's level from the TSS and push
         * the interrupted SS:ESP first. */
        uint16_t new_ss;
        uint64_t new_sp;
        st = seg_tss_stack(cpu, dpl, ext, &new_ss, &new_sp);
        if (st)
            return st;
        SegDesc ssd;
        st = seg_check_stack(cpu, new_ss, dpl, EXC_TS, ext, &ssd);
        if (st)
            return st;
        SegReg ss_cache = seg_desc_to_cache(&ssd, new_ss, false);
        unsigned ssize = (ss_cache.ar & AR_DB) ? 4 : 2;
        if (v86) {
            vals[n++] = cpu->seg[SEG_GS].sel;
            vals[n++] = cpu->seg[SEG_FS].sel;
            vals[n++] = cpu->seg[SEG_DS].sel;
            vals[n++] = cpu->seg[SEG_ES].sel;
        }
        vals[n++] = cpu->seg[SEG_SS].sel;
        vals[n++] = cpu->gpr[R_RSP];
        vals[n++] = flags;
        vals[n++] = cpu->seg[SEG_CS].sel;
        vals[n++] = rip;
        if (ev->has_error)
            vals[n++] = ev->error;
        st = seg_set_accessed(cpu, sel, &code);
        if (st)
            return st;
        st = seg_push_frame(cpu, &ss_cache, ssize, &new_sp, vals, n, w, true,
                            seg_sel_error(new_ss) | ext);
        if (st)
            return st;
        /* Commit. Leaving V86 mode nulls the data segments (they hold
         * real-mode style values meaningless to the handler). */
        if (v86)
            for (unsigned s = SEG_ES; s <= SEG_GS; s++)
                if (s != SEG_CS && s != SEG_SS)
                    seg_load_null(cpu, s, 0, 0);
        clear_flags_on_entry(cpu, type);
        seg_load_ss_desc(cpu, new_ss, &ssd, dpl);
        seg_set_sp(cpu, new_sp, ssize);
        seg_load_cs(cpu, sel, &code, dpl);
    } else {
        /* Same privilege level: the frame goes on the current stack. */
        vals[n++] = flags;
        vals[n++] = cpu->seg[SEG_CS].sel;
        vals[n++] = rip;
        if (ev->has_error)
            vals[n++] = ev->error;
        st = seg_set_accessed(cpu, sel, &code);
        if (st)
            return st;
        uint64_t sp = cpu->gpr[R_RSP];
        st = seg_push_frame(cpu, &cpu->seg[SEG_SS], cpu->stack_size, &sp, vals, n,
                            w, false, ext);
        if (st)
            return st;
        seg_set_sp(cpu, sp, cpu->stack_size);
        clear_flags_on_entry(cpu, type);
        seg_load_cs(cpu, sel, &code, cpu->cpl);
    }
    enter_handler(cpu, target);
    return ST_OK;
}

/* ---- IA-32e mode ---------------------------------------------------- */

static SimStatus deliver_ia32e(Cpu *cpu, const Event *ev)
{
    uint32_t ext = ext_bit(ev->kind);
    SegDesc gate, code;
    SimStatus st = read_gate(cpu, ev, true, &gate);
    if (st)
        return st;
    unsigned type = seg_desc_type(&gate);
    uint16_t sel = seg_gate_selector(&gate);
    uint64_t target = seg_gate_offset(&gate, true);
    st = read_handler_cs(cpu, sel, ext, true, &code);
    if (st)
        return st;
    if (!cpu_is_canonical(cpu, target))
        return cpu_gp(cpu, ext);
    unsigned dpl = seg_desc_dpl(&code);
    bool conforming = seg_desc_type(&code) & AR_TYPE_DC;
    bool inner = !conforming && dpl < cpu->cpl;
    unsigned new_cpl = inner ? dpl : cpu->cpl;
    unsigned ist = seg_gate_ist(&gate);

    /* SDM Vol.3 6.14.4 "Stack Switching in IA-32e Mode" and 6.14.5
     * "Interrupt Stack Table": a nonzero IST index always switches to
     * that stack; otherwise a privilege change takes RSPn from the 64-bit
     * TSS (RSPn at 4 + 8n, ISTn at 24H + 8(n-1)). */
    uint64_t new_sp = cpu->gpr[R_RSP];
    if (inner || ist) {
        st = seg_tss64_stack(cpu, ist ? 0x24 + 8 * (ist - 1) : 4 + 8 * dpl, ext,
                             &new_sp);
        if (st)
            return st;
    }
    /* SDM Vol.3 6.14.2 "64-Bit Mode Stack Frame": RSP is aligned to 16
     * bytes before the frame is pushed, and SS:RSP is always pushed. */
    new_sp &= ~0xfull;
    uint64_t vals[6];
    unsigned n = 0;
    vals[n++] = cpu->seg[SEG_SS].sel;
    vals[n++] = cpu->gpr[R_RSP];
    vals[n++] = pushed_rflags(cpu, ev);
    vals[n++] = cpu->seg[SEG_CS].sel;
    vals[n++] = return_rip(cpu, ev);
    if (ev->has_error)
        vals[n++] = ev->error;
    st = seg_set_accessed(cpu, sel, &code);
    if (st)
        return st;
    SegReg flat = { 0 };
    st = seg_push_frame(cpu, &flat, 8, &new_sp, vals, n, 8, inner, ext);
    if (st)
        return st;
    /* Commit. A privilege change loads SS with a null selector whose RPL
     * is the new CPL (SDM Vol.3 6.14.4). */
    if (inner)
        seg_load_null(cpu, SEG_SS, (uint16_t)new_cpl, new_cpl);
    cpu->gpr[R_RSP] = new_sp;
    clear_flags_on_entry(cpu, type);
    seg_load_cs(cpu, sel, &code, new_cpl);
    enter_handler(cpu, target);
    return ST_OK;
}

static SimStatus deliver_one(Cpu *cpu, const Event *ev)
{
    if (!(cpu->cr0 & CR0_PE))
        return deliver_real(cpu, ev);
    if (cpu->efer & EFER_LMA)
        return deliver_ia32e(cpu, ev);
    return deliver_prot(cpu, ev);
}

/* ---- double and triple faults --------------------------------------- */

#define TRIPLE(v, name) [v] = "triple fault: " name " while delivering #DF",
static const char *const triple_reason[32] = {
    TRIPLE(EXC_DE, "#DE") TRIPLE(EXC_TS, "#TS") TRIPLE(EXC_NP, "#NP")
    TRIPLE(EXC_SS, "#SS") TRIPLE(EXC_GP, "#GP") TRIPLE(EXC_PF, "#PF")
    TRIPLE(EXC_VE, "#VE") TRIPLE(EXC_CP, "#CP")
};
#undef TRIPLE

static SimStatus shutdown(Cpu *cpu, uint8_t second)
{
    /* In VMX non-root operation a triple fault is a VM exit (SDM 25.2). */
    if (cpu->vmx_non_root) {
        cpu->delivering = -1;
        return vmx_triple_fault_exit(cpu);
    }
    cpu->activity = CPU_SHUTDOWN;
    cpu->delivering = -1;
    const char *why = second < ARRAY_SIZE(triple_reason) ? triple_reason[second] : NULL;
    cpu->stop_reason = why ? why : "triple fault: exception while delivering #DF";
    return ST_SHUTDOWN;
}

/* Deliver ev; a fault while delivering becomes the next event, combined
 * with ev per SDM Vol.3 6.15 Table 6-5 "Conditions for Generating a Double
 * Fault": contributory then contributory, or page fault then contributory
 * or page fault, gives #DF; a fault while delivering #DF shuts down;
 * anything else is handled serially (the second exception is delivered;
 * the first is lost, as it will recur when the handler returns). */
static SimStatus deliver_loop(Cpu *cpu, Event ev)
{
    /* Each round turns a benign event into a contributory or page-fault
     * one, those into #DF, and #DF into shutdown. */
    for (unsigned round = 0; round < 8; round++) {
        /* In VMX non-root operation an exception that exits while an
         * earlier event is being delivered records that earlier event as
         * IDT-vectoring information (SDM Vol.3 27.2.3): cpu->delivering
         * names the event whose delivery is under way (-1 in round 0),
         * so it is updated only after the exit check. */
        if (SIM_UNLIKELY(cpu->vmx_non_root)) {
            /* Exceptions consult the exception bitmap before delivery
             * (SDM 25.2); a #PF that exits leaves CR2 alone (27.1). */
            unsigned type = ev.kind == EV_EXCEPTION ? 3 : ev.kind == EV_SOFTWARE_EXC ? 6
                          : ev.kind == EV_PRIV_SOFTWARE_EXC ? 5 : 0;
            if (type) {
                SimStatus x = vmx_exception_exit(cpu, ev.vector, ev.has_error, ev.error, type);
                if (x != ST_OK) {
                    cpu->delivering = -1;
                    return x;
                }
            }
            if (round == 0 && ev.kind == EV_EXCEPTION && ev.vector == EXC_PF)
                cpu->cr2 = cpu->fault.cr2;
        }
        cpu->delivering = ev.vector;
        cpu->delivering_kind = (uint8_t)ev.kind;
        cpu->delivering_has_error = ev.has_error;
        cpu->delivering_error = ev.error;
        SimStatus st = deliver_one(cpu, &ev);
        if (st != ST_FAULT) {
            cpu->delivering = -1;
            if (st == ST_OK) {
                cpu->cycles += cpu->costs.event;   /* timing model */
                cpu->activity = CPU_ACTIVE;
                cpu->sti_shadow = false;
                cpu->movss_shadow = false;
                if (ev.kind == EV_NMI)
                    cpu->nmi_blocked = true;
            }
            return st;
        }
        const CpuFault *f = &cpu->fault;
        /* An EPT-induced exit while delivering an event (SDM 28.2.3).
         * SIMPLIFICATION: the IDT-vectoring information of the event being
         * delivered is not recorded yet. */
        if (f->vector == CPU_FAULT_EPT) {
            cpu->delivering = -1;
            return vmx_ept_exit(cpu);
        }
        if (ev.kind == EV_EXCEPTION && ev.vector == EXC_DF)
            return shutdown(cpu, f->vector);
        ExcClass first = exc_class(ev.kind, ev.vector);
        ExcClass second = exc_class(EV_EXCEPTION, f->vector);
        /* A page fault detected while delivering loads CR2 even when it
         * turns into #DF, so the #DF handler sees the failing address (the
         * SDM ties the CR2 load to the #PF being generated, Interrupt 14). */
        if (f->vector == EXC_PF)
            cpu->cr2 = f->cr2;
        if ((first == CLASS_CONTRIBUTORY && second == CLASS_CONTRIBUTORY) ||
            (first == CLASS_PAGE_FAULT && second != CLASS_BENIGN)) {
            /* #DF pushes an error code of 0 (SDM Vol.3 6.15, Interrupt 8). */
            ev = (Event){ EV_EXCEPTION, EXC_DF, true, 0 };
        } else {
            ev = (Event){ EV_EXCEPTION, f->vector, f->has_error, f->error };
        }
    }
    g_assert_not_reached();
}

SimStatus cpu_deliver_fault(Cpu *cpu)
{
    const CpuFault *f = &cpu->fault;
    /* An EPT violation or misconfiguration is a VM exit (SDM 28.2.3). */
    if (f->vector == CPU_FAULT_EPT)
        return vmx_ept_exit(cpu);
    /* SDM Vol.3 4.7 "Page-Fault Exceptions": CR2 receives the linear
     * address that caused the fault. */
    if (f->vector == EXC_PF && !cpu->vmx_non_root)
        cpu->cr2 = f->cr2;
    return deliver_loop(cpu, (Event){ EV_EXCEPTION, f->vector, f->has_error, f->error });
}

SimStatus cpu_deliver_event(Cpu *cpu, EventKind kind, uint8_t vector,
                            bool has_error, uint32_t error)
{
    return deliver_loop(cpu, (Event){ kind, vector, has_error, error });
}

SimStatus cpu_check_interrupts(Cpu *cpu)
{
    if (cpu->activity == CPU_SHUTDOWN || cpu->activity == CPU_WAIT_SIPI)
        return ST_OK;
    /* SDM Vol.3 6.8.3: after MOV SS/POP SS, and after STI that set IF,
     * interrupts wait one instruction; Intel parts hold NMIs off in both
     * shadows too (permitted by 6.8.3). */
    bool shadow = cpu->sti_shadow || cpu->movss_shadow;
    if (shadow)
        return ST_OK;
    /* SDM Vol.3 6.9: NMI ranks above maskable interrupts. An NMI is
     * blocked from its delivery until the next IRET (6.7.1). */
    if (cpu->nmi_pending && !cpu->nmi_blocked) {
        cpu->nmi_pending = false;
        return deliver_loop(cpu, (Event){ EV_NMI, EXC_NMI, false, 0 });
    }
    if (!(cpu->rflags & RFLAGS_IF) || !cpu->bus || !cpu->bus->intr_pending)
        return ST_OK;
    int v = cpu->bus->intr_pending(cpu->bus_opaque, cpu, true);
    if (v < 0)
        return ST_OK;
    /* Delivery also wakes a halted processor (SDM Vol.2 HLT). */
    return deliver_loop(cpu, (Event){ EV_EXTERNAL, (uint8_t)v, false, 0 });
}
