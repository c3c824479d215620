/*
 * sim/cli.c: command-line parsing (see sim/cli.h and sim/options.def).
 *
 * QEMU's options are long options with one dash ("-kernel FILE"), which
 * GOption cannot express, so this is a small table-driven parser: look the
 * word up in options.def, take its argument from the next word, dispatch
 * on the row's id. Each error names the option and what was expected.
 */
#include "sim/cli.h"

#include <string.h>

#include "traces/profile.h"

G_DEFINE_QUARK(vmxsim-cli-error-quark, cli_error)

typedef enum OptionKind { KIND_RUN, KIND_IGNORED, KIND_REFUSED } OptionKind;

typedef struct OptionRow {
    CliOptionId id;
    const char *spelling;
    const char *arg;
    OptionKind kind;
    const char *help;
} OptionRow;

static const OptionRow option_rows[] = {
#define OPTION(id, spelling, arg, kind, help) { OPT_##id, spelling, arg, kind, help },
#define ALIAS(id, spelling) { OPT_##id, spelling, NULL, KIND_RUN, NULL },
#define REFUSED(spelling, arg) { OPT_COUNT, spelling, arg, KIND_REFUSED, NULL },
#include "sim/options.def"
};

/* An alias takes its argument like the option it stands for. */
static const char *option_arg(const OptionRow *r)
{
    if (r->kind == KIND_REFUSED)
        return r->arg;
    for (size_t i = 0; i < G_N_ELEMENTS(option_rows); i++)
        if (option_rows[i].id == r->id && option_rows[i].help)
            return option_rows[i].arg;
    return r->arg;
}

/* QEMU's isa-debug-exit property defaults. */
#define DEBUGEXIT_DEFAULT_IOBASE 0x501
#define DEBUGEXIT_DEFAULT_IOSIZE 2

static const OptionRow *option_find(const char *word)
{
    for (size_t i = 0; i < G_N_ELEMENTS(option_rows); i++)
        if (!strcmp(option_rows[i].spelling, word))
            return &option_rows[i];
    return NULL;
}

/* "--kernel" means "-kernel" as in QEMU, unless "--x" is a vmxsim option. */
static const OptionRow *option_lookup(const char *word)
{
    const OptionRow *r = option_find(word);
    if (!r && word[0] == '-' && word[1] == '-' && word[2] != '-') {
        r = option_find(word + 1);
        if (r && r->spelling[1] == '-')
            r = NULL;
    }
    return r;
}

void cli_options_clear(CliOptions *o)
{
    g_free(o->kernel);
    g_free(o->append);
    g_free(o->initrd);
    g_free(o->cpu);
    g_free(o->serial_path);
    g_free(o->machine_file);
    g_free(o->costs);
    g_free(o->profile);
    memset(o, 0, sizeof(*o));
}

