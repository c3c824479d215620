/*
 * tests/guest/vmx/test_vmx_nonroot.c: VMX non-root behaviour and the timing
 * features, each check naming the SDM Vol.3 rule it tests: 25.3 "Changes
 * to Instruction Behavior in VMX Non-Root Operation" (CR0/CR4 shadows,
 * CLTS, LMSW, RDTSC/RDTSCP/RDMSR with TSC offsetting and scaling, RDTSCP
 * and INVPCID #UD, XSAVES), 29.3 (CR8 and the TPR shadow), 25.5.1
 * "VMX-Preemption Timer", 25.5.2 "Monitor Trap Flag", 25.2 (windows,
 * virtual NMIs), 26.5 "Event Injection", 26.6.3 (pending debug
 * exceptions), 27.2.3 (IDT-vectoring information), 27.3.4 (saved
 * interruptibility, activity, pending debug exceptions, timer value).
 *
 * The in-test hypervisor builds each VMCS from the capability MSRs, so the
 * image also runs on real VMX hardware; the guest is a copy of this 64-bit
 * ring-0 context running one snippet of nonroot_asm.S with its own IDT.
 */
#include "rt.h"

#define MSR_FEATURE_CONTROL 0x3a
#define MSR_TSC_AUX         0xc0000103
#define MSR_VMX_BASIC       0x480
#define MSR_VMX_MISC        0x485
#define MSR_VMX_CR0_FIXED0  0x486
#define MSR_VMX_CR4_FIXED0  0x488
#define MSR_VMX_PROC2       0x48b
#define MSR_VMX_TRUE_PIN    0x48d
#define MSR_VMX_TRUE_PROC   0x48e
#define MSR_VMX_TRUE_EXIT   0x48f
#define MSR_VMX_TRUE_ENTRY  0x490
#define CR4_VMXE (1u << 13)
#define CR4_OSXSAVE (1u << 18)

/* Appendix B encodings. */
enum {
    GUEST_ES_SELECTOR = 0x800, HOST_ES_SELECTOR = 0xc00, HOST_CS_SELECTOR = 0xc02,
    HOST_SS_SELECTOR = 0xc04, HOST_DS_SELECTOR = 0xc06, HOST_FS_SELECTOR = 0xc08,
    HOST_GS_SELECTOR = 0xc0a, HOST_TR_SELECTOR = 0xc0c,
    MSR_BITMAP = 0x2004, TSC_OFFSET = 0x2010, VIRTUAL_APIC_PAGE = 0x2012,
    APIC_ACCESS_ADDR = 0x2014, XSS_EXITING_BITMAP = 0x202c, TSC_MULTIPLIER = 0x2032, VMCS_LINK_POINTER = 0x2800,
    PIN_CONTROLS = 0x4000, PROC_CONTROLS = 0x4002, EXCEPTION_BITMAP = 0x4004,
    PF_MASK = 0x4006, PF_MATCH = 0x4008, CR3_TARGET_COUNT = 0x400a, CR3_TARGET0 = 0x6008, EXIT_CONTROLS = 0x400c, ENTRY_CONTROLS = 0x4012,
    ENTRY_INTR_INFO = 0x4016, ENTRY_EXC_ERROR = 0x4018, ENTRY_INSN_LEN = 0x401a,
    TPR_THRESHOLD = 0x401c, PROC2_CONTROLS = 0x401e,
    VM_INSTRUCTION_ERROR = 0x4400, EXIT_REASON = 0x4402, EXIT_INTR_INFO = 0x4404,
    EXIT_INTR_ERROR = 0x4406, IDT_VECTORING_INFO = 0x4408, IDT_VECTORING_ERROR = 0x440a,
    EXIT_INSN_LEN = 0x440c,
    GUEST_ES_LIMIT = 0x4800, GUEST_ES_AR = 0x4814, GUEST_GDTR_LIMIT = 0x4810,
    GUEST_IDTR_LIMIT = 0x4812, GUEST_INTERRUPTIBILITY = 0x4824, GUEST_ACTIVITY = 0x4826,
    PREEMPTION_TIMER = 0x482e, HOST_SYSENTER_CS = 0x4c00,
    CR0_MASK = 0x6000, CR4_MASK = 0x6002, CR0_SHADOW = 0x6004, CR4_SHADOW = 0x6006,
    EXIT_QUALIFICATION = 0x6400,
    GUEST_CR0 = 0x6800, GUEST_CR3 = 0x6802, GUEST_CR4 = 0x6804, GUEST_ES_BASE = 0x6806,
    GUEST_GDTR_BASE = 0x6816, GUEST_IDTR_BASE = 0x6818, GUEST_DR7 = 0x681a,
    GUEST_RSP = 0x681c, GUEST_RIP = 0x681e, GUEST_RFLAGS = 0x6820, GUEST_PENDING_DBG = 0x6822,
    HOST_CR0 = 0x6c00, HOST_CR3 = 0x6c02, HOST_CR4 = 0x6c04, HOST_FS_BASE = 0x6c06,
    HOST_GS_BASE = 0x6c08, HOST_TR_BASE = 0x6c0a, HOST_GDTR_BASE = 0x6c0c,
    HOST_IDTR_BASE = 0x6c0e, HOST_RSP = 0x6c14, HOST_RIP = 0x6c16,
};

