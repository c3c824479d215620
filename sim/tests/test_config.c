/*
 * sim/tests/test_config.c: machine and CPU-model configuration files
 * (sim/config.c, sim/cpu_model_load.c): the shipped files load and validate
 * against their RelaxNG schemas; malformed XML, schema violations and bad
 * values are errors of the form "FILE:LINE: what was expected"; -cpu edits
 * and "max" change the derived features.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config.h"
#include "sim/cpu_model_load.h"

typedef struct TmpDir {
    char *path;
} TmpDir;

static int tmp_setup(void **state)
{
    TmpDir *t = g_new0(TmpDir, 1);
    t->path = g_dir_make_tmp("vmxsim-config-XXXXXX", NULL);
    assert_non_null(t->path);
    *state = t;
    return 0;
}

static void rm_rf(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        for (const char *n; (n = g_dir_read_name(d));) {
            g_autofree char *p = g_build_filename(path, n, NULL);
            rm_rf(p);
        }
        g_dir_close(d);
    }
    g_remove(path);
}

static int tmp_teardown(void **state)
{
    TmpDir *t = *state;
    rm_rf(t->path);
    g_free(t->path);
    g_free(t);
    return 0;
}

static char *write_tmp(TmpDir *t, const char *name, const char *text)
{
    char *p = g_build_filename(t->path, name, NULL);
    assert_true(g_file_set_contents(p, text, -1, NULL));
    return p;
}

static char *default_path(const char *rel)
{
    g_autofree char *dir = config_dir();
    return g_build_filename(dir, rel, NULL);
}

static void test_config_default_pc_machine_loads(void **state)
{
    g_autofree char *path = default_path("machines/pc.xml");
    MachineConfig mc;
    GError *err = NULL;
    assert_true(config_load_machine(path, &mc, &err));
    assert_string_equal(mc.name, "pc");
    assert_int_equal(mc.ram_size, 128ull << 20);
    assert_int_equal(mc.ncpus, 1);
    assert_string_equal(mc.cpu, "skylake-server");
    assert_true(mc.has_uart);
    assert_int_equal(mc.uart_iobase, 0x3f8);
    assert_int_equal(mc.serial, CONSOLE_STDIO);
    assert_true(mc.has_debugcon);
    assert_int_equal(mc.debugcon_iobase, 0xe9);
    assert_true(mc.has_pic);
    assert_int_equal(mc.pic_master, 0x20);
    assert_int_equal(mc.pic_slave, 0xa0);
    assert_int_equal(mc.ndebugexit, 0);
    /* Every fixed device of the PC is a machine-file element (issue 3). */
    assert_true(mc.has_ioapic && mc.has_pit && mc.has_rtc && mc.has_pci && mc.has_i8042);
    assert_true(mc.has_pmtimer);
    assert_true(mc.has_fw_cfg);
    machine_config_clear(&mc);
}

/* Skylake-SP: CPUID 01H:EAX = 00050654H; VMX, PKU, AVX2 reported; no LA57;
 * VMX capability MSRs present (SDM Vol.3 Appendix A). */
static void test_config_skylake_model_loads(void **state)
{
    CpuModel m;
    GError *err = NULL;
    assert_true(cpu_model_load("skylake-server", "skylake-server", &m, &err));
    assert_string_equal(m.name, "skylake-server");
    const CpuidLeaf *l1 = cpu_model_leaf(&m, 1, 0);
    assert_non_null(l1);
    assert_int_equal(l1->reg[CPUID_EAX], 0x00050654);
    assert_true(cpu_model_has(&m, FEAT_VMX));
    assert_true(cpu_model_has(&m, FEAT_PKU));
    assert_true(cpu_model_has(&m, FEAT_LM));
    assert_false(cpu_model_has(&m, FEAT_LA57));
    assert_false(cpu_model_has(&m, FEAT_HYPERVISOR));
    assert_int_equal(m.maxphyaddr, 46);
    assert_int_equal(m.maxlinaddr, 48);
    for (uint32_t msr = 0x480; msr <= 0x491; msr++)
        assert_non_null(cpu_model_msr(&m, msr));
    /* IA32_VMX_BASIC: revision identifier 4, 1024-byte region. */
    const MsrValue *basic = cpu_model_msr(&m, 0x480);
    assert_int_equal(basic->value & 0x7fffffff, 4);
    assert_int_equal((basic->value >> 32) & 0x1fff, 1024);
    const CpuidLeaf *l7 = cpu_model_leaf(&m, 7, 0);
    assert_true(l7->has_subleaf);
    cpu_model_clear(&m);
}

