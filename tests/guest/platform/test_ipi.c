/*
 * tests/guest/platform/test_ipi.c: interprocessor interrupts through the
 * xAPIC ICR (SDM Vol.3 10.6 "Issuing Interprocessor Interrupts"): self
 * IPIs, fixed IPIs BSP -> AP and AP -> BSP (waking a halted CPU), NMI,
 * the broadcast shorthand, logical flat destinations, and the "Send
 * Illegal Vector" error (10.5.3). Run with -smp 2 -append cpus=2; alone,
 * only the self-IPI checks run.
 */
#include "rt.h"
#include "platform.h"

#define V_SELF 0x40
#define V_TO_AP 0x41
#define V_BCAST 0x42
#define V_TO_BSP 0x43
#define V_LOGICAL 0x44

static volatile unsigned hits[2][256];
static volatile unsigned nmis[2];
static volatile bool ap_ready, ap_send;

static unsigned me(void)
{
    return (apic_rd(APIC_ID) >> 24) & 1;
}

static void hook(RtFrame *f)
{
    hits[me()][f->vector & 0xff]++;
    apic_wr(APIC_EOI, 0);
}

static void nmi_hook(RtFrame *f)
{
    nmis[me()]++;
}

static void wait_for(volatile unsigned *p, unsigned v)
{
    uint64_t t0 = rdtsc();
    while (*p < v && rdtsc() - t0 < 20000000ull)
        pause();
}

static void ap_main(unsigned id)
{
    apic_wr(APIC_SVR, 0x1ff);
    apic_wr(APIC_LDR, 2u << 24);              /* logical flat: bit 1 */
    ap_ready = true;
    for (;;) {
        sti_hlt();
        if (ap_send) {
            ap_send = false;
            apic_wr(APIC_ICR_HI, 0);
            apic_wr(APIC_ICR_LO, V_TO_BSP);
        }
    }
}

static void send(uint32_t dest, uint32_t lo)
{
    apic_wr(APIC_ICR_HI, dest << 24);
    apic_wr(APIC_ICR_LO, lo);
}

void test_main(void)
{
    for (int v = 0x40; v < 0x48; v++)
        exc_set_hook(v, hook);
    exc_set_hook(EXC_NMI, nmi_hook);
    apic_wr(APIC_SVR, 0x1ff);
    apic_wr(APIC_LDR, 1u << 24);

    /* Self IPI: pending while IF = 0, taken after STI. */
    send(0, 0x40000 | V_SELF);
    report(apic_rd(APIC_IRR + 0x20) & 1, "self IPI pending in IRR while IF=0");
    sti();
    __asm__ volatile("nop");
    cli();
    report(hits[0][V_SELF] == 1, "self IPI taken after STI");

    /* Send Illegal Vector. */
    apic_wr(APIC_ESR, 0);
    send(0, 0x40000 | 7);
    apic_wr(APIC_ESR, 0);
    report(apic_rd(APIC_ESR) & 0x20, "vector 7: ESR Send Illegal Vector");
    apic_wr(APIC_ESR, 0);

    if (platform_cpus() < 2) {
        report_skip("IPIs between CPUs need -smp 2 -append cpus=2");
        return;
    }
    smp_start_aps(ap_main);
    uint64_t t0 = rdtsc();
    while (!ap_ready && rdtsc() - t0 < 20000000ull)
        pause();
    report(ap_ready, "AP started");

    send(1, V_TO_AP);                         /* fixed, physical 1 */
    wait_for(&hits[1][V_TO_AP], 1);
    report(hits[1][V_TO_AP] == 1 && hits[0][V_TO_AP] == 0, "fixed IPI to APIC 1 woke it");

    send(1, 0x400);                           /* NMI */
    wait_for(&nmis[1], 1);
    report(nmis[1] == 1 && nmis[0] == 0, "NMI IPI to APIC 1");

    send(0, 0xc0000 | V_BCAST);               /* all excluding self */
    wait_for(&hits[1][V_BCAST], 1);
    report(hits[1][V_BCAST] == 1 && hits[0][V_BCAST] == 0, "broadcast excluding self");

    send(2, 0x800 | V_LOGICAL);               /* logical flat, MDA 02H */
    wait_for(&hits[1][V_LOGICAL], 1);
    report(hits[1][V_LOGICAL] == 1 && hits[0][V_LOGICAL] == 0, "logical flat MDA 02H reaches APIC 1 only");

    /* AP -> BSP while the BSP is halted. */
    ap_send = true;
    send(1, V_TO_AP);
    t0 = rdtsc();
    while (hits[0][V_TO_BSP] == 0 && rdtsc() - t0 < 20000000ull)
        sti_hlt();
    cli();
    report(hits[0][V_TO_BSP] == 1, "IPI from APIC 1 woke the halted BSP");
}