/* Control bits (SDM Tables 24-5 to 24-13). */
#define PIN_NMI_EXITING   (1u << 3)
#define PIN_VIRTUAL_NMIS  (1u << 5)
#define PIN_PREEMPT_TIMER (1u << 6)
#define PROC_INTR_WINDOW  (1u << 2)
#define PROC_TSC_OFFSET   (1u << 3)
#define PROC_HLT_EXITING  (1u << 7)
#define PROC_RDTSC_EXIT   (1u << 12)
#define PROC_CR3_LOAD     (1u << 15)
#define PROC_CR8_LOAD     (1u << 19)
#define PROC_CR8_STORE    (1u << 20)
#define PROC_TPR_SHADOW   (1u << 21)
#define PROC_NMI_WINDOW   (1u << 22)
#define PROC_MTF          (1u << 27)
#define PROC_MSR_BITMAPS  (1u << 28)
#define PROC_SECONDARY    (1u << 31)
#define PROC2_RDTSCP      (1u << 3)
#define PROC2_INVPCID     (1u << 12)
#define PROC2_XSAVES      (1u << 20)
#define PROC2_TSC_SCALING (1u << 25)
#define PIN_EXTINT_EXITING (1u << 0)
#define EXIT_HOST64       (1u << 9)
#define EXIT_ACK_INTR     (1u << 15)
#define EXIT_SAVE_TIMER   (1u << 22)
#define ENTRY_IA32E       (1u << 9)

/* Exit reasons (SDM Appendix C). */
enum {
    R_EXCEPTION = 0, R_EXTINT = 1, R_INTR_WINDOW = 7, R_NMI_WINDOW = 8, R_HLT = 12, R_RDTSC = 16,
    R_VMCALL = 18, R_CR = 28, R_MTF = 37, R_TPR = 43, R_TIMER = 52,
};

extern uint64_t nr_run(int launch);
extern char g_cr3_write[], nr_exit[], g_cr_read[], g_cr0_write[], g_cr4_write[], g_clts[], g_lmsw[];
extern char g_rdtsc[], g_rdtscp[], g_rdmsr_tsc[], g_cr8[], g_cr8_low[], g_cr8_low_next[];
extern char g_loop[], g_hlt[], g_hlt_next[], g_nops[], g_nop2[], g_nop3[];
extern char g_tf[], g_tf_nop[], g_tf_after[], g_int40[], g_vmcall[];
extern char g_sti[], g_sti_vmcall[], g_movss[], g_movss_vmcall[], g_iret[], g_iret_next[];
extern char g_self_nmi[], g_self_nmi_next[], g_iret_bad[], g_sti_nop[], g_sti_nop_next[], g_invpcid[], g_xsaves[], g_isr[], g_isr_vmcall[];
extern uint64_t nr_in[6], nr_out[6];

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static uint8_t vapic[4096] __attribute__((aligned(4096)));
static uint8_t xsave_area[4096] __attribute__((aligned(64)));
static uint8_t host_stack[8192] __attribute__((aligned(16)));
static uint8_t guest_stack[8192] __attribute__((aligned(16)));
static uint64_t guest_idt[512] __attribute__((aligned(16)));

static uint64_t vmwrite(uint64_t field, uint64_t v) { uint64_t f; __asm__ volatile("vmwrite %2, %1; pushfq; pop %0" : "=r"(f) : "r"(field), "rm"(v) : "cc", "memory"); return f; }
static uint64_t vmread(uint64_t field) { uint64_t v = 0; __asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc", "memory"); return v; }
static uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }

static uint32_t ctl(uint32_t msr, uint32_t want) { uint64_t c = rdmsr(msr); return ((uint32_t)c | want) & (uint32_t)(c >> 32); }
static bool allowed(uint32_t msr, uint32_t bits) { return ((rdmsr(msr) >> 32) & bits) == bits; }
static unsigned timer_rate;

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

/* A fresh launched-state-clear VMCS whose guest runs `rip` with the given
 * pin/primary/secondary controls (plus the default1 bits). */
static void prepare(void *rip, uint32_t pin, uint32_t proc, uint32_t proc2)
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr, idtr;
    __asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
    __asm__ volatile("vmclear %0" :: "m"(*(uint64_t[]){ (uint64_t)vmcs }) : "cc", "memory");
    __asm__ volatile("vmptrld %0" :: "m"(*(uint64_t[]){ (uint64_t)vmcs }) : "cc", "memory");
    uint16_t tr = read_sel(7);
    if (proc2)
        proc |= PROC_SECONDARY;
    vmwrite(PIN_CONTROLS, ctl(MSR_VMX_TRUE_PIN, pin));
    vmwrite(PROC_CONTROLS, ctl(MSR_VMX_TRUE_PROC, proc));
    if (proc & PROC_SECONDARY)
        vmwrite(PROC2_CONTROLS, proc2 & (uint32_t)(rdmsr(MSR_VMX_PROC2) >> 32));
    vmwrite(EXIT_CONTROLS, ctl(MSR_VMX_TRUE_EXIT, EXIT_HOST64));
    vmwrite(ENTRY_CONTROLS, ctl(MSR_VMX_TRUE_ENTRY, ENTRY_IA32E));
    vmwrite(VMCS_LINK_POINTER, ~0ull);
    vmwrite(EXCEPTION_BITMAP, 0);
    vmwrite(PF_MASK, 0);
    vmwrite(PF_MATCH, 0);
    vmwrite(ENTRY_INTR_INFO, 0);
    vmwrite(CR0_MASK, 0);
    vmwrite(CR4_MASK, 0);
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
    vmwrite(HOST_RIP, (uint64_t)nr_exit);

    vmwrite(GUEST_CR0, read_cr0());
    vmwrite(GUEST_CR3, read_cr3());
    vmwrite(GUEST_CR4, read_cr4());
    vmwrite(GUEST_DR7, 0x400);
    for (int s = 0; s < 8; s++) {
        uint16_t sel = read_sel(s);
        uint32_t ar = s == 1 ? 0xa09b : s == 7 ? 0x8b : sel == 0 ? 0x10000 : 0xc093;
        vmwrite(GUEST_ES_SELECTOR + 2 * s, sel);
        vmwrite(GUEST_ES_BASE + 2 * s, s == 7 ? desc_base(tr) : 0);
        vmwrite(GUEST_ES_LIMIT + 2 * s, s == 7 ? 0x67 : 0xffffffff);
        vmwrite(GUEST_ES_AR + 2 * s, ar);
    }
    vmwrite(GUEST_GDTR_BASE, gdtr.base);
    vmwrite(GUEST_GDTR_LIMIT, gdtr.limit);
    vmwrite(GUEST_IDTR_BASE, (uint64_t)guest_idt);
    vmwrite(GUEST_IDTR_LIMIT, sizeof(guest_idt) - 1);
    vmwrite(GUEST_RSP, (uint64_t)guest_stack + sizeof(guest_stack));
    vmwrite(GUEST_RIP, (uint64_t)rip);
    vmwrite(GUEST_RFLAGS, 0x2);
    vmwrite(GUEST_ACTIVITY, 0);
    vmwrite(GUEST_INTERRUPTIBILITY, 0);
    vmwrite(GUEST_PENDING_DBG, 0);
    memset(nr_in, 0, sizeof(uint64_t) * 6);
}

