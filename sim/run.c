/*
 * sim/run.c: the run loop (ARCHITECTURE "The path of one instruction",
 * step 1): deterministic round robin over the vCPUs in index order, each
 * running MACHINE_QUANTUM simulated cycles per turn (cpu_run), until one
 * of them stops the machine. No host clock is read: the same image and
 * configuration always give the same interleaving, counts and cycles.
 *
 * How a run ends:
 *  - ST_STOP after isa-debug-exit: the status the device computed.
 *  - ST_STOP after a reset request (port CF9H, the i8042 reset line): the
 *    machine resets as after a triple fault, or stops under -no-reboot.
 *  - ST_STOP otherwise: the guest did something vmxsim does not implement;
 *    "unsupported: <what>" and the register state, EXIT_UNSUPPORTED.
 *  - ST_SHUTDOWN (triple fault, SDM Vol.3 6.15 "Exception and Interrupt
 *    Reference", Interrupt 8 "If another exception occurs while attempting
 *    to call the double-fault handler, the processor enters shutdown
 *    mode"): reported with the register state. With -no-reboot the run
 *    ends (EXIT_TRIPLE_FAULT); without it the machine resets and boots
 *    again, as QEMU does, at most MACHINE_MAX_RESETS times.
 *  - No vCPU can run: all are halted (HLT, SDM Vol.3 "HLT"; resumed only
 *    by an interrupt, NMI, SMI, INIT or reset), in shutdown, or waiting for
 *    SIPI. Simulated time then jumps to the next local APIC timer expiry
 *    that can wake one (sim/devices/lapic.h); when there is none nothing
 *    can wake them, so the run ends with a message rather than hanging
 *    (EXIT_IDLE). QEMU would wait forever.
 */
#include "sim/run.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "vmx/vmx.h"

/* Can this vCPU make progress in its turn? */
static bool cpu_runnable(Machine *m, Cpu *cpu)
{
    /* A sleeping VMX guest (HLT, shutdown, wait-for-SIPI) is also woken
     * by the VM exits that end its state (MTF, the VMX-preemption timer,
     * window and interrupt exiting). */
    if (cpu->vmx_non_root && cpu->activity != CPU_ACTIVE)
        return vmx_halted_wakes(cpu);
    switch (cpu->activity) {
    case CPU_ACTIVE:
        return true;
    case CPU_HLT:
        /* An NMI or an unmasked external interrupt ends HLT. */
        if (cpu->nmi_pending)
            return true;
        return (cpu->rflags & RFLAGS_IF) &&
               m->bus.intr_pending(m, cpu, false) >= 0;
    default:
        return false;                      /* CPU_SHUTDOWN, CPU_WAIT_SIPI */
    }
}

static void report_where(const Cpu *cpu)
{
    fprintf(stderr, "vmxsim: vCPU %u at %04x:%016" PRIx64, cpu->index,
            cpu->seg[SEG_CS].sel, cpu->rip);
}

static int run_stop(Machine *m, Cpu *cpu)
{
    trace_emit(&m->tracer, TRACE_STOP, cpu->index, cpu->cycles, ST_STOP, 0);
    console_flush(&m->console);
    if (m->exit.requested)
        return m->exit.status;
    report_where(cpu);
    fprintf(stderr, ": unsupported: %s\n",
            cpu->stop_reason ? cpu->stop_reason : "(no reason given)");
    machine_dump_cpu(stderr, cpu);
    return EXIT_UNSUPPORTED;
}

