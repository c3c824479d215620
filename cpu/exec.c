/*
 * cpu/exec.c: the run loop: fetch decoded blocks from the decoded-instruction
 * cache, run each instruction's handler, commit RIP, retire, and take the
 * actions the SDM places between instructions: SDM Vol.3 6.8.3 "Masking
 * Exceptions and Interrupts When Switching Stacks" (STI and MOV SS/POP SS
 * interrupt shadows), 6.9 "Priority Among Concurrent Exceptions and
 * Interrupts" (single-step trap before external interrupts), 18.3.1.4
 * "Single-Step Exception Condition" (RFLAGS.TF, DR6.BS) and the RFLAGS.RF
 * rule of Vol.1 3.4.3.3 / Vol.3 18.3.1.1 (cleared when an instruction
 * completes).
 *
 * Fast path: a block runs with no lookup between its instructions; each
 * instruction costs its handler call plus one combined test for anything
 * unusual (a taken branch, TF/RF, an interrupt shadow, HLT, a write into
 * decoded code). Anything unusual drops to cpu_step, which applies every
 * rule for one instruction. Pending interrupts are checked at block starts
 * (and by cpu_step). SIMPLIFICATION: an interrupt made deliverable inside a
 * block by an instruction that does not end it (POPF setting IF, a
 * memory-mapped APIC write) is taken at the end of the block, at most
 * ICACHE_BLOCK_INSNS - 1 instructions late; branches, system and I/O
 * instructions end blocks, and STI's shadow always ends one.
 */
#include "cpu/cpu.h"

#include <stddef.h>
#include <string.h>

#include "cpu/deliver.h"
#include "cpu/internal.h"
#include "vmx/vmx.h"

#define DR6_BS (1ull << 14)   /* SDM Vol.3 18.2.3 "Debug Status Register" */

/* The one place an instruction's cost is added to the vCPU clock: one
 * cycle plus the row's precomputed extra for its operand form (CpuCosts,
 * ARCHITECTURE "Timing model"). */
static inline void exec_retire(Cpu *cpu, const DecodedInsn *d)
{
    cpu->icount++;
    cpu->cycles += 1u + cpu->costs.insn[d->desc][d->mod];
}

static SimStatus exec_activity_status(const Cpu *cpu)
{
    return cpu->activity == CPU_SHUTDOWN ? ST_SHUTDOWN : ST_HALT;
}

/* Between instructions: pending NMI or external interrupt. Without
 * RFLAGS.IF and a pending NMI nothing can be delivered, so the call is
 * skipped. VMX non-root operation (issue 4) adds its own conditions here
 * and in cpu_run (external-interrupt exiting ignores RFLAGS.IF). */
static inline SimStatus exec_events(Cpu *cpu)
{
    if ((cpu->rflags & RFLAGS_IF) || cpu->nmi_pending)
        return cpu_check_interrupts(cpu);
    return ST_OK;
}

/* Anything that needs cpu_step's full treatment of the next instruction:
 * TF or RF set, an interrupt shadow, a vCPU not active, or VMX non-root
 * operation. activity,
 * sti_shadow and movss_shadow are adjacent bytes of Cpu, followed by
 * nmi_blocked: one 4-byte load, the fourth byte masked off (little-endian
 * host, checked below). */
_Static_assert(offsetof(Cpu, sti_shadow) == offsetof(Cpu, activity) + 1 &&
               offsetof(Cpu, movss_shadow) == offsetof(Cpu, activity) + 2 &&
               offsetof(Cpu, nmi_blocked) == offsetof(Cpu, activity) + 3,
               "exec_unusual reads activity, sti_shadow, movss_shadow together");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "x86 hosts only");

static inline bool exec_unusual(const Cpu *cpu)
{
    uint32_t state;
    memcpy(&state, &cpu->activity, 4);
    /* VMX non-root operation runs one instruction at a time through
     * cpu_step, which asks vmx/ before each (SDM 25.1). */
    return ((cpu->rflags & (RFLAGS_TF | RFLAGS_RF)) | (state & 0x00ffffffu) |
            cpu->vmx_non_root) != 0;
}

/* exec_unusual after an instruction of a block that returned ST_OK:
 * vmx_non_root cannot have changed, since entering VMX non-root operation
 * (VMLAUNCH, VMRESUME) returns ST_VMEXIT, which ends the block, and a
 * block never starts in non-root operation. */
