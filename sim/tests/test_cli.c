/*
 * sim/tests/test_cli.c: the command line (sim/options.def, sim/cli.c) and
 * size parsing: every option, QEMU's spellings, refusals and the messages
 * that name what was expected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "sim/cli.h"
#include "traces/profile.h"
#include "sim/config.h"

#define ARGV(...) ((char *const[]){ "vmxsim", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "vmxsim", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, e, ...) cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o), (e))

/* Parse, expect failure, return the message (caller frees). */
static char *parse_error(int argc, char *const argv[])
{
    CliOptions o;
    GError *err = NULL;
    assert_false(cli_parse(argc, argv, &o, &err));
    assert_non_null(err);
    char *msg = g_strdup(err->message);
    g_error_free(err);
    cli_options_clear(&o);
    return msg;
}
#define ERROR_OF(...) parse_error(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_size_plain_number_is_mib(void **state)
{
    uint64_t v;
    const char *why;
    assert_true(config_parse_size("128", &v, &why));
    assert_int_equal(v, 128ull << 20);
    assert_true(config_parse_size("128M", &v, &why));
    assert_int_equal(v, 128ull << 20);
    assert_true(config_parse_size("1G", &v, &why));
    assert_int_equal(v, 1ull << 30);
    assert_true(config_parse_size("1g", &v, &why));
    assert_int_equal(v, 1ull << 30);
    assert_true(config_parse_size("512k", &v, &why));
    assert_int_equal(v, 512ull << 10);
    assert_true(config_parse_size("4096B", &v, &why));
    assert_int_equal(v, 4096);
    assert_true(config_parse_size("1.5G", &v, &why));
    assert_int_equal(v, 3ull << 29);
    assert_true(config_parse_size("8G", &v, &why));
    assert_int_equal(v, 8ull << 30);
}

static void test_size_rejects_malformed(void **state)
{
    uint64_t v;
    const char *why = NULL;
    assert_false(config_parse_size("", &v, &why));
    assert_false(config_parse_size("abc", &v, &why));
    assert_false(config_parse_size("12Q", &v, &why));
    assert_non_null(strstr(why, "suffix"));
    assert_false(config_parse_size("12MB", &v, &why));
    assert_false(config_parse_size("1.", &v, &why));
    assert_false(config_parse_size("-1", &v, &why));
    assert_false(config_parse_size("99999999999999T", &v, &why));
}

static void test_cli_every_supported_option(void **state)
{
    CliOptions o;
    GError *err = NULL;
    assert_true(PARSE(&o, &err, "-kernel", "k.elf", "-append", "a b", "-initrd",
                      "m1 x,m2", "-m", "256M", "-smp", "2", "-cpu",
                      "skylake-server,+la57", "-serial", "file:/tmp/out",
                      "-nographic", "-display", "none", "-nodefaults",
                      "-no-reboot", "-device",
                      "isa-debug-exit,iobase=0xf4,iosize=4", "-machine",
                      "accel=kvm:tcg", "--machine", "m.xml", "--stats",
                      "-accel", "tcg"));
    assert_null(err);
    assert_int_equal(o.action, CLI_RUN);
    assert_string_equal(o.kernel, "k.elf");
    assert_string_equal(o.append, "a b");
    assert_string_equal(o.initrd, "m1 x,m2");
    assert_true(o.have_mem);
    assert_int_equal(o.ram_size, 256ull << 20);
    assert_true(o.have_smp);
    assert_int_equal(o.ncpus, 2);
    assert_string_equal(o.cpu, "skylake-server,+la57");
    assert_int_equal(o.serial, CONSOLE_FILE);
    assert_string_equal(o.serial_path, "/tmp/out");
    assert_true(o.no_reboot);
    assert_int_equal(o.ndebugexit, 1);
    assert_int_equal(o.debugexit[0].iobase, 0xf4);
    assert_int_equal(o.debugexit[0].iosize, 4);
    assert_string_equal(o.machine_file, "m.xml");
    assert_true(o.stats);
    cli_options_clear(&o);
}

/* QEMU accepts "--kernel" for "-kernel"; "--machine" stays vmxsim's. */
static void test_cli_double_dash_qemu_spelling(void **state)
{
    CliOptions o;
    GError *err = NULL;
    assert_true(PARSE(&o, &err, "--kernel", "k", "--m", "1G", "--machine=x.xml"));
    assert_string_equal(o.kernel, "k");
    assert_int_equal(o.ram_size, 1ull << 30);
    assert_string_equal(o.machine_file, "x.xml");
    cli_options_clear(&o);
}

