/*
 * tests/guest/cpuid/test_cpuid.c: CPUID and MSR basics. CPUID leaves and
 * the bits every Intel 64 processor reports (SDM Vol.2 CPUID, Table 3-8
 * "Information Returned by CPUID Instruction"); RDMSR/WRMSR of
 * architectural MSRs, #GP(0) for reserved MSR indexes, reserved bits and
 * non-canonical bases (SDM Vol.2 RDMSR, WRMSR; Vol.4 chapter 2
 * "Model-Specific Registers"), and the time-stamp counter (SDM Vol.3
 * 18.17 "Time-Stamp Counter").
 */
#include "rt.h"

#define MSR_TSC            0x10
#define MSR_APIC_BASE      0x1B
#define MSR_SYSENTER_CS    0x174
#define MSR_SYSENTER_EIP   0x176
#define MSR_FS_BASE        0xC0000100
#define MSR_TSC_AUX        0xC0000103
#define MSR_UNDEFINED      0xC0000FFF

static void test_cpuid_leaves(void)
{
    CpuidRegs l0 = cpuid(0, 0);
    char vendor[13];
    memcpy(vendor, &l0.b, 4);
    memcpy(vendor + 4, &l0.d, 4);
    memcpy(vendor + 8, &l0.c, 4);
    vendor[12] = 0;
    report(strcmp(vendor, "GenuineIntel") == 0, "CPUID.0: vendor \"%s\"", vendor);
    report(l0.a >= 7, "CPUID.0: highest basic leaf %u >= 7", l0.a);

    CpuidRegs l1 = cpuid(1, 0);
    uint32_t need = (1u << 0) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) | (1u << 25) | (1u << 26);
    report((l1.d & need) == need, "CPUID.1:EDX has FPU, TSC, MSR, PAE, CX8, SSE, SSE2 (%x)", l1.d);
    report((l1.c & (1u << 5)) != 0, "CPUID.1:ECX.VMX[5] = 1 (vmxsim implements VMX)");
    uint32_t family = (l1.a >> 8) & 0xF;
    report(family == 6 || family == 15, "CPUID.1:EAX family %u", family);

    CpuidRegs e0 = cpuid(0x80000000, 0);
    report(e0.a >= 0x80000008, "CPUID.80000000H: highest extended leaf %x >= 80000008H", e0.a);
    CpuidRegs e1 = cpuid(0x80000001, 0);
    uint32_t lm = (1u << 29) | (1u << 20) | (1u << 11);
    report((e1.d & lm) == lm, "CPUID.80000001H:EDX has LM, NX, SYSCALL (%x)", e1.d);
    CpuidRegs e8 = cpuid(0x80000008, 0);
    unsigned phys = e8.a & 0xFF, lin = (e8.a >> 8) & 0xFF;
    report(phys >= 36 && phys <= 52 && (lin == 48 || lin == 57),
           "CPUID.80000008H: MAXPHYADDR %u, linear %u", phys, lin);

    /* Intel: a leaf above the highest basic leaf (and outside other
     * ranges) returns the highest basic leaf's data (SDM Vol.2 CPUID,
     * "INPUT EAX = 0: Returns CPUID's Highest Value..."). */
    CpuidRegs hi = cpuid(l0.a, 0), over = cpuid(l0.a + 1, 0);
    report(hi.a == over.a && hi.b == over.b && hi.c == over.c && hi.d == over.d,
           "CPUID beyond the highest basic leaf returns the highest basic leaf");
}

static void rdmsr_fn(void *msr) { (void)rdmsr((uint32_t)(uint64_t)msr); }

typedef struct MsrWrite { uint32_t msr; uint64_t v; } MsrWrite;
static void wrmsr_fn(void *a)
{
    const MsrWrite *w = a;
    wrmsr(w->msr, w->v);
}

static bool gp_on_write(uint32_t msr, uint64_t v)
{
    RtExc e;
    MsrWrite w = { msr, v };
    return exc_catch(EXC_GP, wrmsr_fn, &w, &e) && e.error_code == 0;
}

static void test_msrs(void)
{
    uint64_t efer = rdmsr(MSR_EFER);
    report((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA), "IA32_EFER reads LME and LMA (%lx)", efer);
    wrmsr(MSR_EFER, efer | EFER_NXE);
    report(rdmsr(MSR_EFER) & EFER_NXE, "IA32_EFER.NXE is writable");
    wrmsr(MSR_EFER, efer);
    report(gp_on_write(MSR_EFER, efer | (1u << 1)), "WRMSR IA32_EFER with reserved bit 1: #GP(0)");

    RtExc e;
    report(exc_catch(EXC_GP, rdmsr_fn, (void *)(uint64_t)MSR_UNDEFINED, &e) && e.error_code == 0,
           "RDMSR of an unimplemented MSR (%x): #GP(0)", MSR_UNDEFINED);
    report(gp_on_write(MSR_UNDEFINED, 0), "WRMSR of an unimplemented MSR: #GP(0)");

    wrmsr(MSR_SYSENTER_CS, 0x1234);
    report(rdmsr(MSR_SYSENTER_CS) == 0x1234, "IA32_SYSENTER_CS reads back what was written");
    wrmsr(MSR_SYSENTER_CS, 0);
    report(gp_on_write(MSR_SYSENTER_EIP, 0x0000800000000000ULL), "WRMSR IA32_SYSENTER_EIP non-canonical: #GP(0)");
    report(gp_on_write(MSR_FS_BASE, 0x8000000000000000ULL), "WRMSR IA32_FS_BASE non-canonical: #GP(0)");

    uint64_t apic = rdmsr(MSR_APIC_BASE);
    report((apic & 0xFFFFF000ULL) == 0xFEE00000ULL && (apic & (1u << 8)) && (apic & (1u << 11)),
           "IA32_APIC_BASE: base FEE00000H, BSP and enable set (%lx)", apic);
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void test_tsc(void)
{
    uint64_t a = rdtsc(), b = rdtsc();
    report(b > a, "RDTSC increases (%lu then %lu)", a, b);
    wrmsr(MSR_TSC, 1ULL << 40);
    uint64_t c = rdtsc();
    report(c >= (1ULL << 40) && c < (1ULL << 40) + 1000000000ULL, "WRMSR IA32_TSC sets the counter");
    report(rdmsr(MSR_TSC) >= c, "RDMSR IA32_TSC reads the same counter");
    if (cpuid(0x80000001, 0).d & (1u << 27)) {
        wrmsr(MSR_TSC_AUX, 0x42);
        uint32_t lo, hi, aux;
        __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
        report(aux == 0x42, "RDTSCP returns IA32_TSC_AUX in ECX");
    } else {
        report_skip("RDTSCP not in CPUID.80000001H:EDX[27]");
    }
}

void test_main(void)
{
    test_cpuid_leaves();
    test_msrs();
    test_tsc();
}
