/*
 * sim/machine.c: building the Machine (see sim/machine.h): RAM, the
 * decoded-instruction cache and its invalidation wiring, the vCPUs and the
 * CpuBus they call the platform through, the devices on the I/O bus, boot
 * and reset.
 *
 * Reset follows SDM Vol.3 10.1 "Initialization Overview": every vCPU gets
 * its power-on state (cpu_reset, 10.1.1 "Processor State After Reset"); the
 * bootstrap processor (vCPU 0) then runs the boot plan while the
 * application processors wait for a startup IPI (10.4 "Multiple-Processor
 * (MP) Initialization"). SIMPLIFICATION: vmxsim has no firmware; it places
 * the kernel where firmware and a boot loader would (sim/loader.h).
 */
#include "sim/machine.h"

#include "vmx/vmx.h"

#include <errno.h>
#include <string.h>

#include "cpu/icache.h"

G_DEFINE_QUARK(vmxsim-machine-error-quark, machine_error)
#define MACHINE_ERROR machine_error_quark()

/* ---- CpuBus ---- */

static SimStatus bus_io_in(void *opaque, Cpu *cpu, uint16_t port, unsigned size,
                           uint32_t *value)
{
    Machine *m = opaque;
    SimStatus st = ioport_in(&m->io, port, size, value);
    if (st == ST_STOP)
        cpu->stop_reason = m->exit.reason;
    return st;
}

static SimStatus bus_io_out(void *opaque, Cpu *cpu, uint16_t port,
                            unsigned size, uint32_t value)
{
    Machine *m = opaque;
    SimStatus st = ioport_out(&m->io, port, size, value);
    if (st == ST_STOP) {
        cpu->stop_reason = m->exit.reason;
        trace_emit(&m->tracer, TRACE_PORT_EXIT, cpu->index, cpu->cycles, value,
                   port);
    }
    return st;
}

static int bus_intr_pending(void *opaque, Cpu *cpu, bool acknowledge)
{
    Machine *m = opaque;
    /* External interrupts reach the bootstrap processor through the 8259
     * (virtual wire mode); there is no local APIC to route them yet. */
    if (!m->has_pic || cpu->index != 0)
        return -1;
    return pic_intr_pending(&m->pic, acknowledge);
}

/* No platform-owned MSRs yet (x2APIC and APIC-base moves come with the
 * local APIC): the CPU's own MSR table answers, or raises #GP. */
static bool bus_msr_read(void *opaque, Cpu *cpu, uint32_t index,
                         uint64_t *value)
{
    return false;
}

static bool bus_msr_write(void *opaque, Cpu *cpu, uint32_t index,
                          uint64_t value, SimStatus *st)
{
    return false;
}

/* ---- self-modifying code wiring (cpu/icache.h, mmu/tlb.h) ---- */

/* A page became code: no vCPU may keep a fast write path to it, so writes
 * reach physmem_write and code_written sees them. */
static void machine_code_marked(void *opaque, uint64_t gpa_page)
{
    Machine *m = opaque;
    for (unsigned i = 0; i < m->ncpus; i++)
        tlb_flush_write_gpa(&m->cpus[i].tlb, gpa_page);
}

static void machine_code_written(void *opaque, uint64_t gpa, unsigned len)
{
    Machine *m = opaque;
    icache_invalidate_page(m->icache, gpa);
    if (len && ((gpa ^ (gpa + len - 1)) & PAGE_MASK))
        icache_invalidate_page(m->icache, gpa + len - 1);
}

/* ---- construction ---- */

static bool add_ports(Machine *m, uint16_t base, uint32_t count,
                      const IoPortOps *ops, void *opaque, const char *name,
                      GError **err)
{
    const char *why = NULL;
    if (ioport_register(&m->io, base, count, ops, opaque, name, &why))
        return true;
    const char *other = ioport_owner_name(&m->io, base);
    for (uint32_t p = base; !other && p < (uint32_t)base + count && p < 0x10000; p++)
        other = ioport_owner_name(&m->io, (uint16_t)p);
    g_set_error(err, MACHINE_ERROR, 0, "%s at I/O port 0x%x (%u ports): %s%s%s",
                name, base, count, why, other ? ": " : "", other ? other : "");
    return false;
}

