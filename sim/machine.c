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
#include "sim/firmware.h"

G_DEFINE_QUARK(vmxsim-machine-error-quark, machine_error)
#define MACHINE_ERROR machine_error_quark()

/* ---- CpuBus ---- */

static SimStatus bus_io_in(void *opaque, Cpu *cpu, uint16_t port, unsigned size,
                           uint32_t *value)
{
    Machine *m = opaque;
    chipset_sync(&m->chip, cpu->cycles);
    SimStatus st = ioport_in(&m->io, port, size, value);
    chipset_reschedule(&m->chip);
    if (st == ST_STOP)
        cpu->stop_reason = m->exit.reason;
    return st;
}

static SimStatus bus_io_out(void *opaque, Cpu *cpu, uint16_t port,
                            unsigned size, uint32_t value)
{
    Machine *m = opaque;
    chipset_sync(&m->chip, cpu->cycles);
    SimStatus st = ioport_out(&m->io, port, size, value);
    chipset_reschedule(&m->chip);
    if (m->chip.reset_requested && st == ST_OK) {
        /* A reset source fired: stop this vCPU's turn; sim/run.c resets
         * the machine (or stops under -no-reboot). */
        cpu->stop_reason = m->chip.reset_source;
        return ST_STOP;
    }
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
    /* Timed chipset devices first: a PIT or RTC edge due by now. */
    chipset_sync(&m->chip, cpu->cycles);
    /* The local APIC decides: its highest fixed interrupt above PPR, or
     * an 8259 interrupt through LINT0 in ExtINT mode (sim/devices/lapic.c). */
    return lapic_intr_pending(&m->lapics.apic[cpu->index], acknowledge);
}

/* The I/O APIC's interrupt messages travel the APIC bus to the local
 * APICs (SDM Vol.3 10.6.1 message fields; 82093AA redirection entry). */
static bool machine_ioapic_deliver(void *opaque, uint8_t dest, uint8_t vector,
                                   uint8_t delivery_mode, uint8_t dest_mode,
                                   bool level)
{
    Machine *m = opaque;
    ApicMsg msg = { .dest = dest, .logical = dest_mode != 0, .x2apic = false,
                    .mode = delivery_mode, .vector = vector, .level = level,
                    .assert = true, .shorthand = 0, .source = -1 };
    return lapic_send(&m->lapics, &msg) == ST_OK;
}

/* A local APIC's EOI for a level-triggered vector reaches the I/O APIC
 * (SDM Vol.3 10.8.5 "Signaling Interrupt Servicing Completion"). */
static void machine_ioapic_eoi(void *opaque, uint8_t vector)
{
    Machine *m = opaque;
    ioapic_eoi(&m->chip.ioapic, vector);
}

/* The 8259 pair drives LINT0 of every local APIC (virtual-wire mode). */
static int machine_extint(void *opaque, bool acknowledge)
{
    Machine *m = opaque;
    return pic_intr_pending(&m->pic, acknowledge);
}

/* Platform-owned MSRs: IA32_APIC_BASE writes, IA32_TSC_DEADLINE and the
 * x2APIC registers (800H-8FFH) belong to the local APIC; anything else is
 * the CPU's own MSR table's. */
static bool bus_msr_read(void *opaque, Cpu *cpu, uint32_t index,
                         uint64_t *value)
{
    Machine *m = opaque;
    return lapic_msr_read(&m->lapics.apic[cpu->index], index, value);
}

static bool bus_msr_write(void *opaque, Cpu *cpu, uint32_t index,
                          uint64_t value, SimStatus *st)
{
    Machine *m = opaque;
    return lapic_msr_write(&m->lapics.apic[cpu->index], index, value, st);
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
    if (!chipset_init(&m->chip, mc, m->has_pic ? &m->pic : NULL, &m->io,
                      &m->pm, machine_ioapic_deliver, m, err))
        return false;
    /* fw_cfg, where the machine file has <fw_cfg/> (pc.xml does, as QEMU's
     * pc always has it; sim/firmware.h). */
    fw_cfg_init(&m->fw_cfg, &m->pm);
    m->has_fw_cfg = mc->has_fw_cfg;
    if (m->has_fw_cfg &&
        (!add_ports(m, PC_FW_CFG_PORT, FW_CFG_NPORTS, &fw_cfg_ops, &m->fw_cfg,
                    "fw_cfg", err) ||
         !add_ports(m, PC_FW_CFG_DMA_PORT, FW_CFG_DMA_NPORTS, &fw_cfg_dma_ops,
                    &m->fw_cfg, "fw_cfg DMA", err)))
        return false;
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
    if (!lapic_sys_init(&m->lapics, m->cpus, m->ncpus, &m->pm, &why)) {
        g_set_error(err, MACHINE_ERROR, 0, "local APIC: %s", why);
        machine_free(m);
        return NULL;
    }
    if (!machine_devices(m, mc, err)) {
        machine_free(m);
        return NULL;
    }
    if (m->has_pic) {
        m->lapics.extint = machine_extint;
        m->lapics.extint_opaque = m;
    }
    if (m->chip.has_ioapic) {
        m->lapics.eoi_broadcast = machine_ioapic_eoi;
        m->lapics.eoi_opaque = m;
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
    lapic_sys_free(&m->lapics);
    g_free(m->cpus);
    if (m->icache)
        icache_free(m->icache);
    physmem_destroy(&m->pm);
    cpu_model_clear(&m->model);
    boot_plan_clear(&m->plan);
    fw_cfg_clear(&m->fw_cfg);
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

/* What a PC's firmware leaves behind (sim/firmware.h): ACPI and MP
 * tables, BDA words, fw_cfg items; written before the kernel is loaded. */
static void machine_firmware(Machine *m)
{
    uint32_t ids[MACHINE_MAX_CPUS];
    for (unsigned i = 0; i < m->ncpus; i++)
        ids[i] = m->cpus[i].apic_id;
    const CpuidLeaf *l1 = cpu_model_leaf(&m->model, 1, 0);
    FirmwareInfo fi = {
        .ncpus = m->ncpus, .apic_ids = ids,
        .cpu_signature = l1 ? l1->reg[CPUID_EAX] : 0,
        .cpu_features = l1 ? l1->reg[CPUID_EDX] : 0,
        .has_pic = m->has_pic, .has_ioapic = m->chip.has_ioapic,
        .has_reset_reg = m->chip.has_pci, .has_rtc = m->chip.has_rtc,
        .pm_timer_port = m->chip.has_pmtimer ? m->chip.pmtimer_port : 0,
    };
    firmware_install(&m->pm, &fi);
    BootRam ram = machine_boot_ram(m);
    if (m->has_fw_cfg)
        firmware_fw_cfg(&m->fw_cfg, &fi, &ram, m->plan.append ? m->plan.append : "");
}

static void machine_start(Machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        Cpu *cpu = &m->cpus[i];
        cpu_reset(cpu);
        cpu->apic_id = i;
        /* APs wait for INIT-SIPI (SDM Vol.3 8.4.1 "BSP and AP
         * Processors"); the BSP's APIC is left as firmware leaves it. */
        if (i != 0)
            cpu->activity = CPU_WAIT_SIPI;
        lapic_reset(&m->lapics.apic[i]);
    }
    lapic_firmware_setup(&m->lapics.apic[0]);
    icache_flush(m->icache);
    machine_firmware(m);
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
    chipset_reset(&m->chip);
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
