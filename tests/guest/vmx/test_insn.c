/*
 * tests/guest/vmx/test_insn.c (area vmx-insn): the fault and VMfail cases
 * of every VMX instruction's pseudocode, SDM Vol.3 30.3 "VMX Instructions"
 * (order: #UD for the operating mode, #GP(0) for CPL > 0, faults of the
 * memory operand, then VMfailInvalid / VMfailValid), 30.2 "Conventions",
 * 30.4 "VM Instruction Error Numbers"; VMREAD/VMWRITE field rules of 24.11.2
 * "VMREAD, VMWRITE, and Encodings of VMCS Fields"; and VM-entry failures
 * seen from the hypervisor (26.2 error 7/8, 26.3/26.8 exit reason 33 with
 * its qualifications, 26.4 exit reason 34 with the failing entry's index).
 * Real-address and virtual-8086 mode #UD are covered by the unit test
 * vmx/tests/test_vmx_insn_modes.c.
 */
#include "hv.h"

#define U_LIST(X) X(vmxon) X(vmxoff) X(vmclear) X(vmptrld) X(vmptrst) X(vmread) X(vmwrite) \
                  X(vmlaunch) X(vmresume) X(vmcall) X(invept) X(invvpid)
#define DECL(n) extern char u_##n[], c32_##n[];
U_LIST(DECL)
extern char u_end[];
static const struct { const char *name; char *user; char *compat; } insns[] = {
#define ROW(n) { #n, u_##n, c32_##n },
    U_LIST(ROW)
};
#define NINSNS (sizeof insns / sizeof insns[0])

static uint8_t vmcs_b[4096] __attribute__((aligned(4096)));
static uint8_t vmcs_c[4096] __attribute__((aligned(4096)));
static uint8_t page[4096] __attribute__((aligned(4096)));
static uint8_t msr_area[64] __attribute__((aligned(16)));

static void call_fn(void *fn) { ((void (*)(void))fn)(); }
static void call_compat(void *fn) { rt_call_compat((uint32_t)(uint64_t)fn, 0); }
static void in_user(void *fn) { run_user((void (*)(void *))fn, NULL); }

static void user_pages(bool on)
{
    volatile uint64_t *pde = rt_pde_2m((uint64_t)u_vmxon);
    *pde = on ? *pde | PTE_U : *pde & ~PTE_U;
    write_cr3(read_cr3());
}

/* Every instruction in `set` (from 64-bit CPL 0 code) must give `vector`. */
static void expect_all(const char *when, int vector, bool compat)
{
    for (unsigned i = 0; i < NINSNS; i++) {
        RtExc e;
        char *fn = compat ? insns[i].compat : insns[i].user;
        bool caught = exc_catch(vector, compat ? call_compat : call_fn, fn, &e);
        report(caught && e.rip == (uint64_t)fn, "%s: %s is %s", when, insns[i].name,
               vector == EXC_UD ? "#UD" : "#GP");
    }
}

static void expect_all_user_gp(const char *when, bool skip_vmxon_ud)
{
    user_pages(true);
    for (unsigned i = 0; i < NINSNS; i++) {
        RtExc e;
        bool caught = exc_catch(EXC_ANY, in_user, insns[i].user, &e);
        bool want_ud = skip_vmxon_ud && insns[i].user != u_vmxon;
        int vec = want_ud ? EXC_UD : EXC_GP;
        report(caught && e.vector == vec && e.error_code == 0 && e.rip == (uint64_t)insns[i].user,
               "%s: %s at CPL 3 is %s (got vector %d)", when, insns[i].name,
               vec == EXC_UD ? "#UD" : "#GP(0)", caught ? e.vector : -1);
    }
    user_pages(false);
}

/* 30.3: outside VMX operation every instruction but VMXON is #UD; VMXON's
 * own #UD and #GP conditions. */
