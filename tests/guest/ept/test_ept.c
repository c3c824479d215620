/*
 * tests/guest/ept/test_ept.c: EPT as a guest hypervisor sees it. The host
 * builds an identity EPT for the first 4 GiB (2 MiB pages) with one 2 MiB
 * region split into 4 KiB pages, runs small guest functions and checks the
 * VM exits against SDM Vol.3 28.2.3.1 "EPT Misconfigurations", 28.2.3.2
 * "EPT Violations", 28.2.4 "Accessed and Dirty Flags for EPT" and the exit
 * qualification of 27.2.1 (Table 27-7), with the guest-physical and
 * guest-linear address fields (27.2.1).
 */
#include "../vmx/hv.h"

#define EPT_R 1ull
#define EPT_W 2ull
#define EPT_X 4ull
#define EPT_RWX 7ull
#define EPT_WB (6ull << 3)
#define EPT_PS (1ull << 7)
#define EPT_A (1ull << 8)
#define EPT_D (1ull << 9)
#define R_EPT_VIOLATION 48
#define R_EPT_MISCONFIG 49

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[4][512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));
/* The page whose EPT permissions the cases change, and the 2 MiB region
 * around it that is mapped with 4 KiB EPT pages. */
#define REGION 0x4000000ull                      /* 64 MiB: RAM, identity-mapped */
#define TEST_PAGE ((uint8_t *)(REGION + 0x5000))

static uint64_t *test_pte(void)
{
    return &pt[((uint64_t)TEST_PAGE >> 12) & 511];
}

static void build_ept(bool ad)
{
    for (uint64_t g = 0; g < 4; g++) {
        pdpt[g] = (uint64_t)pd[g] | EPT_RWX;
        for (uint64_t i = 0; i < 512; i++)
            pd[g][i] = (g << 30) | (i << 21) | EPT_PS | EPT_WB | EPT_RWX;
    }
    pml4[0] = (uint64_t)pdpt | EPT_RWX;
    uint64_t base = REGION;
    for (uint64_t i = 0; i < 512; i++)
        pt[i] = (base + (i << 12)) | EPT_WB | EPT_RWX;
    pd[base >> 30][(base >> 21) & 511] = (uint64_t)pt | EPT_RWX;
    vmwrite(F_EPT_POINTER, (uint64_t)pml4 | 6 | (3 << 3) | (ad ? (1 << 6) : 0));
}

static uint64_t pml4b[512] __attribute__((aligned(4096)));
static uint64_t pdptb[512] __attribute__((aligned(4096)));
static uint64_t pdb[4][512] __attribute__((aligned(4096)));
static uint64_t ptb[512] __attribute__((aligned(4096)));
static uint64_t eptp_list[512] __attribute__((aligned(4096)));
static uint64_t pml_log[512] __attribute__((aligned(4096)));

static uint32_t ve_area[1024] __attribute__((aligned(4096)));
static volatile bool ve_caught;
static void guest_write(void *arg);
/* The guest catches #VE (vector 20) through the shared IDT. */
static void guest_write_catch_ve(void *arg)
{
    RtExc rec;
    ve_caught = exc_catch(EXC_VE, guest_write, arg, &rec);
}

static void guest_read(void *arg) { (void)*(volatile uint8_t *)arg; }
/* VMFUNC 0 (EPTP switching) to the list entry in arg, then read the test
 * page through the new EPT. */
static void guest_switch_and_read(void *arg)
{
    __asm__ volatile("vmfunc" :: "a"(0), "c"((uint32_t)(uint64_t)arg) : "memory");
    (void)*(volatile uint8_t *)TEST_PAGE;
}
static void guest_write(void *arg) { *(volatile uint8_t *)arg = 0x5a; }
static void guest_call(void *arg) { ((void (*)(void))arg)(); }

static void set_test_perms(uint64_t perms)
{
    uint64_t *e = test_pte();
    *e = (*e & ~0x7ull) | perms;
    /* A single-context INVEPT after changing the EPT (SDM 28.3.3.1). */
    uint64_t desc[2] = { vmread(F_EPT_POINTER), 0 };
    invept(1, desc);
}