static inline bool exec_unusual_in_block(const Cpu *cpu)
{
    uint32_t state;
    memcpy(&state, &cpu->activity, 4);
    return ((cpu->rflags & (RFLAGS_TF | RFLAGS_RF)) | (state & 0x00ffffffu)) != 0;
}

/* Deliver a pending fault; a VM exit it caused (VMX non-root operation)
 * has already switched state, so the run goes on. */
static SimStatus exec_fault(Cpu *cpu)
{
    SimStatus st = cpu_deliver_fault(cpu);
    return st == ST_VMEXIT ? ST_OK : st;
}

/* A handler returned something other than ST_OK. */
static SimStatus exec_status(Cpu *cpu, const DecodedInsn *d, SimStatus st)
{
    switch (st) {
    case ST_FAULT:
        return exec_fault(cpu);
    case ST_HALT:
        /* HLT (and MWAIT) complete: the return address of a waking
         * interrupt is the next instruction (SDM Vol.2A HLT). */
        cpu->rip = cpu->next_rip;
        exec_retire(cpu, d);
        /* HLT completed, so an STI or MOV-SS shadow that covered it has
         * ended (SDM 6.8.3): STI; HLT must wake on the next interrupt. */
        cpu->sti_shadow = false;
        cpu->movss_shadow = false;
        return ST_HALT;
    case ST_STOP:
        /* A device asked the machine to stop during port I/O: the
         * instruction still completes (cpu/cpu.h CpuBus). Any other stop
         * (cpu_unsupported) leaves RIP at the instruction. */
        if (insn_table[d->desc].flags & F_IO) {
            cpu->rip = cpu->next_rip;
            exec_retire(cpu, d);
        }
        return ST_STOP;
    case ST_VMEXIT:
        /* A VMX transition (VM exit, or a VM entry by VMLAUNCH/VMRESUME)
         * replaced RIP and the rest of the state: nothing to commit. */
        return ST_OK;
    default:
        return st;
    }
}

/* One instruction with every between-instruction rule applied. */
static SimStatus exec_one(Cpu *cpu, const DecodedInsn *d)
{
    bool shadow = cpu->sti_shadow || cpu->movss_shadow;
    bool tf = (cpu->rflags & RFLAGS_TF) != 0;
    uint64_t rf = cpu->rflags & RFLAGS_RF;

    /* RF is cleared when the instruction completes; clearing it first lets
     * an instruction that loads RF (IRET) keep the value it loads. */
    cpu->rflags &= ~RFLAGS_RF;
    cpu->next_rip = cpu->rip + d->len;
    SimStatus st;
    /* In VMX non-root operation the instruction may cause a VM exit
     * instead of executing (SDM 25.1.2, 25.1.3). */
    if (SIM_UNLIKELY(cpu->vmx_non_root)) {
        st = vmx_before_insn(cpu, d);
        if (st != ST_OK) {
            if (st == ST_FAULT)
                cpu->rflags |= rf;
            return exec_status(cpu, d, st);
        }
    }
    st = d->exec(cpu, d);
    if (st != ST_OK) {
        if (st != ST_FAULT)
            return exec_status(cpu, d, st);
        cpu->rflags |= rf;
        st = exec_status(cpu, d, st);
        /* The shadow covered this instruction boundary only; the fault's
         * handler starts without it. */
        if (shadow) {
            cpu->sti_shadow = false;
            cpu->movss_shadow = false;
        }
        return st;
    }
    cpu->rip = cpu->next_rip;
    exec_retire(cpu, d);
    /* A shadow present before this instruction ends after it (6.8.3). */
    if (shadow) {
        cpu->sti_shadow = false;
        cpu->movss_shadow = false;
    }
    /* Single-step: a trap after an instruction that began with TF set.
     * SIMPLIFICATION: an instruction that clears TF (POPF, or INT n whose
     * delivery clears it) is not followed by the trap; a MOV SS/POP SS
     * shadow defers the trap past the next instruction (6.8.3). */
    if (tf && (cpu->rflags & RFLAGS_TF) && !cpu->movss_shadow) {
        /* In VMX non-root operation a pending MTF VM exit comes first and
         * the trap becomes a pending debug exception (SDM Vol.3 25.5.2). */
        if (SIM_UNLIKELY(cpu->vmx_non_root) && vmx_mtf_before_debug_trap(cpu, DR6_BS))
            return ST_OK;
        cpu->dr[6] |= DR6_BS;
        return cpu_deliver_event(cpu, EV_EXCEPTION, EXC_DB, false, 0);
    }
    return ST_OK;
}