static void test_outside_vmx(void)
{
    write_cr4(read_cr4() & ~CR4_VMXE_BIT);
    RtExc e;
    uint64_t p = (uint64_t)hv_vmxon_region;
    report(exc_catch(EXC_UD, (void (*)(void *))call_fn, u_vmxoff, &e),
           "outside VMX operation, CR4.VMXE=0: VMXOFF is #UD");
    uint64_t f;
    (void)p;
    write_cr0(read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0));
    write_cr4(read_cr4() | CR4_VMXE_BIT | (uint32_t)rdmsr(MSR_VMX_CR4_FIXED0));
    /* Outside VMX operation the #UD rule covers all but VMXON; CPL 3
     * leaves VMXON with #GP(0) (its CPL check precedes the pointer). */
    for (unsigned i = 1; i < NINSNS; i++) {
        bool caught = exc_catch(EXC_UD, call_fn, insns[i].user, &e);
        report(caught, "outside VMX operation: %s is #UD", insns[i].name);
    }
    expect_all("compatibility mode outside VMX operation", EXC_UD, true);
    expect_all_user_gp("CPL 3 outside VMX operation", true);

    /* VMXON with a CR0 value VMX operation does not allow (CR0.NE is in
     * IA32_VMX_CR0_FIXED0): #GP(0). */
    uint64_t fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
    if (fixed0 & CR0_NE) {
        write_cr0(read_cr0() & ~(uint64_t)CR0_NE);
        *(uint32_t *)hv_vmxon_region = hv_revision();
        bool caught = exc_catch(EXC_GP, call_fn, u_vmxon, &e);
        write_cr0(read_cr0() | CR0_NE);
        report(caught && e.error_code == 0, "VMXON with CR0.NE=0 (IA32_VMX_CR0_FIXED0): #GP(0)");
    }
    /* Pointer checks: VMfailInvalid (no current VMCS exists yet). */
    *(uint32_t *)hv_vmxon_region = hv_revision() ^ 1;
    report(vm_fail_invalid(vmxon((uint64_t)hv_vmxon_region)), "VMXON with a wrong revision: VMfailInvalid");
    *(uint32_t *)hv_vmxon_region = hv_revision() | 0x80000000u;
    report(vm_fail_invalid(vmxon((uint64_t)hv_vmxon_region)), "VMXON of a region with the shadow-VMCS indicator: VMfailInvalid");
    *(uint32_t *)hv_vmxon_region = hv_revision();
    report(vm_fail_invalid(vmxon((uint64_t)hv_vmxon_region + 8)), "VMXON with a pointer not 4K-aligned: VMfailInvalid");
    report(vm_fail_invalid(vmxon(1ull << 52)), "VMXON with a pointer beyond MAXPHYADDR: VMfailInvalid");
    f = read_rflags();
    (void)f;
}

static uint64_t vmxon_flags;
static void vmxon_noncanonical(void *arg)
{
    (void)arg;
    __asm__ volatile("vmxon (%1); pushfq; pop %0" : "=r"(vmxon_flags) : "r"(0x0000800000000000ull) : "cc", "memory");
}
static void vmptrld_unmapped(void *arg) { __asm__ volatile("vmptrld (%0)" :: "r"(arg) : "memory", "cc"); }
static void vmptrst_unmapped(void *arg) { __asm__ volatile("vmptrst (%0)" :: "r"(arg) : "memory", "cc"); }
static void vmclear_noncanonical(void *arg) { (void)arg; __asm__ volatile("vmclear (%0)" :: "r"(0x0000800000000000ull) : "memory", "cc"); }
static void vmread_unmapped(void *arg) { __asm__ volatile("vmread %1, (%0)" :: "r"(arg), "r"((uint64_t)F_GUEST_RIP) : "memory", "cc"); }
static void vmwrite_unmapped(void *arg) { __asm__ volatile("vmwrite (%0), %1" :: "r"(arg), "r"((uint64_t)F_GUEST_RIP) : "memory", "cc"); }

/* An unmapped 2 MiB region at 3 GiB for #PF operands. */
#define HOLE 0xc0000000ull
static volatile uint64_t *hole_pde;
static uint64_t hole_saved;
static void hole_open(void) { hole_pde = rt_pde_2m(HOLE); hole_saved = *hole_pde; *hole_pde = 0; invlpg((void *)HOLE); }
static void hole_close(void) { *hole_pde = hole_saved; invlpg((void *)HOLE); }

