/*
 * traces/tests/test_profile.c: the exit profiler (traces/profile.h):
 * transition and handler cycles of each exit, VM-entry failures, the
 * per-(level, reason) summary and its formats, and that the hooks charge
 * the timing model's transition costs with or without a profiler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/cpu.h"
#include "traces/profile.h"

enum { R_CPUID = 10, R_VMCALL = 18, R_INVALID_GUEST = 33 };

/* Exit at 100 (exit cost 10), handler until 150, entry cost 5: the
 * transition is 15 cycles and the handler 40. */
static void test_profile_exit_transition_and_handler(void **state)
{
    Profiler p;
    profile_init(&p, "t", 1000);
    profile_record_exit(&p, 0, 100, 10, R_CPUID, 7, 0x1000, 0x401000);
    profile_record_entry(&p, 0, 150, 5);
    assert_int_equal(p.count, 1);
    const ProfileExit *e = profile_exit(&p, 0);
    assert_int_equal(e->transition, 15);
    assert_int_equal(e->handler, 40);
    assert_int_equal(e->qual, 7);
    assert_int_equal(e->vmcs, 0x1000);
    assert_int_equal(e->rip, 0x401000);
    assert_int_equal(e->level, 1);
    profile_destroy(&p);
}

/* The first VM entry (VMLAUNCH) completes no exit. */
static void test_profile_first_entry_records_nothing(void **state)
{
    Profiler p;
    profile_init(&p, "t", 1000);
    profile_record_entry(&p, 0, 10, 5);
    assert_int_equal(p.count, 0);
    profile_destroy(&p);
}

/* SDM Vol.3 26.8: a VM-entry failure is reported as a VM exit with bit 31
 * set; the handler before it ends at the failed entry and the failure's
 * own handler runs until the next successful entry. */
static void test_profile_entry_failure_closes_previous_handler(void **state)
{
    Profiler p;
    profile_init(&p, "t", 1000);
    profile_record_exit(&p, 0, 100, 10, R_VMCALL, 0, 0x1000, 0);
    profile_record_exit(&p, 0, 200, 10, R_INVALID_GUEST | (1u << 31), 0, 0x1000, 0);
    profile_record_entry(&p, 0, 300, 5);
    assert_int_equal(profile_exit(&p, 0)->handler, 90);
    assert_int_equal(profile_exit(&p, 0)->transition, 10);
    assert_int_equal(profile_exit(&p, 1)->handler, 90);
    assert_int_equal(profile_exit(&p, 1)->transition, 15);
    profile_destroy(&p);
}

/* An exit whose handler still runs when the run ends is closed there. */
static void test_profile_finish_closes_open_exit(void **state)
{
    Profiler p;
    profile_init(&p, "t", 1000);
    profile_record_exit(&p, 1, 100, 10, R_CPUID, 0, 0, 0);
    profile_finish_cpu(&p, 1, 1000);
    assert_int_equal(profile_exit(&p, 0)->handler, 890);
    profile_destroy(&p);
}

/* The hooks charge the transition costs to the vCPU clock whether or not
 * a profiler is attached (the clock never depends on profiling). */
static void test_profile_hooks_charge_transitions(void **state)
{
    Cpu *cpu = g_new0(Cpu, 1);
    cpu->costs.vmexit = 700;
    cpu->costs.vmentry = 600;
    cpu->cycles = 1000;
    profile_vmexit(cpu, R_CPUID, 0, 0x2000);
    assert_int_equal(cpu->cycles, 1700);
    profile_vmentry(cpu);
    assert_int_equal(cpu->cycles, 2300);

    Profiler p;
    profile_init(&p, "t", 1000);
    cpu->profiler = &p;
    cpu->rip = 0x1234;
    profile_vmexit(cpu, R_CPUID, 0, 0x2000);
    cpu->cycles += 50;             /* the handler's instructions */
    profile_vmentry(cpu);
    assert_int_equal(cpu->cycles, 2300 + 700 + 50 + 600);
    assert_int_equal(p.count, 1);
    assert_int_equal(profile_exit(&p, 0)->transition, 1300);
    assert_int_equal(profile_exit(&p, 0)->handler, 50);
    assert_int_equal(profile_exit(&p, 0)->rip, 0x1234);
    profile_destroy(&p);
    g_free(cpu);
}