static uint64_t reason;
static bool enter(int launch)
{
    uint64_t f = nr_run(launch);
    reason = vmread(EXIT_REASON);
    if (!(f >> 63))
        rt_printf("# VM entry failed: RFLAGS 0x%lx, error %lu\n", f, vmread(VM_INSTRUCTION_ERROR));
    return f >> 63;
}
static bool launch(void) { return enter(1); }
static bool resume(void) { return enter(0); }
static uint64_t grip(void) { return vmread(GUEST_RIP); }
static uint64_t *gframe(void) { return (uint64_t *)vmread(GUEST_RSP); }

/* ---- SDM 25.3: control registers ---------------------------------- */

static void test_cr_shadows(void)
{
    prepare(g_cr_read, 0, 0, 0);
    uint64_t cr0 = read_cr0() & ~(uint64_t)CR0_TS, cr4 = read_cr4();
    vmwrite(GUEST_CR0, cr0);
    vmwrite(CR0_MASK, CR0_TS);
    vmwrite(CR0_SHADOW, CR0_TS);
    vmwrite(CR4_MASK, CR4_VMXE);
    vmwrite(CR4_SHADOW, 0);
    bool ok = launch() && reason == R_VMCALL;
    report(ok && nr_out[0] == (cr0 | CR0_TS),
           "25.3 MOV from CR0: mask bits read from the read shadow (got 0x%lx)", nr_out[0]);
    report(nr_out[1] == (cr4 & ~(uint64_t)CR4_VMXE), "25.3 MOV from CR4: host-owned VMXE reads as the shadow's 0");
    report((nr_out[2] & 0xffff) == ((cr0 | CR0_TS) & 0xffff), "25.3 SMSW: host-owned TS reads from the CR0 read shadow");

    /* MOV to CR0 with owned bits equal to the shadow: no exit, owned bits
     * unmodified, others written. */
    prepare(g_cr0_write, 0, 0, 0);
    vmwrite(GUEST_CR0, cr0);
    vmwrite(CR0_MASK, CR0_TS);
    vmwrite(CR0_SHADOW, CR0_TS);
    nr_in[5] = (cr0 | CR0_TS) ^ CR0_MP;
    report(launch() && reason == R_VMCALL && vmread(GUEST_CR0) == (cr0 ^ CR0_MP),
           "25.3 MOV to CR0 without exit: host-owned TS unmodified, MP written (CR0 0x%lx)", vmread(GUEST_CR0));
    report(nr_out[0] == ((cr0 ^ CR0_MP) | CR0_TS), "25.3 MOV from CR0 after the write still shows the shadow's TS");

    prepare(g_cr0_write, 0, 0, 0);
    vmwrite(CR0_MASK, CR0_TS);
    vmwrite(CR0_SHADOW, CR0_TS);
    nr_in[5] = cr0;
    report(launch() && reason == R_CR && vmread(EXIT_QUALIFICATION) == 0x700 && grip() == (uint64_t)g_cr0_write,
           "25.1.3 MOV to CR0 changing a host-owned bit against the shadow: exit 28, qualification CR0/MOV to/RDI");

    prepare(g_cr4_write, 0, 0, 0);
    vmwrite(CR4_MASK, CR4_VMXE);
    vmwrite(CR4_SHADOW, 0);
    nr_in[5] = cr4 & ~(uint64_t)CR4_VMXE;
    report(launch() && reason == R_VMCALL && (vmread(GUEST_CR4) & CR4_VMXE),
           "25.3 MOV to CR4 clearing host-owned VMXE (shadow 0): no exit, no #GP, CR4.VMXE stays 1");

    prepare(g_cr3_write, 0, PROC_CR3_LOAD, 0);
    vmwrite(CR3_TARGET_COUNT, 1);
    vmwrite(CR3_TARGET0, read_cr3());
    nr_in[5] = read_cr3();
    report(launch() && reason == R_VMCALL, "25.1.3 MOV to CR3 of a value in the CR3-target list: no exit");
    prepare(g_cr3_write, 0, PROC_CR3_LOAD, 0);
    vmwrite(CR3_TARGET_COUNT, 0);
    nr_in[5] = read_cr3();
    report(launch() && reason == R_CR && vmread(EXIT_QUALIFICATION) == 0x703,
           "25.1.3 MOV to CR3 with CR3-load exiting and no matching target: exit 28, qualification CR3/MOV to/RDI");

    prepare(g_clts, 0, 0, 0);
    vmwrite(GUEST_CR0, cr0 | CR0_TS);
    vmwrite(CR0_MASK, CR0_TS);
    vmwrite(CR0_SHADOW, 0);
    report(launch() && reason == R_VMCALL && (vmread(GUEST_CR0) & CR0_TS),
           "25.3 CLTS with TS host-owned and shadow TS=0: no exit, CR0.TS unmodified");
    prepare(g_clts, 0, 0, 0);
    vmwrite(GUEST_CR0, cr0 | CR0_TS);
    report(launch() && reason == R_VMCALL && !(vmread(GUEST_CR0) & CR0_TS),
           "25.3 CLTS with TS guest-owned clears CR0.TS");
    prepare(g_clts, 0, 0, 0);
    vmwrite(CR0_MASK, CR0_TS);
    vmwrite(CR0_SHADOW, CR0_TS);
    report(launch() && reason == R_CR && vmread(EXIT_QUALIFICATION) == 0x20,
           "25.1.3 CLTS with TS in mask and shadow: exit 28, access type 2");

    prepare(g_lmsw, 0, 0, 0);
    vmwrite(GUEST_CR0, cr0 & ~(uint64_t)CR0_MP);
    vmwrite(CR0_MASK, CR0_MP);
    vmwrite(CR0_SHADOW, CR0_MP);
    nr_in[5] = (cr0 & 0xf & ~(uint64_t)CR0_TS) | CR0_MP | CR0_TS;
    report(launch() && reason == R_VMCALL && !(vmread(GUEST_CR0) & CR0_MP) && (vmread(GUEST_CR0) & CR0_TS),
           "25.3 LMSW without exit: host-owned MP unmodified, guest-owned TS loaded (CR0 0x%lx)", vmread(GUEST_CR0));
}