SimStatus cpu_step(Cpu *cpu)
{
    SimStatus st;
    bool non_root = cpu->vmx_non_root;
    if (SIM_UNLIKELY(non_root)) {
        /* MTF, preemption-timer and window exits, and external-interrupt
         * and NMI exiting come before the guest sees an event; they also
         * end the HLT state (SDM Vol.3 25.2, 25.5). */
        st = vmx_pending_event_exits(cpu);
        if (st == ST_VMEXIT)
            return ST_OK;
        if (st != ST_OK)
            return st;
    }
    if (cpu->activity != CPU_ACTIVE) {
        /* A halted vCPU wakes for a deliverable event. */
        if (cpu->activity == CPU_HLT) {
            st = exec_events(cpu);
            if (st != ST_OK)
                return st;
        }
        if (cpu->activity == CPU_ACTIVE)
            return ST_OK;
        /* A VMX guest in the shutdown or wait-for-SIPI state sleeps until
         * a VM exit ends it (SDM Vol.3 26.6.2): nothing to run now. */
        if (SIM_UNLIKELY(non_root) && cpu->activity != CPU_HLT)
            return ST_BUDGET;
        return exec_activity_status(cpu);
    }
    if (!cpu->sti_shadow && !cpu->movss_shadow) {
        uint64_t rip = cpu->rip, rsp = cpu->gpr[R_RSP];
        uint16_t cs = cpu->seg[SEG_CS].sel;
        st = exec_events(cpu);
        if (st != ST_OK)
            return st;
        if (rip != cpu->rip || rsp != cpu->gpr[R_RSP] || cs != cpu->seg[SEG_CS].sel) {
            /* An event was delivered: that was the step. */
            if (SIM_UNLIKELY(non_root) && cpu->vmx_non_root)
                vmx_after_step(cpu);
            return ST_OK;
        }
    }
    const DecodedInsn *d;
    st = icache_get(cpu, &d);
    if (st != ST_OK)
        st = st == ST_FAULT ? exec_fault(cpu) : st;
    else
        st = exec_one(cpu, d);
    /* An instruction (or a fault's delivery) that stayed in non-root
     * operation ends where a monitor trap flag VM exit is pending (SDM
     * Vol.3 25.5.2); HLT too, the exit then wakes the vCPU. */
    if (SIM_UNLIKELY(non_root) && cpu->vmx_non_root && (st == ST_OK || st == ST_HALT))
        vmx_after_step(cpu);
    return st;
}

SimStatus cpu_run(Cpu *cpu, uint64_t cycle_limit)
{
    Icache *ic = cpu->icache;
    IcPage page = { .valid = false };
    while (cpu->cycles < cycle_limit) {
        SimStatus st;
        if (SIM_UNLIKELY(exec_unusual(cpu))) {
            page.valid = false;
            st = cpu_step(cpu);
            if (st != ST_OK)
                return st;
            continue;
        }
        if ((cpu->rflags & RFLAGS_IF) || cpu->nmi_pending) {
            uint64_t rip = cpu->rip;
            st = cpu_check_interrupts(cpu);
            if (st != ST_OK)
                return st;
            if (cpu->rip != rip || exec_unusual(cpu))
                page.valid = false;   /* an event was delivered */
        }
        const IcBlock *b = icache_lookup_fast(cpu, ic, &page);
        if (SIM_UNLIKELY(!b)) {
            page.valid = false;
            st = icache_block(cpu, &b);
            if (SIM_UNLIKELY(st != ST_OK)) {
                if (st == ST_FAULT)
                    st = exec_fault(cpu);
                if (st != ST_OK)
                    return st;
                continue;
            }
        }
        uint64_t room = cycle_limit - cpu->cycles;
        const DecodedInsn *d = b->insn, *end = d + (b->n < room ? b->n : room);
        uint64_t rip = cpu->rip;
        ic->smc = false;
        for (; d < end; d++) {
            uint64_t fall = rip + d->len;
            cpu->next_rip = fall;
            st = d->exec(cpu, d);
            if (SIM_UNLIKELY(st != ST_OK)) {
                page.valid = false;
                st = exec_status(cpu, d, st);
                if (st != ST_OK)
                    return st;
                break;
            }
            rip = cpu->next_rip;
            cpu->rip = rip;
            exec_retire(cpu, d);
            if (SIM_UNLIKELY((rip != fall) | ic->smc | exec_unusual_in_block(cpu)))
                break;
        }
        /* A system instruction may have changed paging, CS or the mode. */
        if (b->sys_end)
            page.valid = false;
    }
    return ST_BUDGET;
}