static bool fail(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool fail(GError **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(err, CLI_ERROR, 0, msg);
    g_free(msg);
    return false;
}

static void set_str(char **dst, const char *v)
{
    g_free(*dst);
    *dst = g_strdup(v);
}

static bool parse_mem(const char *v, CliOptions *o, GError **err)
{
    const char *s = g_str_has_prefix(v, "size=") ? v + 5 : v;
    if (strchr(s, ',') || strchr(s, '='))
        return fail(err, "-m '%s': only SIZE or size=SIZE is supported "
                    "(slots and maxmem are not supported (yet))", v);
    const char *why = NULL;
    uint64_t size;
    if (!config_parse_size(s, &size, &why))
        return fail(err, "-m '%s': %s", v, why);
    if (size < MACHINE_MIN_RAM || size > MACHINE_MAX_RAM)
        return fail(err, "-m '%s': expected a size from 2M to 8G", v);
    o->have_mem = true;
    o->ram_size = (size + 4095) & ~4095ull;  /* whole pages, as RAM is mapped */
    return true;
}

static bool parse_count(const char *s, unsigned max, unsigned *out)
{
    uint64_t v;
    if (!g_ascii_isdigit(*s) || !config_parse_u64(s, &v) || v == 0 || v > max)
        return false;
    *out = (unsigned)v;
    return true;
}

static bool parse_smp(const char *v, CliOptions *o, GError **err)
{
    g_auto(GStrv) items = g_strsplit(v, ",", -1);
    unsigned n = 0;
    for (char **it = items; *it; it++) {
        const char *s = *it;
        if (it == items && g_ascii_isdigit(*s)) {
            /* leading count */
        } else if (g_str_has_prefix(s, "cpus=")) {
            s += 5;
        } else {
            return fail(err, "-smp '%s': '%s' is not supported (yet); expected "
                        "N or cpus=N", v, s);
        }
        if (!parse_count(s, MACHINE_MAX_CPUS, &n))
            return fail(err, "-smp '%s': expected a vCPU count from 1 to %u",
                        v, MACHINE_MAX_CPUS);
    }
    if (!n)
        return fail(err, "-smp '%s': expected a vCPU count from 1 to %u", v,
                    MACHINE_MAX_CPUS);
    o->have_smp = true;
    o->ncpus = n;
    return true;
}

static bool parse_serial(const char *v, CliOptions *o, GError **err)
{
    if (o->have_serial)
        return fail(err, "-serial given twice: only one serial port (COM1) "
                    "is supported (yet)");
    o->have_serial = true;
    g_clear_pointer(&o->serial_path, g_free);
    if (!strcmp(v, "stdio") || !strcmp(v, "mon:stdio")) {
        o->serial = CONSOLE_STDIO;
    } else if (!strcmp(v, "none") || !strcmp(v, "null")) {
        o->serial = CONSOLE_NONE;
    } else if (g_str_has_prefix(v, "file:") && v[5]) {
        o->serial = CONSOLE_FILE;
        o->serial_path = g_strdup(v + 5);
    } else {
        return fail(err, "-serial '%s' is not supported (yet); expected stdio, "
                    "file:PATH or none", v);
    }
    return true;
}

static bool parse_port_prop(const char *v, const char *key, const char *s,
                            uint64_t max, uint16_t *out, GError **err)
{
    uint64_t x;
    if (!config_parse_u64(s, &x) || x > max)
        return fail(err, "-device '%s': %s='%s': expected a number up to 0x%llx",
                    v, key, s, (unsigned long long)max);
    *out = (uint16_t)x;
    return true;
}

static bool parse_device(const char *v, CliOptions *o, GError **err)
{
    g_auto(GStrv) items = g_strsplit(v, ",", -1);
    const char *drv = items[0];
    if (!drv || strncmp(drv, "driver=", 7) == 0)
        drv = drv ? drv + 7 : "";
    if (strcmp(drv, "isa-debug-exit"))
        return fail(err, "-device '%s' is not supported (yet); the only device "
                    "is isa-debug-exit[,iobase=PORT][,iosize=1|2|4]", drv);
    if (o->ndebugexit == MACHINE_MAX_DEBUGEXIT)
        return fail(err, "-device isa-debug-exit: at most %u are supported",
                    MACHINE_MAX_DEBUGEXIT);
    DebugExitConfig d = { DEBUGEXIT_DEFAULT_IOBASE, DEBUGEXIT_DEFAULT_IOSIZE };
    for (char **it = items + 1; *it; it++) {
        if (g_str_has_prefix(*it, "iobase=")) {
            if (!parse_port_prop(v, "iobase", *it + 7, 0xffff, &d.iobase, err))
                return false;
        } else if (g_str_has_prefix(*it, "iosize=")) {
            if (!parse_port_prop(v, "iosize", *it + 7, 4, &d.iosize, err))
                return false;
            if (d.iosize == 0 || d.iosize == 3)
                return fail(err, "-device '%s': iosize: expected 1, 2 or 4", v);
        } else {
            return fail(err, "-device '%s': property '%s' is not supported; "
                        "expected iobase=PORT or iosize=1|2|4", v, *it);
        }
    }
    if ((uint32_t)d.iobase + d.iosize > 0x10000)
        return fail(err, "-device '%s': the ports leave the 64 KiB I/O space", v);
    o->debugexit[o->ndebugexit++] = d;
    return true;
}

static bool parse_machine_q(const char *v, GError **err)
{
    g_auto(GStrv) items = g_strsplit(v, ",", -1);
    for (char **it = items; *it; it++) {
        const char *s = *it;
        if (g_str_has_prefix(s, "accel="))
            continue;                       /* meaningless here: ignored */
        if (g_str_has_prefix(s, "type="))
            s += 5;
        else if (it != items || strchr(s, '='))
            return fail(err, "-machine '%s': '%s' is not supported (yet); "
                        "accepted: accel=..., type pc", v, *it);
        if (strcmp(s, "pc"))
            return fail(err, "-machine '%s': machine type '%s' is not supported "
                        "(yet); vmxsim models a pc (see --machine FILE.xml)", v, s);
    }
    return true;
}

/* -d ITEMS: QEMU's log items; vmxsim knows "exits" (the VM-exit profile
 * summary on stderr at exit) and "entry" (each failed VM-entry check, by
 * SDM section, when it happens). */
static bool parse_debug(const char *v, CliOptions *o, GError **err)
{
    g_auto(GStrv) items = g_strsplit(v, ",", -1);
    for (char **it = items; *it; it++) {
        if (!strcmp(*it, "exits"))
            o->debug_exits = true;
        else if (!strcmp(*it, "entry"))
            o->debug_entry = true;
        else
            return fail(err, "-d '%s': log item '%s' is not supported (yet); "
                        "expected exits or entry", v, *it);
    }
    return true;
}

static bool parse_profile_format(const char *v, CliOptions *o, GError **err)
{
    ProfileFormat f;
    if (!profile_format_parse(v, &f))
        return fail(err, "--profile-format '%s': expected text, csv or json", v);
    o->have_profile_format = true;
    o->profile_format = (int)f;
    return true;
}

static bool cli_option(const OptionRow *r, const char *v, CliOptions *o,
                       GError **err)
{
    switch (r->id) {
    case OPT_KERNEL: set_str(&o->kernel, v); return true;
    case OPT_APPEND: set_str(&o->append, v); return true;
    case OPT_INITRD: set_str(&o->initrd, v); return true;
    case OPT_MEM: return parse_mem(v, o, err);
    case OPT_SMP: return parse_smp(v, o, err);
    case OPT_CPU:
        if (!strcmp(v, "help") || !strcmp(v, "?"))
            o->action = CLI_CPU_HELP;
        else
            set_str(&o->cpu, v);
        return true;
    case OPT_SERIAL: return parse_serial(v, o, err);
    case OPT_DEVICE: return parse_device(v, o, err);
    case OPT_NO_REBOOT: o->no_reboot = true; return true;
    case OPT_MACHINE_Q: return parse_machine_q(v, err);
    case OPT_DISPLAY:
        if (strcmp(v, "none"))
            return fail(err, "-display '%s' is not supported: vmxsim has no "
                        "display; expected -display none", v);
        return true;
    case OPT_MACHINE_FILE: set_str(&o->machine_file, v); return true;
    case OPT_STATS: o->stats = true; return true;
    case OPT_COSTS: set_str(&o->costs, v); return true;
    case OPT_PROFILE: set_str(&o->profile, v); return true;
    case OPT_PROFILE_FORMAT: return parse_profile_format(v, o, err);
    case OPT_DEBUG: return parse_debug(v, o, err);
    case OPT_HELP: o->action = CLI_HELP; return true;
    case OPT_VERSION:
        if (o->action != CLI_HELP)
            o->action = CLI_VERSION;
        return true;
    default:
        g_assert_not_reached();
    }
}

bool cli_parse(int argc, char *const argv[], CliOptions *o, GError **err)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        if (word[0] != '-' || !word[1])
            return fail(err, "unexpected argument '%s': disk images are not "
                        "supported (yet); boot a kernel with -kernel FILE", word);
        /* "--name=value" for vmxsim's own options. */
        g_autofree char *name = g_strdup(word);
        const char *inline_val = NULL;
        char *eq = word[1] == '-' ? strchr(name, '=') : NULL;
        if (eq) {
            *eq = '\0';
            inline_val = word + (eq - name) + 1;
        }
        const OptionRow *r = option_lookup(name);
        if (!r)
            return fail(err, "unknown option '%s' (see --help for the options "
                        "vmxsim accepts)", name);
        if (r->kind == KIND_REFUSED)
            return fail(err, "option '%s' is not supported (yet)", name);
        const char *val = NULL;
        const char *argname = option_arg(r);
        if (argname) {
            if (inline_val) {
                val = inline_val;
            } else if (i + 1 < argc) {
                val = argv[++i];
            } else {
                return fail(err, "option '%s' expects an argument %s", name,
                            argname);
            }
        } else if (inline_val) {
            return fail(err, "option '%s' takes no argument", name);
        }
        if (r->kind == KIND_IGNORED)
            continue;
        if (!cli_option(r, val, o, err))
            return false;
    }
    return true;
}

