/*
 * tests/guest/profile/test_profile.c: a guest with a known number of VM
 * exits, for the exit profiler's golden-file test (issue 6,
 * tests/guest/profile/check_profile.py). A 64-bit guest executes CPUID
 * PROFILE_CPUIDS times (each exits unconditionally: SDM Vol.3 25.1.2
 * "Instructions That Cause VM Exits Unconditionally") and then returns to
 * hv_guest's final VMCALL (also unconditional); a second guest executes
 * VMCALL PROFILE_VMCALLS times before its final VMCALL. So the profile must
 * show 10 CPUID exits and 7 VMCALL exits, all at level 1.
 */
#include "../vmx/hv.h"

#define PROFILE_CPUIDS 10
#define PROFILE_VMCALLS 5

static void g_cpuids(void *a)
{
    (void)a;
    for (int i = 0; i < PROFILE_CPUIDS; i++)
        cpuid(0, 0);
}

static void g_vmcalls(void *a)
{
    (void)a;
    for (int i = 0; i < PROFILE_VMCALLS; i++)
        __asm__ volatile("vmcall" ::: "memory");
}

void test_main(void)
{
    if (!hv_enter_vmx())
        return;
    hv_setup(hv_vmcs);
    uint64_t r = hv_guest(g_cpuids, 0);
    unsigned n = 0;
    while ((r & HV_EXITED) && hv_reason() == R_CPUID) {
        n++;
        r = hv_skip_resume();
    }
    report((r & HV_EXITED) && hv_reason() == R_VMCALL && n == PROFILE_CPUIDS,
           "%d CPUID exits, then the final VMCALL (got %u, reason %u)",
           PROFILE_CPUIDS, n, hv_reason());

    hv_setup(hv_vmcs);
    r = hv_guest(g_vmcalls, 0);
    n = 0;
    while ((r & HV_EXITED) && hv_reason() == R_VMCALL && n < PROFILE_VMCALLS) {
        n++;
        r = hv_skip_resume();
    }
    report((r & HV_EXITED) && hv_reason() == R_VMCALL && n == PROFILE_VMCALLS,
           "%d VMCALL exits, then the final VMCALL (got %u)", PROFILE_VMCALLS, n);
    report(vm_ok(vmxoff()), "VMXOFF");
}
