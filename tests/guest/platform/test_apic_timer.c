/*
 * tests/guest/platform/test_apic_timer.c: the local APIC timer (SDM Vol.3
 * 10.5.4 "APIC Timer", 10.5.4.1 "TSC-Deadline Mode") fires at the
 * simulated time it was programmed for, measured with RDTSC, which reads
 * the same clock. vmxsim's timer input clock runs at the TSC rate (one
 * tick per cycle before the divider, sim/devices/lapic.h). The waits use
 * STI; HLT, so they also check that a halted vCPU wakes when its timer
 * fires. On other hardware the bus clock differs: the expected times are
 * vmxsim's.
 */
#include "rt.h"
#include "platform.h"

#define VEC 0x50
/* Cycles between the timer's expiry and the handler's RDTSC: delivery
 * plus the runtime's interrupt entry. */
#define SLACK 2000

static volatile unsigned fired;
static volatile uint64_t fired_tsc[8];

static void timer_hook(RtFrame *f)
{
    uint64_t t = rdtsc();
    if (fired < 8)
        fired_tsc[fired] = t;
    fired++;
    apic_wr(APIC_EOI, 0);
}

static void wait_fired(unsigned n)
{
    uint64_t t0 = rdtsc();
    while (fired < n && rdtsc() - t0 < 50000000ull)
        sti_hlt();
    cli();
}

/* Arm one-shot with count and divide configuration; check the expiry is
 * count * divisor cycles after the write. */
static void oneshot(uint32_t count, uint32_t tdcr, uint32_t divisor)
{
    fired = 0;
    apic_wr(APIC_TDCR, tdcr);
    apic_wr(APIC_LVT_TIMER, VEC);
    uint64_t t0 = rdtsc();
    apic_wr(APIC_TMICT, count);
    uint64_t t1 = rdtsc();
    uint32_t cur = apic_rd(APIC_TMCCT);
    wait_fired(1);
    /* Report only after the expiry: console output costs cycles. */
    report(cur <= count && cur + 1000 / divisor + 1 > count,
           "one-shot /%u: current count %u counts down from %u", divisor, cur, count);
    uint64_t want = (uint64_t)count * divisor;
    report(fired == 1 && fired_tsc[0] - t0 >= want && fired_tsc[0] - t1 <= want + SLACK,
           "one-shot /%u: count %u fired after %lu cycles (expected %lu)", divisor, count,
           fired_tsc[0] - t0, want);
    report(apic_rd(APIC_TMCCT) == 0, "one-shot: current count 0 after expiry");
}

static void periodic(void)
{
    fired = 0;
    apic_wr(APIC_TDCR, 0xb);                  /* divide by 1 */
    apic_wr(APIC_LVT_TIMER, 0x20000 | VEC);
    uint64_t t0 = rdtsc();
    apic_wr(APIC_TMICT, 30000);
    wait_fired(4);
    apic_wr(APIC_TMICT, 0);                   /* stop */
    report(fired == 4, "periodic: 4 expiries (%u)", fired);
    bool ok = fired_tsc[0] - t0 >= 30000 && fired_tsc[0] - t0 <= 30000 + SLACK;
    for (int i = 1; i < 4; i++) {
        uint64_t d = fired_tsc[i] - fired_tsc[i - 1];
        rt_printf("# period %d: %lu cycles\n", i, d);
        ok &= d + SLACK >= 30000 && d <= 30000 + SLACK;
    }
    report(ok, "periodic: one expiry every 30000 cycles");
    uint64_t t = rdtsc();
    while (rdtsc() - t < 100000)
        pause();
    report(fired == 4, "periodic: an initial count of 0 stops the timer");
}

static void tsc_deadline(void)
{
    if (!(cpuid(1, 0).c & (1u << 24))) {
        report_skip("TSC-deadline mode not enumerated");
        return;
    }
    fired = 0;
    apic_wr(APIC_LVT_TIMER, 0x40000 | VEC);
    uint64_t dl = rdtsc() + 45000;
    wrmsr(MSR_TSC_DEADLINE, dl);
    uint64_t back = rdmsr(MSR_TSC_DEADLINE);
    wait_fired(1);
    report(back == dl, "TSC deadline reads back");
    report(fired == 1 && fired_tsc[0] >= dl && fired_tsc[0] <= dl + SLACK,
           "TSC-deadline: fired %ld cycles after the deadline", (long)(fired_tsc[0] - dl));
    report(rdmsr(MSR_TSC_DEADLINE) == 0, "TSC-deadline: IA32_TSC_DEADLINE is 0 after expiry");
    /* A deadline in the past fires at once. */
    fired = 0;
    wrmsr(MSR_TSC_DEADLINE, 1);
    wait_fired(1);
    report(fired == 1, "TSC-deadline: a past deadline fires at once");
    /* Writing 0 disarms. */
    fired = 0;
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + 20000);
    wrmsr(MSR_TSC_DEADLINE, 0);
    uint64_t t = rdtsc();
    while (rdtsc() - t < 60000)
        pause();
    report(fired == 0, "TSC-deadline: writing 0 disarms");
    apic_wr(APIC_LVT_TIMER, 0x10000 | VEC);
}

static void masked(void)
{
    fired = 0;
    apic_wr(APIC_TDCR, 0xb);
    apic_wr(APIC_LVT_TIMER, 0x10000 | VEC);   /* masked one-shot */
    apic_wr(APIC_TMICT, 1000);
    sti();
    uint64_t t = rdtsc();
    while (rdtsc() - t < 20000)
        pause();
    cli();
    report(fired == 0 && apic_rd(APIC_TMCCT) == 0,
           "masked: the count runs out without an interrupt");
}

void test_main(void)
{
    exc_set_hook(VEC, timer_hook);
    apic_wr(APIC_SVR, 0x1ff);
    report((apic_rd(APIC_VERSION) & 0xff) == 0x14, "version register: integrated APIC (14H)");
    oneshot(100000, 0xb, 1);
    oneshot(5000, 0x3, 16);
    oneshot(700, 0xa, 128);
    periodic();
    tsc_deadline();
    masked();
}
