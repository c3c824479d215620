/*
 * sim/run.c: the run loop (ARCHITECTURE "The path of one instruction",
 * step 1): deterministic round robin over the vCPUs in index order, each
 * running MACHINE_QUANTUM simulated cycles per turn (cpu_run), until one
 * of them stops the machine. No host clock is read: the same image and
 * configuration always give the same interleaving, counts and cycles.
 *
 * How a run ends:
 *  - ST_STOP after isa-debug-exit: the status the device computed.
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
 *    SIPI, and nothing can wake them: no interrupt source exists yet (the
 *    timer and device IRQs are later issues), so the run ends with a
 *    message rather than hanging (EXIT_IDLE). QEMU would wait forever.
 */
#include "sim/run.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

/* Can this vCPU make progress in its turn? */
static bool cpu_runnable(Machine *m, Cpu *cpu)
{
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
                "interrupt source exists yet (timers and device IRQs are not "
                "implemented); stopping\n");
    return EXIT_IDLE;
}

static int run_loop(Machine *m)
{
    for (;;) {
        bool ran = false;
        for (unsigned i = 0; i < m->ncpus; i++) {
            Cpu *cpu = &m->cpus[i];
            if (!cpu_runnable(m, cpu))
                continue;
            ran = true;
            /* An absolute limit one quantum ahead of this vCPU's clock. */
            SimStatus st = cpu_run(cpu, cpu->cycles + MACHINE_QUANTUM);
            int status;
            switch (st) {
            case ST_OK:
            case ST_BUDGET:
            case ST_VMEXIT:
                break;
            case ST_HALT:
                cpu->activity = CPU_HLT;
                break;
            case ST_STOP:
                return run_stop(m, cpu);
            case ST_SHUTDOWN:
                if (run_shutdown(m, cpu, &status))
                    return status;
                i = m->ncpus;              /* start a new round after reset */
                break;
            case ST_FAULT:
                /* cpu_run delivers every fault itself; one escaping is a
                 * bug in vmxsim, reported as such, not a crash. */
                report_where(cpu);
                fprintf(stderr, ": internal error: fault (vector %u) escaped "
                        "delivery\n", cpu->fault.vector);
                machine_dump_cpu(stderr, cpu);
                return EXIT_UNSUPPORTED;
            }
        }
        if (!ran)
            return run_idle(m);
    }
}

int machine_run(Machine *m)
{
    int status = run_loop(m);
    console_flush(&m->console);
    return status;
}
