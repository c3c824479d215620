/*
 * tests/guest/vmx/test_vmx.c: VMX instructions and one full VM entry/exit
 * round trip, checked against SDM Vol.3 30.2 "Conventions" (VMsucceed,
 * VMfailInvalid, VMfailValid), 30.3 "VMX Instructions" (each instruction's
 * pseudocode), 30.4 "VM Instruction Error Numbers", 26 "VM Entries" and 27
 * "VM Exits". The hypervisor builds its VMCS from the capability MSRs
 * (Appendix A), so the same image runs on real VMX hardware.
 */
#include "rt.h"

#define MSR_FEATURE_CONTROL 0x3a
#define MSR_VMX_BASIC       0x480
#define MSR_VMX_MISC        0x485
#define MSR_VMX_CR0_FIXED0  0x486
#define MSR_VMX_CR4_FIXED0  0x488
#define MSR_VMX_TRUE_PIN    0x48d
#define MSR_VMX_TRUE_PROC   0x48e
#define MSR_VMX_TRUE_EXIT   0x48f
#define MSR_VMX_TRUE_ENTRY  0x490
#define CR4_VMXE            (1u << 13)
#define RFLAGS_CF 0x1
#define RFLAGS_ZF 0x40

/* Appendix B encodings. */
enum {
    GUEST_ES_SELECTOR = 0x800, HOST_ES_SELECTOR = 0xc00, HOST_CS_SELECTOR = 0xc02,
    HOST_SS_SELECTOR = 0xc04, HOST_DS_SELECTOR = 0xc06, HOST_FS_SELECTOR = 0xc08,
    HOST_GS_SELECTOR = 0xc0a, HOST_TR_SELECTOR = 0xc0c, VMCS_LINK_POINTER = 0x2800,
    PIN_CONTROLS = 0x4000, PROC_CONTROLS = 0x4002, EXIT_CONTROLS = 0x400c, ENTRY_CONTROLS = 0x4012,
    VM_INSTRUCTION_ERROR = 0x4400, EXIT_REASON = 0x4402, EXIT_INSTRUCTION_LEN = 0x440c,
    GUEST_ES_LIMIT = 0x4800, GUEST_ES_AR = 0x4814, GUEST_GDTR_LIMIT = 0x4810,
    GUEST_IDTR_LIMIT = 0x4812, GUEST_ACTIVITY = 0x4826, HOST_SYSENTER_CS = 0x4c00,
    EXIT_QUALIFICATION = 0x6400, GUEST_CR0 = 0x6800, GUEST_CR3 = 0x6802, GUEST_CR4 = 0x6804,
    GUEST_ES_BASE = 0x6806, GUEST_GDTR_BASE = 0x6816, GUEST_IDTR_BASE = 0x6818,
    GUEST_DR7 = 0x681a, GUEST_RSP = 0x681c, GUEST_RIP = 0x681e, GUEST_RFLAGS = 0x6820,
    HOST_CR0 = 0x6c00, HOST_CR3 = 0x6c02, HOST_CR4 = 0x6c04, HOST_FS_BASE = 0x6c06,
    HOST_GS_BASE = 0x6c08, HOST_TR_BASE = 0x6c0a, HOST_GDTR_BASE = 0x6c0c,
    HOST_IDTR_BASE = 0x6c0e, HOST_RSP = 0x6c14, HOST_RIP = 0x6c16,
};

extern uint64_t vmx_run(int launch);
extern char vmx_exit_entry[], guest_code[], guest_cpuid_insn[], guest_vmcall_insn[];
extern uint64_t guest_regs[4];

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs_a[4096] __attribute__((aligned(4096)));
static uint8_t vmcs_b[4096] __attribute__((aligned(4096)));
static uint8_t host_stack[8192] __attribute__((aligned(16)));
static uint8_t guest_stack[8192] __attribute__((aligned(16)));

/* Each VMX instruction returns RFLAGS so the VMsucceed/VMfail encoding
 * can be checked (SDM 30.2). */