/* Records cross chunk boundaries without losing any. */
static void test_profile_many_exits_span_chunks(void **state)
{
    Profiler p;
    profile_init(&p, "t", 1000);
    uint64_t t = 0;
    for (unsigned i = 0; i < PROFILE_CHUNK + 10; i++) {
        profile_record_exit(&p, 0, t, 1, R_CPUID, i, 0, 0);
        profile_record_entry(&p, 0, t + 3, 1);
        t += 10;
    }
    assert_int_equal(p.count, PROFILE_CHUNK + 10);
    assert_int_equal(profile_exit(&p, PROFILE_CHUNK + 9)->qual, PROFILE_CHUNK + 9);
    assert_int_equal(profile_exit(&p, PROFILE_CHUNK + 9)->handler, 2);
    profile_destroy(&p);
}

/* Two CPUID exits (totals 100 and 300) and one VMCALL (total 1000):
 * VMCALL first (most cycles), then CPUID with min 100, median 100 (nearest
 * rank), p99 300, max 300. */
static void build_sample(Profiler *p)
{
    profile_init(p, "tiny", 2000);
    profile_record_exit(p, 0, 0, 50, R_CPUID, 0, 0x1000, 0);
    profile_record_entry(p, 0, 90, 10);       /* 60 transition + 40 handler */
    profile_record_exit(p, 0, 1000, 50, R_CPUID, 0, 0x1000, 0);
    profile_record_entry(p, 0, 1290, 10);     /* 60 + 240 */
    profile_record_exit(p, 0, 2000, 50, R_VMCALL, 0, 0x1000, 0);
    profile_record_entry(p, 0, 2990, 10);     /* 60 + 940 */
}

static void test_profile_text_report_rows(void **state)
{
    Profiler p;
    build_sample(&p);
    g_autoptr(GString) out = g_string_new(NULL);
    profile_report(&p, PROFILE_TEXT, out);
    const char *expect =
        "VM exits: 3, 1400 simulated cycles in exits (cost model tiny, 2000 MHz)\n\n"
        "level  exit reason                             count  count%       cycles cycles%      min       mean   median      p99      max  trans%  handl%\n"
        "    1  VMCALL                                      1  33.33%         1000  71.43%     1000     1000.0     1000     1000     1000   6.00%  94.00%\n"
        "    1  CPUID                                       2  66.67%          400  28.57%      100      200.0      100      300      300  30.00%  70.00%\n";
    assert_string_equal(out->str, expect);
    profile_destroy(&p);
}

static void test_profile_csv_and_json_reports(void **state)
{
    Profiler p;
    build_sample(&p);
    g_autoptr(GString) csv = g_string_new(NULL);
    profile_report(&p, PROFILE_CSV, csv);
    assert_string_equal(csv->str,
        "level,reason,name,count,count_pct,cycles,cycles_pct,min,mean,median,p99,max,transition_cycles,handler_cycles\n"
        "1,18,VMCALL,1,33.33,1000,71.43,1000,1000.0,1000,1000,1000,60,940\n"
        "1,10,CPUID,2,66.67,400,28.57,100,200.0,100,300,300,120,280\n");
    g_autoptr(GString) json = g_string_new(NULL);
    profile_report(&p, PROFILE_JSON, json);
    assert_non_null(strstr(json->str, "\"exits\": 3"));
    assert_non_null(strstr(json->str, "{\"level\": 1, \"reason\": 10, \"name\": \"CPUID\", \"count\": 2"));
    assert_non_null(strstr(json->str, "\"p99\": 300"));
    profile_destroy(&p);
}

static void test_profile_format_by_extension(void **state)
{
    assert_int_equal(profile_format_for("x.csv"), PROFILE_CSV);
    assert_int_equal(profile_format_for("x.json"), PROFILE_JSON);
    assert_int_equal(profile_format_for("x.txt"), PROFILE_TEXT);
    ProfileFormat f;
    assert_true(profile_format_parse("json", &f));
    assert_int_equal(f, PROFILE_JSON);
    assert_false(profile_format_parse("xml", &f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_exit_transition_and_handler),
        cmocka_unit_test(test_profile_first_entry_records_nothing),
        cmocka_unit_test(test_profile_entry_failure_closes_previous_handler),
        cmocka_unit_test(test_profile_finish_closes_open_exit),
        cmocka_unit_test(test_profile_hooks_charge_transitions),
        cmocka_unit_test(test_profile_many_exits_span_chunks),
        cmocka_unit_test(test_profile_text_report_rows),
        cmocka_unit_test(test_profile_csv_and_json_reports),
        cmocka_unit_test(test_profile_format_by_extension),
    };
    return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