/* ---- SDM 25.3: time-stamp counter --------------------------------- */

static uint64_t edx_eax(void) { return (nr_out[3] << 32) | (nr_out[0] & 0xffffffffu); }

static void test_tsc(void)
{
    const uint64_t off = 1ull << 40;
    prepare(g_rdtsc, 0, PROC_TSC_OFFSET, 0);
    vmwrite(TSC_OFFSET, off);
    uint64_t t0 = rdtsc();
    bool ok = launch() && reason == R_VMCALL;
    uint64_t t1 = rdtsc(), g = edx_eax();
    report(ok && g >= t0 + off && g <= t1 + off, "25.3 RDTSC with TSC offsetting returns TSC + offset");

    prepare(g_rdtsc, 0, 0, 0);
    vmwrite(TSC_OFFSET, off);
    t0 = rdtsc();
    ok = launch() && reason == R_VMCALL;
    t1 = rdtsc();
    g = edx_eax();
    report(ok && g >= t0 && g <= t1, "25.3 RDTSC without \"use TSC offsetting\" ignores the offset");

    prepare(g_rdtsc, 0, PROC_TSC_OFFSET | PROC_RDTSC_EXIT, 0);
    report(launch() && reason == R_RDTSC && vmread(EXIT_INSN_LEN) == 2, "25.1.3 RDTSC exiting: exit 16, length 2");

    if (allowed(MSR_VMX_PROC2, PROC2_TSC_SCALING)) {
        prepare(g_rdtsc, 0, PROC_TSC_OFFSET, PROC2_TSC_SCALING);
        vmwrite(TSC_OFFSET, off);
        vmwrite(TSC_MULTIPLIER, 3ull << 47);          /* 1.5 */
        t0 = rdtsc();
        ok = launch() && reason == R_VMCALL;
        t1 = rdtsc();
        g = edx_eax();
        report(ok && g >= t0 + t0 / 2 + off && g <= t1 + t1 / 2 + off,
               "25.3 RDTSC with TSC scaling: (TSC * multiplier) >> 48 + offset");
    } else {
        report_skip("25.3 TSC scaling: \"use TSC scaling\" not allowed by IA32_VMX_PROCBASED_CTLS2");
    }

    prepare(g_rdtscp, 0, PROC_TSC_OFFSET, 0);
    vmwrite(EXCEPTION_BITMAP, 1u << EXC_UD);
    report(launch() && reason == R_EXCEPTION && vmread(EXIT_INTR_INFO) == 0x80000306,
           "25.3 RDTSCP without \"enable RDTSCP\" is #UD (exits through the exception bitmap)");

    wrmsr(MSR_TSC_AUX, 0x77);
    prepare(g_rdtscp, 0, PROC_TSC_OFFSET, PROC2_RDTSCP);
    vmwrite(TSC_OFFSET, off);
    t0 = rdtsc();
    ok = launch() && reason == R_VMCALL;
    t1 = rdtsc();
    g = edx_eax();
    report(ok && g >= t0 + off && g <= t1 + off && (nr_out[2] & 0xffffffffu) == 0x77,
           "25.3 RDTSCP with \"enable RDTSCP\": TSC + offset, ECX = IA32_TSC_AUX");

    memset(msr_bitmap, 0, sizeof(msr_bitmap));
    prepare(g_rdmsr_tsc, 0, PROC_TSC_OFFSET | PROC_MSR_BITMAPS, 0);
    vmwrite(MSR_BITMAP, (uint64_t)msr_bitmap);
    vmwrite(TSC_OFFSET, off);
    t0 = rdtsc();
    ok = launch() && reason == R_VMCALL;
    t1 = rdtsc();
    g = edx_eax();
    report(ok && g >= t0 + off && g <= t1 + off, "25.3 RDMSR of IA32_TSC with TSC offsetting returns TSC + offset");
}

/* ---- SDM 25.3: INVPCID and XSAVES #UD ------------------------------ */

static void test_ud_rules(void)
{
    static uint64_t desc[2];
    prepare(g_invpcid, 0, 0, 0);
    vmwrite(EXCEPTION_BITMAP, 1u << EXC_UD);
    nr_in[4] = (uint64_t)desc;
    nr_in[5] = 2;
    report(launch() && reason == R_EXCEPTION && vmread(EXIT_INTR_INFO) == 0x80000306,
           "25.3 INVPCID without \"enable INVPCID\" is #UD");
    prepare(g_invpcid, 0, 0, PROC2_INVPCID);
    nr_in[4] = (uint64_t)desc;
    nr_in[5] = 2;
    report(launch() && reason == R_VMCALL, "25.3 INVPCID with \"enable INVPCID\" executes (type 2)");

    if (!allowed(MSR_VMX_PROC2, PROC2_XSAVES) || !(read_cr4() & CR4_OSXSAVE)) {
        report_skip("25.3 XSAVES: \"enable XSAVES/XRSTORS\" not allowed or CR4.OSXSAVE = 0");
        return;
    }
    prepare(g_xsaves, 0, 0, 0);
    vmwrite(EXCEPTION_BITMAP, 1u << EXC_UD);
    nr_in[4] = (uint64_t)xsave_area;
    report(launch() && reason == R_EXCEPTION && vmread(EXIT_INTR_INFO) == 0x80000306,
           "25.3 XSAVES without \"enable XSAVES/XRSTORS\" is #UD");
    prepare(g_xsaves, 0, 0, PROC2_XSAVES);
    vmwrite(XSS_EXITING_BITMAP, ~0ull);
    nr_in[0] = 3;
    nr_in[4] = (uint64_t)xsave_area;
    report(launch() && reason == R_VMCALL,
           "25.1.3 XSAVES with IA32_XSS = 0: EDX:EAX & XSS & XSS-exiting bitmap = 0, no exit");
}

