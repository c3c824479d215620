/*
 * sim/config.h: machine and CPU-model configuration files (XML, validated
 * against configs/machine.rng and configs/cpu.rng through libxml2's RelaxNG
 * validator) read once at start-up into plain C structs (STYLE 10: only
 * sim/config*.c sees libxml2 types).
 *
 * Errors name the file and line and say what was expected, e.g.
 * "configs/cpus/x.xml:12: element msr: attribute 'value' expected".
 */
#ifndef SIM_CONFIG_H
#define SIM_CONFIG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu_model.h"
#include "sim/console.h"

#define MACHINE_MAX_CPUS 64u
#define MACHINE_MAX_DEBUGEXIT 4u
#define MACHINE_MIN_RAM (2ull << 20)
#define MACHINE_MAX_RAM (8ull << 30)
/* Simulated core clock when the machine file has no <clock frequency>:
 * the 2.7 GHz of the Xeon Platinum 8168 the skylake-server model is. */
#define MACHINE_DEFAULT_CPU_HZ 2700000000ull

typedef struct DebugExitConfig {
    uint16_t iobase, iosize;
} DebugExitConfig;

/* A machine description (configs/machines/NAME.xml). The QEMU-style
 * options (-m, -smp, -cpu, -serial, -device) override its fields. */
typedef struct MachineConfig {
    char *name;
    uint64_t ram_size;
    unsigned ncpus;
    char *cpu;                 /* model name, with optional ",+f,-f" edits */
    bool has_uart;
    uint16_t uart_iobase;
    ConsoleKind serial;
    char *serial_path;         /* for CONSOLE_FILE */
    bool has_debugcon;
    uint16_t debugcon_iobase;
    bool has_pic;
    uint16_t pic_master, pic_slave;
    /* <clock>: core cycles per second (0: MACHINE_DEFAULT_CPU_HZ), the
     * single frequency every timed device derives its ticks from, and
     * the RTC's date at power-on (seconds since 1970, UTC). */
    uint64_t cpu_hz;
    bool has_rtc_start;
    int64_t rtc_start;
    /* Chipset devices (sim/chipset.h) at their fixed PC addresses. */
    bool has_ioapic, has_pit, has_rtc, has_pci, has_i8042, has_pmtimer;
    bool has_fw_cfg;           /* <fw_cfg/>: QEMU's firmware configuration device */
    uint16_t pmtimer_iobase;
    unsigned ndebugexit;
    DebugExitConfig debugexit[MACHINE_MAX_DEBUGEXIT];
} MachineConfig;

#define CONFIG_ERROR config_error_quark()
GQuark config_error_quark(void);

/* The configs directory: $VMXSIM_CONFIGDIR if set, else the one this build
 * was configured with. Returned string is owned by the caller. */
char *config_dir(void);

/* Parse "128", "128M", "1G", "1.5G", "512k", "4096B": a number with an
 * optional binary suffix B, K, M, G, T (case-insensitive); no suffix means
 * MiB, as QEMU's -m. False with *why on malformed input or overflow. */
bool config_parse_size(const char *s, uint64_t *out, const char **why);
/* Parse a number: decimal, or hex with 0x. */
bool config_parse_u64(const char *s, uint64_t *out);

bool config_load_machine(const char *path, MachineConfig *mc, GError **err);
void machine_config_clear(MachineConfig *mc);

/* Read a CPU model file into m (leaves and MSRs allocated with g_new;
 * free with cpu_model_clear). Does not call cpu_model_derive. */
bool config_load_cpu_model(const char *path, CpuModel *m, GError **err);
void cpu_model_clear(CpuModel *m);

#endif
