/*
 * sim/main.c: the vmxsim program: parse the command line, read the machine
 * description and the CPU model, build the machine, check and load the
 * kernel, and only then create the serial output and run. Every input error
 * is reported before anything is written (exit status 1, or 2 for usage
 * errors); see sim/machine.h for the statuses a run ends with.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli.h"
#include "sim/config.h"
#include "sim/costs.h"
#include "sim/cpu_model_load.h"
#include "sim/loader.h"
#include "sim/machine.h"
#include "vmx/vmx.h"
#include "sim/run.h"
#include "traces/profile.h"

static int fail(int status, GError *err)
{
    fprintf(stderr, "vmxsim: %s\n", err->message);
    g_error_free(err);
    return status;
}

static bool load_machine_config(const CliOptions *o, MachineConfig *mc,
                                GError **err)
{
    g_autofree char *dir = config_dir();
    g_autofree char *def = g_build_filename(dir, "machines", "pc.xml", NULL);
    return config_load_machine(o->machine_file ? o->machine_file : def, mc, err);
}

/* The exit profile, however the run ended (the vCPUs' clocks close any
 * exit handler still running): --profile FILE and -d exits. False if the
 * file cannot be written. */
static bool report_profile(const CliOptions *o, const Machine *m, Profiler *prof)
{
    if (!o->profile && !o->debug_exits)
        return true;
    for (unsigned i = 0; i < m->ncpus; i++)
        profile_finish_cpu(prof, i, m->cpus[i].cycles);
    if (o->debug_exits) {
        g_autoptr(GString) text = g_string_new(NULL);
        profile_report(prof, PROFILE_TEXT, text);
        fputs(text->str, stderr);
    }
    if (!o->profile)
        return true;
    ProfileFormat f = o->have_profile_format ? (ProfileFormat)o->profile_format
                                             : profile_format_for(o->profile);
    GError *err = NULL;
    if (profile_write(prof, f, o->profile, &err))
        return true;
    fprintf(stderr, "vmxsim: --profile %s: %s\n", o->profile, err->message);
    g_error_free(err);
    return false;
}

static int run(const CliOptions *o)
{
    GError *err = NULL;
    MachineConfig mc;
    if (!load_machine_config(o, &mc, &err))
        return fail(EXIT_BAD_INPUT, err);
    /* The model the machine file names is the base of -cpu max. */
    g_autofree char *base_model = g_strndup(mc.cpu, strcspn(mc.cpu, ","));
    cli_apply(o, &mc);
    if (o->action == CLI_CPU_HELP) {
        cpu_model_print_help(stdout, base_model);
        machine_config_clear(&mc);
        return 0;
    }
    if (!o->kernel) {
        machine_config_clear(&mc);
        fprintf(stderr, "vmxsim: no kernel: expected -kernel FILE (see --help)\n");
        return EXIT_USAGE;
    }
    CpuModel model;
    if (!cpu_model_load(mc.cpu, base_model, &model, &err)) {
        machine_config_clear(&mc);
        return fail(EXIT_BAD_INPUT, err);
    }
    CostModel costs;
    if (!costs_load(o->costs ? o->costs : COSTS_DEFAULT, &costs, &err)) {
        machine_config_clear(&mc);
        cpu_model_clear(&model);
        return fail(EXIT_BAD_INPUT, err);
    }
    Machine *m = machine_new(&mc, &model, &err);
    machine_config_clear(&mc);
    if (!m) {
        costs_clear(&costs);
        return fail(EXIT_BAD_INPUT, err);
    }
    m->no_reboot = o->no_reboot;
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i].vmx) {
            m->cpus[i].vmx->tracer = &m->tracer;
            m->cpus[i].vmx->log_entry_failures = o->debug_entry;
        }
    }

    BootRequest req = { o->kernel, o->append, o->initrd };
    BootRam ram = machine_boot_ram(m);
    BootPlan plan;
    if (!loader_prepare(&req, &ram, &plan, &err)) {
        costs_clear(&costs);
        machine_free(m);
        return fail(EXIT_BAD_INPUT, err);
    }
    /* Every input is checked: now the serial output may be created. */
    if (!machine_open_console(m, &err)) {
        costs_clear(&costs);
        boot_plan_clear(&plan);
        machine_free(m);
        return fail(EXIT_BAD_INPUT, err);
    }
    machine_boot(m, &plan);
    Profiler prof;
    profile_init(&prof, costs.name, costs.mhz);
    for (unsigned i = 0; i < m->ncpus; i++) {
        costs_apply(&costs, &m->cpus[i]);
        if (o->profile || o->debug_exits)
            m->cpus[i].profiler = &prof;
    }
    costs_clear(&costs);
    int status = machine_run(m);
    if (!report_profile(o, m, &prof) && status == 0)
        status = EXIT_BAD_INPUT;
    profile_destroy(&prof);
    if (o->stats)
        machine_print_stats(m, stderr);
    machine_free(m);
    return status;
}

int main(int argc, char **argv)
{
    /* Guest output reaches a pipe or terminal line by line. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    CliOptions o;
    GError *err = NULL;
    if (!cli_parse(argc, argv, &o, &err)) {
        cli_options_clear(&o);
        return fail(EXIT_USAGE, err);
    }
    int status = 0;
    if (o.action == CLI_HELP)
        cli_print_help(stdout);
    else if (o.action == CLI_VERSION)
        printf("vmxsim %s\n", VMXSIM_VERSION);
    else
        status = run(&o);
    cli_options_clear(&o);
    return status;
}
