/*
 * vmx/nonroot_events.c: VM exits that happen between instructions in VMX
 * non-root operation, in their priority order, and the timing features
 * that cause them. SDM Vol.3 25.2 "Other Causes of VM Exits" (NMIs,
 * external interrupts, interrupt and NMI windows), 25.5.1 "VMX-Preemption
 * Timer", 25.5.2 "Monitor Trap Flag", 26.7 "Special Features of VM Entry"
 * (the same events right after VM entry: 26.7.4 timer, 26.7.5/26.7.6
 * windows, 26.7.7 "VM Exits Induced by the TPR Threshold"), the priorities
 * of SDM 6.9 as extended for VMX (SMI and INIT > MTF > debug traps >
 * preemption timer > NMI window > NMI > interrupt window > external
 * interrupts), and the state these features save on VM exit (SDM 27.3.4
 * "Saving Non-Register State": pending debug exceptions, VMX-preemption
 * timer value).
 */
#include "vmx/vmx.h"

#include "cpu/msr.h"
#include "vmx/internal.h"

/* The VMX-preemption timer counts down by 1 each time bit X of the TSC
 * changes, X = IA32_VMX_MISC[4:0] (SDM 25.5.1, Appendix A.6). */
static unsigned timer_shift(const VmxCpu *v)
{
    return (unsigned)(v->caps.misc & 0x1f);
}

/* Timer value left at TSC value tsc: the count of bit-X changes still to
 * come before the deadline. */
static uint64_t timer_remaining(const VmxCpu *v, uint64_t tsc)
{
    unsigned x = timer_shift(v);
    uint64_t end = v->preempt_deadline_tsc >> x, now = tsc >> x;
    return end > now ? end - now : 0;
}

void vmx_events_on_entry(Cpu *cpu, bool injected)
{
    VmxCpu *v = cpu->vmx;
    /* SDM 26.7.4: VM entry starts the timer with the value in the
     * VMX-preemption timer-value field; the n-th change of bit X after
     * entry brings it to 0. A value of 0 makes the VM exit happen before
     * the first guest instruction (after any event injection). */
    v->preempt_armed = v->pin & VMXM_PIN_PREEMPTION_TIMER;
    if (v->preempt_armed) {
        unsigned x = timer_shift(v);
        uint64_t value = vmcs_read(&v->vmcs, VF_VMX_PREEMPTION_TIMER_VALUE) & 0xffffffffu;
        v->preempt_deadline_tsc = ((msr_tsc(cpu) >> x) + value) << x;
    }
    /* SDM 25.5.2: an MTF VM exit is pending before the first instruction
     * when entry injects a vectored event with the "monitor trap flag"
     * control set (a pending MTF VM exit injected with type 7 was set by
     * the injection itself). */
    if (injected && (v->proc & VMXM_PROC_MONITOR_TRAP_FLAG))
        v->mtf_pending = true;
    v->pending_dbg = 0;
}

void vmx_events_on_exit(Cpu *cpu, Vmcs *vmcs, uint32_t exit_ctls)
{
    VmxCpu *v = cpu->vmx;
    /* SDM 27.3.4: the VMX-preemption timer value is saved only with
     * "save VMX-preemption timer value"; 0 after a timer exit. */
    if (v->preempt_armed && (exit_ctls & VMXM_EXIT_SAVE_PREEMPT_TIMER))
        vmcs_write(vmcs, VF_VMX_PREEMPTION_TIMER_VALUE, timer_remaining(v, msr_tsc(cpu)));
    vmcs_write(vmcs, VF_GUEST_PENDING_DBG_EXCEPTIONS, v->pending_dbg);
    v->preempt_armed = false;
    v->mtf_pending = false;
    v->iret_step = false;
    v->pending_dbg = 0;
    /* With virtual NMIs the guest's NMI-blocking bit was virtual-NMI
     * blocking (SDM 24.4.2 Table 24-3); the host gets its own back. */
    if (v->pin & VMXM_PIN_VIRTUAL_NMIS)
        cpu->nmi_blocked = v->host_nmi_blocked;
}

void vmx_after_step(Cpu *cpu)
{
    VmxCpu *v = cpu->vmx;
    if (v->proc & VMXM_PROC_MONITOR_TRAP_FLAG)
        v->mtf_pending = true;
    /* SDM 25.3 IRET: with "NMI exiting" and without virtual NMIs, IRET
     * does not affect blocking by NMI. */
    if (v->iret_step) {
        v->iret_step = false;
        if ((v->pin & VMXM_PIN_NMI_EXITING) && !(v->pin & VMXM_PIN_VIRTUAL_NMIS))
            cpu->nmi_blocked = v->iret_nmi_blocked;
    }
}

bool vmx_mtf_before_debug_trap(Cpu *cpu, uint64_t dr6_bits)
{
    VmxCpu *v = cpu->vmx;
    if (!(v->proc & VMXM_PROC_MONITOR_TRAP_FLAG))
        return false;
    v->pending_dbg |= dr6_bits;
    v->mtf_pending = true;
    return true;
}

static SimStatus simple_exit(Cpu *cpu, uint32_t reason)
{
    VmxExitInfo info = { .reason = reason };
    return vmx_vmexit(cpu, &info);
}