/* ---- SDM 29.3: CR8 and the TPR shadow ------------------------------ */

static void test_tpr_shadow(void)
{
    memset(vapic, 0, sizeof(vapic));
    vapic[0x80] = 0x50;
    prepare(g_cr8, 0, PROC_TPR_SHADOW, 0);
    vmwrite(VIRTUAL_APIC_PAGE, (uint64_t)vapic);
    vmwrite(TPR_THRESHOLD, 4);
    nr_in[5] = 6;
    nr_in[4] = 2;
    bool ok = launch();
    uint64_t got = nr_out[0];
    report(ok && got == 5, "29.3 MOV from CR8 with the TPR shadow returns VTPR[7:4] (got %lu)", got);
    report(nr_out[1] == 6, "29.3 MOV to CR8 stores bits 3:0 in VTPR[7:4]");
    report(reason == R_TPR && grip() == (uint64_t)g_cr8_low_next && vmread(EXIT_QUALIFICATION) == 0,
           "29.1.2 VTPR[7:4] dropping below TPR threshold: trap-like exit 43 after the MOV (reason %lu)", reason);
    report(*(volatile uint32_t *)(vapic + 0x80) == 0x20, "29.3 MOV to CR8 clears VTPR[3:0] and bytes 3:1");

    if (allowed(MSR_VMX_PROC2, 1)) {
        vapic[0x80] = 0x20;
        prepare(g_nops, 0, PROC_TPR_SHADOW, 1);     /* virtualize APIC accesses */
        vmwrite(VIRTUAL_APIC_PAGE, (uint64_t)vapic);
        vmwrite(APIC_ACCESS_ADDR, (uint64_t)msr_bitmap);
        vmwrite(TPR_THRESHOLD, 5);
        report(launch() && reason == R_TPR && grip() == (uint64_t)g_nops,
               "26.7.7 TPR threshold above VTPR[7:4] at VM entry: exit 43 before the first instruction");
    }

    prepare(g_cr8, 0, PROC_TPR_SHADOW | PROC_CR8_LOAD, 0);
    vmwrite(VIRTUAL_APIC_PAGE, (uint64_t)vapic);
    vmwrite(TPR_THRESHOLD, 0);
    report(launch() && reason == R_CR && vmread(EXIT_QUALIFICATION) == 0x708,
           "25.1.3 CR8-load exiting comes before the TPR shadow: exit 28, qualification CR8/MOV to/RDI");
}

/* ---- SDM 25.5.1: VMX-preemption timer ------------------------------ */

static void test_preemption_timer(void)
{
    prepare(g_nops, PIN_PREEMPT_TIMER, 0, 0);
    vmwrite(PREEMPTION_TIMER, 0);
    report(launch() && reason == R_TIMER && grip() == (uint64_t)g_nops,
           "26.7.4 timer value 0: exit 52 before the first guest instruction");

    const uint64_t n = 40;
    prepare(g_loop, PIN_PREEMPT_TIMER, 0, 0);
    vmwrite(EXIT_CONTROLS, vmread(EXIT_CONTROLS) | EXIT_SAVE_TIMER);
    vmwrite(PREEMPTION_TIMER, n);
    uint64_t t0 = rdtsc();
    bool ok = launch();
    uint64_t t1 = rdtsc();
    report(ok && reason == R_TIMER && nr_out[0] > 0, "25.5.1 the timer counts down in the guest: exit 52 (reason %lu)", reason);
    report(t1 - t0 >= ((n - 1) << timer_rate) && t1 - t0 <= ((n + 1) << timer_rate) + 4000,
           "25.5.1 the timer decrements each time TSC bit %u changes (%lu TSC ticks for %lu)", timer_rate, t1 - t0, n);
    report(vmread(PREEMPTION_TIMER) == 0, "27.3.4 \"save VMX-preemption timer value\" saves 0 after a timer exit");

    prepare(g_vmcall, PIN_PREEMPT_TIMER, 0, 0);
    vmwrite(EXIT_CONTROLS, vmread(EXIT_CONTROLS) | EXIT_SAVE_TIMER);
    vmwrite(PREEMPTION_TIMER, 100000);
    uint64_t saved = launch() && reason == R_VMCALL ? vmread(PREEMPTION_TIMER) : ~0ull;
    report(saved <= 100000 && saved >= 99990, "27.3.4 VMCALL exit saves the remaining timer value (%lu)", saved);
    prepare(g_vmcall, PIN_PREEMPT_TIMER, 0, 0);
    vmwrite(PREEMPTION_TIMER, 100000);
    report(launch() && reason == R_VMCALL && vmread(PREEMPTION_TIMER) == 100000,
           "27.3.4 without \"save VMX-preemption timer value\" the field is unchanged");

    prepare(g_hlt, PIN_PREEMPT_TIMER, 0, 0);
    vmwrite(PREEMPTION_TIMER, 30);
    report(launch() && reason == R_TIMER && grip() == (uint64_t)g_hlt_next && vmread(GUEST_ACTIVITY) == 1,
           "25.5.1 the timer runs in the HLT state: exit 52 saves activity HLT, RIP after HLT");
    if (rdmsr(MSR_VMX_MISC) & (1u << 7)) {
        prepare(g_nops, PIN_PREEMPT_TIMER, 0, 0);
        vmwrite(GUEST_ACTIVITY, 2);
        vmwrite(PREEMPTION_TIMER, 20);
        report(launch() && reason == R_TIMER && grip() == (uint64_t)g_nops && vmread(GUEST_ACTIVITY) == 2,
               "25.5.1 the timer runs in the shutdown state: exit 52 saves activity shutdown");
    }
    prepare(g_hlt, 0, PROC_HLT_EXITING, 0);
    report(launch() && reason == R_HLT && grip() == (uint64_t)g_hlt && vmread(EXIT_INSN_LEN) == 1,
           "25.1.3 HLT exiting: exit 12 at the HLT");
}

