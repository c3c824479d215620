/*
 * bench/vmx_exit_main.c: the VM-exit round-trip benchmark image. Kernel
 * command line "exits=N" (default 1,000,000) sets the number of CPUID
 * round trips (bench/vmx_exit_loop.S); "vpid" runs the guest with VPID 1
 * (SDM Vol.3 28.3.3.3: without VPIDs, every VM entry and exit invalidates
 * the linear mappings of VPID 0; with them, neither needs to). The VMCS is the test hypervisor's
 * (tests/guest/vmx/hv.c), so VM entry checks every field as usual.
 */
#include "hv.h"

extern uint64_t vmx_exit_loop(uint64_t n);
extern char vmx_exit_guest[];

static bool has_word(const char *cmd, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = cmd; *p; p++)
        if ((p == cmd || p[-1] == ' ') && strncmp(p, w, n) == 0 && (p[n] == 0 || p[n] == ' '))
            return true;
    return false;
}

static uint64_t exits(const char *cmd)
{
    for (const char *p = cmd; *p; p++) {
        if ((p == cmd || p[-1] == ' ') && strncmp(p, "exits=", 6) == 0) {
            uint64_t n = 0;
            for (p += 6; *p >= '0' && *p <= '9'; p++)
                n = n * 10 + (uint64_t)(*p - '0');
            return n;
        }
    }
    return 1000000;
}

void test_main(void)
{
    if (!hv_enter_vmx())
        return;
    uint64_t n = exits(rt_cmdline());
    hv_setup(hv_vmcs);
    vmwrite(F_GUEST_RIP, (uint64_t)vmx_exit_guest);
    bool vpid = has_word(rt_cmdline(), "vpid") && hv_allowed(MSR_VMX_PROC2, PROC2_ENABLE_VPID);
    if (vpid) {
        vmwrite(F_PROC, vmread(F_PROC) | PROC_SECONDARY);
        vmwrite(F_PROC2, hv_ctl(MSR_VMX_PROC2, PROC2_ENABLE_VPID));
        vmwrite(F_VPID, 1);
    }
    uint64_t r = n ? vmx_exit_loop(n) : 0;
    rt_printf("# vmx-exits: %lu CPUID round trips%s, result %lx\n", n, vpid ? " with VPID 1" : "", r);
    report(r == 0, "every round trip exited with reason 10 and resumed");
    report(vm_ok(vmclear((uint64_t)hv_vmcs)) && vm_ok(vmxoff()), "VMCLEAR and VMXOFF");
}
