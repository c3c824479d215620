/*
 * tests/guest/platform/smp.c: AP start-up by the INIT-SIPI-SIPI sequence
 * of SDM Vol.3 8.4.4.1 "Typical BSP Initialization Sequence" (broadcast
 * to all excluding self, 10.6.1 "Interrupt Command Register (ICR)").
 */
#include "rt.h"
#include "platform.h"

#define AP_TRAMP 0x8000
#define AP_STACK_SIZE 16384
#define MAX_CPUS 64

extern char ap_tramp[], ap_tramp_end[], ap_tramp_gdtr[], ap_tramp_idtr[];
extern char ap_tramp_cr3[], ap_tramp_entry[], ap_tramp_stacks[], ap_tramp_stack_size[];

static uint8_t ap_stacks[MAX_CPUS + 1][AP_STACK_SIZE] __attribute__((aligned(16)));

static void *tramp_field(char *sym)
{
    return (void *)(uintptr_t)(AP_TRAMP + (sym - ap_tramp));
}

void smp_start_aps(void (*entry)(unsigned apic_id))
{
    memcpy((void *)AP_TRAMP, ap_tramp, (size_t)(ap_tramp_end - ap_tramp));
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr, idtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    __asm__ volatile("sidt %0" : "=m"(idtr));
    uint16_t *g = tramp_field(ap_tramp_gdtr);
    g[0] = gdtr.limit;
    *(uint32_t *)(g + 1) = (uint32_t)gdtr.base;
    memcpy(tramp_field(ap_tramp_idtr), &idtr, sizeof idtr);
    *(uint64_t *)tramp_field(ap_tramp_cr3) = read_cr3();
    *(uint64_t *)tramp_field(ap_tramp_entry) = (uint64_t)entry;
    *(uint64_t *)tramp_field(ap_tramp_stacks) = (uint64_t)ap_stacks;
    *(uint64_t *)tramp_field(ap_tramp_stack_size) = AP_STACK_SIZE;
    apic_wr(APIC_ICR_HI, 0);
    apic_wr(APIC_ICR_LO, 0x000c4500);              /* INIT, assert, all excl. self */
    for (int i = 0; i < 2; i++)
        apic_wr(APIC_ICR_LO, 0x000c4600 | (AP_TRAMP >> 12));   /* STARTUP */
}

unsigned platform_cpus(void)
{
    const char *c = rt_cmdline();
    for (; *c; c++) {
        if (strncmp(c, "cpus=", 5) == 0 && (c == rt_cmdline() || c[-1] == ' ')) {
            unsigned n = 0;
            for (c += 5; *c >= '0' && *c <= '9'; c++)
                n = n * 10 + (unsigned)(*c - '0');
            return n ? n : 1;
        }
    }
    return 1;
}