static void test_memory_operand_faults(void)
{
    RtExc e;
    /* VMREAD/VMWRITE reach their memory operand only with a current VMCS
     * (VMfailInvalid comes first in their pseudocode). */
    hv_setup(hv_vmcs);
    hole_open();
    bool c = exc_catch(EXC_PF, vmptrld_unmapped, (void *)(HOLE + 0x100), &e);
    report(c && e.cr2 == HOLE + 0x100 && !(e.error_code & 1) && !(e.error_code & 2),
           "VMPTRLD with an operand on a not-present page: #PF read (cr2 %lx err %lx)", e.cr2, e.error_code);
    c = exc_catch(EXC_PF, vmptrst_unmapped, (void *)(HOLE + 0x200), &e);
    report(c && e.cr2 == HOLE + 0x200 && (e.error_code & 2), "VMPTRST to a not-present page: #PF write");
    c = exc_catch(EXC_PF, vmread_unmapped, (void *)(HOLE + 0x300), &e);
    report(c && e.cr2 == HOLE + 0x300 && (e.error_code & 2), "VMREAD to memory on a not-present page: #PF write");
    c = exc_catch(EXC_PF, vmwrite_unmapped, (void *)(HOLE + 0x400), &e);
    report(c && e.cr2 == HOLE + 0x400 && !(e.error_code & 2), "VMWRITE from memory on a not-present page: #PF read");
    hole_close();
    c = exc_catch(EXC_GP, vmclear_noncanonical, NULL, &e);
    report(c && e.error_code == 0, "VMCLEAR with a non-canonical operand: #GP(0)");
    vmclear((uint64_t)hv_vmcs);
    /* In VMX root operation VMXON does not read its operand (30.3 VMXON). */
    c = exc_catch(EXC_ANY, vmxon_noncanonical, NULL, &e);
    report(!c && vm_fail_invalid(vmxon_flags), "VMXON in VMX root with a non-canonical operand: VMfailInvalid, no #GP");
}

static void test_pointer_errors(void)
{
    uint64_t p = 0;
    report(vm_fail_invalid(vmxon((uint64_t)hv_vmxon_region)), "VMXON in VMX root without a current VMCS: VMfailInvalid");
    report(vm_ok(vmptrst(&p)) && p == ~0ull, "VMPTRST after VMXON stores FFFFFFFF_FFFFFFFFH");
    uint64_t v;
    report(vm_fail_invalid(vmread_f(F_GUEST_RIP, &v)), "VMREAD without a current VMCS: VMfailInvalid");
    report(vm_fail_invalid(vmwrite(F_GUEST_RIP, 0)), "VMWRITE without a current VMCS: VMfailInvalid");
    report(vm_fail_invalid(hv_run(1)), "VMLAUNCH without a current VMCS: VMfailInvalid");
    report(vm_fail_invalid(vmcall_root()), "VMCALL in VMX root without a current VMCS: VMfailInvalid");
    report(vm_fail_invalid(vmclear((uint64_t)hv_vmxon_region)), "VMCLEAR of the VMXON pointer, no current VMCS: VMfailInvalid");
    report(vm_fail_invalid(vmclear(1ull << 52)), "VMCLEAR beyond MAXPHYADDR, no current VMCS: VMfailInvalid");

    *(uint32_t *)hv_vmcs = hv_revision();
    *(uint32_t *)vmcs_b = hv_revision() ^ 2;
    report(vm_ok(vmclear((uint64_t)hv_vmcs)), "VMCLEAR succeeds");
    report(vm_ok(vmptrld((uint64_t)hv_vmcs)), "VMPTRLD succeeds");
    report(vm_ok(vmptrst(&p)) && p == (uint64_t)hv_vmcs, "VMPTRST stores the current-VMCS pointer");
    report(vm_fail_valid(vmptrld((uint64_t)vmcs_b), 11), "VMPTRLD with a wrong revision: VMfailValid(11)");
    report(vm_fail_valid(vmptrld((uint64_t)hv_vmxon_region), 10), "VMPTRLD of the VMXON pointer: VMfailValid(10)");
    report(vm_fail_valid(vmptrld((uint64_t)hv_vmcs + 0x10), 9), "VMPTRLD of a pointer not 4K-aligned: VMfailValid(9)");
    report(vm_fail_valid(vmptrld(1ull << 52), 9), "VMPTRLD beyond MAXPHYADDR: VMfailValid(9)");
    report(vm_fail_valid(vmclear((uint64_t)hv_vmxon_region), 3), "VMCLEAR of the VMXON pointer: VMfailValid(3)");
    report(vm_fail_valid(vmclear((uint64_t)hv_vmcs + 0x800), 2), "VMCLEAR of a pointer not 4K-aligned: VMfailValid(2)");
    report(vm_fail_valid(vmclear(1ull << 52), 2), "VMCLEAR beyond MAXPHYADDR: VMfailValid(2)");
    report(vm_fail_valid(vmxon((uint64_t)hv_vmxon_region), 15), "VMXON in VMX root operation: VMfailValid(15)");
    report(vm_fail_valid(vmcall_root(), 1), "VMCALL in VMX root operation: VMfailValid(1)");
    report(vm_ok(vmptrst(&p)) && p == (uint64_t)hv_vmcs, "a failed VMPTRLD leaves the current-VMCS pointer");
}

