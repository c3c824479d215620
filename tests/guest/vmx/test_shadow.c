/*
 * tests/guest/vmx/test_shadow.c (area vmx-shadow): VMCS shadowing, SDM
 * Vol.3 24.10 "VMCS Types: Ordinary and Shadow", 24.6.15 "VMCS Shadowing
 * Bitmap Addresses", 25.1.3 (VMREAD/VMWRITE in non-root operation), 30.3
 * VMREAD/VMWRITE pseudocode, 26.3.1.5 (VMCS link pointer checks, exit 33
 * qualification 4), 27.2.4 Table 27-14 (instruction information).
 */
#include "hv.h"

static uint8_t shadow[4096] __attribute__((aligned(4096)));
static uint8_t ordinary[4096] __attribute__((aligned(4096)));
static uint8_t read_bitmap[4096] __attribute__((aligned(4096)));
static uint8_t write_bitmap[4096] __attribute__((aligned(4096)));

/* What the guest saw: value and RFLAGS of its VMREAD/VMWRITE. */
static volatile uint64_t g_value, g_flags;

static void g_vmread(void *enc)
{
    uint64_t v = 0, f;
    __asm__ volatile("vmread %2, %0; pushfq; pop %1" : "=&r"(v), "=&r"(f) : "r"((uint64_t)enc) : "cc");
    g_value = v;
    g_flags = f;
}

static void g_vmread_mem(void *enc)
{
    static uint64_t slot[4];
    uint64_t f;
    __asm__ volatile("vmread %2, 0x10(%1); pushfq; pop %0" : "=r"(f) : "r"(slot), "r"((uint64_t)enc) : "cc", "memory");
    g_value = slot[2];
    g_flags = f;
}

static void g_vmwrite(void *enc)
{
    uint64_t f;
    __asm__ volatile("vmwrite %1, %2; pushfq; pop %0" : "=r"(f) : "r"(g_value), "r"((uint64_t)enc) : "cc");
    g_flags = f;
}

static void set_bit(uint8_t *map, unsigned bit) { map[bit >> 3] |= (uint8_t)(1u << (bit & 7)); }

/* Fill the shadow VMCS through VMPTRLD (allowed for a shadow VMCS when
 * shadowing is supported) and leave it clear in memory. */
static void prepare_shadow(void)
{
    *(uint32_t *)shadow = hv_revision() | 0x80000000u;
    vmclear((uint64_t)shadow);
    report(vm_ok(vmptrld((uint64_t)shadow)), "VMPTRLD of a shadow VMCS (indicator 1)");
    report(vm_ok(vmwrite(F_GUEST_RIP, 0xabcd1234)) && vm_ok(vmwrite(F_GUEST_ES_SEL, 0x55)),
           "VMWRITE into the shadow VMCS while it is current");
    report(vm_ok(vmclear((uint64_t)shadow)), "VMCLEAR of the shadow VMCS");
}

static void setup_shadowing(void)
{
    hv_setup(ordinary);
    vmwrite(F_PROC, vmread(F_PROC) | PROC_SECONDARY);
    vmwrite(F_PROC2, hv_ctl(MSR_VMX_PROC2, PROC2_VMCS_SHADOWING));
    vmwrite(F_VMREAD_BITMAP, (uint64_t)read_bitmap);
    vmwrite(F_VMWRITE_BITMAP, (uint64_t)write_bitmap);
    vmwrite(F_VMCS_LINK_POINTER, (uint64_t)shadow);
}

static uint64_t shadow_field(uint64_t enc)
{
    vmptrld((uint64_t)shadow);
    uint64_t v = vmread(enc);
    vmptrld((uint64_t)ordinary);
    return v;
}

