/*
 * traces/profile.c: the exit profiler declared in traces/profile.h:
 * recording (the VM exit and VM entry hooks) and the end-of-run report.
 * Exit-reason names come from vmx/exit_reasons.def (SDM Vol.3 Appendix C
 * "VMX Basic Exit Reasons"); bit 31 of the exit-reason field marks a
 * VM-entry failure (SDM Vol.3 24.9.1 "Basic VM-Exit Information").
 *
 * The hooks read the vCPU (cpu/cpu.h) only for its clock, costs, index and
 * RIP; everything else here works on plain values.
 */
#include "traces/profile.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cpu/cpu.h"

static const char *const reason_names[128] = {
#define EXIT_REASON(name, number, has_instruction_length) [number] = #name,
#include "vmx/exit_reasons.def"
};

void profile_init(Profiler *p, const char *model, uint32_t mhz)
{
    memset(p, 0, sizeof(*p));
    p->model = g_strdup(model ? model : "");
    p->mhz = mhz;
}

void profile_destroy(Profiler *p)
{
    for (size_t i = 0; i < p->nchunks; i++)
        g_free(p->chunks[i]);
    g_free(p->chunks);
    g_free(p->model);
    memset(p, 0, sizeof(*p));
}

static ProfileExit *exit_at(const Profiler *p, uint64_t i)
{
    return &p->chunks[i / PROFILE_CHUNK][i % PROFILE_CHUNK];
}

const ProfileExit *profile_exit(const Profiler *p, uint64_t i)
{
    g_assert(i < p->count);
    return exit_at(p, i);
}

/* The handler of the exit still open on this vCPU ends at `at`. */
static void close_open(Profiler *p, ProfileCpu *pc, uint64_t at)
{
    if (!pc->open)
        return;
    ProfileExit *e = exit_at(p, pc->open - 1);
    e->handler = at - pc->handler_start;
    pc->open = 0;
}

void profile_record_exit(Profiler *p, uint32_t cpu, uint64_t at, uint32_t cost,
                         uint32_t reason, uint64_t qual, uint64_t vmcs,
                         uint64_t rip)
{
    g_assert(cpu < PROFILE_MAX_CPUS);
    ProfileCpu *pc = &p->cpu[cpu];
    /* A VM-entry failure is reported as an exit while the previous exit's
     * handler was still running (no entry happened): that handler ends
     * with the failed entry. */
    close_open(p, pc, at);
    if (p->count == (uint64_t)p->nchunks * PROFILE_CHUNK) {
        p->chunks = g_renew(ProfileExit *, p->chunks, p->nchunks + 1);
        p->chunks[p->nchunks++] = g_new(ProfileExit, PROFILE_CHUNK);
    }
    ProfileExit *e = exit_at(p, p->count++);
    *e = (ProfileExit){
        .at = at, .vmcs = vmcs, .rip = rip, .qual = qual, .handler = 0,
        .transition = cost, .reason = reason, .cpu = cpu, .level = 1,
    };
    pc->open = p->count;
    pc->handler_start = at + cost;
}

void profile_record_entry(Profiler *p, uint32_t cpu, uint64_t at, uint32_t cost)
{
    g_assert(cpu < PROFILE_MAX_CPUS);
    ProfileCpu *pc = &p->cpu[cpu];
    if (!pc->open)
        return;            /* the first VMLAUNCH: no exit to complete */
    exit_at(p, pc->open - 1)->transition += cost;
    close_open(p, pc, at);
}

void profile_finish_cpu(Profiler *p, uint32_t cpu, uint64_t now)
{
    g_assert(cpu < PROFILE_MAX_CPUS);
    close_open(p, &p->cpu[cpu], now);
}

void profile_vmexit(Cpu *cpu, uint32_t reason, uint64_t qual, uint64_t vmcs)
{
    uint64_t at = cpu->cycles;
    cpu->cycles += cpu->costs.vmexit;
    if (SIM_UNLIKELY(cpu->profiler != NULL))
        profile_record_exit(cpu->profiler, cpu->index, at, cpu->costs.vmexit,
                            reason, qual, vmcs, cpu->rip);
}

void profile_vmentry(Cpu *cpu)
{
    uint64_t at = cpu->cycles;
    cpu->cycles += cpu->costs.vmentry;
    if (SIM_UNLIKELY(cpu->profiler != NULL))
        profile_record_entry(cpu->profiler, cpu->index, at, cpu->costs.vmentry);
}

