/*
 * sim/config.c: reading configs/machines/NAME.xml and configs/cpus/NAME.xml (see
 * sim/config.h). Each file is parsed with libxml2, validated against its
 * RelaxNG schema, then copied into plain C structs; libxml2 types stay in
 * this file. The libxml2 error callbacks are installed per parser and per
 * validation context, so no process-wide state is changed.
 */
#include "sim/config.h"
#include "sim/config_xml.h"

#include "mmu/physmem.h"
#include "sim/devices/rtc.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(vmxsim-config-error-quark, config_error)

char *config_dir(void)
{
    const char *env = g_getenv("VMXSIM_CONFIGDIR");
    return g_strdup(env && *env ? env : VMXSIM_CONFIGDIR);
}

bool config_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || g_ascii_isspace(*s))
        return false;
    char *end;
    errno = 0;
    unsigned long long v;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        if (!g_ascii_isxdigit(s[2]))
            return false;
        v = strtoull(s + 2, &end, 16);
    } else {
        v = strtoull(s, &end, 10);
    }
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool config_parse_size(const char *s, uint64_t *out, const char **why)
{
    const char *p = s;
    uint64_t whole = 0;
    if (!g_ascii_isdigit(*p)) {
        *why = "expected a number with an optional suffix K, M, G or T";
        return false;
    }
    for (; g_ascii_isdigit(*p); p++) {
        if (whole > (UINT64_MAX - 9) / 10) {
            *why = "the size is too large";
            return false;
        }
        whole = whole * 10 + (uint64_t)(*p - '0');
    }
    /* Up to 9 fractional digits, kept exactly as a fraction of 1e9. */
    uint64_t frac = 0, frac_scale = 1;
    if (*p == '.') {
        p++;
        if (!g_ascii_isdigit(*p)) {
            *why = "expected digits after the decimal point";
            return false;
        }
        for (; g_ascii_isdigit(*p); p++) {
            if (frac_scale < 1000000000ull) {
                frac = frac * 10 + (uint64_t)(*p - '0');
                frac_scale *= 10;
            }
        }
    }
    unsigned shift;
    switch (g_ascii_toupper(*p)) {
    case '\0': shift = 20; break;       /* QEMU -m: plain numbers are MiB */
    case 'B': shift = 0; break;
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    case 'T': shift = 40; break;
    default:
        *why = "unknown size suffix (expected B, K, M, G or T)";
        return false;
    }
    if (*p && p[1]) {
        *why = "unexpected characters after the size suffix";
        return false;
    }
    if (whole > (UINT64_MAX >> shift)) {
        *why = "the size is too large";
        return false;
    }
    uint64_t v = whole << shift;
    v += (uint64_t)(((unsigned __int128)frac << shift) / frac_scale);
    if (v < (whole << shift)) {
        *why = "the size is too large";
        return false;
    }
    *out = v;
    return true;
}

/* ---- libxml2 plumbing ---- */

typedef struct XmlErrors {
    const char *path;
    GString *text;           /* "FILE:LINE: message" lines */
    GString *unplaced;       /* messages libxml2 gave no line for */
    long first_line;         /* line of the first placed message */
} XmlErrors;

static void xml_errors_init(XmlErrors *xe, const char *path)
{
    xe->path = path;
    xe->text = g_string_new(NULL);
    xe->unplaced = g_string_new(NULL);
    xe->first_line = 0;
}

static void xml_errors_free(XmlErrors *xe)
{
    g_string_free(xe->text, TRUE);
    g_string_free(xe->unplaced, TRUE);
}

static void xml_collect(void *ctx, xmlErrorPtr e)
{
    XmlErrors *xe = ctx;
    if (!e || e->level == XML_ERR_WARNING)
        return;
    long line = e->line;
    if (line <= 0 && e->node)
        line = xmlGetLineNo((xmlNodePtr)e->node);
    g_autofree char *msg = g_strstrip(g_strdup(e->message ? e->message : "error"));
    if (line <= 0) {
        /* Kept to be placed at the line of the element that failed. */
        g_string_append_printf(xe->unplaced, "%s%s", xe->unplaced->len ? "; " : "",
                               msg);
        return;
    }
    if (!xe->first_line)
        xe->first_line = line;
    if (xe->text->len)
        g_string_append_c(xe->text, '\n');
    g_string_append_printf(xe->text, "%s:%ld: %s", xe->path, line, msg);
}