/* True when the run must end (*status set); false after a reset. */
static bool run_shutdown(Machine *m, Cpu *cpu, int *status)
{
    trace_emit(&m->tracer, TRACE_SHUTDOWN, cpu->index, cpu->cycles, m->resets, 0);
    console_flush(&m->console);
    /* The CPU's reason may already begin with "triple fault: ". */
    const char *why = cpu->stop_reason ? cpu->stop_reason : "shutdown";
    if (g_str_has_prefix(why, "triple fault: "))
        why += strlen("triple fault: ");
    fprintf(stderr, "vmxsim: vCPU %u: triple fault: %s\n", cpu->index, why);
    machine_dump_cpu(stderr, cpu);
    if (m->no_reboot) {
        fprintf(stderr, "vmxsim: stopping (-no-reboot)\n");
        *status = EXIT_TRIPLE_FAULT;
        return true;
    }
    if (m->resets >= MACHINE_MAX_RESETS) {
        fprintf(stderr, "vmxsim: stopping after %u resets (a kernel that "
                "triple-faults on every boot would loop forever)\n",
                m->resets);
        *status = EXIT_TRIPLE_FAULT;
        return true;
    }
    fprintf(stderr, "vmxsim: resetting the machine (reset %u of at most %u; "
            "-no-reboot stops instead)\n", m->resets + 1, MACHINE_MAX_RESETS);
    machine_reset(m);
    return false;
}

/* A reset source (CF9H, the i8042 reset line; sim/chipset.h) asked for a
 * platform reset: performed as after a triple fault, or the run stops
 * under -no-reboot (QEMU's -no-reboot turns a reset into an exit too). */
static bool run_reset(Machine *m, Cpu *cpu, int *status)
{
    const char *why = m->chip.reset_source;
    m->chip.reset_requested = false;
    console_flush(&m->console);
    if (m->no_reboot) {
        fprintf(stderr, "vmxsim: vCPU %u: reset requested through the %s; "
                "stopping (-no-reboot)\n", cpu->index, why);
        *status = EXIT_TRIPLE_FAULT;
        return true;
    }
    if (m->resets >= MACHINE_MAX_RESETS) {
        fprintf(stderr, "vmxsim: vCPU %u: reset requested through the %s; "
                "stopping after %u resets\n", cpu->index, why, m->resets);
        *status = EXIT_TRIPLE_FAULT;
        return true;
    }
    fprintf(stderr, "vmxsim: vCPU %u: reset requested through the %s (reset "
            "%u of at most %u)\n", cpu->index, why, m->resets + 1,
            MACHINE_MAX_RESETS);
    machine_reset(m);
    return false;
}

static int run_idle(Machine *m)
{
    bool cli_hlt = false;
    for (unsigned i = 0; i < m->ncpus; i++) {
        const Cpu *cpu = &m->cpus[i];
        if (cpu->activity == CPU_HLT && !(cpu->rflags & RFLAGS_IF))
            cli_hlt = true;
    }
    trace_emit(&m->tracer, TRACE_HALT_IDLE, 0, m->cpus[0].cycles, cli_hlt, 0);
    console_flush(&m->console);
    report_where(&m->cpus[0]);
    if (cli_hlt)
        fprintf(stderr, ": every vCPU is halted with interrupts disabled "
                "(HLT with RFLAGS.IF = 0): nothing can wake them; stopping\n");
    else
        fprintf(stderr, ": every vCPU is halted or waiting for SIPI and no "
                "interrupt source exists yet to wake one (no unmasked local APIC "
                "timer is armed); stopping\n");
    return EXIT_IDLE;
}

/* The local APIC timer of a sleeping vCPU that can end its sleep: the
 * earliest such expiry over all vCPUs, UINT64_MAX if none. */
static uint64_t run_next_wake(Machine *m)
{
    uint64_t wake = UINT64_MAX;
    for (unsigned i = 0; i < m->ncpus; i++) {
        const Cpu *cpu = &m->cpus[i];
        const Lapic *l = &m->lapics.apic[i];
        if (cpu->activity != CPU_HLT || !(cpu->rflags & RFLAGS_IF) ||
            !lapic_timer_can_wake(l))
            continue;
        uint64_t ev = lapic_next_event(l);
        if (ev < wake)
            wake = ev;
    }
    return wake;
}

/* The next chipset interrupt (PIT, RTC) that can reach a CPU, when some
 * vCPU sleeps in HLT with interrupts enabled; UINT64_MAX otherwise. */
static uint64_t run_next_device_wake(Machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        const Cpu *cpu = &m->cpus[i];
        if (cpu->activity == CPU_HLT && (cpu->rflags & RFLAGS_IF))
            return chipset_next_event(&m->chip);
    }
    return UINT64_MAX;
}