/* Every shipped configuration file validates and loads (STYLE 10). */
static void test_config_every_shipped_file_loads(void **state)
{
    g_autofree char *dir = config_dir();
    static const char *const kinds[] = { "machines", "cpus" };
    unsigned seen = 0;
    for (int k = 0; k < 2; k++) {
        g_autofree char *sub = g_build_filename(dir, kinds[k], NULL);
        GDir *d = g_dir_open(sub, 0, NULL);
        assert_non_null(d);
        for (const char *n; (n = g_dir_read_name(d));) {
            if (!g_str_has_suffix(n, ".xml"))
                continue;
            g_autofree char *p = g_build_filename(sub, n, NULL);
            GError *err = NULL;
            if (k == 0) {
                MachineConfig mc;
                if (!config_load_machine(p, &mc, &err))
                    fail_msg("%s", err->message);
                machine_config_clear(&mc);
            } else {
                g_autofree char *name = g_strndup(n, strlen(n) - 4);
                CpuModel m;
                if (!cpu_model_load(name, name, &m, &err))
                    fail_msg("%s", err->message);
                cpu_model_clear(&m);
            }
            seen++;
        }
        g_dir_close(d);
    }
    assert_true(seen >= 2);
}

static void test_config_malformed_xml_names_file_and_line(void **state)
{
    TmpDir *t = *state;
    g_autofree char *p = write_tmp(t, "bad.xml",
        "<?xml version=\"1.0\"?>\n<machine name=\"x\">\n  <memory size=\"1G\">\n"
        "</machine>\n");
    MachineConfig mc;
    GError *err = NULL;
    assert_false(config_load_machine(p, &mc, &err));
    g_autofree char *prefix = g_strdup_printf("%s:4: ", p);
    assert_true(g_str_has_prefix(err->message, prefix));
    assert_non_null(strstr(err->message, "memory"));
    g_error_free(err);
}

static void test_config_schema_violation_names_line(void **state)
{
    TmpDir *t = *state;
    g_autofree char *p = write_tmp(t, "m.xml",
        "<?xml version=\"1.0\"?>\n<machine name=\"x\">\n  <memory size=\"1G\"/>\n"
        "  <cpus count=\"1\"/>\n  <devices/>\n</machine>\n");
    MachineConfig mc;
    GError *err = NULL;
    assert_false(config_load_machine(p, &mc, &err));
    g_autofree char *prefix = g_strdup_printf("%s:4: ", p);
    assert_true(g_str_has_prefix(err->message, prefix));
    assert_non_null(strstr(err->message, "cpus"));
    g_error_free(err);
}

static void test_config_bad_memory_size_is_an_error(void **state)
{
    TmpDir *t = *state;
    g_autofree char *p = write_tmp(t, "m.xml",
        "<?xml version=\"1.0\"?>\n<machine name=\"x\">\n  <memory size=\"9G\"/>\n"
        "  <cpus count=\"1\" model=\"skylake-server\"/>\n  <devices/>\n</machine>\n");
    MachineConfig mc;
    GError *err = NULL;
    assert_false(config_load_machine(p, &mc, &err));
    g_autofree char *want = g_strdup_printf("%s:3: memory size '9G': expected a "
                                            "size from 2M to 8G", p);
    assert_string_equal(err->message, want);
    g_error_free(err);
}

static void test_config_missing_file(void **state)
{
    MachineConfig mc;
    GError *err = NULL;
    assert_false(config_load_machine("/nonexistent/m.xml", &mc, &err));
    assert_string_equal(err->message, "/nonexistent/m.xml: no such file");
    g_error_free(err);
}