/* Parser errors arrive with the parser context as data; it carries our
 * collector in _private. */
static void xml_collect_parser(void *ctx, xmlErrorPtr e)
{
    xmlParserCtxtPtr pc = ctx;
    xml_collect(pc->_private, e);
}

/* "FILE:LINE: message" lines; messages libxml2 gave no line for (RelaxNG
 * says "Extra element x in interleave" without one) are added to the
 * first placed message, whose element contains them. */
static void xml_fail(GError **err, XmlErrors *xe, const char *fallback)
{
    GString *t = xe->text;
    if (!t->len)
        g_string_append_printf(t, "%s:%ld: %s", xe->path, xe->first_line,
                               xe->unplaced->len ? xe->unplaced->str : fallback);
    else if (xe->unplaced->len) {
        const char *nl = strchr(t->str, '\n');
        g_autofree char *extra = g_strdup_printf(" (%s)", xe->unplaced->str);
        g_string_insert(t, nl ? (gssize)(nl - t->str) : -1, extra);
    }
    g_set_error_literal(err, CONFIG_ERROR, 0, t->str);
}

/* Parse path and validate it against schema_name in the configs directory. */
xmlDocPtr xml_read_valid(const char *path, const char *schema_name,
                                GError **err)
{
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(err, CONFIG_ERROR, 0, "%s: no such file", path);
        return NULL;
    }
    XmlErrors xe;
    xml_errors_init(&xe, path);
    xmlDocPtr doc = NULL;
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    g_assert(pc);
    pc->_private = &xe;
    pc->sax->serror = xml_collect_parser;
    pc->linenumbers = 1;
    doc = xmlCtxtReadFile(pc, path, NULL, XML_PARSE_NONET);
    xmlFreeParserCtxt(pc);
    if (!doc || xe.text->len || xe.unplaced->len) {
        xml_fail(err, &xe, "not well-formed XML");
        xmlFreeDoc(doc);
        xml_errors_free(&xe);
        return NULL;
    }

    g_autofree char *dir = config_dir();
    g_autofree char *schema_path = g_build_filename(dir, schema_name, NULL);
    XmlErrors se;
    xml_errors_init(&se, schema_path);
    xmlRelaxNGParserCtxtPtr rp = xmlRelaxNGNewParserCtxt(schema_path);
    xmlRelaxNGSetParserStructuredErrors(rp, xml_collect, &se);
    xmlRelaxNGPtr schema = xmlRelaxNGParse(rp);
    xmlRelaxNGFreeParserCtxt(rp);
    if (!schema) {
        xml_fail(err, &se, "cannot read the schema (is VMXSIM_CONFIGDIR right?)");
        xml_errors_free(&se);
        xml_errors_free(&xe);
        xmlFreeDoc(doc);
        return NULL;
    }
    xml_errors_free(&se);
    xmlRelaxNGValidCtxtPtr vc = xmlRelaxNGNewValidCtxt(schema);
    xmlRelaxNGSetValidStructuredErrors(vc, xml_collect, &xe);
    int rc = xmlRelaxNGValidateDoc(vc, doc);
    xmlRelaxNGFreeValidCtxt(vc);
    xmlRelaxNGFree(schema);
    if (rc != 0) {
        g_autofree char *what = g_strdup_printf("does not match the schema %s",
                                                schema_name);
        xml_fail(err, &xe, what);
        xml_errors_free(&xe);
        xmlFreeDoc(doc);
        return NULL;
    }
    xml_errors_free(&xe);
    return doc;
}

bool is_elem(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* An attribute as a g_malloc'd string (NULL if absent). */
char *xml_attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = g_strdup((const char *)v);
    xmlFree(v);
    return s;
}