/* SDM 25.5.1: timer expiry, reason 52. The timer also runs while the
 * guest sleeps (HLT, shutdown): a sleeping vCPU's clock moves on towards
 * the expiry. SIMPLIFICATION: it moves in steps of SLEEP_TIMER_STEP
 * cycles, so other wake-up sources are seen between steps. */
static SimStatus timer_exit(Cpu *cpu, const VmxCpu *v)
{
    enum { SLEEP_TIMER_STEP = 4096 };
    uint64_t tsc = msr_tsc(cpu);
    if (cpu->activity != CPU_ACTIVE && timer_remaining(v, tsc) > 0) {
        uint64_t left = v->preempt_deadline_tsc - tsc;
        cpu->cycles += left < SLEEP_TIMER_STEP ? left : SLEEP_TIMER_STEP;
        tsc = msr_tsc(cpu);
    }
    return timer_remaining(v, tsc) == 0 ? simple_exit(cpu, EXIT_REASON_PREEMPTION_TIMER) : ST_OK;
}

/* Is an NMI pending that "NMI exiting" turns into a VM exit now? Without
 * virtual NMIs, blocking by NMI blocks it; with them, the NMI-blocking bit
 * is virtual-NMI blocking and does not hold off real NMIs (SDM 24.4.2
 * Table 24-3, 25.2). MOV-SS blocking holds it off in both cases. */
static bool nmi_exit_ready(const Cpu *cpu, const VmxCpu *v)
{
    if (!cpu->nmi_pending || !(v->pin & VMXM_PIN_NMI_EXITING) || cpu->movss_shadow)
        return false;
    return (v->pin & VMXM_PIN_VIRTUAL_NMIS) || !cpu->nmi_blocked;
}

static bool extint_exit_ready(Cpu *cpu, const VmxCpu *v)
{
    return (v->pin & VMXM_PIN_EXTINT_EXITING) && !cpu->sti_shadow && !cpu->movss_shadow &&
           cpu->bus && cpu->bus->intr_pending &&
           cpu->bus->intr_pending(cpu->bus_opaque, cpu, false) >= 0;
}

SimStatus vmx_pending_event_exits(Cpu *cpu)
{
    VmxCpu *v = cpu->vmx;
    /* Wait-for-SIPI blocks all of these (the timer counts but does not
     * exit, SDM 25.5.1); shutdown lets only the timer through here. */
    if (cpu->activity == CPU_WAIT_SIPI)
        return ST_OK;
    if (cpu->activity == CPU_SHUTDOWN)
        return v->preempt_armed ? timer_exit(cpu, v) : ST_OK;
    bool shadow = cpu->sti_shadow || cpu->movss_shadow;
    /* SDM 25.5.2: MTF VM exits come before debug traps and everything
     * below them; reason 37, qualification 0. */
    if (v->mtf_pending) {
        v->mtf_pending = false;
        return simple_exit(cpu, EXIT_REASON_MONITOR_TRAP_FLAG);
    }
    if (v->preempt_armed) {
        SimStatus st = timer_exit(cpu, v);
        if (st != ST_OK)
            return st;
    }
    /* SDM 25.2: NMI window: no virtual-NMI blocking and no blocking by
     * MOV SS; it comes before NMIs. */
    if ((v->proc & VMXM_PROC_NMI_WINDOW_EXITING) && !cpu->nmi_blocked && !cpu->movss_shadow)
        return simple_exit(cpu, EXIT_REASON_NMI_WINDOW);
    if (nmi_exit_ready(cpu, v))
        return vmx_nmi_exit(cpu);
    /* Interrupt window: RFLAGS.IF = 1 and no blocking by STI or MOV SS. */
    if ((v->proc & VMXM_PROC_INTR_WINDOW_EXITING) && (cpu->rflags & RFLAGS_IF) && !shadow)
        return simple_exit(cpu, EXIT_REASON_INTERRUPT_WINDOW);
    /* External-interrupt exiting: RFLAGS.IF does not block the exit, an
     * interrupt shadow does (SDM 24.6.1, 25.2). */
    if (extint_exit_ready(cpu, v))
        return vmx_external_interrupt_exit(cpu);
    return ST_OK;
}

bool vmx_halted_wakes(Cpu *cpu)
{
    const VmxCpu *v = cpu->vmx;
    if (cpu->activity == CPU_WAIT_SIPI)
        return false;
    if (cpu->activity == CPU_SHUTDOWN)
        return v->preempt_armed;
    if (v->mtf_pending || v->preempt_armed || nmi_exit_ready(cpu, v))
        return true;
    if ((v->proc & VMXM_PROC_NMI_WINDOW_EXITING) && !cpu->nmi_blocked && !cpu->movss_shadow)
        return true;
    if ((v->proc & VMXM_PROC_INTR_WINDOW_EXITING) && (cpu->rflags & RFLAGS_IF))
        return true;
    if (cpu->nmi_pending && !cpu->nmi_blocked)
        return true;
    if (!cpu->bus || !cpu->bus->intr_pending)
        return false;
    bool intr = cpu->bus->intr_pending(cpu->bus_opaque, cpu, false) >= 0;
    return intr && ((cpu->rflags & RFLAGS_IF) || (v->pin & VMXM_PIN_EXTINT_EXITING));
}