void cli_apply(const CliOptions *o, MachineConfig *mc)
{
    if (o->have_mem)
        mc->ram_size = o->ram_size;
    if (o->have_smp)
        mc->ncpus = o->ncpus;
    if (o->cpu) {
        g_free(mc->cpu);
        mc->cpu = g_strdup(o->cpu);
    }
    if (o->have_serial) {
        mc->serial = o->serial;
        g_free(mc->serial_path);
        mc->serial_path = g_strdup(o->serial_path);
        /* QEMU's -serial none removes the port. */
        if (o->serial == CONSOLE_NONE)
            mc->has_uart = false;
    }
    for (unsigned i = 0; i < o->ndebugexit &&
                         mc->ndebugexit < MACHINE_MAX_DEBUGEXIT; i++)
        mc->debugexit[mc->ndebugexit++] = o->debugexit[i];
}

void cli_print_help(FILE *out)
{
    fprintf(out,
            "Usage: vmxsim -kernel FILE [options]\n"
            "vmxsim simulates an x86-64 PC whose CPU implements Intel VMX/EPT.\n"
            "QEMU's options keep their single dash; vmxsim's own take two.\n\n");
    for (size_t i = 0; i < G_N_ELEMENTS(option_rows); i++) {
        const OptionRow *r = &option_rows[i];
        if (!r->help)
            continue;
        g_autofree char *lhs = g_strdup_printf("%s%s%s", r->spelling,
                                               r->arg ? " " : "",
                                               r->arg ? r->arg : "");
        fprintf(out, "  %-28s %s\n", lhs, r->help);
    }
    fprintf(out, "\nQEMU options not listed here (-hda, -drive, -netdev, -s, "
            "-S, -D, ...) are refused.\n"
            "Exit status: (v << 1) | 1 after isa-debug-exit wrote v; 1 bad "
            "input; 2 usage;\n4 unsupported guest action; 6 triple fault; 8 "
            "every vCPU halted for good.\n"
            "Environment: VMXSIM_CONFIGDIR overrides the configs directory.\n");
}