static void test_config_isa_debug_exit_in_machine_file(void **state)
{
    TmpDir *t = *state;
    g_autofree char *p = write_tmp(t, "m.xml",
        "<?xml version=\"1.0\"?>\n<machine name=\"x\">\n  <memory size=\"64\"/>\n"
        "  <cpus count=\"2\" model=\"skylake-server\"/>\n  <devices>\n"
        "    <isa-debug-exit iobase=\"0xf4\" iosize=\"4\"/>\n"
        "    <uart16550 name=\"com1\" iobase=\"0x3f8\" serial=\"file:/tmp/x\"/>\n"
        "  </devices>\n</machine>\n");
    MachineConfig mc;
    GError *err = NULL;
    assert_true(config_load_machine(p, &mc, &err));
    assert_int_equal(mc.ram_size, 64ull << 20);
    assert_int_equal(mc.ncpus, 2);
    assert_int_equal(mc.ndebugexit, 1);
    assert_int_equal(mc.debugexit[0].iobase, 0xf4);
    assert_int_equal(mc.serial, CONSOLE_FILE);
    assert_string_equal(mc.serial_path, "/tmp/x");
    /* Devices the file does not name are absent. */
    assert_false(mc.has_pic);
    assert_false(mc.has_fw_cfg);
    assert_false(mc.has_ioapic);
    machine_config_clear(&mc);
}

/* A private configs directory through VMXSIM_CONFIGDIR. */
static char *make_configdir(TmpDir *t, const char *model_xml)
{
    g_autofree char *real = config_dir();
    g_autofree char *rng_src = g_build_filename(real, "cpu.rng", NULL);
    g_autofree char *rng = NULL;
    assert_true(g_file_get_contents(rng_src, &rng, NULL, NULL));
    g_autofree char *cpus = g_build_filename(t->path, "cpus", NULL);
    g_mkdir(cpus, 0700);
    g_autofree char *rng_dst = g_build_filename(t->path, "cpu.rng", NULL);
    assert_true(g_file_set_contents(rng_dst, rng, -1, NULL));
    char *model = g_build_filename(cpus, "tiny.xml", NULL);
    assert_true(g_file_set_contents(model, model_xml, -1, NULL));
    return model;
}

static const char tiny_head[] =
    "<?xml version=\"1.0\"?>\n<cpu name=\"tiny\">\n  <description>t</description>\n";

static void test_config_configdir_env_override(void **state)
{
    TmpDir *t = *state;
    g_autofree char *xml = g_strconcat(tiny_head,
        "  <cpuid leaf=\"0x1\" eax=\"0x1\" ebx=\"0x0\" ecx=\"0x20\" edx=\"0x0\"/>\n"
        "  <msr index=\"0x480\" value=\"0x1\"/>\n</cpu>\n", NULL);
    g_autofree char *model = make_configdir(t, xml);
    g_autofree char *old = g_strdup(g_getenv("VMXSIM_CONFIGDIR"));
    g_setenv("VMXSIM_CONFIGDIR", t->path, TRUE);
    CpuModel m;
    GError *err = NULL;
    bool ok = cpu_model_load("tiny,-vmx", "tiny", &m, &err);
    g_setenv("VMXSIM_CONFIGDIR", old, TRUE);
    assert_true(ok);
    assert_false(cpu_model_has(&m, FEAT_VMX));
    assert_int_equal(m.nmsrs, 1);
    cpu_model_clear(&m);
}

static void test_config_duplicate_leaf_names_line(void **state)
{
    TmpDir *t = *state;
    g_autofree char *xml = g_strconcat(tiny_head,
        "  <cpuid leaf=\"0x1\" eax=\"0x1\" ebx=\"0x0\" ecx=\"0x0\" edx=\"0x0\"/>\n"
        "  <cpuid leaf=\"0x1\" eax=\"0x1\" ebx=\"0x0\" ecx=\"0x0\" edx=\"0x0\"/>\n"
        "</cpu>\n", NULL);
    g_autofree char *model = make_configdir(t, xml);
    CpuModel m;
    GError *err = NULL;
    assert_false(config_load_cpu_model(model, &m, &err));
    g_autofree char *want = g_strdup_printf("%s:5: cpuid leaf 0x1 subleaf 0x0: "
        "listed twice; expected one row per leaf and subleaf", model);
    assert_string_equal(err->message, want);
    g_error_free(err);
}

