/*
 * sim/cli.h: the command line: a QEMU-compatible subset with QEMU's
 * single-dash long options, plus vmxsim's own --long options. Every option
 * is a row of sim/options.def; options QEMU has and vmxsim does not
 * implement are refused by name, never silently ignored.
 */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/config.h"

/* Exit status of a usage error (bad or refused option). */
#define CLI_EXIT_USAGE 2

typedef enum CliOptionId {
#define OPTION(id, spelling, arg, kind, help) OPT_##id,
#include "sim/options.def"
    OPT_COUNT
} CliOptionId;

typedef enum CliAction {
    CLI_RUN,
    CLI_HELP,
    CLI_VERSION,
    CLI_CPU_HELP,          /* -cpu help: list models and features */
} CliAction;

typedef struct CliOptions {
    CliAction action;
    char *kernel, *append, *initrd;
    bool have_mem;
    uint64_t ram_size;
    bool have_smp;
    unsigned ncpus;
    char *cpu;                 /* -cpu as given: MODEL[,+f,-f,f=on,f=off] */
    bool have_serial;
    ConsoleKind serial;
    char *serial_path;
    bool no_reboot;
    bool stats;
    char *machine_file;        /* --machine */
    char *costs;               /* --costs FILE|NAME (NULL: the default) */
    char *profile;             /* --profile FILE */
    bool have_profile_format;
    int profile_format;        /* --profile-format: a ProfileFormat */
    bool debug_exits;          /* -d exits */
    bool debug_entry;          /* -d entry */
    unsigned ndebugexit;
    DebugExitConfig debugexit[MACHINE_MAX_DEBUGEXIT];
} CliOptions;

#define CLI_ERROR cli_error_quark()
GQuark cli_error_quark(void);

/* Parse argv[1..argc-1]. False with *err (message without the "vmxsim: "
 * prefix) on a usage error. */
bool cli_parse(int argc, char *const argv[], CliOptions *o, GError **err);
void cli_options_clear(CliOptions *o);
/* The options override the machine description. */
void cli_apply(const CliOptions *o, MachineConfig *mc);
void cli_print_help(FILE *out);

#endif
