/*
 * tests/guest/platform/test_x2apic.c: the switch to x2APIC mode and its
 * MSR interface: SDM Vol.3 10.12.1 "Detecting and Enabling x2APIC Mode",
 * 10.12.1.2 "x2APIC Register Address Space" (Table 10-6), 10.12.1.3
 * "Reserved Bit Checking", 10.12.2 "x2APIC Register Availability",
 * 10.12.5 "x2APIC State Transitions", 10.12.10.2 "Deriving Logical
 * x2APIC ID from the Local x2APIC ID", 10.12.11 "SELF IPI Register".
 */
#include "rt.h"
#include "platform.h"

#define VEC 0x60
#define BASE_EN   0x800ull
#define BASE_EXTD 0x400ull

static volatile unsigned got;
static volatile unsigned last_vec;

static void hook(RtFrame *f)
{
    got++;
    last_vec = (unsigned)f->vector;
    wrmsr(MSR_X2APIC(APIC_EOI), 0);
}

typedef struct MsrOp { uint32_t msr; uint64_t val; bool write; } MsrOp;

static void do_msr(void *arg)
{
    MsrOp *op = arg;
    if (op->write)
        wrmsr(op->msr, op->val);
    else
        op->val = rdmsr(op->msr);
}

static bool gp_rd(uint32_t msr)
{
    MsrOp op = { msr, 0, false };
    RtExc e;
    return exc_catch(EXC_GP, do_msr, &op, &e);
}

static bool gp_wr(uint32_t msr, uint64_t v)
{
    MsrOp op = { msr, v, true };
    RtExc e;
    return exc_catch(EXC_GP, do_msr, &op, &e);
}

void test_main(void)
{
    if (!(cpuid(1, 0).c & (1u << 21))) {
        report_skip("x2APIC not enumerated (CPUID.01H:ECX[21])");
        return;
    }
    exc_set_hook(VEC, hook);
    exc_set_hook(VEC + 1, hook);
    uint64_t base = rdmsr(MSR_APIC_BASE);
    report((base & (BASE_EN | BASE_EXTD)) == BASE_EN, "starts in xAPIC mode (%lx)", base);
    report(gp_rd(MSR_X2APIC(APIC_ID)), "xAPIC mode: RDMSR 802H is #GP");
    report(gp_wr(MSR_X2APIC(APIC_TPR), 0), "xAPIC mode: WRMSR 808H is #GP");

    /* xAPIC -> x2APIC */
    wrmsr(MSR_APIC_BASE, base | BASE_EXTD);
    report((rdmsr(MSR_APIC_BASE) & BASE_EXTD) != 0, "EXTD set: x2APIC mode");
    report(rdmsr(MSR_X2APIC(APIC_ID)) == 0, "x2APIC ID (802H) is 0");
    report(rdmsr(MSR_X2APIC(APIC_LDR)) == 1, "logical x2APIC ID derived: cluster 0, bit 0");
    report((rdmsr(MSR_X2APIC(APIC_VERSION)) & 0xff) == 0x14, "version via 803H");
    report(apic_rd(APIC_VERSION) == 0xffffffffu, "the xAPIC page is not decoded in x2APIC mode");

    /* Access rules. */
    report(gp_rd(MSR_X2APIC(APIC_EOI)), "RDMSR of EOI (write-only) is #GP");
    report(gp_wr(MSR_X2APIC(APIC_EOI), 1), "WRMSR of a non-zero EOI is #GP");
    report(gp_wr(MSR_X2APIC(APIC_ID), 5), "WRMSR of the read-only ID is #GP");
    report(gp_wr(MSR_X2APIC(APIC_LDR), 5), "WRMSR of the read-only LDR is #GP");
    report(gp_rd(0x80e), "no DFR in x2APIC mode (80EH #GP)");
    report(gp_rd(0x831), "no ICR high half (831H #GP)");
    report(gp_wr(MSR_X2APIC(APIC_TPR), 0x100), "TPR bits 31:8 reserved: #GP");
    report(gp_wr(MSR_X2APIC(APIC_SVR), 1ull << 32), "upper 32 bits reserved: #GP");
    report(gp_wr(MSR_X2APIC(APIC_ESR), 1), "WRMSR of a non-zero ESR is #GP");
    report(gp_rd(0x83f), "RDMSR of SELF IPI (write-only) is #GP");

    /* Interrupts through the MSRs. */
    wrmsr(MSR_X2APIC(APIC_SVR), 0x1ff);
    wrmsr(MSR_X2APIC(APIC_TPR), 0);
    got = 0;
    wrmsr(0x83f, VEC);                        /* SELF IPI */
    sti();
    __asm__ volatile("nop");
    cli();
    report(got == 1 && last_vec == VEC, "SELF IPI delivered vector %x", last_vec);
    got = 0;
    wrmsr(MSR_X2APIC(APIC_ICR_LO), 0x40000 | (VEC + 1));   /* shorthand self */
    report(rdmsr(MSR_X2APIC(APIC_ICR_LO)) == (0x40000u | (VEC + 1)), "ICR reads back 64 bits");
    sti();
    __asm__ volatile("nop");
    cli();
    report(got == 1 && last_vec == VEC + 1, "ICR self IPI delivered");
    /* Physical destination = own x2APIC ID 0. */
    got = 0;
    wrmsr(MSR_X2APIC(APIC_ICR_LO), VEC);
    sti();
    __asm__ volatile("nop");
    cli();
    report(got == 1, "ICR physical destination 0 delivered");
    /* Timer through the MSRs. */
    got = 0;
    wrmsr(MSR_X2APIC(APIC_TDCR), 0xb);
    wrmsr(MSR_X2APIC(APIC_LVT_TIMER), VEC);
    uint64_t t0 = rdtsc();
    wrmsr(MSR_X2APIC(APIC_TMICT), 20000);
    while (!got && rdtsc() - t0 < 10000000)
        sti_hlt();
    cli();
    report(got == 1 && rdtsc() - t0 >= 20000, "x2APIC timer fired after %lu cycles", rdtsc() - t0);

    /* x2APIC -> xAPIC directly is illegal; via disabled it works. */
    report(gp_wr(MSR_APIC_BASE, base), "x2APIC -> xAPIC is #GP");
    wrmsr(MSR_APIC_BASE, base & ~(BASE_EN | BASE_EXTD));
    report(gp_wr(MSR_APIC_BASE, base | BASE_EXTD), "disabled -> x2APIC is #GP");
    report(gp_wr(MSR_APIC_BASE, (base & ~BASE_EN) | BASE_EXTD), "EN=0 EXTD=1 is #GP");
    report((cpuid(1, 0).d & (1u << 9)) == 0, "disabled: CPUID.01H:EDX.APIC clear");
    wrmsr(MSR_APIC_BASE, base);
    report(rdmsr(MSR_APIC_BASE) == base, "disabled -> xAPIC");
    report(apic_rd(APIC_SVR) == 0xff, "after disable the APIC is in its power-up state (SVR FFH)");
    report(apic_rd(APIC_VERSION) != 0xffffffffu, "the xAPIC page is back");
    /* Leave the BSP as firmware had it for the runtime. */
    apic_wr(APIC_SVR, 0x1ff);
}