static void test_bitmaps(void)
{
    memset(read_bitmap, 0, sizeof read_bitmap);
    memset(write_bitmap, 0, sizeof write_bitmap);
    set_bit(read_bitmap, F_GUEST_ES_SEL);
    set_bit(write_bitmap, F_GUEST_RIP);

    setup_shadowing();
    uint64_t r = hv_guest(g_vmread, (void *)(uint64_t)F_GUEST_RIP);
    report((r & HV_EXITED) && hv_reason() == R_VMCALL && vm_ok(g_flags) && g_value == 0xabcd1234,
           "guest VMREAD with the bitmap bit clear: no exit, value from the shadow VMCS (got %lx)", g_value);

    setup_shadowing();
    r = hv_guest(g_vmread, (void *)(uint64_t)F_GUEST_ES_SEL);
    uint32_t info = (uint32_t)vmread(F_EXIT_INSN_INFO);
    report((r & HV_EXITED) && hv_reason() == R_VMREAD && hv_qual() == 0 && (info & (1u << 10)),
           "guest VMREAD with the VMREAD-bitmap bit set: exit 23, register operand (got %u, info %x)", hv_reason(), info);
    unsigned reg1 = (info >> 3) & 15, reg2 = info >> 28;
    report(hv_gpr[reg2] == F_GUEST_ES_SEL && reg1 != reg2,
           "VMREAD exit information: bits 31:28 name the register holding the encoding (reg1 %u reg2 %u)", reg1, reg2);
    report(hv_finish(4), "the guest continues after the VMREAD exit");

    setup_shadowing();
    r = hv_guest(g_vmread_mem, (void *)(uint64_t)F_GUEST_ES_SEL);
    info = (uint32_t)vmread(F_EXIT_INSN_INFO);
    report((r & HV_EXITED) && hv_reason() == R_VMREAD && hv_qual() == 0x10 && !(info & (1u << 10)),
           "guest VMREAD to memory, bit set: exit 23, qualification = displacement 10H (got %lx, info %x)", hv_qual(), info);
    hv_finish(4);

    setup_shadowing();
    g_value = 0x77;
    r = hv_guest(g_vmwrite, (void *)(uint64_t)F_GUEST_ES_SEL);
    report((r & HV_EXITED) && hv_reason() == R_VMCALL && vm_ok(g_flags),
           "guest VMWRITE with the VMWRITE-bitmap bit clear: no exit");
    report(shadow_field(F_GUEST_ES_SEL) == 0x77, "the VMWRITE reached the shadow VMCS (got %lx)",
           shadow_field(F_GUEST_ES_SEL));
    report(vmread(F_GUEST_ES_SEL) != 0x77, "the ordinary VMCS's field is untouched");

    setup_shadowing();
    g_value = 0x1;
    r = hv_guest(g_vmwrite, (void *)(uint64_t)F_GUEST_RIP);
    info = (uint32_t)vmread(F_EXIT_INSN_INFO);
    report((r & HV_EXITED) && hv_reason() == R_VMWRITE && (info & (1u << 10)) &&
           hv_gpr[info >> 28] == F_GUEST_RIP && hv_gpr[(info >> 3) & 15] == 1,
           "guest VMWRITE with the bit set: exit 25, info names the source and encoding registers (info %x)", info);
    hv_finish(4);

    /* Encodings with bits 63:15 set always exit (25.1.3). */
    setup_shadowing();
    r = hv_guest(g_vmread, (void *)(uint64_t)(F_GUEST_RIP | 0x8000));
    report((r & HV_EXITED) && hv_reason() == R_VMREAD, "guest VMREAD of an encoding with bit 15 set: exit 23");
    hv_finish(4);
    setup_shadowing();
    r = hv_guest(g_vmwrite, (void *)((uint64_t)F_GUEST_ES_SEL | (1ull << 40)));
    report((r & HV_EXITED) && hv_reason() == R_VMWRITE, "guest VMWRITE of an encoding with bit 40 set: exit 25");
    hv_finish(4);

    /* An encoding no field has, bit clear: VMfailValid in the guest. */
    setup_shadowing();
    r = hv_guest(g_vmread, (void *)0x7ffeull);
    report((r & HV_EXITED) && hv_reason() == R_VMCALL && (g_flags & FLAG_ARITH) == FLAG_ZF,
           "guest VMREAD of an unsupported encoding (bit clear): VMfailValid without an exit");

    /* Read-only fields through a shadow VMCS (30.3 VMWRITE): an exit-
     * information field is writable only with IA32_VMX_MISC[29]. */
    setup_shadowing();
    g_value = 5;
    r = hv_guest(g_vmwrite, (void *)(uint64_t)F_EXIT_QUALIFICATION);
    bool writable = rdmsr(MSR_VMX_MISC) & (1u << 29);
    report((r & HV_EXITED) && hv_reason() == R_VMCALL &&
           (writable ? vm_ok(g_flags) : (g_flags & FLAG_ARITH) == FLAG_ZF),
           "guest VMWRITE of an exit-information field: %s", writable ? "succeeds (IA32_VMX_MISC[29])" : "VMfailValid");

    /* Without shadowing, every VMREAD exits. */
    hv_setup(ordinary);
    r = hv_guest(g_vmread, (void *)(uint64_t)F_GUEST_RIP);
    report((r & HV_EXITED) && hv_reason() == R_VMREAD, "VMREAD in non-root without VMCS shadowing: exit 23");
    hv_finish(4);
}

