/*
 * sim/machine.h: the Machine: guest RAM and the physical memory map, port
 * I/O, the vCPUs, the decoded-instruction cache, the devices and the boot
 * plan (STYLE 5: the one mutable object; each Cpu points back to it).
 *
 * Built from a MachineConfig (configs/machines/NAME.xml plus the command
 * line) and a CpuModel. Construction does nothing the user can see: the
 * serial output file is created by machine_open_console, which main calls
 * only after the kernel and every other input were checked.
 */
#ifndef SIM_MACHINE_H
#define SIM_MACHINE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "mmu/physmem.h"
#include "sim/config.h"
#include "sim/chipset.h"
#include "sim/console.h"
#include "sim/devices/debugcon.h"
#include "sim/devices/debugexit.h"
#include "sim/devices/fw_cfg.h"
#include "sim/devices/lapic.h"
#include "sim/devices/pic.h"
#include "sim/devices/uart16550.h"
#include "sim/ioport.h"
#include "sim/loader.h"
#include "traces/trace.h"

/* Process exit statuses. isa-debug-exit statuses (v << 1) | 1 are odd, so
 * vmxsim's own stop reasons use even numbers (besides 1 for bad input,
 * which the command-line convention fixes). */
enum {
    EXIT_BAD_INPUT = 1,        /* unreadable/invalid kernel, config, model */
    EXIT_USAGE = 2,            /* bad or refused command-line option */
    EXIT_UNSUPPORTED = 4,      /* the guest did something vmxsim lacks */
    EXIT_TRIPLE_FAULT = 6,     /* shutdown or a guest reset request with
                                  -no-reboot, or too many resets */
    EXIT_IDLE = 8,             /* every vCPU halted with nothing to wake it */
};

/* Without -no-reboot a triple fault resets the machine as QEMU does, but
 * at most this many times in one run, so a kernel that faults the same way
 * after every boot cannot loop forever. */
#define MACHINE_MAX_RESETS 3u

/* Round-robin quantum in simulated cycles (sim/run.c). */
#define MACHINE_QUANTUM 20000u

typedef struct Machine {
    PhysMap pm;
    Icache *icache;
    CpuModel model;            /* owned; fixed after construction */
    Cpu *cpus;
    unsigned ncpus;
    CpuBus bus;
    LapicSys lapics;           /* the local APIC of each vCPU */
    IoPortMap io;
    Console console;
    bool has_uart;
    Uart16550 uart;
    bool has_debugcon;
    DebugCon debugcon;
    bool has_pic;
    PicPair pic;
    Chipset chip;              /* I/O APIC, PIT, RTC, PCI, resets, PM timer */
    unsigned ndebugexit;
    DebugExit debugexit[MACHINE_MAX_DEBUGEXIT];
    FwCfg fw_cfg;              /* QEMU's fw_cfg (sim/firmware.c fills it) */
    bool has_fw_cfg;           /* the machine file has <fw_cfg/> */
    MachineExit exit;
    Tracer tracer;
    BootPlan plan;             /* what machine_boot loaded, for resets */
    bool no_reboot;
    unsigned resets;
    ConsoleKind console_kind;
    char *console_path;
} Machine;

/* Allocate RAM, create the vCPUs and devices. Takes ownership of *model
 * (it is moved into the machine and *model cleared). */
Machine *machine_new(const MachineConfig *mc, CpuModel *model, GError **err);
void machine_free(Machine *m);
/* The RAM layout loaders must fit. */
BootRam machine_boot_ram(const Machine *m);
/* Create the console output (the -serial file). */
bool machine_open_console(Machine *m, GError **err);
/* Load the plan (moved into the machine) and put vCPU 0 at its entry; the
 * other vCPUs wait for INIT-SIPI (CPU_WAIT_SIPI). */
void machine_boot(Machine *m, BootPlan *plan);
/* Platform reset: devices, every vCPU, then the same boot plan again (as
 * QEMU's firmware reloads -kernel). RAM outside the plan is kept. */
void machine_reset(Machine *m);

/* Register state for error reports. */
void machine_dump_cpu(FILE *out, const Cpu *cpu);
/* --stats: instructions retired and simulated cycles, per vCPU and total. */
void machine_print_stats(const Machine *m, FILE *out);

#endif
