/*
 * sim/config_costs.c: reading a cost model (configs/costs/NAME.xml,
 * validated against configs/costs/costs.rng) into a CostModel (sim/costs.h).
 * Beyond the schema, each cost named in sim/costs.def must appear exactly
 * once and each source= must name a <source id=...> of the file; errors
 * give the file and line.
 */
#include "sim/costs.h"

#include <string.h>

#include "sim/config.h"
#include "sim/config_xml.h"

static const char *const cost_names[COST_COUNT] = {
#define COST_CLASS(id, name, what) [COST_##id] = name,
#define COST_ITEM(id, name, what) [COST_##id] = name,
#include "sim/costs.def"
};

const char *costs_name(CostId id)
{
    return (unsigned)id < COST_COUNT ? cost_names[id] : "?";
}

void costs_clear(CostModel *cm)
{
    g_free(cm->name);
    g_free(cm->path);
    for (unsigned i = 0; i < COST_COUNT; i++)
        g_free(cm->source[i]);
    memset(cm, 0, sizeof(*cm));
}

static gint cmp_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A name in configs/costs/ or a path. */
static char *costs_path(const char *arg, GError **err)
{
    if (strchr(arg, '/') || g_str_has_suffix(arg, ".xml"))
        return g_strdup(arg);
    g_autofree char *dir = config_dir();
    g_autofree char *file = g_strdup_printf("%s.xml", arg);
    char *path = g_build_filename(dir, "costs", file, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return path;
    g_free(path);
    /* List the models there, sorted, so the message is deterministic. */
    g_autofree char *cdir = g_build_filename(dir, "costs", NULL);
    GDir *d = g_dir_open(cdir, 0, NULL);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (const char *n; d && (n = g_dir_read_name(d));)
        if (g_str_has_suffix(n, ".xml"))
            g_ptr_array_add(names, g_strndup(n, strlen(n) - 4));
    if (d)
        g_dir_close(d);
    g_ptr_array_sort(names, cmp_name);
    g_ptr_array_add(names, NULL);
    g_autofree char *list = g_strjoinv(", ", (char **)names->pdata);
    g_ptr_array_free(names, TRUE);
    g_set_error(err, CONFIG_ERROR, 0, "--costs '%s': no such cost model; "
                "expected a FILE.xml or one of: %s", arg, list);
    return NULL;
}

static bool fail_at(GError **err, const char *path, xmlNodePtr n,
                    const char *fmt, const char *a, const char *b)
{
    g_autofree char *msg = g_strdup_printf(fmt, a, b);
    g_set_error(err, CONFIG_ERROR, 0, "%s:%ld: %s", path, xmlGetLineNo(n), msg);
    return false;
}

/* The names sim/costs.def gives, as one literal: "alu mov ... mmio". */
static const char *costs_names_list(void)
{
    return ""
#define COST_CLASS(id, name, what) " " name
#define COST_ITEM(id, name, what) " " name
#include "sim/costs.def"
        + 1;
}

static int cost_index(const char *name)
{
    for (int i = 0; i < COST_COUNT; i++)
        if (!strcmp(cost_names[i], name))
            return i;
    return -1;
}

/* The <source id=...> elements, so cost elements can be checked. */
static bool source_known(xmlNodePtr root, const char *id)
{
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (!is_elem(n, "source"))
            continue;
        g_autofree char *sid = xml_attr(n, "id");
        if (sid && !strcmp(sid, id))
            return true;
    }
    return false;
}

static bool cost_elem(const char *path, xmlNodePtr root, xmlNodePtr n,
                      CostModel *cm, bool seen[COST_COUNT], GError **err)
{
    g_autofree char *name = xml_attr(n, "name");
    g_autofree char *src = xml_attr(n, "source");
    int i = cost_index(name ? name : "");
    if (i < 0)
        return fail_at(err, path, n, "element cost: unknown name '%s'; expected "
                       "one of: %s", name, costs_names_list());
    if (seen[i])
        return fail_at(err, path, n, "element cost: '%s' given twice%s", name, "");
    if (!source_known(root, src ? src : ""))
        return fail_at(err, path, n, "element cost '%s': source='%s' names no "
                       "<source id=...> of this file", name, src ? src : "");
    uint64_t v;
    if (!attr_u64(path, n, "cycles", 0xffff, &v, err))
        return false;
    seen[i] = true;
    cm->cycles[i] = (uint32_t)v;
    cm->source[i] = g_strdup(src);
    return true;
}

bool costs_load(const char *arg, CostModel *cm, GError **err)
{
    memset(cm, 0, sizeof(*cm));
    g_autofree char *path = costs_path(arg, err);
    if (!path)
        return false;
    xmlDocPtr doc = xml_read_valid(path, "costs/costs.rng", err);
    if (!doc)
        return false;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    bool seen[COST_COUNT] = { false };
    bool ok = true;
    cm->name = xml_attr(root, "name");
    cm->path = g_strdup(path);
    for (xmlNodePtr n = root->children; n && ok; n = n->next) {
        if (is_elem(n, "frequency")) {
            uint64_t v = 0;
            g_autofree char *src = xml_attr(n, "source");
            ok = attr_u64(path, n, "mhz", 100000, &v, err);
            if (ok && !source_known(root, src ? src : ""))
                ok = fail_at(err, path, n, "element frequency: source='%s' names "
                             "no <source id=...> of this file%s", src ? src : "", "");
            cm->mhz = (uint32_t)v;
        } else if (is_elem(n, "cost")) {
            ok = cost_elem(path, root, n, cm, seen, err);
        }
    }
    for (unsigned i = 0; ok && i < COST_COUNT; i++)
        if (!seen[i])
            ok = fail_at(err, path, root, "element costs: no <cost name=\"%s\"> "
                         "(every cost of sim/costs.def is required)%s",
                         cost_names[i], "");
    xmlFreeDoc(doc);
    if (!ok)
        costs_clear(cm);
    return ok;
}
