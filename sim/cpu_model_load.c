/*
 * sim/cpu_model_load.c: CPU model lookup and -cpu feature edits (see
 * sim/cpu_model_load.h). A model is found by name as
 * <configs>/cpus/<name>.xml; the configs directory is $VMXSIM_CONFIGDIR or
 * the one the build was configured with.
 */
#include "sim/cpu_model_load.h"

#include "vmx/caps.h"

#include <string.h>

#include "sim/config.h"

static const CpuFeature max_features[] = {
#define MAX_FEATURE(id) FEAT_##id,
#include "sim/cpu_max.def"
};

static const char *const feature_names[] = {
#define FEATURE(id, leaf, subleaf, reg, bit, qemu_name) qemu_name,
#include "cpu/features.def"
};

bool cpu_model_apply_max(CpuModel *m, GError **err)
{
    for (size_t i = 0; i < G_N_ELEMENTS(max_features); i++) {
        if (!cpu_model_set_feature(m, max_features[i], true)) {
            g_set_error(err, CONFIG_ERROR, 0, "-cpu max: model %s has no CPUID "
                        "leaf for feature '%s'", m->name,
                        feature_names[max_features[i]]);
            return false;
        }
    }
    return true;
}

/* A model name is a file name stem: no path separators, no dot files. */
static bool model_name_ok(const char *name)
{
    if (!*name || name[0] == '.')
        return false;
    for (const char *p = name; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
            return false;
    return true;
}

static bool load_named(const char *name, CpuModel *m, GError **err)
{
    if (!model_name_ok(name)) {
        g_set_error(err, CONFIG_ERROR, 0, "-cpu '%s': expected a model name "
                    "(see -cpu help)", name);
        return false;
    }
    g_autofree char *dir = config_dir();
    g_autofree char *file = g_strconcat(name, ".xml", NULL);
    g_autofree char *path = g_build_filename(dir, "cpus", file, NULL);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(err, CONFIG_ERROR, 0, "unknown CPU model '%s': no %s "
                    "(see -cpu help for the models)", name, path);
        return false;
    }
    if (!config_load_cpu_model(path, m, err))
        return false;
    if (strcmp(m->name, name)) {
        g_set_error(err, CONFIG_ERROR, 0, "%s: the cpu name is '%s'; expected "
                    "'%s', the file's name", path, m->name, name);
        cpu_model_clear(m);
        return false;
    }
    return true;
}

/* One edit: +feat, -feat, feat=on|off|true|false, or a bare feat (on). */
static bool apply_edit(CpuModel *m, const char *edit, GError **err)
{
    g_autofree char *name = NULL;
    bool on = true;
    const char *eq = strchr(edit, '=');
    if (edit[0] == '+' || edit[0] == '-') {
        on = edit[0] == '+';
        name = g_strdup(edit + 1);
    } else if (eq) {
        name = g_strndup(edit, (size_t)(eq - edit));
        const char *v = eq + 1;
        if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes"))
            on = true;
        else if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no"))
            on = false;
        else {
            g_set_error(err, CONFIG_ERROR, 0, "-cpu: '%s': expected %s=on or "
                        "%s=off", edit, name, name);
            return false;
        }
    } else {
        name = g_strdup(edit);
    }
    /* QEMU accepts '_' for '-' in feature names. */
    g_strdelimit(name, "_", '-');
    /* vmx-* names edit the VMX capability MSRs (vmx/caps.h), as in QEMU. */
    VmxControl vc = vmx_control_by_qemu_name(name);
    if (vc != VMXC_COUNT) {
        const char *why = NULL;
        if (!vmx_model_set_control(m, vc, on, &why)) {
            g_set_error(err, CONFIG_ERROR, 0, "-cpu: feature '%s' cannot be turned %s in model %s: %s",
                        name, on ? "on" : "off", m->name, why);
            return false;
        }
        return true;
    }
    CpuFeature f = cpu_feature_by_name(name);
    if (f == FEAT_COUNT) {
        g_set_error(err, CONFIG_ERROR, 0, "-cpu: unknown feature '%s' (see -cpu "
                    "help for the feature names)", name);
        return false;
    }
    if (!cpu_model_set_feature(m, f, on)) {
        g_set_error(err, CONFIG_ERROR, 0, "-cpu: feature '%s' cannot be turned "
                    "%s in model %s (its CPUID leaf is missing)", name,
                    on ? "on" : "off", m->name);
        return false;
    }
    return true;
}

bool cpu_model_load(const char *spec, const char *default_model, CpuModel *m,
                    GError **err)
{
    g_auto(GStrv) items = g_strsplit(spec, ",", -1);
    const char *name = items[0] ? items[0] : "";
    bool max = !strcmp(name, CPU_MODEL_MAX);
    if (max && !strcmp(default_model, CPU_MODEL_MAX)) {
        g_set_error(err, CONFIG_ERROR, 0, "-cpu max needs a real default model");
        return false;
    }
    if (!load_named(max ? default_model : name, m, err))
        return false;
    if (max) {
        if (!cpu_model_apply_max(m, err)) {
            cpu_model_clear(m);
            return false;
        }
        g_strlcpy(m->name, CPU_MODEL_MAX, sizeof(m->name));
    }
    for (char **it = items[0] ? items + 1 : items; *it; it++) {
        if (!**it)
            continue;
        if (!apply_edit(m, *it, err)) {
            cpu_model_clear(m);
            return false;
        }
    }
    cpu_model_derive(m);
    return true;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cpu_model_print_help(FILE *out, const char *default_model)
{
    g_autofree char *dir = config_dir();
    g_autofree char *cpus = g_build_filename(dir, "cpus", NULL);
    fprintf(out, "Available CPU models (%s):\n", cpus);
    GDir *d = g_dir_open(cpus, 0, NULL);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (const char *f; d && (f = g_dir_read_name(d));)
        if (g_str_has_suffix(f, ".xml"))
            g_ptr_array_add(names, g_strndup(f, strlen(f) - 4));
    if (d)
        g_dir_close(d);
    g_ptr_array_sort(names, cmp_str);        /* listing order: sorted */
    for (unsigned i = 0; i < names->len; i++) {
        const char *n = names->pdata[i];
        g_autofree char *file = g_strconcat(n, ".xml", NULL);
        g_autofree char *path = g_build_filename(cpus, file, NULL);
        CpuModel m;
        GError *e = NULL;
        if (config_load_cpu_model(path, &m, &e)) {
            fprintf(out, "  %-20s %s\n", n, m.description);
            cpu_model_clear(&m);
        } else {
            fprintf(out, "  %-20s (unreadable: %s)\n", n, e->message);
            g_error_free(e);
        }
    }
    g_ptr_array_free(names, TRUE);
    fprintf(out, "  %-20s %s with every feature vmxsim implements\n",
            CPU_MODEL_MAX, default_model);
    fprintf(out, "\nRecognized CPUID flags (-cpu MODEL,+flag,-flag):\n ");
    unsigned col = 1;
    for (size_t i = 0; i < G_N_ELEMENTS(feature_names); i++) {
        size_t len = strlen(feature_names[i]) + 1;
        if (col + len > 78) {
            fprintf(out, "\n ");
            col = 1;
        }
        fprintf(out, " %s", feature_names[i]);
        col += (unsigned)len;
    }
    fprintf(out, "\n");
}