static bool machine_devices(Machine *m, const MachineConfig *mc, GError **err)
{
    ioport_init(&m->io);
    if (mc->has_uart && mc->serial != CONSOLE_NONE) {
        m->has_uart = true;
        uart16550_init(&m->uart, &m->console);
        if (!add_ports(m, mc->uart_iobase, UART_NPORTS, &uart16550_ops,
                       &m->uart, "com1 (uart16550)", err))
            return false;
    }
    if (mc->has_debugcon) {
        m->has_debugcon = true;
        m->debugcon.console = &m->console;
        if (!add_ports(m, mc->debugcon_iobase, 1, &debugcon_ops, &m->debugcon,
                       "debugcon", err))
            return false;
    }
    if (mc->has_pic) {
        m->has_pic = true;
        pic_reset(&m->pic);
        if (!add_ports(m, mc->pic_master, 2, &pic_ops, &m->pic.chip[0],
                       "pic (master 8259A)", err) ||
            !add_ports(m, mc->pic_slave, 2, &pic_ops, &m->pic.chip[1],
                       "pic (slave 8259A)", err))
            return false;
    }
    for (unsigned i = 0; i < mc->ndebugexit; i++) {
        DebugExit *d = &m->debugexit[m->ndebugexit++];
        debugexit_init(d, &m->exit, mc->debugexit[i].iobase,
                       mc->debugexit[i].iosize);
        if (!add_ports(m, d->iobase, d->iosize, &d->ops, d, "isa-debug-exit",
                       err))
            return false;
    }
    return true;
}

Machine *machine_new(const MachineConfig *mc, CpuModel *model, GError **err)
{
    Machine *m = g_new0(Machine, 1);
    m->model = *model;
    memset(model, 0, sizeof(*model));
    trace_init(&m->tracer);
    boot_plan_init(&m->plan);
    m->console_kind = mc->has_uart ? mc->serial : CONSOLE_STDIO;
    m->console_path = g_strdup(mc->serial_path);
    /* Without COM1 (-serial none) the debug console still prints to
     * stdout, so port E9H output is never silently lost. */
    if (m->console_kind == CONSOLE_NONE && mc->has_debugcon)
        m->console_kind = CONSOLE_STDIO;
    if (!mc->has_uart && !mc->has_debugcon)
        m->console_kind = CONSOLE_NONE;

    const char *why = NULL;
    if (!physmem_init(&m->pm, mc->ram_size, &why)) {
        g_set_error(err, MACHINE_ERROR, 0, "cannot provide %llu MiB of guest "
                    "RAM: %s", (unsigned long long)(mc->ram_size >> 20), why);
        g_free(m->console_path);
        cpu_model_clear(&m->model);
        boot_plan_clear(&m->plan);
        g_free(m);
        return NULL;
    }
    m->icache = icache_new(&m->pm);
    m->pm.code_marked = machine_code_marked;
    m->pm.code_written = machine_code_written;
    m->pm.code_opaque = m;

    m->bus = (CpuBus){ bus_io_in, bus_io_out, bus_intr_pending, bus_msr_read,
                       bus_msr_write };
    m->ncpus = mc->ncpus ? mc->ncpus : 1;
    m->cpus = g_new0(Cpu, m->ncpus);
    for (unsigned i = 0; i < m->ncpus; i++) {
        cpu_init(&m->cpus[i], i, &m->model, &m->pm, m->icache, &m->bus, m);
        m->cpus[i].machine = (struct Machine *)m;
        m->cpus[i].vmx = vmx_cpu_new(&m->cpus[i]);
    }
    if (!machine_devices(m, mc, err)) {
        machine_free(m);
        return NULL;
    }
    return m;
}

void machine_free(Machine *m)
{
    if (!m)
        return;
    console_close(&m->console);
    for (unsigned i = 0; m->cpus && i < m->ncpus; i++)
        vmx_cpu_free(m->cpus[i].vmx);
    g_free(m->cpus);
    if (m->icache)
        icache_free(m->icache);
    physmem_destroy(&m->pm);
    cpu_model_clear(&m->model);
    boot_plan_clear(&m->plan);
    trace_destroy(&m->tracer);
    g_free(m->console_path);
    g_free(m);
}

BootRam machine_boot_ram(const Machine *m)
{
    return (BootRam){ m->pm.ram_size, m->pm.ram_below_4g };
}