static uint64_t vmxon(uint64_t pa) { uint64_t f; __asm__ volatile("vmxon %1; pushfq; pop %0" : "=r"(f) : "m"(pa) : "cc", "memory"); return f; }
static uint64_t vmxoff(void) { uint64_t f; __asm__ volatile("vmxoff; pushfq; pop %0" : "=r"(f) :: "cc", "memory"); return f; }
static uint64_t vmclear(uint64_t pa) { uint64_t f; __asm__ volatile("vmclear %1; pushfq; pop %0" : "=r"(f) : "m"(pa) : "cc", "memory"); return f; }
static uint64_t vmptrld(uint64_t pa) { uint64_t f; __asm__ volatile("vmptrld %1; pushfq; pop %0" : "=r"(f) : "m"(pa) : "cc", "memory"); return f; }
static uint64_t vmptrst(uint64_t *pa) { uint64_t f; __asm__ volatile("vmptrst %1; pushfq; pop %0" : "=r"(f), "=m"(*pa) :: "cc", "memory"); return f; }
static uint64_t vmwrite(uint64_t field, uint64_t v) { uint64_t f; __asm__ volatile("vmwrite %2, %1; pushfq; pop %0" : "=r"(f) : "r"(field), "rm"(v) : "cc", "memory"); return f; }
static uint64_t vmread_f(uint64_t field, uint64_t *v) { uint64_t f; __asm__ volatile("vmread %2, %1; pushfq; pop %0" : "=r"(f), "=rm"(*v) : "r"(field) : "cc", "memory"); return f; }
static uint64_t vmread(uint64_t field) { uint64_t v = 0; vmread_f(field, &v); return v; }

#define ARITH 0x8d5
static bool succeeded(uint64_t f) { return (f & ARITH) == 0; }
static bool failed_invalid(uint64_t f) { return (f & ARITH) == RFLAGS_CF; }
static bool failed_valid(uint64_t f, unsigned err)
{
    return (f & ARITH) == RFLAGS_ZF && vmread(VM_INSTRUCTION_ERROR) == err;
}

static uint32_t revision(void) { return (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff; }

static void do_vmxon_without_vmxe(void *arg) { (void)arg; vmxon((uint64_t)vmxon_region); }

static uint64_t desc_base(uint16_t sel)
{
    uint64_t lo = rt_gdt[sel >> 3], hi = rt_gdt[(sel >> 3) + 1];
    return ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24) | ((hi & 0xffffffff) << 32);
}

static uint16_t read_sel(int which)
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

/* Controls at their required settings (allowed-0 bits of the TRUE MSRs,
 * SDM A.3-A.5) plus the ones we need. */
static uint32_t ctl(uint32_t msr, uint32_t want) { uint64_t c = rdmsr(msr); return ((uint32_t)c | want) & (uint32_t)(c >> 32); }

/* A VMCS whose guest is a copy of this 64-bit ring-0 context running
 * guest_code on its own stack. */
static void setup_vmcs(void)
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr, idtr;
    __asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
    uint16_t tr = read_sel(7);
    vmwrite(PIN_CONTROLS, ctl(MSR_VMX_TRUE_PIN, 0));
    vmwrite(PROC_CONTROLS, ctl(MSR_VMX_TRUE_PROC, 0));
    vmwrite(EXIT_CONTROLS, ctl(MSR_VMX_TRUE_EXIT, 1u << 9));     /* host address-space size */
    vmwrite(ENTRY_CONTROLS, ctl(MSR_VMX_TRUE_ENTRY, 1u << 9));   /* IA-32e mode guest */
    vmwrite(VMCS_LINK_POINTER, ~0ull);
    vmwrite(HOST_CR0, read_cr0());
    vmwrite(HOST_CR3, read_cr3());
    vmwrite(HOST_CR4, read_cr4());
    vmwrite(HOST_CS_SELECTOR, read_sel(1));
    vmwrite(HOST_SS_SELECTOR, read_sel(2) ? read_sel(2) : SEL_DATA);
    vmwrite(HOST_DS_SELECTOR, read_sel(3));
    vmwrite(HOST_ES_SELECTOR, read_sel(0));
    vmwrite(HOST_FS_SELECTOR, read_sel(4));
    vmwrite(HOST_GS_SELECTOR, read_sel(5));
    vmwrite(HOST_TR_SELECTOR, tr);
    vmwrite(HOST_TR_BASE, desc_base(tr));
    vmwrite(HOST_GDTR_BASE, gdtr.base);
    vmwrite(HOST_IDTR_BASE, idtr.base);
    vmwrite(HOST_FS_BASE, 0);
    vmwrite(HOST_GS_BASE, 0);
    vmwrite(HOST_SYSENTER_CS, 0);
    vmwrite(HOST_RSP, (uint64_t)host_stack + sizeof(host_stack));
    vmwrite(HOST_RIP, (uint64_t)vmx_exit_entry);

    vmwrite(GUEST_CR0, read_cr0());
    vmwrite(GUEST_CR3, read_cr3());
    vmwrite(GUEST_CR4, read_cr4());
    vmwrite(GUEST_DR7, 0x400);
    for (int s = 0; s < 8; s++) {
        uint16_t sel = read_sel(s);
        uint32_t ar;
        if (s == 1)
            ar = 0xa09b;                                  /* 64-bit code */
        else if (s == 7)
            ar = 0x8b;                                    /* busy 64-bit TSS */
        else if (sel == 0)
            ar = 0x10000;                                 /* unusable */
        else
            ar = 0xc093;
        vmwrite(GUEST_ES_SELECTOR + 2 * s, sel);
        vmwrite(GUEST_ES_BASE + 2 * s, s == 7 ? desc_base(tr) : 0);
        vmwrite(GUEST_ES_LIMIT + 2 * s, s == 7 ? 0x67 : 0xffffffff);
        vmwrite(GUEST_ES_AR + 2 * s, ar);
    }
    vmwrite(GUEST_GDTR_BASE, gdtr.base);
    vmwrite(GUEST_GDTR_LIMIT, gdtr.limit);
    vmwrite(GUEST_IDTR_BASE, idtr.base);
    vmwrite(GUEST_IDTR_LIMIT, idtr.limit);
    vmwrite(GUEST_RSP, (uint64_t)guest_stack + sizeof(guest_stack));
    vmwrite(GUEST_RIP, (uint64_t)guest_code);
    vmwrite(GUEST_RFLAGS, 0x2);
    vmwrite(GUEST_ACTIVITY, 0);
}