static void test_vmread_vmwrite(void)
{
    uint64_t v;
    report(vm_fail_valid(vmread_f(0x7fff, &v), 12), "VMREAD of an encoding no field has: VMfailValid(12)");
    report(vm_fail_valid(vmwrite(0x6c00 | (60 << 1), 0), 12), "VMWRITE of an encoding no field has: VMfailValid(12)");
    report(vm_fail_valid(vmread_f(F_GUEST_RIP | 1, &v), 12), "VMREAD of a natural-width field with access type high: VMfailValid(12)");
    report(vm_fail_valid(vmread_f(F_GUEST_ES_SEL | (1ull << 32), &v), 12), "VMREAD with encoding bits 63:32 set: VMfailValid(12)");
    report(vm_fail_valid(vmwrite(F_GUEST_ES_SEL | 0x8000, 0), 12), "VMWRITE with encoding bit 15 set: VMfailValid(12)");
    /* Fields that exist only with a control the model does not allow. */
    if (!hv_allowed(MSR_VMX_TRUE_PIN, 1u << 7))
        report(vm_fail_valid(vmread_f(0x0002, &v), 12), "VMREAD of the posted-interrupt vector without posted interrupts: VMfailValid(12)");
    if (!hv_allowed(MSR_VMX_PROC2, 1u << 25))
        report(vm_fail_valid(vmwrite(0x2032, 1), 12), "VMWRITE of the TSC multiplier without TSC scaling: VMfailValid(12)");

    /* 64-bit fields: full and high access (24.11.2). */
    report(vm_ok(vmwrite(F_TSC_OFFSET, 0x1122334455667788ull)), "VMWRITE of a 64-bit field (full)");
    report(vm_ok(vmread_f(F_TSC_OFFSET | 1, &v)) && v == 0x11223344, "VMREAD high of a 64-bit field returns bits 63:32 (got %lx)", v);
    report(vm_ok(vmwrite(F_TSC_OFFSET | 1, 0xaabbccdd00000000ull | 0x99)) &&
           vmread(F_TSC_OFFSET) == 0x0000009955667788ull,
           "VMWRITE high replaces bits 63:32 with the low 32 bits of the source (got %lx)", vmread(F_TSC_OFFSET));
    report(vm_ok(vmwrite(F_GUEST_ES_SEL, 0x12345)) && vmread(F_GUEST_ES_SEL) == 0x2345,
           "a 16-bit field keeps bits 15:0 of VMWRITE");
    report(vm_ok(vmwrite(F_GUEST_ES_LIMIT, 0x1ffffffffull)) && vmread(F_GUEST_ES_LIMIT) == 0xffffffff,
           "a 32-bit field keeps bits 31:0 of VMWRITE");
    uint64_t mem = 0x5566;
    uint64_t f;
    __asm__ volatile("vmwrite %2, %1; pushfq; pop %0" : "=r"(f) : "r"((uint64_t)F_GUEST_ES_SEL), "m"(mem) : "cc", "memory");
    report(vm_ok(f) && vmread(F_GUEST_ES_SEL) == 0x5566, "VMWRITE from a memory operand");
    mem = 0;
    __asm__ volatile("vmread %1, %0; pushfq; pop %%rax" : "=m"(mem) : "r"((uint64_t)F_GUEST_ES_SEL) : "rax", "cc", "memory");
    report(mem == 0x5566, "VMREAD to a memory operand stores the value (got %lx)", mem);

    bool ro_writable = rdmsr(MSR_VMX_MISC) & (1u << 29);
    if (ro_writable) {
        report(vm_ok(vmwrite(F_EXIT_QUALIFICATION, 7)) && vmread(F_EXIT_QUALIFICATION) == 7,
               "IA32_VMX_MISC[29]=1: VMWRITE of an exit-information field succeeds");
    } else {
        report(vm_fail_valid(vmwrite(F_EXIT_QUALIFICATION, 7), 13), "VMWRITE of a read-only field: VMfailValid(13)");
        report(vm_fail_valid(vmwrite(F_EXIT_REASON, 7), 13), "VMWRITE of the exit reason: VMfailValid(13)");
    }
    report(vm_ok(vmread_f(F_VM_INSTRUCTION_ERROR, &v)) && v == (ro_writable ? 12 : 13),
           "VM-instruction error holds the last VMfailValid number");
}

