/*
 * tests/guest/vmx/test_vmx.c: VMX instructions and one full VM entry/exit
 * round trip, checked against SDM Vol.3 30.2 "Conventions" (VMsucceed,
 * VMfailInvalid, VMfailValid), 30.3 "VMX Instructions" (each instruction's
 * pseudocode), 30.4 "VM Instruction Error Numbers", 26 "VM Entries" and 27
 * "VM Exits". The hypervisor is the shared test library (hv.h), which
 * builds its VMCS from the capability MSRs (Appendix A), so the same image
 * runs on real VMX hardware. The detailed cases live in the vmx-insn,
 * vmx-exits and vmx-shadow images; this one is the smoke test.
 */
#include "hv.h"

static uint8_t vmcs_b[4096] __attribute__((aligned(4096)));

static void do_vmxon_without_vmxe(void *arg) { (void)arg; vmxon((uint64_t)hv_vmxon_region); }

/* The guest: CPUID (exits unconditionally, SDM 25.1.2), then a marker in
 * RBX and VMCALL (VMCALL exits in non-root operation). */
extern char guest_cpuid_insn[], guest_vmcall_insn[];
static void guest_fn(void *arg)
{
    (void)arg;
    __asm__ volatile("xor %%eax, %%eax; xor %%ecx, %%ecx\n"
                     ".globl guest_cpuid_insn\nguest_cpuid_insn: cpuid\n"
                     "mov $0x1234, %%ebx\n"
                     ".globl guest_vmcall_insn\nguest_vmcall_insn: vmcall"
                     ::: "rax", "rbx", "rcx", "rdx", "memory");
}

void test_main(void)
{
    if (!(cpuid(1, 0).c & (1u << 5))) {
        report_skip("CPUID.1:ECX.VMX is 0: no VMX on this processor");
        return;
    }
    RtExc rec;
    write_cr4(read_cr4() & ~CR4_VMXE_BIT);
    *(uint32_t *)hv_vmxon_region = hv_revision();
    report(exc_catch(EXC_UD, do_vmxon_without_vmxe, 0, &rec), "VMXON with CR4.VMXE=0 is #UD (30.3 VMXON)");
    if (!hv_enter_vmx())
        return;
    report((rdmsr(MSR_FEATURE_CONTROL) & 5) == 5, "IA32_FEATURE_CONTROL locked with VMX outside SMX");
    report(vm_fail_invalid(vmxon((uint64_t)hv_vmxon_region)), "VMXON in VMX root without a current VMCS: VMfailInvalid");

    uint64_t p = 0;
    report(vm_ok(vmptrst(&p)) && p == ~0ull, "VMPTRST after VMXON stores FFFFFFFF_FFFFFFFFH");
    *(uint32_t *)hv_vmcs = hv_revision();
    *(uint32_t *)vmcs_b = hv_revision() ^ 2;
    report(vm_ok(vmclear((uint64_t)hv_vmcs)), "VMCLEAR succeeds");
    report(vm_ok(vmptrld((uint64_t)hv_vmcs)), "VMPTRLD succeeds");
    report(vm_ok(vmptrst(&p)) && p == (uint64_t)hv_vmcs, "VMPTRST stores the current-VMCS pointer");
    report(vm_fail_valid(vmptrld((uint64_t)vmcs_b), 11), "VMPTRLD with a wrong revision: VMfailValid(11)");
    report(vm_fail_valid(vmclear((uint64_t)hv_vmxon_region), 3), "VMCLEAR of the VMXON pointer: VMfailValid(3)");
    report(vm_fail_valid(vmxon((uint64_t)hv_vmxon_region), 15), "VMXON in VMX root operation: VMfailValid(15)");
    uint64_t v;
    report(vm_fail_valid(vmread_f(0x7fff, &v), 12), "VMREAD of an unsupported field: VMfailValid(12)");

    /* VM entry with a control that has no allowed-1 setting (pin bit 31). */
    hv_setup(hv_vmcs);
    vmwrite(F_PIN, vmread(F_PIN) | (1u << 31));
    uint64_t f = hv_guest(guest_fn, NULL);
    report(!(f & HV_EXITED) && vm_fail_valid(f, 7), "VMLAUNCH with a reserved pin control set: VMfailValid(7)");
    report(vm_fail_valid(hv_run(0), 5), "VMRESUME of a clear VMCS: VMfailValid(5)");

    /* Guest-state failure: RFLAGS bit 1 clear is exit reason 33 with bit
     * 31 set, and the host continues (26.3.1.4, 26.8). */
    hv_setup(hv_vmcs);
    vmwrite(F_GUEST_RFLAGS, 0);
    f = hv_run(1);
    report((f & HV_EXITED) && vmread(F_EXIT_REASON) == (0x80000000u | 33) && hv_qual() == 0,
           "guest RFLAGS[1]=0: VM-entry failure, exit reason 33 | bit 31, qualification 0");

    /* A full round trip: CPUID exits with its length, the host skips it
     * and resumes, VMCALL exits. */
    hv_setup(hv_vmcs);
    f = hv_guest(guest_fn, NULL);
    report((f & HV_EXITED) != 0, "VMLAUNCH enters the guest and a VM exit returns to HOST_RIP");
    report(hv_reason() == R_CPUID, "CPUID in the guest: exit reason 10 (got 0x%x)", hv_reason());
    report(vmread(F_GUEST_RIP) == (uint64_t)guest_cpuid_insn, "GUEST_RIP is the CPUID instruction");
    report(vmread(F_EXIT_INSN_LEN) == 2, "VM-exit instruction length of CPUID is 2");
    f = hv_skip_resume();
    report((f & HV_EXITED) && hv_reason() == R_VMCALL, "VMRESUME, then VMCALL in the guest: exit reason 18");
    report(hv_gpr[3] == 0x1234, "the guest's RBX at the exit is what the guest set");
    report(vmread(F_GUEST_RIP) == (uint64_t)guest_vmcall_insn, "GUEST_RIP is the VMCALL instruction");
    report(vm_fail_valid(hv_run(1), 4), "VMLAUNCH of a launched VMCS: VMfailValid(4)");

    report(vm_ok(vmclear((uint64_t)hv_vmcs)), "VMCLEAR of the current VMCS");
    report(vm_ok(vmptrst(&p)) && p == ~0ull, "VMCLEAR of the current VMCS invalidates the current-VMCS pointer");
    report(vm_ok(vmxoff()), "VMXOFF succeeds");
}