bool machine_open_console(Machine *m, GError **err)
{
    const char *why = NULL;
    if (console_open(&m->console, m->console_kind, m->console_path, &why))
        return true;
    g_set_error(err, MACHINE_ERROR, 0, "-serial file:%s: %s: %s",
                m->console_path, why, g_strerror(errno));
    return false;
}

static void machine_start(Machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        Cpu *cpu = &m->cpus[i];
        cpu_reset(cpu);
        cpu->apic_id = i;
        /* APs wait for INIT-SIPI (SMP start-up is a later issue). */
        if (i != 0)
            cpu->activity = CPU_WAIT_SIPI;
    }
    icache_flush(m->icache);
    loader_apply(&m->plan, &m->pm);
    loader_enter(&m->plan, &m->cpus[0]);
}

void machine_boot(Machine *m, BootPlan *plan)
{
    boot_plan_clear(&m->plan);
    m->plan = *plan;
    memset(plan, 0, sizeof(*plan));
    machine_start(m);
}

void machine_reset(Machine *m)
{
    m->resets++;
    trace_emit(&m->tracer, TRACE_RESET, 0, m->cpus[0].cycles, m->resets, 0);
    if (m->has_uart)
        uart16550_reset(&m->uart);
    if (m->has_pic)
        pic_reset(&m->pic);
    machine_start(m);
}

/* ---- reports ---- */

static const char *const seg_names[SEG_COUNT] = {
    "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR",
};
static const char *const gpr_names[16] = {
    "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
    "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};
static const char *const mode_names[] = {
    [MODE_REAL] = "real", [MODE_V86] = "virtual-8086",
    [MODE_PROT] = "protected", [MODE_COMPAT] = "compatibility",
    [MODE_LONG64] = "64-bit",
};

void machine_dump_cpu(FILE *out, const Cpu *cpu)
{
    fprintf(out, "  mode %s, CPL %u, RIP %016llx, RFLAGS %016llx\n",
            cpu->mode < G_N_ELEMENTS(mode_names) ? mode_names[cpu->mode] : "?",
            cpu->cpl, (unsigned long long)cpu->rip,
            (unsigned long long)cpu->rflags);
    for (int i = 0; i < 16; i++) {
        fprintf(out, "  %-3s %016llx", gpr_names[i],
                (unsigned long long)cpu->gpr[i]);
        if (i % 4 == 3)
            fputc('\n', out);
    }
    for (int s = 0; s < SEG_COUNT; s++)
        fprintf(out, "  %-4s %04x base %016llx limit %08x ar %05x\n",
                seg_names[s], cpu->seg[s].sel,
                (unsigned long long)cpu->seg[s].base, cpu->seg[s].limit,
                cpu->seg[s].ar);
    fprintf(out, "  GDTR %016llx/%04x  IDTR %016llx/%04x\n",
            (unsigned long long)cpu->gdtr.base, cpu->gdtr.limit,
            (unsigned long long)cpu->idtr.base, cpu->idtr.limit);
    fprintf(out, "  CR0 %016llx  CR2 %016llx  CR3 %016llx\n"
            "  CR4 %016llx  EFER %016llx\n",
            (unsigned long long)cpu->cr0, (unsigned long long)cpu->cr2,
            (unsigned long long)cpu->cr3, (unsigned long long)cpu->cr4,
            (unsigned long long)cpu->efer);
    fprintf(out, "  %llu instructions retired, %llu cycles\n",
            (unsigned long long)cpu->icount, (unsigned long long)cpu->cycles);
}

void machine_print_stats(const Machine *m, FILE *out)
{
    uint64_t insns = 0, cycles = 0;
    for (unsigned i = 0; i < m->ncpus; i++) {
        const Cpu *cpu = &m->cpus[i];
        fprintf(out, "vmxsim: stats: vCPU %u: %llu instructions retired, %llu "
                "simulated cycles\n", i, (unsigned long long)cpu->icount,
                (unsigned long long)cpu->cycles);
        insns += cpu->icount;
        cycles += cpu->cycles;
    }
    fprintf(out, "vmxsim: stats: total: %llu instructions retired, %llu "
            "simulated cycles\n", (unsigned long long)insns,
            (unsigned long long)cycles);
}