/* In the current VMCS, run the guest up to its VMCALL. */
static void guest_nop(void *arg) { (void)arg; }

static void test_launch_state(void)
{
    hv_setup(hv_vmcs);
    report(vm_fail_valid(hv_run(0), 5), "VMRESUME of a clear VMCS: VMfailValid(5)");
    uint64_t r = hv_guest(guest_nop, NULL);
    report((r & HV_EXITED) && hv_reason() == R_VMCALL, "VMLAUNCH; the guest's VMCALL exits (18)");
    report(vm_fail_valid(hv_run(1), 4), "VMLAUNCH of a launched VMCS: VMfailValid(4)");
    /* MOV SS blocking: VMfailValid(26) (30.3 VMLAUNCH/VMRESUME). */
    uint64_t f;
    __asm__ volatile("mov %%ss, %%ax; mov %%ax, %%ss; vmresume; pushfq; pop %0" : "=r"(f) :: "rax", "cc", "memory");
    report(vm_fail_valid(f, 26), "VMRESUME right after MOV SS: VMfailValid(26)");
    r = hv_skip_resume();
    report((r & HV_EXITED) && hv_reason() == R_VMCALL, "VMRESUME of the launched VMCS runs the guest again");

    /* VMXOFF with the launched VMCS current, VMXON, VMPTRLD, VMRESUME:
     * error 6 (30.4, "VMRESUME after VMXOFF"). */
    report(vm_ok(vmxoff()), "VMXOFF succeeds with a launched VMCS current");
    *(uint32_t *)hv_vmxon_region = hv_revision();
    report(vm_ok(vmxon((uint64_t)hv_vmxon_region)), "VMXON again");
    report(vm_ok(vmptrld((uint64_t)hv_vmcs)), "VMPTRLD of the VMCS launched before VMXOFF");
    report(vm_fail_valid(hv_run(0), 6), "VMRESUME after VMXOFF: VMfailValid(6)");
    report(vm_ok(vmclear((uint64_t)hv_vmcs)) && vm_ok(vmptrld((uint64_t)hv_vmcs)), "VMCLEAR and VMPTRLD");
    report(vm_fail_valid(hv_run(0), 5), "after VMCLEAR, VMRESUME: VMfailValid(5)");
    uint64_t p;
    report(vm_ok(vmclear((uint64_t)hv_vmcs)) && vm_ok(vmptrst(&p)) && p == ~0ull,
           "VMCLEAR of the current VMCS invalidates the current-VMCS pointer");
    report(vm_fail_invalid(hv_run(0)), "VMRESUME without a current VMCS: VMfailInvalid");

    /* A shadow VMCS (indicator 1) may be current, but VM entry with it
     * fails: VMfailInvalid (SDM 24.10, 26.1). */
    if (hv_allowed(MSR_VMX_PROC2, PROC2_VMCS_SHADOWING)) {
        *(uint32_t *)vmcs_c = hv_revision() | 0x80000000u;
        report(vm_ok(vmclear((uint64_t)vmcs_c)) && vm_ok(vmptrld((uint64_t)vmcs_c)),
               "VMPTRLD of a shadow VMCS succeeds when VMCS shadowing is supported");
        report(vm_fail_invalid(hv_run(1)), "VMLAUNCH with a shadow VMCS current: VMfailInvalid");
        vmclear((uint64_t)vmcs_c);
    }
}