/* ---- SDM 25.5.2: monitor trap flag --------------------------------- */

static void test_mtf(void)
{
    prepare(g_nops, 0, PROC_MTF, 0);
    report(launch() && reason == R_MTF && grip() == (uint64_t)g_nop2,
           "25.5.2 MTF: exit 37 after the first instruction completes");
    report(resume() && reason == R_MTF && grip() == (uint64_t)g_nop3, "25.5.2 MTF: one exit per instruction");

    prepare(g_nops, 0, 0, 0);
    vmwrite(ENTRY_INTR_INFO, 0x80000700);
    report(launch() && reason == R_MTF && grip() == (uint64_t)g_nops,
           "26.5.2 injecting a pending MTF VM exit (type 7) exits before any instruction, even with MTF 0");

    prepare(g_vmcall, 0, PROC_MTF, 0);
    vmwrite(GUEST_RFLAGS, 0x202);                  /* 26.3.1.5: IF = 1 to inject INTR */
    vmwrite(ENTRY_INTR_INFO, 0x80000040);
    report(launch() && reason == R_MTF && grip() == (uint64_t)g_isr && gframe()[0] == (uint64_t)g_vmcall,
           "25.5.2 MTF with an injected event: exit 37 before the handler's first instruction");

    prepare(g_tf, 0, 0, 0);
    bool ok = launch();
    vmwrite(PROC_CONTROLS, vmread(PROC_CONTROLS) | PROC_MTF);
    vmwrite(GUEST_RIP, (uint64_t)g_tf);
    for (int i = 0; ok && i < 3; i++)
        ok = resume() && reason == R_MTF;
    ok = ok && grip() == (uint64_t)g_tf_nop && resume();
    report(ok && reason == R_MTF && grip() == (uint64_t)g_tf_after && vmread(GUEST_PENDING_DBG) == 0x4000,
           "25.5.2 MTF has priority over the single-step trap: exit 37 with pending debug BS saved (27.3.4)");
}

/* ---- SDM 27.2.3: IDT-vectoring information ------------------------- */

static void test_idt_vectoring(void)
{
    prepare(g_int40, 0, 0, 0);
    vmwrite(GUEST_IDTR_LIMIT, 0x40 * 16 - 1);
    vmwrite(EXCEPTION_BITMAP, 1u << EXC_GP);
    bool ok = launch() && reason == R_EXCEPTION;
    report(ok && vmread(EXIT_INTR_INFO) == 0x80000b0d && vmread(EXIT_INTR_ERROR) == 0x202,
           "25.2 #GP(IDT 40H) while delivering INT 40H exits through the bitmap");
    report(vmread(IDT_VECTORING_INFO) == 0x80000440 && vmread(EXIT_INSN_LEN) == 2 && grip() == (uint64_t)g_int40,
           "27.2.3 IDT-vectoring records the software interrupt (type 4, vector 40H) and its length 2");

    prepare(g_vmcall, 0, 0, 0);
    vmwrite(GUEST_IDTR_LIMIT, 6 * 16 - 1);
    vmwrite(EXCEPTION_BITMAP, 1u << EXC_GP);
    vmwrite(ENTRY_INTR_INFO, 0x80000306);
    ok = launch() && reason == R_EXCEPTION;
    report(ok && vmread(EXIT_INTR_ERROR) == 0x33 && vmread(IDT_VECTORING_INFO) == 0x80000306,
           "27.2.3 #GP while delivering an injected #UD: IDT-vectoring records the injected event");
    report(!(vmread(ENTRY_INTR_INFO) >> 31), "27.2.3 the VM exit clears the valid bit of the VM-entry interruption information");

    prepare(g_vmcall, 0, 0, 0);
    vmwrite(GUEST_IDTR_BASE, 0x8000000000ull);
    vmwrite(EXCEPTION_BITMAP, 1u << EXC_PF);
    vmwrite(ENTRY_INTR_INFO, 0x80000030);
    vmwrite(GUEST_RFLAGS, 0x202);
    ok = launch() && reason == R_EXCEPTION;
    report(ok && (vmread(EXIT_INTR_INFO) & 0x80000fff) == 0x80000b0e &&
           vmread(EXIT_QUALIFICATION) == 0x8000000000ull + 0x30 * 16 && vmread(IDT_VECTORING_INFO) == 0x80000030,
           "27.2.3 #PF reading the gate of an injected interrupt: exit with CR2 qualification, IDT-vectoring type 0 vector 30H");

    prepare(g_vmcall, 0, 0, 0);
    report(launch() && reason == R_VMCALL && vmread(IDT_VECTORING_INFO) == 0,
           "27.2.3 an exit outside event delivery has IDT-vectoring valid bit 0");
}

/* ---- SDM 26.5: event injection ------------------------------------- */

static void inject(uint32_t info, uint32_t err, uint32_t len)
{
    prepare(g_vmcall, 0, 0, 0);
    vmwrite(ENTRY_INTR_INFO, info);
    vmwrite(ENTRY_EXC_ERROR, err);
    vmwrite(ENTRY_INSN_LEN, len);
    /* 26.3.1.5: injecting an external interrupt needs RFLAGS.IF = 1. */
    if (((info >> 8) & 7) == 0)
        vmwrite(GUEST_RFLAGS, 0x202);
}