bool attr_u64(const char *path, xmlNodePtr n, const char *name,
                     uint64_t max, uint64_t *out, GError **err)
{
    g_autofree char *s = xml_attr(n, name);
    if (!s || !config_parse_u64(s, out) || *out > max) {
        g_set_error(err, CONFIG_ERROR, 0,
                    "%s:%ld: element %s: attribute %s='%s': expected a number "
                    "from 0 to 0x%llx (decimal or 0x-hex)", path,
                    xmlGetLineNo(n), (const char *)n->name, name, s ? s : "",
                    (unsigned long long)max);
        return false;
    }
    return true;
}

static char *node_text(xmlNodePtr n)
{
    xmlChar *c = xmlNodeGetContent(n);
    char *s = g_strstrip(g_strdup(c ? (const char *)c : ""));
    xmlFree(c);
    return s;
}

/* ---- machine files ---- */

void machine_config_clear(MachineConfig *mc)
{
    g_free(mc->name);
    g_free(mc->cpu);
    g_free(mc->serial_path);
    memset(mc, 0, sizeof(*mc));
}

/* "stdio", "none" or "file:PATH" (also the -serial syntax). */
static bool parse_serial(const char *s, ConsoleKind *kind, char **path)
{
    if (!strcmp(s, "stdio")) {
        *kind = CONSOLE_STDIO;
    } else if (!strcmp(s, "none") || !strcmp(s, "null")) {
        *kind = CONSOLE_NONE;
    } else if (g_str_has_prefix(s, "file:") && s[5]) {
        *kind = CONSOLE_FILE;
        g_free(*path);
        *path = g_strdup(s + 5);
        return true;
    } else {
        return false;
    }
    g_clear_pointer(path, g_free);
    return true;
}

static bool machine_devices(const char *path, xmlNodePtr devs,
                            MachineConfig *mc, GError **err)
{
    uint64_t v, w;
    for (xmlNodePtr n = devs->children; n; n = n->next) {
        if (is_elem(n, "uart16550")) {
            if (!attr_u64(path, n, "iobase", 0xfff8, &v, err))
                return false;
            mc->has_uart = true;
            mc->uart_iobase = (uint16_t)v;
            g_autofree char *s = xml_attr(n, "serial");
            if (s && !parse_serial(s, &mc->serial, &mc->serial_path)) {
                g_set_error(err, CONFIG_ERROR, 0, "%s:%ld: element uart16550: "
                            "serial='%s': expected stdio, none or file:PATH",
                            path, xmlGetLineNo(n), s);
                return false;
            }
        } else if (is_elem(n, "debugcon")) {
            if (!attr_u64(path, n, "iobase", 0xffff, &v, err))
                return false;
            mc->has_debugcon = true;
            mc->debugcon_iobase = (uint16_t)v;
        } else if (is_elem(n, "pic")) {
            if (!attr_u64(path, n, "master", 0xfffe, &v, err) ||
                !attr_u64(path, n, "slave", 0xfffe, &w, err))
                return false;
            mc->has_pic = true;
            mc->pic_master = (uint16_t)v;
            mc->pic_slave = (uint16_t)w;
        } else if (is_elem(n, "ioapic")) {
            mc->has_ioapic = true;
        } else if (is_elem(n, "pit")) {
            mc->has_pit = true;
        } else if (is_elem(n, "rtc")) {
            mc->has_rtc = true;
        } else if (is_elem(n, "pci")) {
            mc->has_pci = true;
        } else if (is_elem(n, "i8042")) {
            mc->has_i8042 = true;
        } else if (is_elem(n, "fw_cfg")) {
            mc->has_fw_cfg = true;
        } else if (is_elem(n, "pmtimer")) {
            if (!attr_u64(path, n, "iobase", 0xfffc, &v, err))
                return false;
            mc->has_pmtimer = true;
            mc->pmtimer_iobase = (uint16_t)v;
        } else if (is_elem(n, "isa-debug-exit")) {
            if (mc->ndebugexit == MACHINE_MAX_DEBUGEXIT) {
                g_set_error(err, CONFIG_ERROR, 0, "%s:%ld: at most %u "
                            "isa-debug-exit devices", path, xmlGetLineNo(n),
                            MACHINE_MAX_DEBUGEXIT);
                return false;
            }
            if (!attr_u64(path, n, "iobase", 0xffff, &v, err) ||
                !attr_u64(path, n, "iosize", 4, &w, err))
                return false;
            if (w == 0 || v + w > 0x10000) {
                g_set_error(err, CONFIG_ERROR, 0, "%s:%ld: isa-debug-exit: "
                            "expected iosize 1, 2 or 4 inside the I/O space",
                            path, xmlGetLineNo(n));
                return false;
            }
            mc->debugexit[mc->ndebugexit].iobase = (uint16_t)v;
            mc->debugexit[mc->ndebugexit].iosize = (uint16_t)w;
            mc->ndebugexit++;
        }
    }
    return true;
}