static void test_invept_invvpid(void)
{
    uint64_t cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
    uint64_t desc[2] __attribute__((aligned(16))) = { 0, 0 };
    hv_setup(hv_vmcs);
    if ((cap & (1ull << 20)) && hv_allowed(MSR_VMX_PROC2, PROC2_ENABLE_EPT)) {
        report(vm_fail_valid(invept(0, desc), 28), "INVEPT type 0: VMfailValid(28)");
        report(vm_fail_valid(invept(3, desc), 28), "INVEPT type 3: VMfailValid(28)");
        report(vm_fail_valid(invept(1ull << 32 | 2, desc), 28), "INVEPT type with bits 63:32 set: VMfailValid(28)");
        if (cap & (1ull << 25)) {
            desc[0] = 0x1234;     /* memory type 4: not supported */
            report(vm_fail_valid(invept(1, desc), 28), "INVEPT single-context with an invalid EPTP: VMfailValid(28)");
            desc[0] = 0x501e;
            report(vm_ok(invept(1, desc)), "INVEPT single-context with a valid EPTP succeeds");
        }
        if (cap & (1ull << 26))
            report(vm_ok(invept(2, desc)), "INVEPT global succeeds");
    }
    if ((cap & (1ull << 32)) && hv_allowed(MSR_VMX_PROC2, PROC2_ENABLE_VPID)) {
        desc[0] = 1; desc[1] = 0;
        report(vm_fail_valid(invvpid(4, desc), 28), "INVVPID type 4: VMfailValid(28)");
        desc[0] = 0;
        if (cap & (1ull << 41))
            report(vm_fail_valid(invvpid(1, desc), 28), "INVVPID single-context with VPID 0: VMfailValid(28)");
        desc[0] = 1ull << 16 | 1;
        if (cap & (1ull << 41))
            report(vm_fail_valid(invvpid(1, desc), 28), "INVVPID with descriptor bits 63:16 set: VMfailValid(28)");
        desc[0] = 1; desc[1] = 0x0000800000000000ull;
        if (cap & (1ull << 40))
            report(vm_fail_valid(invvpid(0, desc), 28), "INVVPID individual-address with a non-canonical address: VMfailValid(28)");
        desc[1] = 0x1000;
        if (cap & (1ull << 40))
            report(vm_ok(invvpid(0, desc)), "INVVPID individual-address succeeds");
        if (cap & (1ull << 42))
            report(vm_ok(invvpid(2, desc)), "INVVPID all-context succeeds");
    }
    vmclear((uint64_t)hv_vmcs);
    if (cap & (1ull << 20)) {
        report(vm_fail_invalid(invept(0, desc)), "INVEPT of an unsupported type without a current VMCS: VMfailInvalid");
        if (cap & (1ull << 26))
            report(vm_ok(invept(2, desc)), "INVEPT global needs no current VMCS: VMsucceed");
    }
}

/* In VMX root: CPL 3 is #GP(0) for every instruction; compatibility mode
 * is #UD for every one. */
static void test_root_mode_faults(void)
{
    hv_setup(hv_vmcs);
    expect_all_user_gp("CPL 3 in VMX root", false);
    expect_all("compatibility mode in VMX root", EXC_UD, true);
}