void test_main(void)
{
    if (!(cpuid(1, 0).c & (1u << 5))) {
        report_skip("CPUID.1:ECX.VMX is 0: no VMX on this processor");
        return;
    }
    /* Firmware normally locks IA32_FEATURE_CONTROL with VMX allowed
     * outside SMX; do it here if it has not. */
    uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
    if (!(fc & 1))
        wrmsr(MSR_FEATURE_CONTROL, fc | 5);
    report((rdmsr(MSR_FEATURE_CONTROL) & 5) == 5, "IA32_FEATURE_CONTROL locked with VMX outside SMX");

    *(uint32_t *)vmxon_region = revision();
    RtExc rec;
    write_cr4(read_cr4() & ~CR4_VMXE);
    report(exc_catch(EXC_UD, do_vmxon_without_vmxe, 0, &rec), "VMXON with CR4.VMXE=0 is #UD (30.3 VMXON)");

    uint64_t cr0 = read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0);
    write_cr0(cr0);
    write_cr4(read_cr4() | CR4_VMXE | (uint32_t)rdmsr(MSR_VMX_CR4_FIXED0));

    *(uint32_t *)vmxon_region = revision() ^ 1;
    report(failed_invalid(vmxon((uint64_t)vmxon_region)), "VMXON with a wrong revision: VMfailInvalid");
    report(failed_invalid(vmxon((uint64_t)vmxon_region + 8)), "VMXON with an unaligned pointer: VMfailInvalid");
    *(uint32_t *)vmxon_region = revision();
    report(succeeded(vmxon((uint64_t)vmxon_region)), "VMXON succeeds");
    report(failed_invalid(vmxon((uint64_t)vmxon_region)), "VMXON in VMX root without a current VMCS: VMfailInvalid");

    uint64_t p = 0;
    report(succeeded(vmptrst(&p)) && p == ~0ull, "VMPTRST after VMXON stores FFFFFFFF_FFFFFFFFH");
    report(failed_invalid(vmclear((uint64_t)vmxon_region)), "VMCLEAR of the VMXON pointer without current VMCS: VMfailInvalid");
    uint64_t v;
    report(failed_invalid(vmread_f(GUEST_RIP, &v)), "VMREAD without a current VMCS: VMfailInvalid");

    *(uint32_t *)vmcs_a = revision();
    *(uint32_t *)vmcs_b = revision() ^ 2;
    report(succeeded(vmclear((uint64_t)vmcs_a)), "VMCLEAR succeeds");
    report(succeeded(vmptrld((uint64_t)vmcs_a)), "VMPTRLD succeeds");
    report(succeeded(vmptrst(&p)) && p == (uint64_t)vmcs_a, "VMPTRST stores the current-VMCS pointer");
    report(failed_valid(vmptrld((uint64_t)vmcs_b), 11), "VMPTRLD with a wrong revision: VMfailValid(11)");
    report(failed_valid(vmptrld((uint64_t)vmxon_region), 10), "VMPTRLD of the VMXON pointer: VMfailValid(10)");
    report(failed_valid(vmptrld((uint64_t)vmcs_a + 0x10), 9), "VMPTRLD of an unaligned pointer: VMfailValid(9)");
    report(failed_valid(vmclear((uint64_t)vmxon_region), 3), "VMCLEAR of the VMXON pointer: VMfailValid(3)");
    report(failed_valid(vmxon((uint64_t)vmxon_region), 15), "VMXON in VMX root operation: VMfailValid(15)");
    report(failed_valid(vmread_f(0x7fff, &v), 12), "VMREAD of an unsupported field: VMfailValid(12)");
    report(failed_valid(vmwrite(0x6c00 | (60 << 1), 0), 12), "VMWRITE of an unsupported field: VMfailValid(12)");
    bool ro_writable = rdmsr(MSR_VMX_MISC) & (1u << 29);
    if (ro_writable)
        report(succeeded(vmwrite(EXIT_QUALIFICATION, 7)) && vmread(EXIT_QUALIFICATION) == 7,
               "VMWRITE of an exit-information field with IA32_VMX_MISC[29]=1 succeeds");
    else
        report(failed_valid(vmwrite(EXIT_QUALIFICATION, 7), 13), "VMWRITE of a read-only field: VMfailValid(13)");
    report(succeeded(vmwrite(GUEST_ES_SELECTOR, 0x12345)) && vmread(GUEST_ES_SELECTOR) == 0x2345,
           "a 16-bit field keeps the low 16 bits of VMWRITE (24.11.2)");

    /* VM entry with a control that has no allowed-1 setting (pin bit 31). */
    setup_vmcs();
    vmwrite(PIN_CONTROLS, vmread(PIN_CONTROLS) | (1u << 31));
    uint64_t f = vmx_run(1);
    report(!(f >> 63) && failed_valid(f, 7), "VMLAUNCH with a reserved pin control set: VMfailValid(7)");
    report(failed_valid(vmx_run(0), 5), "VMRESUME of a clear VMCS: VMfailValid(5)");

    /* Guest-state failure: RFLAGS bit 1 clear is exit reason 33 with bit
     * 31 set, and the host continues (26.3.1.4, 26.8). */
    setup_vmcs();
    vmwrite(GUEST_RFLAGS, 0);
    f = vmx_run(1);
    report((f >> 63) && vmread(EXIT_REASON) == (0x80000000u | 33) && vmread(EXIT_QUALIFICATION) == 0,
           "guest RFLAGS[1]=0: VM-entry failure, exit reason 33 | bit 31, qualification 0");

    /* A full round trip: CPUID exits unconditionally with its length, the
     * host skips it and resumes, VMCALL exits. */
    report(succeeded(vmclear((uint64_t)vmcs_a)) && succeeded(vmptrld((uint64_t)vmcs_a)), "VMCLEAR and VMPTRLD again");
    setup_vmcs();
    f = vmx_run(1);
    report((f >> 63) != 0, "VMLAUNCH enters the guest and a VM exit returns to HOST_RIP");
    uint64_t reason = vmread(EXIT_REASON);
    report(reason == 10, "CPUID in the guest: exit reason 10 (got 0x%lx, qualification 0x%lx)", reason, vmread(EXIT_QUALIFICATION));
    report(vmread(GUEST_RIP) == (uint64_t)guest_cpuid_insn, "GUEST_RIP is the CPUID instruction (got 0x%lx)", vmread(GUEST_RIP));
    report(vmread(EXIT_INSTRUCTION_LEN) == 2, "VM-exit instruction length of CPUID is 2");
    vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(EXIT_INSTRUCTION_LEN));
    f = vmx_run(0);
    report((f >> 63) && vmread(EXIT_REASON) == 18, "VMRESUME, then VMCALL in the guest: exit reason 18");
    report(guest_regs[1] == 0x1234, "the guest's RBX at the exit is what the guest set");
    report(vmread(GUEST_RIP) == (uint64_t)guest_vmcall_insn, "GUEST_RIP is the VMCALL instruction");
    report(failed_valid(vmx_run(1), 4), "VMLAUNCH of a launched VMCS: VMfailValid(4)");

    report(succeeded(vmclear((uint64_t)vmcs_a)), "VMCLEAR of the current VMCS");
    report(succeeded(vmptrst(&p)) && p == ~0ull, "VMCLEAR of the current VMCS invalidates the current-VMCS pointer");
    report(succeeded(vmxoff()), "VMXOFF succeeds");
}