/* <clock frequency="HZ" date="YYYY-MM-DDTHH:MM:SS"/>, both optional. */
static bool machine_clock(const char *path, xmlNodePtr n, MachineConfig *mc,
                          GError **err)
{
    g_autofree char *f = xml_attr(n, "frequency");
    if (f && (!config_parse_u64(f, &mc->cpu_hz) || mc->cpu_hz < 1000000 ||
              mc->cpu_hz > 100000000000ull)) {
        g_set_error(err, CONFIG_ERROR, 0, "%s:%ld: clock frequency='%s': "
                    "expected a number of Hz from 1000000 to 100000000000",
                    path, xmlGetLineNo(n), f);
        return false;
    }
    g_autofree char *d = xml_attr(n, "date");
    if (d) {
        if (!rtc_parse_date(d, &mc->rtc_start)) {
            g_set_error(err, CONFIG_ERROR, 0, "%s:%ld: clock date='%s': "
                        "expected YYYY-MM-DDTHH:MM:SS (UTC, 1970 to 2199)",
                        path, xmlGetLineNo(n), d);
            return false;
        }
        mc->has_rtc_start = true;
    }
    return true;
}

bool config_load_machine(const char *path, MachineConfig *mc, GError **err)
{
    memset(mc, 0, sizeof(*mc));
    mc->serial = CONSOLE_STDIO;
    xmlDocPtr doc = xml_read_valid(path, "machine.rng", err);
    if (!doc)
        return false;
    bool ok = true;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    mc->name = xml_attr(root, "name");
    for (xmlNodePtr n = root->children; n && ok; n = n->next) {
        if (is_elem(n, "memory")) {
            g_autofree char *s = xml_attr(n, "size");
            const char *why = NULL;
            uint64_t size;
            if (!config_parse_size(s, &size, &why) || size < MACHINE_MIN_RAM ||
                size > MACHINE_MAX_RAM) {
                g_set_error(err, CONFIG_ERROR, 0, "%s:%ld: memory size '%s': "
                            "expected a size from 2M to 8G%s%s", path,
                            xmlGetLineNo(n), s, why ? ": " : "", why ? why : "");
                ok = false;
            }
            mc->ram_size = (size + PAGE_SIZE - 1) & PAGE_MASK;
        } else if (is_elem(n, "cpus")) {
            uint64_t count;
            ok = attr_u64(path, n, "count", MACHINE_MAX_CPUS, &count, err);
            if (ok && count == 0) {
                g_set_error(err, CONFIG_ERROR, 0, "%s:%ld: cpus count: expected "
                            "1 to %u", path, xmlGetLineNo(n), MACHINE_MAX_CPUS);
                ok = false;
            }
            mc->ncpus = (unsigned)count;
            mc->cpu = xml_attr(n, "model");
        } else if (is_elem(n, "clock")) {
            ok = machine_clock(path, n, mc, err);
        } else if (is_elem(n, "devices")) {
            ok = machine_devices(path, n, mc, err);
        }
    }
    xmlFreeDoc(doc);
    if (!ok)
        machine_config_clear(mc);
    return ok;
}