static void test_cli_help_version_cpu_help(void **state)
{
    CliOptions o;
    GError *err = NULL;
    assert_true(PARSE(&o, &err, "--help"));
    assert_int_equal(o.action, CLI_HELP);
    cli_options_clear(&o);
    assert_true(PARSE(&o, &err, "-h"));
    assert_int_equal(o.action, CLI_HELP);
    cli_options_clear(&o);
    assert_true(PARSE(&o, &err, "--version"));
    assert_int_equal(o.action, CLI_VERSION);
    cli_options_clear(&o);
    assert_true(PARSE(&o, &err, "-cpu", "help"));
    assert_int_equal(o.action, CLI_CPU_HELP);
    cli_options_clear(&o);
}

static void test_cli_defaults_debugexit_like_qemu(void **state)
{
    CliOptions o;
    GError *err = NULL;
    assert_true(PARSE(&o, &err, "-device", "isa-debug-exit"));
    assert_int_equal(o.debugexit[0].iobase, 0x501);
    assert_int_equal(o.debugexit[0].iosize, 2);
    cli_options_clear(&o);
}

static void test_cli_serial_forms(void **state)
{
    CliOptions o;
    GError *err = NULL;
    assert_true(PARSE(&o, &err, "-serial", "stdio"));
    assert_int_equal(o.serial, CONSOLE_STDIO);
    cli_options_clear(&o);
    assert_true(PARSE(&o, &err, "-serial", "none"));
    assert_int_equal(o.serial, CONSOLE_NONE);
    cli_options_clear(&o);
    assert_true(PARSE(&o, &err, "-serial", "mon:stdio"));
    assert_int_equal(o.serial, CONSOLE_STDIO);
    cli_options_clear(&o);
    g_autofree char *e1 = ERROR_OF("-serial", "tcp::4444");
    assert_string_equal(e1, "-serial 'tcp::4444' is not supported (yet); "
                        "expected stdio, file:PATH or none");
    g_autofree char *e2 = ERROR_OF("-serial", "stdio", "-serial", "none");
    assert_non_null(strstr(e2, "only one serial port"));
}

static void test_cli_refuses_unimplemented_qemu_options(void **state)
{
    static const char *const refused[] = {
        "-hda", "-drive", "-netdev", "-enable-kvm", "-s", "-S", "-D",
        "-monitor", "-vga", "-bios", "-cdrom", "-gdb",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        char *const argv[] = { "vmxsim", (char *)refused[i], "x", NULL };
        g_autofree char *msg = parse_error(3, argv);
        g_autofree char *want = g_strdup_printf("option '%s' is not supported "
                                                "(yet)", refused[i]);
        assert_string_equal(msg, want);
    }
}

/* The timing and profiling options (issue 6): -d accepts QEMU's
 * comma-separated item list but only the exits item. */
static void test_cli_costs_profile_and_d_exits(void **state)
{
    CliOptions o;
    GError *err = NULL;
    assert_true(PARSE(&o, &err, "--costs", "nehalem", "--profile", "p.csv",
                      "--profile-format", "json", "-d", "exits"));
    assert_string_equal(o.costs, "nehalem");
    assert_string_equal(o.profile, "p.csv");
    assert_true(o.have_profile_format);
    assert_int_equal(o.profile_format, PROFILE_JSON);
    assert_true(o.debug_exits);
    assert_false(o.debug_entry);
    cli_options_clear(&o);
    assert_true(PARSE(&o, &err, "-d", "entry,exits"));
    assert_true(o.debug_entry);
    assert_true(o.debug_exits);
    cli_options_clear(&o);
    g_autofree char *e1 = ERROR_OF("-d", "exits,int");
    assert_string_equal(e1, "-d 'exits,int': log item 'int' is not supported "
                        "(yet); expected exits or entry");
    g_autofree char *e2 = ERROR_OF("--profile-format", "xml");
    assert_string_equal(e2, "--profile-format 'xml': expected text, csv or json");
}

static void test_cli_unknown_option_and_stray_argument(void **state)
{
    g_autofree char *e1 = ERROR_OF("-frobnicate");
    assert_string_equal(e1, "unknown option '-frobnicate' (see --help for the "
                        "options vmxsim accepts)");
    g_autofree char *e2 = ERROR_OF("disk.img");
    assert_non_null(strstr(e2, "unexpected argument 'disk.img'"));
    assert_non_null(strstr(e2, "-kernel FILE"));
    g_autofree char *e3 = ERROR_OF("---kernel", "x");
    assert_non_null(strstr(e3, "unknown option"));
}

static void test_cli_missing_argument_names_it(void **state)
{
    g_autofree char *e = ERROR_OF("-kernel");
    assert_string_equal(e, "option '-kernel' expects an argument FILE");
    g_autofree char *e2 = ERROR_OF("--stats=1");
    assert_non_null(strstr(e2, "takes no argument"));
}