/* One vCPU's turn: its clock advances to `target`. It runs instructions
 * while it can; while it sleeps (HLT, wait-for-SIPI, shutdown) simulated
 * time passes for it without instructions. The turn is cut at each local
 * APIC timer expiry so the interrupt is raised at exactly the programmed
 * cycle, and a halted vCPU it wakes runs the rest of the turn. Returns
 * ST_BUDGET when the clock reached target, else the status that ended it. */
static SimStatus run_turn(Machine *m, Cpu *cpu, uint64_t target)
{
    Lapic *l = &m->lapics.apic[cpu->index];
    m->lapics.current = cpu;
    while (cpu->cycles < target) {
        lapic_update(l);
        uint64_t ev = lapic_next_event(l);
        /* Also cut at the next chipset device event (PIT, RTC). */
        if (m->chip.next_event < ev)
            ev = m->chip.next_event;
        uint64_t limit = ev > cpu->cycles && ev < target ? ev : target;
        if (!cpu_runnable(m, cpu)) {
            cpu->cycles = limit;
            continue;
        }
        uint64_t before = cpu->cycles;
        SimStatus st = cpu_run(cpu, limit);
        /* Runnable but nothing happened (an event the CPU does not take
         * yet): let the time pass rather than spin. */
        if (st == ST_HALT && cpu->cycles == before)
            cpu->cycles = limit;
        if (m->lapics.stop_reason) {
            /* An xAPIC ICR write asked for what vmxsim lacks (SMI). */
            cpu->stop_reason = m->lapics.stop_reason;
            return ST_STOP;
        }
        switch (st) {
        case ST_OK:
        case ST_BUDGET:
        case ST_VMEXIT:
            break;
        case ST_HALT:
            cpu->activity = CPU_HLT;
            break;
        default:
            return st;
        }
    }
    return ST_BUDGET;
}

/* Rounds of MACHINE_QUANTUM simulated cycles: in each, every vCPU in
 * index order brings its clock to the round's end, so the vCPUs' clocks
 * (and TSCs) agree at every round boundary. When no vCPU can run, the
 * round stretches to the next timer expiry that wakes one; with none,
 * the run ends (run_idle). */
static int run_loop(Machine *m)
{
    uint64_t now = 0;
    for (unsigned i = 0; i < m->ncpus; i++)
        if (m->cpus[i].cycles > now)
            now = m->cpus[i].cycles;
    for (;;) {
        uint64_t target = now + MACHINE_QUANTUM;
        bool any = false;
        for (unsigned i = 0; i < m->ncpus && !any; i++)
            any = cpu_runnable(m, &m->cpus[i]);
        if (!any) {
            uint64_t wake = run_next_wake(m);
            uint64_t dev = run_next_device_wake(m);
            if (dev < wake)
                wake = dev;
            if (wake == UINT64_MAX)
                return run_idle(m);
            if (wake > target)
                target = wake;
        }
        for (unsigned i = 0; i < m->ncpus; i++) {
            Cpu *cpu = &m->cpus[i];
            SimStatus st = run_turn(m, cpu, target);
            int status;
            switch (st) {
            case ST_BUDGET:
                break;
            case ST_STOP:
                if (!m->chip.reset_requested)
                    return run_stop(m, cpu);
                if (run_reset(m, cpu, &status))
                    return status;
                i = m->ncpus;              /* start a new round after reset */
                break;
            case ST_SHUTDOWN:
                if (run_shutdown(m, cpu, &status))
                    return status;
                i = m->ncpus;              /* start a new round after reset */
                break;
            case ST_FAULT:
            default:
                /* cpu_run delivers every fault itself; one escaping is a
                 * bug in vmxsim, reported as such, not a crash. */
                report_where(cpu);
                fprintf(stderr, ": internal error: fault (vector %u) escaped "
                        "delivery\n", cpu->fault.vector);
                machine_dump_cpu(stderr, cpu);
                return EXIT_UNSUPPORTED;
            }
        }
        now = target;
    }
}

int machine_run(Machine *m)
{
    int status = run_loop(m);
    console_flush(&m->console);
    return status;
}