static void test_injection(void)
{
    uint64_t rip = (uint64_t)g_vmcall;
    inject(0x80000040, 0, 0);
    report(launch() && reason == R_VMCALL && grip() == (uint64_t)g_isr_vmcall && gframe()[0] == rip,
           "26.5.1 external interrupt (type 0) delivered through the guest IDT, return RIP = guest RIP");
    inject(0x80000b0d, 0x1234, 0);
    vmwrite(EXCEPTION_BITMAP, 1u << EXC_GP);
    report(launch() && reason == R_VMCALL && gframe()[0] == 0x1234 && gframe()[1] == rip,
           "26.5.1 hardware exception with error code (type 3): error code pushed, the exception bitmap not consulted");
    inject(0x80000441, 0, 2);
    report(launch() && reason == R_VMCALL && gframe()[0] == rip + 2,
           "26.5.1 software interrupt (type 4): return RIP = guest RIP + VM-entry instruction length");
    inject(0x80000603, 0, 1);
    report(launch() && reason == R_VMCALL && gframe()[0] == rip + 1, "26.5.1 software exception #BP (type 6): RIP + length");
    inject(0x80000501, 0, 1);
    report(launch() && reason == R_VMCALL && gframe()[0] == rip + 1,
           "26.5.1 privileged software exception (type 5): RIP + length");
    inject(0x80000202, 0, 0);
    report(launch() && reason == R_VMCALL && gframe()[0] == rip && (vmread(GUEST_INTERRUPTIBILITY) & 8),
           "26.5.1 NMI (type 2) delivered; blocking by NMI is saved in the interruptibility state");
    inject(0x80000040, 0, 0);
    vmwrite(GUEST_ACTIVITY, 1);
    report(launch() && reason == R_VMCALL && gframe()[0] == rip && vmread(GUEST_ACTIVITY) == 0,
           "26.6.2 injection into a guest in the HLT state wakes it and delivers the event");

    prepare(g_vmcall, 0, 0, 0);
    vmwrite(GUEST_RFLAGS, 0x102);
    vmwrite(GUEST_PENDING_DBG, 0x4000);
    vmwrite(EXCEPTION_BITMAP, 1u << EXC_DB);
    report(launch() && reason == R_EXCEPTION && vmread(EXIT_INTR_INFO) == 0x80000301 && grip() == rip,
           "26.6.3 pending debug exception BS after VM entry is a #DB before the first instruction");
}

/* ---- SDM 24.4.2, 25.2, 25.3: interruptibility, windows, virtual NMIs */

static void test_interruptibility(void)
{
    prepare(g_sti, 0, 0, 0);
    report(launch() && reason == R_VMCALL && grip() == (uint64_t)g_sti_vmcall &&
           (vmread(GUEST_INTERRUPTIBILITY) & 3) == 1,
           "27.3.4 an exit right after STI (IF was 0) saves blocking by STI");
    prepare(g_movss, 0, 0, 0);
    report(launch() && reason == R_VMCALL && (vmread(GUEST_INTERRUPTIBILITY) & 3) == 2,
           "27.3.4 an exit right after MOV SS saves blocking by MOV SS");

    prepare(g_sti_nop, 0, PROC_INTR_WINDOW, 0);
    report(launch() && reason == R_INTR_WINDOW && grip() == (uint64_t)g_sti_nop_next,
           "25.2 interrupt window: exit 7 once IF = 1 and the STI shadow has passed");

    if (!allowed(MSR_VMX_TRUE_PIN, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS) ||
        !allowed(MSR_VMX_TRUE_PROC, PROC_NMI_WINDOW)) {
        report_skip("virtual NMIs / NMI-window exiting not allowed");
        return;
    }
    prepare(g_vmcall, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, 0, 0);
    vmwrite(ENTRY_INTR_INFO, 0x80000202);
    report(launch() && reason == R_VMCALL && grip() == (uint64_t)g_isr_vmcall && (vmread(GUEST_INTERRUPTIBILITY) & 8),
           "25.3 injecting an NMI with virtual NMIs sets virtual-NMI blocking");
    prepare(g_vmcall, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, 0, 0);
    vmwrite(ENTRY_INTR_INFO, 0x80000202);
    vmwrite(GUEST_IDTR_LIMIT, 0);
    vmwrite(EXCEPTION_BITMAP, 1u << EXC_GP);
    report(launch() && reason == R_EXCEPTION && vmread(IDT_VECTORING_INFO) == 0x80000202 &&
           (vmread(GUEST_INTERRUPTIBILITY) & 8),
           "27.1 #GP delivering an injected virtual NMI: IDT-vectoring NMI, virtual-NMI blocking saved set");
    prepare(g_iret, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, PROC_NMI_WINDOW, 0);
    vmwrite(GUEST_INTERRUPTIBILITY, 8);
    report(launch() && reason == R_NMI_WINDOW && grip() == (uint64_t)g_iret_next,
           "25.3/25.2 IRET removes virtual-NMI blocking: NMI-window exit 8 right after it");
    prepare(g_nops, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, PROC_NMI_WINDOW, 0);
    report(launch() && reason == R_NMI_WINDOW && grip() == (uint64_t)g_nops,
           "26.7.6 NMI-window exiting without virtual-NMI blocking exits before the first instruction");
    prepare(g_iret_bad, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, 0, 0);
    vmwrite(GUEST_INTERRUPTIBILITY, 8);
    vmwrite(EXCEPTION_BITMAP, 1u << EXC_GP);
    report(launch() && reason == R_EXCEPTION && vmread(EXIT_INTR_INFO) == (0x80000b0d | (1u << 12)) &&
           !(vmread(GUEST_INTERRUPTIBILITY) & 8),
           "27.2.2 #GP in IRET that removed virtual-NMI blocking: bit 12 \"NMI unblocking due to IRET\", blocking saved clear");
    prepare(g_iret_bad, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, 0, 0);
    vmwrite(EXCEPTION_BITMAP, 1u << EXC_GP);
    report(launch() && reason == R_EXCEPTION && vmread(EXIT_INTR_INFO) == 0x80000b0d,
           "27.2.2 #GP in IRET without prior blocking: bit 12 clear");
    prepare(g_iret, PIN_NMI_EXITING, 0, 0);
    vmwrite(GUEST_INTERRUPTIBILITY, 8);
    report(launch() && reason == R_VMCALL && (vmread(GUEST_INTERRUPTIBILITY) & 8),
           "25.3 IRET with \"NMI exiting\" and no virtual NMIs leaves blocking by NMI set");
    prepare(g_iret, 0, 0, 0);
    vmwrite(GUEST_INTERRUPTIBILITY, 8);
    report(launch() && reason == R_VMCALL && !(vmread(GUEST_INTERRUPTIBILITY) & 8),
           "25.3 IRET without \"NMI exiting\" unblocks NMIs as usual");
}

