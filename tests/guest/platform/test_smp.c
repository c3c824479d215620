/*
 * tests/guest/platform/test_smp.c: INIT/SIPI bring-up of every AP (run
 * with -smp N and -append cpus=N, N <= 64). Each AP reports its APIC ID three ways (the xAPIC ID
 * register, SDM Vol.3 10.4.6 "Local APIC ID"; CPUID.01H:EBX[31:24]; the
 * x2APIC ID of CPUID.0BH:EDX), its IA32_APIC_BASE (BSP flag clear, SDM
 * Vol.3 10.4.4), then all CPUs add to one counter with LOCK XADD (SDM
 * Vol.3 8.1.2.2 "Software Controlled Bus Locking"). The arrival order and
 * arrival times are printed: the determinism test runs this image twice
 * and requires the same output and cycle counts.
 */
#include "rt.h"
#include "platform.h"

#define MAXCPU 64
#define ADDS 500

static volatile unsigned arrived, done;
static volatile unsigned order[MAXCPU];
static volatile uint32_t id_reg[MAXCPU], id_cpuid1[MAXCPU], id_cpuidb[MAXCPU];
static volatile uint64_t apic_base[MAXCPU], arrive_tsc[MAXCPU];
static volatile uint64_t counter;

static void add_many(void)
{
    for (int i = 0; i < ADDS; i++)
        __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
}

static void ap_main(unsigned id)
{
    if (id >= MAXCPU)
        return;
    id_reg[id] = apic_rd(APIC_ID) >> 24;
    id_cpuid1[id] = cpuid(1, 0).b >> 24;
    id_cpuidb[id] = cpuid(0xb, 0).d;
    apic_base[id] = rdmsr(MSR_APIC_BASE);
    arrive_tsc[id] = rdtsc();
    unsigned slot = __atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
    order[slot] = id;
    add_many();
    __atomic_fetch_add(&done, 1, __ATOMIC_SEQ_CST);
}

void test_main(void)
{
    unsigned ncpu = platform_cpus();
    report((apic_rd(APIC_ID) >> 24) == 0, "BSP xAPIC ID is 0");
    report((rdmsr(MSR_APIC_BASE) & 0x900) == 0x900, "BSP: IA32_APIC_BASE BSP and EN set");
    uint64_t t0 = rdtsc();
    smp_start_aps(ap_main);
    while (arrived < ncpu - 1 && rdtsc() - t0 < 100000000ull)
        pause();
    report(arrived == ncpu - 1, "%u APs started (expected %u)", arrived, ncpu - 1);
    for (unsigned id = 1; id < ncpu; id++) {
        report(id_reg[id] == id && id_cpuid1[id] == id && id_cpuidb[id] == id,
               "AP %u reports APIC ID %u (ID register %u, CPUID.1 %u, CPUID.B %u)",
               id, id, id_reg[id], id_cpuid1[id], id_cpuidb[id]);
        report((apic_base[id] & 0xd00) == 0x800,
               "AP %u: IA32_APIC_BASE %lx (EN set, BSP clear)", id, apic_base[id]);
    }
    add_many();
    while (done < ncpu - 1 && rdtsc() - t0 < 200000000ull)
        pause();
    report(counter == (uint64_t)ncpu * ADDS, "LOCK XADD from %u CPUs: %lu (expected %u)",
           ncpu, counter, ncpu * ADDS);
    rt_printf("# arrival order:");
    for (unsigned i = 0; i < arrived && i < MAXCPU; i++)
        rt_printf(" %u", order[i]);
    rt_printf("\n# arrival times after the first STARTUP:");
    for (unsigned id = 1; id < ncpu; id++)
        rt_printf(" %lu", arrive_tsc[id] - t0);
    rt_printf("\n# BSP TSC at the end: %lu\n", rdtsc() - t0);
}