/* ---- CPU model files ---- */

void cpu_model_clear(CpuModel *m)
{
    g_free(m->leaves);
    g_free(m->msrs);
    memset(m, 0, sizeof(*m));
}

static bool cpuid_row(const char *path, xmlNodePtr n, CpuidLeaf *l,
                      GError **err)
{
    static const char *const regs[4] = { "eax", "ebx", "ecx", "edx" };
    uint64_t v;
    if (!attr_u64(path, n, "leaf", UINT32_MAX, &v, err))
        return false;
    l->leaf = (uint32_t)v;
    g_autofree char *sub = xml_attr(n, "subleaf");
    l->has_subleaf = sub != NULL;
    l->subleaf = 0;
    if (sub) {
        if (!attr_u64(path, n, "subleaf", UINT32_MAX, &v, err))
            return false;
        l->subleaf = (uint32_t)v;
    }
    for (int r = 0; r < 4; r++) {
        if (!attr_u64(path, n, regs[r], UINT32_MAX, &v, err))
            return false;
        l->reg[r] = (uint32_t)v;
    }
    return true;
}

bool config_load_cpu_model(const char *path, CpuModel *m, GError **err)
{
    memset(m, 0, sizeof(*m));
    xmlDocPtr doc = xml_read_valid(path, "cpu.rng", err);
    if (!doc)
        return false;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    unsigned nl = 0, nm = 0;
    for (xmlNodePtr n = root->children; n; n = n->next) {
        nl += is_elem(n, "cpuid");
        nm += is_elem(n, "msr");
    }
    m->leaves = g_new0(CpuidLeaf, nl ? nl : 1);
    m->msrs = g_new0(MsrValue, nm ? nm : 1);
    bool ok = true;
    g_autofree char *name = xml_attr(root, "name");
    if (strlen(name) >= sizeof(m->name)) {
        g_set_error(err, CONFIG_ERROR, 0, "%s:%ld: cpu name: expected at most "
                    "%zu characters", path, xmlGetLineNo(root), sizeof(m->name) - 1);
        ok = false;
    } else {
        g_strlcpy(m->name, name, sizeof(m->name));
    }
    for (xmlNodePtr n = root->children; n && ok; n = n->next) {
        if (is_elem(n, "description")) {
            g_autofree char *d = node_text(n);
            g_strlcpy(m->description, d, sizeof(m->description));
        } else if (is_elem(n, "cpuid")) {
            CpuidLeaf *l = &m->leaves[m->nleaves];
            ok = cpuid_row(path, n, l, err);
            for (unsigned i = 0; ok && i < m->nleaves; i++) {
                const CpuidLeaf *o = &m->leaves[i];
                if (o->leaf == l->leaf && o->subleaf == l->subleaf) {
                    g_set_error(err, CONFIG_ERROR, 0, "%s:%ld: cpuid leaf 0x%x "
                                "subleaf 0x%x: listed twice; expected one row per "
                                "leaf and subleaf", path, xmlGetLineNo(n),
                                l->leaf, l->subleaf);
                    ok = false;
                }
            }
            m->nleaves++;
        } else if (is_elem(n, "msr")) {
            MsrValue *r = &m->msrs[m->nmsrs];
            uint64_t idx;
            ok = attr_u64(path, n, "index", UINT32_MAX, &idx, err) &&
                 attr_u64(path, n, "value", UINT64_MAX, &r->value, err);
            r->index = (uint32_t)idx;
            for (unsigned i = 0; ok && i < m->nmsrs; i++) {
                if (m->msrs[i].index == r->index) {
                    g_set_error(err, CONFIG_ERROR, 0, "%s:%ld: msr 0x%x: listed "
                                "twice; expected one row per MSR", path,
                                xmlGetLineNo(n), r->index);
                    ok = false;
                }
            }
            m->nmsrs++;
        }
    }
    xmlFreeDoc(doc);
    if (!ok)
        cpu_model_clear(m);
    return ok;
}