static void test_config_cpu_schema_rejects_bad_hex(void **state)
{
    TmpDir *t = *state;
    g_autofree char *xml = g_strconcat(tiny_head,
        "  <cpuid leaf=\"0x1\" eax=\"12\" ebx=\"0x0\" ecx=\"0x0\" edx=\"0x0\"/>\n"
        "</cpu>\n", NULL);
    g_autofree char *model = make_configdir(t, xml);
    CpuModel m;
    GError *err = NULL;
    assert_false(config_load_cpu_model(model, &m, &err));
    g_autofree char *prefix = g_strdup_printf("%s:4: ", model);
    assert_true(g_str_has_prefix(err->message, prefix));
    g_error_free(err);
}

static void test_cpu_model_unknown_model_and_feature(void **state)
{
    CpuModel m;
    GError *err = NULL;
    assert_false(cpu_model_load("pentium9", "skylake-server", &m, &err));
    assert_true(g_str_has_prefix(err->message, "unknown CPU model 'pentium9'"));
    g_clear_error(&err);
    assert_false(cpu_model_load("skylake-server,+warp-drive", "skylake-server",
                                &m, &err));
    assert_string_equal(err->message, "-cpu: unknown feature 'warp-drive' (see "
                        "-cpu help for the feature names)");
    g_clear_error(&err);
    assert_false(cpu_model_load("../etc/passwd", "skylake-server", &m, &err));
    g_clear_error(&err);
    assert_false(cpu_model_load("skylake-server,pcid=maybe", "skylake-server",
                                &m, &err));
    assert_non_null(strstr(err->message, "expected pcid=on or pcid=off"));
    g_clear_error(&err);
}

static void test_cpu_model_feature_edits(void **state)
{
    CpuModel m;
    GError *err = NULL;
    assert_true(cpu_model_load("skylake-server,+la57,-pcid,smep=off,rdpid=on",
                               "skylake-server", &m, &err));
    assert_true(cpu_model_has(&m, FEAT_LA57));
    assert_false(cpu_model_has(&m, FEAT_PCID));
    assert_false(cpu_model_has(&m, FEAT_SMEP));
    assert_true(cpu_model_has(&m, FEAT_RDPID));
    /* The edit lands in the raw leaf CPUID returns. */
    assert_int_equal((cpu_model_leaf(&m, 7, 0)->reg[CPUID_ECX] >> 16) & 1, 1);
    cpu_model_clear(&m);
}

/* -cpu max: the default model plus every implemented feature; edits
 * still apply after it. */
static void test_cpu_model_max_adds_implemented_features(void **state)
{
    CpuModel m;
    GError *err = NULL;
    assert_true(cpu_model_load("max,-rdpid", "skylake-server", &m, &err));
    assert_string_equal(m.name, "max");
    assert_true(cpu_model_has(&m, FEAT_LA57));
    assert_true(cpu_model_has(&m, FEAT_UMIP));
    assert_true(cpu_model_has(&m, FEAT_VMX));
    assert_false(cpu_model_has(&m, FEAT_RDPID));
    assert_false(cpu_model_has(&m, FEAT_HYPERVISOR));
    /* Still the base model's identity. */
    assert_int_equal(cpu_model_leaf(&m, 1, 0)->reg[CPUID_EAX], 0x00050654);
    cpu_model_clear(&m);
}

static void test_cpu_help_lists_models_and_features(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cpu_model_print_help(f, "skylake-server");
    fclose(f);
    assert_non_null(strstr(buf, "skylake-server"));
    assert_non_null(strstr(buf, "Skylake-SP"));
    assert_non_null(strstr(buf, "max"));
    assert_non_null(strstr(buf, " vmx"));
    assert_non_null(strstr(buf, " la57"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, tmp_setup, tmp_teardown)
        T(test_config_default_pc_machine_loads),
        T(test_config_skylake_model_loads),
        T(test_config_every_shipped_file_loads),
        T(test_config_malformed_xml_names_file_and_line),
        T(test_config_schema_violation_names_line),
        T(test_config_bad_memory_size_is_an_error),
        T(test_config_missing_file),
        T(test_config_isa_debug_exit_in_machine_file),
        T(test_config_configdir_env_override),
        T(test_config_duplicate_leaf_names_line),
        T(test_config_cpu_schema_rejects_bad_hex),
        T(test_cpu_model_unknown_model_and_feature),
        T(test_cpu_model_feature_edits),
        T(test_cpu_model_max_adds_implemented_features),
        T(test_cpu_help_lists_models_and_features),
#undef T
    };
    return cmocka_run_group_tests_name("sim_config", tests, NULL, NULL);
}