static void test_link_pointer(void)
{
    /* Shadowing on with an invalid link pointer: entry succeeds; guest
     * VMREAD with the bit clear is VMfailInvalid (30.3 VMREAD). */
    setup_shadowing();
    vmwrite(F_VMCS_LINK_POINTER, ~0ull);
    uint64_t r = hv_guest(g_vmread, (void *)(uint64_t)F_GUEST_RIP);
    report((r & HV_EXITED) && hv_reason() == R_VMCALL && vm_fail_invalid(g_flags),
           "guest VMREAD with link pointer FFFFFFFF_FFFFFFFFH: VMfailInvalid, no exit");

    /* 26.3.1.5: with shadowing, the link pointer's region must have the
     * shadow-VMCS indicator 1; without, 0. Failures: exit 33,
     * qualification 4. */
    static uint8_t plain[4096] __attribute__((aligned(4096)));
    *(uint32_t *)plain = hv_revision();
    setup_shadowing();
    vmwrite(F_VMCS_LINK_POINTER, (uint64_t)plain);
    r = hv_run(1);
    report((r & HV_EXITED) && vmread(F_EXIT_REASON) == (0x80000000u | 33) && hv_qual() == 4,
           "shadowing on, link pointer to an ordinary VMCS: exit 33, qualification 4 (got %lx)", hv_qual());
    hv_setup(ordinary);
    vmwrite(F_VMCS_LINK_POINTER, (uint64_t)shadow);
    r = hv_run(1);
    report((r & HV_EXITED) && vmread(F_EXIT_REASON) == (0x80000000u | 33) && hv_qual() == 4,
           "shadowing off, link pointer to a shadow VMCS: exit 33, qualification 4 (got %lx)", hv_qual());
    hv_setup(ordinary);
    vmwrite(F_VMCS_LINK_POINTER, (uint64_t)plain);
    r = hv_guest(g_vmread, (void *)(uint64_t)F_GUEST_RIP);
    report((r & HV_EXITED) && hv_reason() == R_VMREAD, "shadowing off, link pointer to an ordinary VMCS: entry succeeds");
    setup_shadowing();
    vmwrite(F_VMCS_LINK_POINTER, (uint64_t)shadow + 0x800);
    r = hv_run(1);
    report((r & HV_EXITED) && vmread(F_EXIT_REASON) == (0x80000000u | 33) && hv_qual() == 4,
           "link pointer not 4K-aligned: exit 33, qualification 4");
    setup_shadowing();
    vmwrite(F_VMCS_LINK_POINTER, (uint64_t)ordinary);
    r = hv_run(1);
    report((r & HV_EXITED) && vmread(F_EXIT_REASON) == (0x80000000u | 33) && hv_qual() == 4,
           "link pointer equal to the current-VMCS pointer: exit 33, qualification 4");
    setup_shadowing();
    vmwrite(F_VMREAD_BITMAP, (uint64_t)read_bitmap + 8);
    report(vm_fail_valid(hv_run(1), 7), "VMREAD-bitmap address not 4K-aligned: VMfailValid(7)");
}

void test_main(void)
{
    if (!hv_enter_vmx())
        return;
    if (!hv_allowed(MSR_VMX_PROC2, PROC2_VMCS_SHADOWING) || !hv_allowed(MSR_VMX_TRUE_PROC, PROC_SECONDARY)) {
        report_skip("VMCS shadowing is not supported");
        return;
    }
    prepare_shadow();
    test_bitmaps();
    test_link_pointer();
    report(vm_ok(vmxoff()), "VMXOFF");
}