/* ---- the report ---- */

typedef struct ProfileRow {
    uint8_t level;
    uint32_t reason;
    uint64_t count, cycles, transition, handler;
    uint64_t min, median, p99, max;
} ProfileRow;

static uint64_t exit_total(const ProfileExit *e)
{
    return e->transition + e->handler;
}

/* Records ordered by (level, reason, total cycles): a group is a run. */
static int cmp_by_group(const void *a, const void *b)
{
    const ProfileExit *x = *(const ProfileExit *const *)a;
    const ProfileExit *y = *(const ProfileExit *const *)b;
    if (x->level != y->level)
        return x->level < y->level ? -1 : 1;
    if (x->reason != y->reason)
        return x->reason < y->reason ? -1 : 1;
    uint64_t tx = exit_total(x), ty = exit_total(y);
    return tx < ty ? -1 : tx > ty;
}

/* Rows by level, then most cycles first, then reason: a total order. */
static int cmp_rows(const void *a, const void *b)
{
    const ProfileRow *x = a, *y = b;
    if (x->level != y->level)
        return x->level < y->level ? -1 : 1;
    if (x->cycles != y->cycles)
        return x->cycles > y->cycles ? -1 : 1;
    return x->reason < y->reason ? -1 : x->reason > y->reason;
}

/* Nearest-rank percentile of n sorted values (n > 0). */
static uint64_t rank(const ProfileExit *const *v, uint64_t n, unsigned pct)
{
    uint64_t k = (n * pct + 99) / 100;
    return exit_total(v[k ? k - 1 : 0]);
}

static ProfileRow *profile_rows(const Profiler *p, size_t *nrows)
{
    const ProfileExit **v = g_new(const ProfileExit *, p->count ? p->count : 1);
    for (uint64_t i = 0; i < p->count; i++)
        v[i] = exit_at(p, i);
    qsort(v, p->count, sizeof(*v), cmp_by_group);
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(ProfileRow));
    for (uint64_t i = 0; i < p->count;) {
        uint64_t j = i;
        ProfileRow r = { .level = v[i]->level, .reason = v[i]->reason };
        for (; j < p->count && v[j]->level == r.level && v[j]->reason == r.reason; j++) {
            r.count++;
            r.cycles += exit_total(v[j]);
            r.transition += v[j]->transition;
            r.handler += v[j]->handler;
        }
        r.min = exit_total(v[i]);
        r.max = exit_total(v[j - 1]);
        r.median = rank(v + i, j - i, 50);
        r.p99 = rank(v + i, j - i, 99);
        g_array_append_val(rows, r);
        i = j;
    }
    g_free(v);
    g_array_sort(rows, cmp_rows);
    *nrows = rows->len;
    return (ProfileRow *)g_array_free(rows, FALSE);
}

