/*
 * tests/guest/vmx/hv.c: the test hypervisor of hv.h. The VMCS it builds
 * follows SDM Vol.3 26.2 "Checks on VMX Controls and Host-State Area" and
 * 26.3.1 "Checks on the Guest State Area": controls from the TRUE
 * capability MSRs (Appendix A.2-A.5), host state = the runtime's 64-bit
 * ring-0 context, guest state = a copy of it running hv_guest_entry.
 */
#include "hv.h"

extern char hv_exit_entry[], hv_guest_entry[];

uint8_t hv_vmxon_region[4096] __attribute__((aligned(4096)));
uint8_t hv_vmcs[4096] __attribute__((aligned(4096)));
static uint8_t host_stack[16384] __attribute__((aligned(16)));
static uint8_t guest_stack[16384] __attribute__((aligned(16)));
/* Whether the current VMCS has been launched (VMRESUME next). */
static bool launched;

bool vm_fail_valid(uint64_t f, unsigned error)
{
    return (f & FLAG_ARITH) == FLAG_ZF && vmread(F_VM_INSTRUCTION_ERROR) == error;
}

uint32_t hv_ctl(uint32_t msr, uint32_t want)
{
    uint64_t c = rdmsr(msr);
    return ((uint32_t)c | want) & (uint32_t)(c >> 32);
}

bool hv_allowed(uint32_t msr, uint32_t bits)
{
    return ((uint32_t)(rdmsr(msr) >> 32) & bits) == bits;
}

uint32_t hv_revision(void)
{
    return (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
}

uint64_t hv_desc_base(uint16_t sel)
{
    uint64_t lo = rt_gdt[sel >> 3], hi = rt_gdt[(sel >> 3) + 1];
    return ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24) | ((hi & 0xffffffff) << 32);
}

uint16_t hv_sel(int which)
{
    uint16_t v = 0;
    switch (which) {
    case 0: __asm__ volatile("mov %%es, %0" : "=r"(v)); break;
    case 1: __asm__ volatile("mov %%cs, %0" : "=r"(v)); break;
    case 2: __asm__ volatile("mov %%ss, %0" : "=r"(v)); break;
    case 3: __asm__ volatile("mov %%ds, %0" : "=r"(v)); break;
    case 4: __asm__ volatile("mov %%fs, %0" : "=r"(v)); break;
    case 5: __asm__ volatile("mov %%gs, %0" : "=r"(v)); break;
    case 6: __asm__ volatile("sldt %0" : "=r"(v)); break;
    default: __asm__ volatile("str %0" : "=r"(v)); break;
    }
    return v;
}

bool hv_enter_vmx(void)
{
    if (!(cpuid(1, 0).c & (1u << 5))) {
        report_skip("CPUID.1:ECX.VMX is 0: no VMX on this processor");
        return false;
    }
    /* Firmware normally locks IA32_FEATURE_CONTROL with VMX allowed
     * outside SMX (SDM Vol.3 23.7); do it here if it has not. */
    uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
    if (!(fc & 1))
        wrmsr(MSR_FEATURE_CONTROL, fc | 5);
    write_cr0(read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0));
    write_cr4(read_cr4() | CR4_VMXE_BIT | (uint32_t)rdmsr(MSR_VMX_CR4_FIXED0));
    *(uint32_t *)hv_vmxon_region = hv_revision();
    return report(vm_ok(vmxon((uint64_t)hv_vmxon_region)), "hv: VMXON succeeds");
}