void test_main(void)
{
    if (!hv_enter_vmx())
        return;
    if (!hv_allowed(MSR_VMX_PROC2, PROC2_ENABLE_EPT) ||
        (rdmsr(MSR_VMX_EPT_VPID_CAP) & ((1u << 6) | (1u << 14))) != ((1u << 6) | (1u << 14))) {
        report_skip("EPT with a 4-level walk and write-back EPT structures not supported");
        return;
    }
    uint64_t cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
    bool advanced = cap & (1u << 22);
    hv_setup(hv_vmcs);
    vmwrite(F_PROC, vmread(F_PROC) | PROC_SECONDARY);
    vmwrite(F_PROC2, hv_ctl(MSR_VMX_PROC2, PROC2_ENABLE_EPT));
    build_ept(false);

    uint64_t r = hv_guest(guest_read, TEST_PAGE);
    report((r & HV_EXITED) && hv_reason() == R_VMCALL, "identity EPT: the guest runs and reads (exit %u)", hv_reason());

    /* Read-only page, guest write: violation with access bit 1, the
     * translation readable and executable-less, linear address valid and
     * the final translation (bits 7, 8). */
    set_test_perms(EPT_R);
    r = hv_guest(guest_write, TEST_PAGE + 0x10);
    uint64_t q = hv_qual();
    report(hv_reason() == R_EPT_VIOLATION, "write to an EPT read-only page: exit 48 (got %u)", hv_reason());
    report((q & 0x1ff) == (0x2 | 0x8 | 0x80 | 0x100), "qualification: write, readable, linear valid, final (got 0x%lx)", q);
    report(vmread(F_GUEST_PHYSICAL_ADDRESS) == (uint64_t)TEST_PAGE + 0x10, "guest-physical address field is the written address");
    report(vmread(F_GUEST_LINEAR_ADDRESS) == (uint64_t)TEST_PAGE + 0x10, "guest-linear address field is the written address");
    if (advanced)
        report((q & 0xe00) == (1u << 10), "advanced information: supervisor, writable, not XD (bits 9-11, got 0x%lx)", q & 0xe00);

    /* Not present: read gives a violation with no permission bits. */
    set_test_perms(0);
    r = hv_guest(guest_read, TEST_PAGE);
    q = hv_qual();
    report(hv_reason() == R_EPT_VIOLATION && (q & 0x7f) == 0x1, "read of a not-present EPT page: exit 48, read, no permissions (got 0x%lx)", q);

    /* Execute without X. */
    set_test_perms(EPT_R | EPT_W);
    TEST_PAGE[0] = 0xc3;                               /* RET */
    r = hv_guest(guest_call, TEST_PAGE);
    q = hv_qual();
    report(hv_reason() == R_EPT_VIOLATION && (q & 0x3f) == (0x4 | 0x8 | 0x10),
           "fetch from a non-executable EPT page: exit 48, fetch, readable+writable (got 0x%lx)", q);
    set_test_perms(EPT_RWX);
    r = hv_guest(guest_call, TEST_PAGE);
    report((r & HV_EXITED) && hv_reason() == R_VMCALL, "the same fetch with X runs the code");

    /* Write without read is a misconfiguration (28.2.3.1). */
    set_test_perms(EPT_W);
    r = hv_guest(guest_read, TEST_PAGE);
    report(hv_reason() == R_EPT_MISCONFIG && vmread(F_GUEST_PHYSICAL_ADDRESS) == (uint64_t)TEST_PAGE,
           "write-only EPT entry: exit 49 with the guest-physical address (got %u)", hv_reason());
    /* Execute-only is legal only with IA32_VMX_EPT_VPID_CAP[0]. */
    set_test_perms(EPT_X);
    r = hv_guest(guest_read, TEST_PAGE);
    if (cap & 1)
        report(hv_reason() == R_EPT_VIOLATION, "execute-only page (supported): a read is a violation");
    else
        report(hv_reason() == R_EPT_MISCONFIG, "execute-only page (unsupported): misconfiguration");
    /* A reserved memory type in a leaf is a misconfiguration. */
    set_test_perms(EPT_RWX);
    *test_pte() = (*test_pte() & ~(7ull << 3)) | (2ull << 3);
    r = hv_guest(guest_read, TEST_PAGE);
    report(hv_reason() == R_EPT_MISCONFIG, "EPT memory type 2 in a leaf: exit 49");
    *test_pte() = (*test_pte() & ~(7ull << 3)) | EPT_WB;

    /* Accessed and dirty flags (28.2.4), when the part has them. */
    if (cap & (1u << 21)) {
        build_ept(true);
        *test_pte() &= ~(EPT_A | EPT_D);
        hv_guest(guest_read, TEST_PAGE);
        report((*test_pte() & (EPT_A | EPT_D)) == EPT_A, "EPT A/D: a guest read sets A, not D");
        hv_guest(guest_write, TEST_PAGE);
        report((*test_pte() & (EPT_A | EPT_D)) == (EPT_A | EPT_D), "EPT A/D: a guest write sets D");
        report(pml4[0] & EPT_A, "EPT A/D: the PML4E used has A set");
    } else {
        report_skip("EPT accessed and dirty flags not supported");
    }
    /* Page-modification logging (28.2.6): enable PML with EPT A/D. */
    if ((cap & (1u << 21)) && hv_allowed(MSR_VMX_PROC2, 1u << 17)) {
        build_ept(true);
        *test_pte() &= ~(EPT_A | EPT_D);
        vmwrite(F_PROC2, hv_ctl(MSR_VMX_PROC2, PROC2_ENABLE_EPT | (1u << 17)));
        vmwrite(0x200e, (uint64_t)pml_log);            /* PML address */
        vmwrite(0x0812, 511);                          /* PML index */
        hv_guest(guest_write, TEST_PAGE + 8);
        /* Every page whose D flag the guest sets is logged (its stack
         * too), from index 511 downwards. */
        uint64_t idx = vmread(0x0812);
        bool logged = false;
        for (uint64_t i = idx + 1; i <= 511 && idx < 511; i++)
            logged |= pml_log[i] == (uint64_t)TEST_PAGE;
        report(hv_reason() == R_VMCALL && idx < 511 && logged,
               "PML: the written page is logged, the index moved down to %lu", idx);
        *test_pte() &= ~EPT_D;
        vmwrite(0x0812, 0xffff);
        hv_guest(guest_write, TEST_PAGE + 8);
        report(hv_reason() == 62 && !(*test_pte() & EPT_D), "PML: index FFFFH gives the log-full exit 62 before D is set");
        vmwrite(F_PROC2, hv_ctl(MSR_VMX_PROC2, PROC2_ENABLE_EPT));
    } else {
        report_skip("PML not supported by this model");
    }

    /* EPTP switching with VMFUNC (25.5.5.3): entry 1 of the list is an EPT
     * where the test page is not present. */
    if (hv_allowed(MSR_VMX_PROC2, 1u << 13) && (rdmsr(0x491) & 1)) {
        build_ept(false);
        memcpy(ptb, pt, sizeof(pt));
        memcpy(pdb, pd, sizeof(pd));
        for (unsigned g = 0; g < 4; g++)
            pdptb[g] = (uint64_t)pdb[g] | EPT_RWX;
        pml4b[0] = (uint64_t)pdptb | EPT_RWX;
        pdb[REGION >> 30][(REGION >> 21) & 511] = (uint64_t)ptb | EPT_RWX;
        ptb[((uint64_t)TEST_PAGE >> 12) & 511] &= ~EPT_RWX;
        eptp_list[0] = vmread(F_EPT_POINTER);
        eptp_list[1] = (uint64_t)pml4b | 6 | (3 << 3);
        vmwrite(F_PROC2, hv_ctl(MSR_VMX_PROC2, PROC2_ENABLE_EPT | (1u << 13)));
        vmwrite(0x2018, 1);                            /* VM-function controls: EPTP switching */
        vmwrite(0x2024, (uint64_t)eptp_list);
        hv_guest(guest_switch_and_read, (void *)0);
        report(hv_reason() == R_VMCALL, "VMFUNC to list entry 0 (the same EPT) completes");
        hv_guest(guest_switch_and_read, (void *)1);
        report(hv_reason() == R_EPT_VIOLATION && vmread(F_EPT_POINTER) == eptp_list[1],
               "VMFUNC to entry 1 switches EPTP: the test page is now not present (exit 48)");
        vmwrite(F_EPT_POINTER, eptp_list[0]);
        hv_guest(guest_switch_and_read, (void *)600);
        report(hv_reason() == R_VMFUNC, "VMFUNC with ECX >= 512: exit 59");
        eptp_list[2] = (uint64_t)pml4b | 1 | (3 << 3);  /* memory type 1 is not a valid EPTP type */
        hv_guest(guest_switch_and_read, (void *)2);
        report(hv_reason() == R_VMFUNC, "VMFUNC to an invalid EPTP in the list: exit 59");
    } else {
        report_skip("VM functions / EPTP switching not supported by this model");
    }
    /* EPT-violation #VE (25.5.6): the violation is delivered to the guest
     * as #VE with the information area filled, while the area's word at
     * offset 4 is 0 and the entry's suppress-#VE bit is 0. */
    if (hv_allowed(MSR_VMX_PROC2, 1u << 18)) {
        build_ept(false);
        memset(ve_area, 0, sizeof(ve_area));
        vmwrite(F_PROC2, hv_ctl(MSR_VMX_PROC2, PROC2_ENABLE_EPT | (1u << 18)));
        vmwrite(0x202a, (uint64_t)ve_area);            /* virtualization-exception information address */
        vmwrite(0x0004, 0);                            /* EPTP index */
        set_test_perms(EPT_R);
        ve_caught = false;
        hv_guest(guest_write_catch_ve, TEST_PAGE + 0x20);
        report(hv_reason() == R_VMCALL && ve_caught, "EPT violation with #VE enabled: the guest takes #VE, no VM exit");
        uint64_t gpa = ve_area[6] | ((uint64_t)ve_area[7] << 32);
        report(ve_area[0] == 48 && ve_area[1] == 0xffffffffu && gpa == (uint64_t)TEST_PAGE + 0x20,
               "#VE information: reason 48, busy word FFFFFFFFH, guest-physical address");
        report((ve_area[2] & 0x1ff) == 0x18a, "#VE information: the exit qualification (got 0x%x)", ve_area[2]);
        hv_guest(guest_write_catch_ve, TEST_PAGE + 0x20);
        report(hv_reason() == R_EPT_VIOLATION, "with the busy word still set, the next violation is a VM exit");
        ve_area[1] = 0;
        *test_pte() |= 1ull << 63;                     /* suppress #VE */
        hv_guest(guest_write_catch_ve, TEST_PAGE + 0x20);
        report(hv_reason() == R_EPT_VIOLATION, "suppress-#VE set in the entry: a VM exit");
        *test_pte() &= ~(1ull << 63);
        vmwrite(F_PROC2, hv_ctl(MSR_VMX_PROC2, PROC2_ENABLE_EPT));
        set_test_perms(EPT_RWX);
    } else {
        report_skip("EPT-violation #VE not supported by this model");
    }

    /* Unrestricted guest (SDM 25.6 "Unrestricted Guests", 26.3.1.1): real
     * mode in VMX non-root operation under EPT. The guest stores a word,
     * executes CPUID (which exits in any mode) and VMCALL. */
    if (hv_allowed(MSR_VMX_PROC2, PROC2_UNRESTRICTED)) {
        static const uint8_t real_code[] = {
            0xb8, 0x34, 0x12,             /* mov ax, 1234h */
            0xa3, 0x00, 0x58,             /* mov [5800h], ax */
            0x0f, 0xa2,                   /* cpuid */
            0x0f, 0x01, 0xc1,             /* vmcall */
        };
        memcpy((void *)0x5000, real_code, sizeof(real_code));
        *(volatile uint16_t *)0x5800 = 0;
        build_ept(false);
        hv_setup(hv_vmcs);
        vmwrite(F_PROC, vmread(F_PROC) | PROC_SECONDARY);
        vmwrite(F_PROC2, hv_ctl(MSR_VMX_PROC2, PROC2_ENABLE_EPT | PROC2_UNRESTRICTED));
        build_ept(false);
        vmwrite(F_ENTRY_CONTROLS, hv_ctl(MSR_VMX_TRUE_ENTRY, 0));
        vmwrite(F_GUEST_CR0, 0x30);                     /* ET, NE: PE = PG = 0 */
        vmwrite(F_GUEST_CR4, CR4_VMXE_BIT);
        vmwrite(F_GUEST_CR3, 0);
        for (int seg = 0; seg < 6; seg++) {
            vmwrite(F_GUEST_ES_SEL + 2 * seg, 0);
            vmwrite(F_GUEST_ES_BASE + 2 * seg, 0);
            vmwrite(F_GUEST_ES_LIMIT + 2 * seg, 0xffff);
            vmwrite(F_GUEST_ES_AR + 2 * seg, seg == 1 ? 0x9b : 0x93);
        }
        vmwrite(F_GUEST_IDTR_BASE, 0);
        vmwrite(F_GUEST_IDTR_LIMIT, 0x3ff);
        vmwrite(F_GUEST_RIP, 0x5000);
        vmwrite(F_GUEST_RSP, 0x5f00);
        vmwrite(F_GUEST_RFLAGS, 0x2);
        uint64_t rr = hv_run(1);
        report((rr & HV_EXITED) && hv_reason() == R_CPUID && vmread(F_GUEST_RIP) == 0x5006,
               "unrestricted guest in real mode: CPUID exits at 0000:5006 (exit %u, rip 0x%lx)",
               hv_reason(), vmread(F_GUEST_RIP));
        report((vmread(F_GUEST_CR0) & 1) == 0, "the saved guest CR0.PE is 0");
        vmwrite(F_GUEST_RIP, vmread(F_GUEST_RIP) + vmread(F_EXIT_INSN_LEN));
        rr = hv_run(0);
        report((rr & HV_EXITED) && hv_reason() == R_VMCALL && *(volatile uint16_t *)0x5800 == 0x1234,
               "the real-mode guest's store reached memory through EPT, then VMCALL exits (exit %u, word 0x%x)",
               hv_reason(), *(volatile uint16_t *)0x5800);
    } else {
        report_skip("unrestricted guest not supported by this model");
    }
    vmclear((uint64_t)hv_vmcs);
    report(vm_ok(vmxoff()), "VMXOFF");
}