static void test_cli_memory_range_and_syntax(void **state)
{
    CliOptions o;
    GError *err = NULL;
    assert_true(PARSE(&o, &err, "-m", "size=512"));
    assert_int_equal(o.ram_size, 512ull << 20);
    cli_options_clear(&o);
    assert_true(PARSE(&o, &err, "-m", "2.5M"));
    assert_int_equal(o.ram_size, (5ull << 19));
    cli_options_clear(&o);
    g_autofree char *e1 = ERROR_OF("-m", "9G");
    assert_string_equal(e1, "-m '9G': expected a size from 2M to 8G");
    g_autofree char *e2 = ERROR_OF("-m", "1M");
    assert_non_null(strstr(e2, "from 2M to 8G"));
    g_autofree char *e3 = ERROR_OF("-m", "lots");
    assert_non_null(strstr(e3, "-m 'lots'"));
    g_autofree char *e4 = ERROR_OF("-m", "1G,slots=2,maxmem=4G");
    assert_non_null(strstr(e4, "not supported (yet)"));
}

static void test_cli_smp_forms(void **state)
{
    CliOptions o;
    GError *err = NULL;
    assert_true(PARSE(&o, &err, "-smp", "cpus=4"));
    assert_int_equal(o.ncpus, 4);
    cli_options_clear(&o);
    g_autofree char *e1 = ERROR_OF("-smp", "0");
    assert_non_null(strstr(e1, "expected a vCPU count from 1 to 64"));
    g_autofree char *e2 = ERROR_OF("-smp", "2,sockets=2");
    assert_non_null(strstr(e2, "'sockets=2' is not supported (yet)"));
    g_autofree char *e3 = ERROR_OF("-smp", "65");
    assert_non_null(strstr(e3, "1 to 64"));
}

static void test_cli_device_and_machine_refusals(void **state)
{
    g_autofree char *e1 = ERROR_OF("-device", "e1000");
    assert_non_null(strstr(e1, "-device 'e1000' is not supported (yet)"));
    g_autofree char *e2 = ERROR_OF("-device", "isa-debug-exit,iosize=3");
    assert_non_null(strstr(e2, "expected 1, 2 or 4"));
    g_autofree char *e3 = ERROR_OF("-device", "isa-debug-exit,foo=1");
    assert_non_null(strstr(e3, "property 'foo=1'"));
    g_autofree char *e4 = ERROR_OF("-machine", "q35");
    assert_non_null(strstr(e4, "machine type 'q35' is not supported"));
    g_autofree char *e5 = ERROR_OF("-display", "gtk");
    assert_non_null(strstr(e5, "expected -display none"));
    CliOptions o;
    GError *err = NULL;
    assert_true(PARSE(&o, &err, "-machine", "pc,accel=tcg", "-M", "type=pc"));
    cli_options_clear(&o);
}

/* The command line overrides the machine file. */
static void test_cli_apply_overrides_machine(void **state)
{
    MachineConfig mc = { 0 };
    mc.ram_size = 128ull << 20;
    mc.ncpus = 1;
    mc.cpu = g_strdup("skylake-server");
    mc.has_uart = true;
    mc.serial = CONSOLE_STDIO;
    CliOptions o;
    GError *err = NULL;
    assert_true(PARSE(&o, &err, "-m", "64", "-smp", "3", "-cpu", "max",
                      "-serial", "none", "-device", "isa-debug-exit"));
    cli_apply(&o, &mc);
    assert_int_equal(mc.ram_size, 64ull << 20);
    assert_int_equal(mc.ncpus, 3);
    assert_string_equal(mc.cpu, "max");
    assert_false(mc.has_uart);
    assert_int_equal(mc.ndebugexit, 1);
    cli_options_clear(&o);
    machine_config_clear(&mc);
}

static void test_cli_help_lists_options(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_print_help(f);
    fclose(f);
    assert_non_null(strstr(buf, "-kernel FILE"));
    assert_non_null(strstr(buf, "--stats"));
    assert_non_null(strstr(buf, "-device DRV,opts"));
    assert_null(strstr(buf, "\n  -hda"));
    assert_non_null(strstr(buf, "are refused"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_size_plain_number_is_mib),
        cmocka_unit_test(test_size_rejects_malformed),
        cmocka_unit_test(test_cli_every_supported_option),
        cmocka_unit_test(test_cli_double_dash_qemu_spelling),
        cmocka_unit_test(test_cli_help_version_cpu_help),
        cmocka_unit_test(test_cli_defaults_debugexit_like_qemu),
        cmocka_unit_test(test_cli_serial_forms),
        cmocka_unit_test(test_cli_refuses_unimplemented_qemu_options),
        cmocka_unit_test(test_cli_costs_profile_and_d_exits),
        cmocka_unit_test(test_cli_unknown_option_and_stray_argument),
        cmocka_unit_test(test_cli_missing_argument_names_it),
        cmocka_unit_test(test_cli_memory_range_and_syntax),
        cmocka_unit_test(test_cli_smp_forms),
        cmocka_unit_test(test_cli_device_and_machine_refusals),
        cmocka_unit_test(test_cli_apply_overrides_machine),
        cmocka_unit_test(test_cli_help_lists_options),
    };
    return cmocka_run_group_tests_name("sim_cli", tests, NULL, NULL);
}