void hv_setup_current(void)
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr, idtr;
    __asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
    uint16_t tr = hv_sel(7);
    uint32_t proc = hv_ctl(MSR_VMX_TRUE_PROC, 0);
    /* Turn off the exiting controls a part may force to 1 where the
     * TRUE MSR allows 0 (CR3 load/store exiting by default). */
    vmwrite(F_PIN, hv_ctl(MSR_VMX_TRUE_PIN, 0));
    vmwrite(F_PROC, proc);
    vmwrite(F_PROC2, 0);
    vmwrite(F_EXIT_CONTROLS, hv_ctl(MSR_VMX_TRUE_EXIT, EXIT_HOST_64));
    vmwrite(F_ENTRY_CONTROLS, hv_ctl(MSR_VMX_TRUE_ENTRY, ENTRY_IA32E_GUEST));
    vmwrite(F_EXCEPTION_BITMAP, 0);
    vmwrite(F_PF_ERROR_MASK, 0);
    vmwrite(F_PF_ERROR_MATCH, 0);
    vmwrite(F_CR3_TARGET_COUNT, 0);
    vmwrite(F_CR0_MASK, 0);
    vmwrite(F_CR4_MASK, 0);
    vmwrite(F_EXIT_MSR_STORE_COUNT, 0);
    vmwrite(F_EXIT_MSR_LOAD_COUNT, 0);
    vmwrite(F_ENTRY_MSR_LOAD_COUNT, 0);
    vmwrite(F_ENTRY_INTR_INFO, 0);
    vmwrite(F_VMCS_LINK_POINTER, ~0ull);

    vmwrite(F_HOST_CR0, read_cr0());
    vmwrite(F_HOST_CR3, read_cr3());
    vmwrite(F_HOST_CR4, read_cr4());
    vmwrite(F_HOST_CS_SEL, hv_sel(1));
    vmwrite(F_HOST_SS_SEL, hv_sel(2) ? hv_sel(2) : SEL_DATA);
    vmwrite(F_HOST_DS_SEL, hv_sel(3));
    vmwrite(F_HOST_ES_SEL, hv_sel(0));
    vmwrite(F_HOST_FS_SEL, hv_sel(4));
    vmwrite(F_HOST_GS_SEL, hv_sel(5));
    vmwrite(F_HOST_TR_SEL, tr);
    vmwrite(F_HOST_TR_BASE, hv_desc_base(tr));
    vmwrite(F_HOST_GDTR_BASE, gdtr.base);
    vmwrite(F_HOST_IDTR_BASE, idtr.base);
    vmwrite(F_HOST_FS_BASE, 0);
    vmwrite(F_HOST_GS_BASE, 0);
    vmwrite(F_HOST_SYSENTER_CS, 0);
    vmwrite(F_HOST_SYSENTER_ESP, 0);
    vmwrite(F_HOST_SYSENTER_EIP, 0);
    vmwrite(F_HOST_RSP, (uint64_t)host_stack + sizeof(host_stack));
    vmwrite(F_HOST_RIP, (uint64_t)hv_exit_entry);

    vmwrite(F_GUEST_CR0, read_cr0());
    vmwrite(F_GUEST_CR3, read_cr3());
    vmwrite(F_GUEST_CR4, read_cr4());
    vmwrite(F_GUEST_DR7, 0x400);
    for (int s = 0; s < 8; s++) {
        uint16_t sel = hv_sel(s);
        uint32_t ar;
        if (s == 1)
            ar = 0xa09b;                                  /* 64-bit code */
        else if (s == 7)
            ar = 0x8b;                                    /* busy 64-bit TSS */
        else if (sel == 0)
            ar = 0x10000;                                 /* unusable */
        else
            ar = 0xc093;
        vmwrite(F_GUEST_ES_SEL + 2 * s, sel);
        vmwrite(F_GUEST_ES_BASE + 2 * s, s == 7 ? hv_desc_base(tr) : 0);
        vmwrite(F_GUEST_ES_LIMIT + 2 * s, s == 7 ? 0x67 : 0xffffffff);
        vmwrite(F_GUEST_ES_AR + 2 * s, ar);
    }
    vmwrite(F_GUEST_GDTR_BASE, gdtr.base);
    vmwrite(F_GUEST_GDTR_LIMIT, gdtr.limit);
    vmwrite(F_GUEST_IDTR_BASE, idtr.base);
    vmwrite(F_GUEST_IDTR_LIMIT, idtr.limit);
    vmwrite(F_GUEST_RSP, (uint64_t)guest_stack + sizeof(guest_stack));
    vmwrite(F_GUEST_RIP, (uint64_t)hv_guest_entry);
    vmwrite(F_GUEST_RFLAGS, 0x2);
    vmwrite(F_GUEST_ACTIVITY, 0);
    vmwrite(F_GUEST_INTERRUPTIBILITY, 0);
    vmwrite(F_GUEST_PENDING_DBG, 0);
}

void hv_setup(uint8_t *region)
{
    *(uint32_t *)region = hv_revision();
    vmclear((uint64_t)region);
    vmptrld((uint64_t)region);
    launched = false;
    hv_setup_current();
}

static uint64_t run(void)
{
    uint64_t r = hv_run(!launched);
    /* A VM-entry failure (reason bit 31) leaves the VMCS unlaunched. */
    if ((r & HV_EXITED) && !(vmread(F_EXIT_REASON) & 0x80000000u))
        launched = true;
    return r;
}

uint64_t hv_guest(void (*fn)(void *), void *arg)
{
    hv_gpr[7] = (uint64_t)fn;
    hv_gpr[6] = (uint64_t)arg;
    vmwrite(F_GUEST_RSP, (uint64_t)guest_stack + sizeof(guest_stack));
    vmwrite(F_GUEST_RIP, (uint64_t)hv_guest_entry);
    vmwrite(F_GUEST_RFLAGS, 0x2);
    return run();
}

uint64_t hv_resume(void)
{
    return run();
}

uint64_t hv_skip_resume(void)
{
    vmwrite(F_GUEST_RIP, vmread(F_GUEST_RIP) + vmread(F_EXIT_INSN_LEN));
    return run();
}

bool hv_finish(unsigned limit)
{
    for (unsigned i = 0; i < limit; i++) {
        if (hv_reason() == R_VMCALL)
            return true;
        if (!(hv_skip_resume() & HV_EXITED))
            return false;
    }
    return hv_reason() == R_VMCALL;
}