/* ---- SDM 25.2 with the local APIC as the source ------------------- */

#define APIC_BASE 0xfee00000ull
static volatile uint32_t *apic_reg(unsigned off) { return (volatile uint32_t *)(APIC_BASE + off); }

static void test_apic_events(void)
{
    if (!(cpuid(1, 0).d & (1u << 9)) || *apic_reg(0x30) == 0xffffffffu) {
        report_skip("25.2 external-interrupt and NMI exiting: no local APIC");
        return;
    }
    *apic_reg(0xf0) |= 0x100;                       /* SVR: software enable */
    *apic_reg(0x3e0) = 0xb;                         /* divide by 1 */

    /* External-interrupt exiting with "acknowledge interrupt on exit". */
    prepare(g_loop, PIN_EXTINT_EXITING, 0, 0);
    vmwrite(EXIT_CONTROLS, vmread(EXIT_CONTROLS) | EXIT_ACK_INTR);
    *apic_reg(0x320) = 0x50;                        /* one-shot, vector 50H */
    *apic_reg(0x380) = 3000;
    bool ok = launch();
    report(ok && reason == R_EXTINT && vmread(EXIT_INTR_INFO) == 0x80000050 && nr_out[0] > 0,
           "25.2/27.2.2 APIC timer interrupt with external-interrupt exiting and acknowledge-on-exit: exit 1, vector 50H");
    report((apic_reg(0x100)[0x50 / 32 * 4] >> (0x50 % 32)) & 1,
           "27.2.2 acknowledge-on-exit made vector 50H in-service (ISR)");
    *apic_reg(0xb0) = 0;                            /* EOI */

    /* Without acknowledge: the exit leaves the interrupt pending. */
    prepare(g_loop, PIN_EXTINT_EXITING, 0, 0);
    *apic_reg(0x380) = 3000;
    ok = launch() && reason == R_EXTINT && !(vmread(EXIT_INTR_INFO) >> 31);
    report(ok, "27.2.2 without acknowledge-on-exit the interruption information is not valid");
    prepare(g_vmcall, PIN_EXTINT_EXITING, 0, 0);
    report(launch() && reason == R_EXTINT && grip() == (uint64_t)g_vmcall,
           "25.2 the unacknowledged interrupt is still pending: the next entry exits before any instruction");
    prepare(g_vmcall, 0, 0, 0);
    vmwrite(GUEST_RFLAGS, 0x202);
    report(launch() && reason == R_VMCALL && grip() == (uint64_t)g_isr_vmcall && gframe()[0] == (uint64_t)g_vmcall,
           "25.2 without external-interrupt exiting the guest takes it through its IDT");
    *apic_reg(0xb0) = 0;

    /* NMI exiting: a self-NMI sent by the guest exits after the ICR write. */
    prepare(g_self_nmi, PIN_NMI_EXITING, 0, 0);
    nr_in[4] = APIC_BASE;
    nr_in[5] = *apic_reg(0x20) & 0xff000000u;
    report(launch() && reason == R_EXCEPTION && vmread(EXIT_INTR_INFO) == 0x80000202 &&
           grip() == (uint64_t)g_self_nmi_next,
           "25.2 NMI with \"NMI exiting\": exit 0, interruption type 2 vector 2, before the next instruction");
}

void test_main(void)
{
    if (!(cpuid(1, 0).c & (1u << 5))) {
        report_skip("CPUID.1:ECX.VMX is 0: no VMX on this processor");
        return;
    }
    uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
    if (!(fc & 1))
        wrmsr(MSR_FEATURE_CONTROL, fc | 5);
    write_cr0(read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0));
    write_cr4(read_cr4() | CR4_VMXE | (uint32_t)rdmsr(MSR_VMX_CR4_FIXED0));
    if (cpuid(1, 0).c & (1u << 26))
        write_cr4(read_cr4() | CR4_OSXSAVE);      /* for XSAVES in the guest */
    uint32_t rev = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
    *(uint32_t *)vmxon_region = rev;
    *(uint32_t *)vmcs = rev;
    uint64_t f;
    __asm__ volatile("vmxon %1; pushfq; pop %0" : "=r"(f) : "m"(*(uint64_t[]){ (uint64_t)vmxon_region }) : "cc", "memory");
    if (!report((f & 0x41) == 0, "VMXON succeeds"))
        return;
    timer_rate = (unsigned)(rdmsr(MSR_VMX_MISC) & 0x1f);
    /* The guest IDT: every vector an interrupt gate to g_isr, 64-bit. */
    for (int v = 0; v < 256; v++) {
        uint64_t h = (uint64_t)g_isr;
        guest_idt[2 * v] = (h & 0xffff) | ((uint64_t)read_sel(1) << 16) | (0x8eull << 40) |
                           (((h >> 16) & 0xffff) << 48);
        guest_idt[2 * v + 1] = h >> 32;
    }
    test_cr_shadows();
    test_tsc();
    test_ud_rules();
    test_tpr_shadow();
    test_preemption_timer();
    test_mtf();
    test_idt_vectoring();
    test_injection();
    test_interruptibility();
    test_apic_events();
    __asm__ volatile("vmxoff" ::: "cc");
}