static void reason_name(uint32_t reason, char *buf, size_t size)
{
    unsigned basic = reason & 0xffff;
    const char *n = basic < G_N_ELEMENTS(reason_names) ? reason_names[basic] : NULL;
    if (n)
        snprintf(buf, size, "%s%s", n, (reason & (1u << 31)) ? " (entry failure)" : "");
    else
        snprintf(buf, size, "REASON_%u%s", basic, (reason & (1u << 31)) ? " (entry failure)" : "");
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void report_text(const Profiler *p, const ProfileRow *rows, size_t n,
                        uint64_t exits, uint64_t cycles, GString *out)
{
    g_string_append_printf(out, "VM exits: %" PRIu64 ", %" PRIu64 " simulated cycles "
                           "in exits (cost model %s, %" PRIu32 " MHz)\n\n",
                           exits, cycles, p->model, p->mhz);
    g_string_append_printf(out, "%5s  %-36s %8s %7s %12s %7s %8s %10s %8s %8s %8s %7s %7s\n",
                           "level", "exit reason", "count", "count%", "cycles",
                           "cycles%", "min", "mean", "median", "p99", "max",
                           "trans%", "handl%");
    for (size_t i = 0; i < n; i++) {
        const ProfileRow *r = &rows[i];
        char name[64];
        reason_name(r->reason, name, sizeof(name));
        g_string_append_printf(out, "%5u  %-36s %8" PRIu64 " %6.2f%% %12" PRIu64
                               " %6.2f%% %8" PRIu64 " %10.1f %8" PRIu64 " %8" PRIu64
                               " %8" PRIu64 " %6.2f%% %6.2f%%\n",
                               r->level, name, r->count, pct(r->count, exits),
                               r->cycles, pct(r->cycles, cycles), r->min,
                               (double)r->cycles / (double)r->count, r->median,
                               r->p99, r->max, pct(r->transition, r->cycles),
                               pct(r->handler, r->cycles));
    }
}

static void report_csv(const ProfileRow *rows, size_t n, uint64_t exits,
                       uint64_t cycles, GString *out)
{
    g_string_append(out, "level,reason,name,count,count_pct,cycles,cycles_pct,min,"
                    "mean,median,p99,max,transition_cycles,handler_cycles\n");
    for (size_t i = 0; i < n; i++) {
        const ProfileRow *r = &rows[i];
        char name[64];
        reason_name(r->reason, name, sizeof(name));
        g_string_append_printf(out, "%u,%" PRIu32 ",%s,%" PRIu64 ",%.2f,%" PRIu64
                               ",%.2f,%" PRIu64 ",%.1f,%" PRIu64 ",%" PRIu64 ",%" PRIu64
                               ",%" PRIu64 ",%" PRIu64 "\n",
                               r->level, r->reason, name, r->count, pct(r->count, exits),
                               r->cycles, pct(r->cycles, cycles), r->min,
                               (double)r->cycles / (double)r->count, r->median,
                               r->p99, r->max, r->transition, r->handler);
    }
}

static void report_json(const Profiler *p, const ProfileRow *rows, size_t n,
                        uint64_t exits, uint64_t cycles, GString *out)
{
    g_autofree char *model = g_strescape(p->model, NULL);
    g_string_append_printf(out, "{\n  \"cost_model\": \"%s\",\n  \"mhz\": %" PRIu32
                           ",\n  \"exits\": %" PRIu64 ",\n  \"cycles\": %" PRIu64
                           ",\n  \"rows\": [", model, p->mhz, exits, cycles);
    for (size_t i = 0; i < n; i++) {
        const ProfileRow *r = &rows[i];
        char name[64];
        reason_name(r->reason, name, sizeof(name));
        g_string_append_printf(out, "%s\n    {\"level\": %u, \"reason\": %" PRIu32
                               ", \"name\": \"%s\", \"count\": %" PRIu64
                               ", \"count_pct\": %.2f, \"cycles\": %" PRIu64
                               ", \"cycles_pct\": %.2f, \"min\": %" PRIu64
                               ", \"mean\": %.1f, \"median\": %" PRIu64 ", \"p99\": %" PRIu64
                               ", \"max\": %" PRIu64 ", \"transition_cycles\": %" PRIu64
                               ", \"handler_cycles\": %" PRIu64 "}",
                               i ? "," : "", r->level, r->reason, name, r->count,
                               pct(r->count, exits), r->cycles, pct(r->cycles, cycles),
                               r->min, (double)r->cycles / (double)r->count, r->median,
                               r->p99, r->max, r->transition, r->handler);
    }
    g_string_append(out, n ? "\n  ]\n}\n" : "]\n}\n");
}

void profile_report(const Profiler *p, ProfileFormat f, GString *out)
{
    size_t n;
    ProfileRow *rows = profile_rows(p, &n);
    uint64_t cycles = 0;
    for (size_t i = 0; i < n; i++)
        cycles += rows[i].cycles;
    switch (f) {
    case PROFILE_CSV: report_csv(rows, n, p->count, cycles, out); break;
    case PROFILE_JSON: report_json(p, rows, n, p->count, cycles, out); break;
    default: report_text(p, rows, n, p->count, cycles, out); break;
    }
    g_free(rows);
}

ProfileFormat profile_format_for(const char *path)
{
    if (g_str_has_suffix(path, ".csv"))
        return PROFILE_CSV;
    if (g_str_has_suffix(path, ".json"))
        return PROFILE_JSON;
    return PROFILE_TEXT;
}

bool profile_format_parse(const char *s, ProfileFormat *f)
{
    static const char *const names[] = { [PROFILE_TEXT] = "text", [PROFILE_CSV] = "csv",
                                         [PROFILE_JSON] = "json" };
    for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
        if (!strcmp(s, names[i])) {
            *f = (ProfileFormat)i;
            return true;
        }
    return false;
}

bool profile_write(const Profiler *p, ProfileFormat f, const char *path,
                   GError **err)
{
    g_autoptr(GString) out = g_string_new(NULL);
    profile_report(p, f, out);
    return g_file_set_contents(path, out->str, (gssize)out->len, err);
}