/* VM-entry failures seen by the hypervisor. */
static void test_entry_failures(void)
{
    uint64_t r;
    hv_setup(hv_vmcs);
    vmwrite(F_PIN, vmread(F_PIN) | (1u << 31));
    report(vm_fail_valid(hv_guest(guest_nop, NULL), 7), "reserved pin-based control set: VMfailValid(7) (26.2.1.1)");
    hv_setup(hv_vmcs);
    vmwrite(F_CR3_TARGET_COUNT, ((rdmsr(MSR_VMX_MISC) >> 16) & 0x1ff) + 1);
    report(vm_fail_valid(hv_guest(guest_nop, NULL), 7), "CR3-target count above IA32_VMX_MISC: VMfailValid(7)");
    hv_setup(hv_vmcs);
    vmwrite(F_PROC, vmread(F_PROC) | PROC_USE_IO_BITMAPS);
    vmwrite(F_IO_BITMAP_A, (uint64_t)page + 8);
    vmwrite(F_IO_BITMAP_B, (uint64_t)page);
    report(vm_fail_valid(hv_guest(guest_nop, NULL), 7), "I/O-bitmap A not 4K-aligned: VMfailValid(7)");
    hv_setup(hv_vmcs);
    vmwrite(F_ENTRY_INTR_INFO, 0x80000000u | (1u << 8));
    report(vm_fail_valid(hv_guest(guest_nop, NULL), 7), "injection of reserved type 1: VMfailValid(7) (26.2.1.3)");
    hv_setup(hv_vmcs);
    vmwrite(F_EXIT_MSR_STORE_COUNT, 1);
    vmwrite(F_EXIT_MSR_STORE_ADDR, (uint64_t)msr_area + 8);
    report(vm_fail_valid(hv_guest(guest_nop, NULL), 7), "VM-exit MSR-store area not 16-byte aligned: VMfailValid(7)");

    hv_setup(hv_vmcs);
    vmwrite(F_HOST_CR0, vmread(F_HOST_CR0) & ~(uint64_t)CR0_NE);
    report(vm_fail_valid(hv_guest(guest_nop, NULL), 8), "host CR0.NE=0: VMfailValid(8) (26.2.2)");
    hv_setup(hv_vmcs);
    vmwrite(F_HOST_CS_SEL, vmread(F_HOST_CS_SEL) | 3);
    report(vm_fail_valid(hv_guest(guest_nop, NULL), 8), "host CS selector RPL 3: VMfailValid(8) (26.2.3)");
    hv_setup(hv_vmcs);
    vmwrite(F_HOST_RIP, 0x0000800000000000ull);
    report(vm_fail_valid(hv_guest(guest_nop, NULL), 8), "non-canonical host RIP: VMfailValid(8) (26.2.4)");
    hv_setup(hv_vmcs);
    vmwrite(F_HOST_TR_SEL, 0);
    report(vm_fail_valid(hv_guest(guest_nop, NULL), 8), "host TR selector 0: VMfailValid(8)");

    /* Guest state: exit reason 33 with bit 31 set. */
    struct { const char *what; unsigned field; uint64_t value; uint64_t qual; } g[] = {
        { "guest RFLAGS bit 1 = 0", F_GUEST_RFLAGS, 0, 0 },
        { "guest activity state 4", F_GUEST_ACTIVITY, 4, 0 },
        { "guest CR0.PE=0 with PG=1", F_GUEST_CR0, 0, 0 },
        { "guest CS access rights with a data type", F_GUEST_CS_AR, 0xc093, 0 },
        { "guest TR unusable", F_GUEST_TR_AR, 0x1008b, 0 },
        { "guest interruptibility STI and MOV SS", F_GUEST_INTERRUPTIBILITY, 3, 0 },
        { "guest pending debug exceptions reserved bit 4", F_GUEST_PENDING_DBG, 0x10, 0 },
        { "VMCS link pointer to a region with a wrong revision", F_VMCS_LINK_POINTER, (uint64_t)page, 4 },
    };
    for (unsigned i = 0; i < sizeof g / sizeof g[0]; i++) {
        hv_setup(hv_vmcs);
        uint64_t value = g[i].value;
        if (g[i].field == F_GUEST_CR0)
            value = vmread(F_GUEST_CR0) & ~(uint64_t)CR0_PE;
        *(uint32_t *)page = hv_revision() ^ 4;
        vmwrite(F_GUEST_RIP, 0x1234);
        vmwrite(g[i].field, value);
        r = hv_run(1);
        uint64_t reason = vmread(F_EXIT_REASON);
        report((r & HV_EXITED) && reason == (0x80000000u | R_BAD_GUEST) && hv_qual() == g[i].qual,
               "%s: VM-entry failure, exit reason 33|bit 31, qualification %lu (got %lx, %lx)",
               g[i].what, g[i].qual, reason, hv_qual());
        if (i == 0)
            report(vmread(F_GUEST_RIP) == 0x1234 && vm_fail_valid(hv_run(0), 5),
                   "a failed VM entry leaves guest state and the launch state clear (26.8)");
    }
    /* Qualification 3: NMI injection with blocking by STI (26.3.1.5). */
    hv_setup(hv_vmcs);
    vmwrite(F_GUEST_RFLAGS, 0x202);
    vmwrite(F_GUEST_INTERRUPTIBILITY, 1);
    vmwrite(F_ENTRY_INTR_INFO, 0x80000202u);
    r = hv_run(1);
    report((r & HV_EXITED) && vmread(F_EXIT_REASON) == (0x80000000u | 33) && hv_qual() == 3,
           "NMI injection with blocking by STI: exit 33, qualification 3 (got %lx)", hv_qual());
    report(!(vmread(F_ENTRY_INTR_INFO) & 0x80000000u), "the VM exit clears the valid bit of the injection field (27.2.3)");

    /* Qualification 2: a 32-bit PAE guest whose PDPTE has reserved bits. */
    static uint64_t pdpt[4] __attribute__((aligned(32)));
    pdpt[0] = 0x1000 | 1 | (1u << 1);           /* present, reserved bit 1 */
    hv_setup(hv_vmcs);
    vmwrite(F_ENTRY_CONTROLS, vmread(F_ENTRY_CONTROLS) & ~ENTRY_IA32E_GUEST);
    vmwrite(F_GUEST_CS_AR, 0xc09b);
    vmwrite(F_GUEST_CR3, (uint64_t)pdpt);
    vmwrite(F_GUEST_CR4, vmread(F_GUEST_CR4) & ~(1ull << 17));   /* PCIDE */
    vmwrite(F_GUEST_RIP, 0x1000);
    r = hv_run(1);
    report((r & HV_EXITED) && vmread(F_EXIT_REASON) == (0x80000000u | 33) && hv_qual() == 2,
           "PAE guest with a reserved PDPTE bit: exit 33, qualification 2 (got %lx, %lx)",
           vmread(F_EXIT_REASON), hv_qual());

    /* MSR loading (26.4): entry 2 names an x2APIC MSR: exit 34 with
     * qualification 2, the 1-based index of the failing entry. */
    uint64_t *m = (uint64_t *)msr_area;
    m[0] = 0x174; m[1] = 0;                     /* IA32_SYSENTER_CS */
    m[2] = 0x808; m[3] = 0;                     /* x2APIC TPR: not allowed */
    hv_setup(hv_vmcs);
    vmwrite(F_ENTRY_MSR_LOAD_ADDR, (uint64_t)msr_area);
    vmwrite(F_ENTRY_MSR_LOAD_COUNT, 2);
    r = hv_run(1);
    report((r & HV_EXITED) && vmread(F_EXIT_REASON) == (0x80000000u | R_MSR_LOADING) && hv_qual() == 2,
           "VM-entry MSR-load of an x2APIC MSR: exit 34|bit 31, qualification = entry 2 (got %lx, %lx)",
           vmread(F_EXIT_REASON), hv_qual());
    m[2] = 0x174; m[3] = 0; m[1] = 1ull << 32;  /* reserved bits 63:32 of the index */
    m[0] = 0x174 | (1ull << 32);
    hv_setup(hv_vmcs);
    vmwrite(F_ENTRY_MSR_LOAD_ADDR, (uint64_t)msr_area);
    vmwrite(F_ENTRY_MSR_LOAD_COUNT, 2);
    r = hv_run(1);
    report((r & HV_EXITED) && vmread(F_EXIT_REASON) == (0x80000000u | R_MSR_LOADING) && hv_qual() == 1,
           "VM-entry MSR-load entry with reserved bits set: qualification 1 (got %lx)", hv_qual());
    hv_setup(hv_vmcs);
    r = hv_guest(guest_nop, NULL);
    report((r & HV_EXITED) && hv_reason() == R_VMCALL, "the unchanged VMCS enters and exits normally");
}

void test_main(void)
{
    test_outside_vmx();
    if (!hv_enter_vmx())
        return;
    test_memory_operand_faults();
    test_pointer_errors();
    test_vmread_vmwrite();
    test_root_mode_faults();
    test_launch_state();
    test_invept_invvpid();
    test_entry_failures();
    hv_setup(hv_vmcs);
    report(vm_ok(vmxoff()), "VMXOFF succeeds");
    RtExc e;
    report(exc_catch(EXC_UD, call_fn, u_vmptrst, &e), "after VMXOFF, VMPTRST is #UD");
}
