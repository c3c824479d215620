/*
 * tests/guest/vmx/test_exits.c (area vmx-exits): VM exits reachable
 * without EPT or APIC virtualization, with their exit qualification
 * (SDM Vol.3 27.2.1, Tables 27-3 control registers, 27-4 MOV DR, 27-5 I/O),
 * instruction length and instruction information (27.2.4, Tables 27-9 to
 * 27-14), for the conditions of 25.1.2 "Instructions That Cause VM Exits
 * Unconditionally", 25.1.3 "Instructions That Cause VM Exits
 * Conditionally" and 25.2 "Other Causes of VM Exits" (exception bitmap
 * with #PF error-code mask/match, triple fault); MSR bitmaps (24.6.9) and
 * I/O bitmaps (24.6.4).
 */
#include "hv.h"

static uint8_t io_a[4096] __attribute__((aligned(4096)));
static uint8_t io_b[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static uint8_t scratch[64] __attribute__((aligned(16)));
static volatile uint64_t guest_value;

/* Guest routines: each is one instruction (or a few) whose exit is checked. */
static void g_cpuid(void *a) { (void)a; cpuid(0, 0); }
static void g_hlt(void *a) { (void)a; __asm__ volatile("hlt"); }
static void g_invlpg(void *a) { __asm__ volatile("invlpg (%0)" :: "r"(a) : "memory"); }
static void g_rdtsc(void *a) { (void)a; uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); }
static void g_rdpmc(void *a) { (void)a; uint32_t lo, hi; __asm__ volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(0)); }
static void g_rdmsr(void *a) { guest_value = rdmsr((uint32_t)(uint64_t)a); }
static void g_wrmsr(void *a) { wrmsr((uint32_t)(uint64_t)a, 0); }
static void g_out_imm(void *a) { (void)a; __asm__ volatile("outb %%al, $0x80" :: "a"(0)); }
static void g_in_dx(void *a) { uint32_t v; __asm__ volatile("inl %%dx, %%eax" : "=a"(v) : "d"((uint16_t)(uint64_t)a)); }
static void g_inw_dx(void *a) { uint16_t v; __asm__ volatile("inw %%dx, %%ax" : "=a"(v) : "d"((uint16_t)(uint64_t)a)); }
static void g_rep_outsb(void *a) { uint64_t c = 4, s = (uint64_t)a; __asm__ volatile("rep outsb" : "+c"(c), "+S"(s) : "d"(0x80) : "memory"); }
static void g_insw(void *a) { uint64_t d = (uint64_t)a; __asm__ volatile("insw" : "+D"(d) : "d"(0x81) : "memory"); }
static void g_mov_to_cr3(void *a) { (void)a; __asm__ volatile("mov %%cr3, %%r9; mov %%r9, %%cr3" ::: "r9", "memory"); }
static void g_mov_from_cr3(void *a) { (void)a; __asm__ volatile("mov %%cr3, %%r10" ::: "r10"); }
static void g_mov_to_cr0(void *a) { (void)a; __asm__ volatile("mov %%cr0, %%rbx; or $8, %%rbx; mov %%rbx, %%cr0" ::: "rbx", "memory"); }
static void g_mov_to_cr4(void *a) { (void)a; __asm__ volatile("mov %%cr4, %%rcx; xor $0x80, %%rcx; mov %%rcx, %%cr4" ::: "rcx", "memory"); }
static void g_mov_to_cr8(void *a) { (void)a; __asm__ volatile("xor %%edx, %%edx; mov %%rdx, %%cr8" ::: "rdx"); }
static void g_mov_from_cr8(void *a) { (void)a; __asm__ volatile("mov %%cr8, %%rsi" ::: "rsi"); }
static void g_clts(void *a) { (void)a; __asm__ volatile("clts"); }
static void g_lmsw(void *a) { (void)a; __asm__ volatile("mov $0x0b, %%eax; lmsw %%ax" ::: "rax"); }
static void g_mov_from_dr7(void *a) { (void)a; __asm__ volatile("mov %%dr7, %%r11" ::: "r11"); }
static void g_mov_to_dr1(void *a) { (void)a; __asm__ volatile("xor %%eax, %%eax; mov %%rax, %%dr1" ::: "rax"); }
static void g_sgdt(void *a) { __asm__ volatile("sgdt 8(%0)" :: "r"(a) : "memory"); }
static void g_sidt(void *a) { __asm__ volatile("sidt (%0,%1,4)" :: "r"(a), "r"(2ull) : "memory"); }
static void g_sldt(void *a) { (void)a; __asm__ volatile("sldt %%r12d" ::: "r12"); }
static void g_str(void *a) { (void)a; __asm__ volatile("str %%ax" ::: "rax"); }
static void g_rdrand(void *a) { (void)a; __asm__ volatile("rdrand %%r13" ::: "r13", "cc"); }
static void g_rdseed(void *a) { (void)a; __asm__ volatile("rdseed %%cx" ::: "rcx", "cc"); }
static void g_ud2(void *a) { (void)a; __asm__ volatile("ud2"); }
static void g_touch(void *a) { guest_value = *(volatile uint64_t *)a; }
static void g_wbinvd(void *a) { (void)a; __asm__ volatile("wbinvd"); }
static void g_invd(void *a) { (void)a; __asm__ volatile("invd"); }
static void g_xsetbv(void *a) { (void)a; __asm__ volatile("xor %%ecx, %%ecx; mov $3, %%eax; xor %%edx, %%edx; xsetbv" ::: "rax", "rcx", "rdx"); }
static void g_monitor(void *a) { __asm__ volatile("monitor" :: "a"(a), "c"(0), "d"(0)); }
static void g_mwait(void *a) { (void)a; __asm__ volatile("mwait" :: "a"(0), "c"(0)); }
static void g_rdtscp(void *a) { (void)a; uint32_t lo, hi, aux; __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux)); }
static void g_vmcall(void *a) { (void)a; __asm__ volatile("vmcall" ::: "cc"); }
static void g_pause(void *a) { (void)a; __asm__ volatile("pause"); }
static void g_vmclear(void *a) { __asm__ volatile("vmclear 0x10(%0)" :: "r"(a) : "memory", "cc"); }
static void g_vmptrld(void *a) { __asm__ volatile("vmptrld (%0)" :: "r"(a) : "memory", "cc"); }
static void g_vmptrst(void *a) { __asm__ volatile("vmptrst 0x8(%0)" :: "r"(a) : "memory", "cc"); }
static void g_vmread(void *a) { (void)a; __asm__ volatile("mov $0x681e, %%r8; vmread %%r8, %%r9" ::: "r8", "r9", "cc"); }
static void g_vmwrite(void *a) { (void)a; __asm__ volatile("mov $0x681e, %%rdx; vmwrite %%rbx, %%rdx" ::: "rdx", "cc"); }
static void g_vmlaunch(void *a) { (void)a; __asm__ volatile("vmlaunch" ::: "cc"); }
static void g_vmresume(void *a) { (void)a; __asm__ volatile("vmresume" ::: "cc"); }
static void g_vmxoff(void *a) { (void)a; __asm__ volatile("vmxoff" ::: "cc"); }
static void g_vmxon(void *a) { __asm__ volatile("vmxon (%0)" :: "r"(a) : "memory", "cc"); }
static void g_invept(void *a) { __asm__ volatile("invept (%0), %1" :: "r"(a), "r"(2ull) : "memory", "cc"); }
static void g_invvpid(void *a) { __asm__ volatile("invvpid (%0), %1" :: "r"(a), "r"(2ull) : "memory", "cc"); }

/* Run one guest routine with extra primary and secondary controls; the
 * first VM exit's reason is returned (or -1 if VM entry failed). */
static int run_with(void (*fn)(void *), void *arg, uint32_t proc, uint32_t proc2)
{
    hv_setup(hv_vmcs);
    if (proc2) {
        proc |= PROC_SECONDARY;
        vmwrite(F_PROC2, hv_ctl(MSR_VMX_PROC2, proc2));
    }
    vmwrite(F_PROC, hv_ctl(MSR_VMX_TRUE_PROC, proc));
    uint64_t r = hv_guest(fn, arg);
    if (!(r & HV_EXITED))
        return -1;
    return (int)hv_reason();
}

static bool finish(void) { return hv_finish(8); }

static void expect_exit(const char *what, void (*fn)(void *), void *arg, uint32_t proc, uint32_t proc2,
                        unsigned reason, uint64_t qual, unsigned len)
{
    int got = run_with(fn, arg, proc, proc2);
    uint64_t q = hv_qual(), l = vmread(F_EXIT_INSN_LEN);
    report(got == (int)reason && q == qual && (len == 0 || l == len),
           "%s: exit %u, qualification %lx, length %u (got %d, %lx, %lu)", what, reason, qual, len, got, q, l);
    report(finish(), "%s: the guest continues after the exit", what);
}

static void expect_no_exit(const char *what, void (*fn)(void *), void *arg, uint32_t proc, uint32_t proc2)
{
    int got = run_with(fn, arg, proc, proc2);
    report(got == R_VMCALL, "%s: no VM exit (first exit %d)", what, got);
}

static void test_simple(void)
{
    expect_exit("CPUID (unconditional)", g_cpuid, 0, 0, 0, R_CPUID, 0, 2);
    expect_exit("HLT with HLT exiting", g_hlt, 0, PROC_HLT_EXITING, 0, R_HLT, 0, 1);
    expect_exit("INVLPG with INVLPG exiting: qualification = linear address", g_invlpg, (void *)0x123456,
                PROC_INVLPG_EXITING, 0, R_INVLPG, 0x123456, 3);
    expect_no_exit("INVLPG without INVLPG exiting", g_invlpg, (void *)0x123456, 0, 0);
    expect_exit("RDTSC with RDTSC exiting", g_rdtsc, 0, PROC_RDTSC_EXITING, 0, R_RDTSC, 0, 2);
    expect_no_exit("RDTSC without RDTSC exiting", g_rdtsc, 0, 0, 0);
    expect_exit("RDPMC with RDPMC exiting", g_rdpmc, 0, PROC_RDPMC_EXITING, 0, R_RDPMC, 0, 2);
    expect_exit("INVD (unconditional)", g_invd, 0, 0, 0, R_INVD, 0, 2);
    if (hv_allowed(MSR_VMX_PROC2, PROC2_WBINVD_EXITING)) {
        expect_exit("WBINVD with WBINVD exiting", g_wbinvd, 0, 0, PROC2_WBINVD_EXITING, R_WBINVD, 0, 2);
        expect_no_exit("WBINVD without WBINVD exiting", g_wbinvd, 0, 0, 0);
    }
    expect_exit("VMCALL (unconditional)", g_vmcall, 0, 0, 0, R_VMCALL, 0, 3);
    if (cpuid(1, 0).c & (1u << 3)) {
        expect_exit("MONITOR with MONITOR exiting", g_monitor, scratch, PROC_MONITOR_EXITING, 0, R_MONITOR, 0, 3);
        expect_exit("MWAIT with MWAIT exiting", g_mwait, 0, PROC_MWAIT_EXITING, 0, R_MWAIT, 0, 3);
    }
    if (cpuid(0x80000001, 0).d & (1u << 27)) {
        if (hv_allowed(MSR_VMX_PROC2, PROC2_ENABLE_RDTSCP))
            expect_exit("RDTSCP with enable RDTSCP and RDTSC exiting", g_rdtscp, 0, PROC_RDTSC_EXITING,
                        PROC2_ENABLE_RDTSCP, R_RDTSCP, 0, 3);
        /* Without "enable RDTSCP" RDTSCP is #UD in the guest (25.3). */
        hv_setup(hv_vmcs);
        vmwrite(F_EXCEPTION_BITMAP, 1u << 6);
        uint64_t r = hv_guest(g_rdtscp, 0);
        report((r & HV_EXITED) && hv_reason() == R_EXCEPTION && vmread(F_EXIT_INTR_INFO) == 0x80000306u,
               "RDTSCP without enable RDTSCP: #UD in the guest (exit 0, vector 6)");
    }
    if ((cpuid(1, 0).c & (1u << 26)) && (rdmsr(MSR_VMX_CR4_FIXED1) & (1u << 18))) {
        /* XSETBV exits unconditionally (25.1.2) once CR4.OSXSAVE lets it
         * past its #UD check. */
        hv_setup(hv_vmcs);
        vmwrite(F_GUEST_CR4, vmread(F_GUEST_CR4) | (1u << 18));
        uint64_t r = hv_guest(g_xsetbv, 0);
        report((r & HV_EXITED) && hv_reason() == R_XSETBV && vmread(F_EXIT_INSN_LEN) == 3,
               "XSETBV with guest CR4.OSXSAVE=1: exit 55, length 3 (got %u)", hv_reason());
        report(hv_finish(4), "XSETBV: the guest continues");
    }
    if (hv_allowed(MSR_VMX_TRUE_PROC, PROC_PAUSE_EXITING))
        expect_exit("PAUSE with PAUSE exiting", g_pause, 0, PROC_PAUSE_EXITING, 0, R_PAUSE, 0, 2);
}

static void test_vmx_insns_exit(void)
{
    static uint8_t ops[64] __attribute__((aligned(16)));
    uint64_t base = (uint64_t)ops;
    struct { const char *name; void (*fn)(void *); unsigned reason; uint64_t qual; } t[] = {
        { "VMCLEAR", g_vmclear, R_VMCLEAR, 0x10 }, { "VMPTRLD", g_vmptrld, R_VMPTRLD, 0 },
        { "VMPTRST", g_vmptrst, R_VMPTRST, 8 }, { "VMREAD", g_vmread, R_VMREAD, 0 },
        { "VMWRITE", g_vmwrite, R_VMWRITE, 0 }, { "VMLAUNCH", g_vmlaunch, R_VMLAUNCH, 0 },
        { "VMRESUME", g_vmresume, R_VMRESUME, 0 }, { "VMXOFF", g_vmxoff, R_VMXOFF, 0 },
        { "VMXON", g_vmxon, R_VMXON, 0 },
    };
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++)
        expect_exit(t[i].name, t[i].fn, (void *)base, 0, 0, t[i].reason, t[i].qual, 0);
    /* Instruction information (Table 27-13): VMCLEAR 0x10(%reg): no index
     * (bit 22), 64-bit address size (2 << 7), DS (3 << 15). */
    run_with(g_vmclear, (void *)base, 0, 0);
    uint32_t info = (uint32_t)vmread(F_EXIT_INSN_INFO);
    report((info & (1u << 22)) && ((info >> 7) & 7) == 2 && ((info >> 15) & 7) == 3 && !(info & (1u << 27)),
           "VMCLEAR exit: instruction information has index invalid, 64-bit address, DS, a base (got %x)", info);
    finish();
    /* VMREAD %r8, %r9 (Table 27-14): bit 10 register, reg1 (r9) in 6:3,
     * reg2 (r8) in 31:28. */
    run_with(g_vmread, 0, 0, 0);
    info = (uint32_t)vmread(F_EXIT_INSN_INFO);
    report((info & (1u << 10)) && ((info >> 3) & 15) == 9 && (info >> 28) == 8,
           "VMREAD exit: instruction information names both registers (got %x)", info);
    finish();
    uint64_t cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
    if ((cap & (1ull << 20)) && hv_allowed(MSR_VMX_PROC2, PROC2_ENABLE_EPT))
        expect_exit("INVEPT", g_invept, (void *)base, 0, 0, R_INVEPT, 0, 5);
    if ((cap & (1ull << 32)) && hv_allowed(MSR_VMX_PROC2, PROC2_ENABLE_VPID))
        expect_exit("INVVPID", g_invvpid, (void *)base, 0, 0, R_INVVPID, 0, 5);
}

static void set_bit(uint8_t *map, unsigned bit) { map[bit >> 3] |= (uint8_t)(1u << (bit & 7)); }

static void test_msr(void)
{
    expect_exit("RDMSR without MSR bitmaps", g_rdmsr, (void *)0x174ull, 0, 0, R_RDMSR, 0, 2);
    expect_exit("WRMSR without MSR bitmaps", g_wrmsr, (void *)0x174ull, 0, 0, R_WRMSR, 0, 2);
    if (!hv_allowed(MSR_VMX_TRUE_PROC, PROC_USE_MSR_BITMAPS))
        return;
    memset(msr_bitmap, 0, sizeof msr_bitmap);
    set_bit(msr_bitmap, 0x175);                          /* read, low */
    set_bit(msr_bitmap + 1024, 0x81);                    /* read, high: C0000081H */
    set_bit(msr_bitmap + 2048, 0x176);                   /* write, low */
    set_bit(msr_bitmap + 3072, 0x102);                   /* write, high: C0000102H */
    struct { const char *what; void (*fn)(void *); uint32_t msr; int reason; } t[] = {
        { "RDMSR 174H, read bit clear", g_rdmsr, 0x174, -1 },
        { "RDMSR 175H, low read bit set", g_rdmsr, 0x175, R_RDMSR },
        { "RDMSR C0000081H, high read bit set", g_rdmsr, 0xc0000081u, R_RDMSR },
        { "RDMSR C0000080H, high read bit clear", g_rdmsr, 0xc0000080u, -1 },
        { "RDMSR 175H is not a write: WRMSR 175H", g_wrmsr, 0x175, -1 },
        { "WRMSR 176H, low write bit set", g_wrmsr, 0x176, R_WRMSR },
        { "WRMSR C0000102H, high write bit set", g_wrmsr, 0xc0000102u, R_WRMSR },
        { "RDMSR 40000000H, outside both ranges", g_rdmsr, 0x40000000u, R_RDMSR },
        { "RDMSR C0002000H, outside both ranges", g_rdmsr, 0xc0002000u, R_RDMSR },
    };
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
        hv_setup(hv_vmcs);
        vmwrite(F_PROC, hv_ctl(MSR_VMX_TRUE_PROC, PROC_USE_MSR_BITMAPS));
        vmwrite(F_MSR_BITMAP, (uint64_t)msr_bitmap);
        uint64_t r = hv_guest(t[i].fn, (void *)(uint64_t)t[i].msr);
        int got = (r & HV_EXITED) ? (int)hv_reason() : -2;
        if (t[i].reason < 0)
            report(got == R_VMCALL, "MSR bitmap: %s: no exit (got %d)", t[i].what, got);
        else
            report(got == t[i].reason && hv_gpr[1] == t[i].msr, "MSR bitmap: %s: exit %d with RCX = MSR (got %d)",
                   t[i].what, t[i].reason, got);
    }
}

static void test_io(void)
{
    /* Table 27-5: size-1 in 2:0, IN in bit 3, string 4, REP 5, immediate 6,
     * port in 31:16. */
    expect_exit("OUT imm8 with unconditional I/O exiting", g_out_imm, 0, PROC_UNCOND_IO_EXITING, 0,
                R_IO, (0x80ull << 16) | (1u << 6), 2);
    expect_exit("IN EAX, DX with unconditional I/O exiting", g_in_dx, (void *)0x3f8ull, PROC_UNCOND_IO_EXITING, 0,
                R_IO, (0x3f8ull << 16) | (1u << 3) | 3, 1);
    int got = run_with(g_rep_outsb, scratch, PROC_UNCOND_IO_EXITING, 0);
    report(got == R_IO && hv_qual() == ((0x80ull << 16) | (1u << 5) | (1u << 4)) &&
           vmread(F_GUEST_LINEAR_ADDRESS) == (uint64_t)scratch && vmread(F_EXIT_INSN_LEN) == 2,
           "REP OUTSB: string and REP bits, guest-linear address = RSI (got %lx, %lx)", hv_qual(),
           vmread(F_GUEST_LINEAR_ADDRESS));
    uint32_t info = (uint32_t)vmread(F_EXIT_INSN_INFO);
    report(((info >> 7) & 7) == 2 && ((info >> 15) & 7) == 3, "OUTS instruction information: 64-bit address size, DS (got %x)", info);
    finish();
    got = run_with(g_insw, scratch + 8, PROC_UNCOND_IO_EXITING, 0);
    report(got == R_IO && hv_qual() == ((0x81ull << 16) | (1u << 4) | (1u << 3) | 1) &&
           vmread(F_GUEST_LINEAR_ADDRESS) == (uint64_t)scratch + 8,
           "INSW: IN, string, word, port 81H; guest-linear address = RDI (got %lx)", hv_qual());
    info = (uint32_t)vmread(F_EXIT_INSN_INFO);
    report(((info >> 15) & 7) == 0, "INS instruction information: ES (got %x)", info);
    finish();
    expect_no_exit("OUT without I/O exiting controls", g_out_imm, 0, 0, 0);
    if (!hv_allowed(MSR_VMX_TRUE_PROC, PROC_USE_IO_BITMAPS))
        return;
    memset(io_a, 0, sizeof io_a);
    memset(io_b, 0, sizeof io_b);
    set_bit(io_a, 0x3f8);
    set_bit(io_b, 0x8000 & 0x7fff);
    struct { const char *what; void (*fn)(void *); uint64_t port; bool exits; } t[] = {
        { "IN from 3F8H, bit set in bitmap A", g_in_dx, 0x3f8, true },
        { "IN from 3FCH, bit clear", g_in_dx, 0x3fc, false },
        { "OUT to 80H, bit clear (bitmaps override unconditional exiting)", g_out_imm, 0, false },
        { "16-bit IN at 7FFFH reaching 8000H (bit set in bitmap B)", g_inw_dx, 0x7fff, true },
        { "16-bit IN at FFFFH wrapping past FFFFH", g_inw_dx, 0xffff, true },
    };
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
        hv_setup(hv_vmcs);
        vmwrite(F_PROC, hv_ctl(MSR_VMX_TRUE_PROC, PROC_USE_IO_BITMAPS | PROC_UNCOND_IO_EXITING));
        vmwrite(F_IO_BITMAP_A, (uint64_t)io_a);
        vmwrite(F_IO_BITMAP_B, (uint64_t)io_b);
        uint64_t r = hv_guest(t[i].fn, (void *)t[i].port);
        int g = (r & HV_EXITED) ? (int)hv_reason() : -2;
        report(g == (t[i].exits ? R_IO : R_VMCALL), "I/O bitmaps: %s: %s (got %d)", t[i].what,
               t[i].exits ? "exit 30" : "no exit", g);
    }
}

static void test_cr_dr(void)
{
    /* Table 27-3: CR in 3:0, access type 5:4 (0 to, 1 from, 2 CLTS, 3
     * LMSW), GPR in 11:8, LMSW source in 31:16. */
    expect_exit("MOV to CR3 with CR3-load exiting", g_mov_to_cr3, 0, PROC_CR3_LOAD_EXITING, 0, R_CR, 3 | (9u << 8), 4);
    expect_exit("MOV from CR3 with CR3-store exiting", g_mov_from_cr3, 0, PROC_CR3_STORE_EXITING, 0, R_CR,
                3 | (1u << 4) | (10u << 8), 4);
    expect_no_exit("MOV to CR3 without CR3-load exiting", g_mov_to_cr3, 0, 0, 0);
    /* CR3-target list: a target value does not exit. */
    hv_setup(hv_vmcs);
    vmwrite(F_PROC, hv_ctl(MSR_VMX_TRUE_PROC, PROC_CR3_LOAD_EXITING));
    vmwrite(F_CR3_TARGET_COUNT, 1);
    vmwrite(F_CR3_TARGET0, read_cr3());
    uint64_t r = hv_guest(g_mov_to_cr3, 0);
    report((r & HV_EXITED) && hv_reason() == R_VMCALL, "MOV to CR3 of a CR3-target value: no exit");
    if (hv_allowed(MSR_VMX_TRUE_PROC, PROC_CR8_LOAD_EXITING)) {
        expect_exit("MOV to CR8 with CR8-load exiting", g_mov_to_cr8, 0, PROC_CR8_LOAD_EXITING, 0, R_CR, 8 | (2u << 8), 4);
        expect_exit("MOV from CR8 with CR8-store exiting", g_mov_from_cr8, 0, PROC_CR8_STORE_EXITING, 0, R_CR,
                    8 | (1u << 4) | (6u << 8), 4);
    }
    /* CR0 guest/host mask owning TS, shadow TS = 0: setting TS exits. */
    hv_setup(hv_vmcs);
    vmwrite(F_CR0_MASK, CR0_TS);
    vmwrite(F_CR0_SHADOW, 0);
    vmwrite(F_GUEST_CR0, vmread(F_GUEST_CR0) & ~(uint64_t)CR0_TS);
    r = hv_guest(g_mov_to_cr0, 0);
    report((r & HV_EXITED) && hv_reason() == R_CR && hv_qual() == (0 | (3u << 8)),
           "MOV to CR0 changing a masked bit: exit 28, qualification CR0 / RBX (got %lx)", hv_qual());
    finish();
    /* CR4 mask owning PGE: toggling it exits. */
    hv_setup(hv_vmcs);
    vmwrite(F_CR4_MASK, 0x80);
    vmwrite(F_CR4_SHADOW, vmread(F_GUEST_CR4) & 0x80);
    r = hv_guest(g_mov_to_cr4, 0);
    report((r & HV_EXITED) && hv_reason() == R_CR && hv_qual() == (4 | (1u << 8)),
           "MOV to CR4 changing a masked bit: exit 28, qualification CR4 / RCX (got %lx)", hv_qual());
    finish();
    /* CLTS with TS owned by the host and set in the shadow. */
    hv_setup(hv_vmcs);
    vmwrite(F_CR0_MASK, CR0_TS);
    vmwrite(F_CR0_SHADOW, CR0_TS);
    r = hv_guest(g_clts, 0);
    report((r & HV_EXITED) && hv_reason() == R_CR && hv_qual() == (2u << 4),
           "CLTS with TS masked and set in the shadow: exit 28, access type 2 (got %lx)", hv_qual());
    finish();
    /* LMSW changing masked TS: access type 3, source data in 31:16. */
    hv_setup(hv_vmcs);
    vmwrite(F_CR0_MASK, CR0_TS);
    vmwrite(F_CR0_SHADOW, 0);
    r = hv_guest(g_lmsw, 0);
    report((r & HV_EXITED) && hv_reason() == R_CR && hv_qual() == ((3u << 4) | (0x0bull << 16)),
           "LMSW changing masked TS: exit 28, type 3, source data 000BH (got %lx)", hv_qual());
    finish();
    /* Table 27-4: DR in 2:0, direction bit 4 (1 = from DR), GPR 11:8. */
    expect_exit("MOV from DR7 with MOV-DR exiting", g_mov_from_dr7, 0, PROC_MOV_DR_EXITING, 0, R_DR,
                7 | (1u << 4) | (11u << 8), 4);
    expect_exit("MOV to DR1 with MOV-DR exiting", g_mov_to_dr1, 0, PROC_MOV_DR_EXITING, 0, R_DR, 1, 3);
}

static void test_desc_rand(void)
{
    if (hv_allowed(MSR_VMX_PROC2, PROC2_DESC_TABLE_EXITING)) {
        /* Table 27-10: SGDT identity 0 in 29:28, 64-bit address size,
         * DS, base register, no index; qualification = displacement. */
        int got = run_with(g_sgdt, scratch, 0, PROC2_DESC_TABLE_EXITING);
        uint32_t info = (uint32_t)vmread(F_EXIT_INSN_INFO);
        report(got == R_GDTR_IDTR && hv_qual() == 8 && ((info >> 28) & 3) == 0 && (info & (1u << 22)) &&
               ((info >> 7) & 7) == 2 && ((info >> 15) & 7) == 3,
               "SGDT with descriptor-table exiting: exit 46, displacement 8, info identity SGDT (got %d, %x)", got, info);
        finish();
        got = run_with(g_sidt, scratch, 0, PROC2_DESC_TABLE_EXITING);
        info = (uint32_t)vmread(F_EXIT_INSN_INFO);
        report(got == R_GDTR_IDTR && ((info >> 28) & 3) == 1 && !(info & (1u << 22)) && (info & 3) == 2,
               "SIDT with an index: identity 1, index valid, scale 4 (got %x)", info);
        finish();
        /* Table 27-11: SLDT r12d: register operand (bit 10), reg in 6:3. */
        got = run_with(g_sldt, 0, 0, PROC2_DESC_TABLE_EXITING);
        info = (uint32_t)vmread(F_EXIT_INSN_INFO);
        report(got == R_LDTR_TR && (info & (1u << 10)) && ((info >> 3) & 15) == 12 && ((info >> 28) & 3) == 0,
               "SLDT to a register: exit 47, register 12, identity SLDT (got %d, %x)", got, info);
        finish();
        got = run_with(g_str, 0, 0, PROC2_DESC_TABLE_EXITING);
        info = (uint32_t)vmread(F_EXIT_INSN_INFO);
        report(got == R_LDTR_TR && ((info >> 28) & 3) == 1 && ((info >> 3) & 15) == 0,
               "STR AX: exit 47, identity STR (got %x)", info);
        finish();
        expect_no_exit("SGDT without descriptor-table exiting", g_sgdt, scratch, 0, 0);
    }
    /* Table 27-12 (RDRAND/RDSEED): register 6:3, operand size 12:11. */
    if (hv_allowed(MSR_VMX_PROC2, PROC2_RDRAND_EXITING) && (cpuid(1, 0).c & (1u << 30))) {
        int got = run_with(g_rdrand, 0, 0, PROC2_RDRAND_EXITING);
        uint32_t info = (uint32_t)vmread(F_EXIT_INSN_INFO);
        report(got == R_RDRAND && ((info >> 3) & 15) == 13 && ((info >> 11) & 3) == 2,
               "RDRAND R13 with RDRAND exiting: exit 57, register 13, 64-bit (got %d, %x)", got, info);
        finish();
    }
    if (hv_allowed(MSR_VMX_PROC2, PROC2_RDSEED_EXITING) && (cpuid(7, 0).b & (1u << 18))) {
        int got = run_with(g_rdseed, 0, 0, PROC2_RDSEED_EXITING);
        uint32_t info = (uint32_t)vmread(F_EXIT_INSN_INFO);
        report(got == R_RDSEED && ((info >> 3) & 15) == 1 && ((info >> 11) & 3) == 0,
               "RDSEED CX with RDSEED exiting: exit 61, register 1, 16-bit (got %d, %x)", got, info);
        finish();
    }
}

#define HOLE 0xc0000000ull
static void test_exceptions(void)
{
    /* #UD with bit 6 of the exception bitmap: exit 0, interruption
     * information vector 6, type 3 (hardware exception), valid. */
    hv_setup(hv_vmcs);
    vmwrite(F_EXCEPTION_BITMAP, 1u << 6);
    uint64_t r = hv_guest(g_ud2, 0);
    report((r & HV_EXITED) && hv_reason() == R_EXCEPTION && vmread(F_EXIT_INTR_INFO) == 0x80000306u,
           "UD2 with exception bitmap bit 6: exit 0, interruption info 80000306H (got %lx)", vmread(F_EXIT_INTR_INFO));
    vmwrite(F_GUEST_RIP, vmread(F_GUEST_RIP) + 2);
    report((hv_resume() & HV_EXITED) && hv_reason() == R_VMCALL, "the host skips the UD2 and resumes");

    volatile uint64_t *pde = rt_pde_2m(HOLE);
    uint64_t saved = *pde;
    *pde = 0;
    invlpg((void *)HOLE);
    /* #PF, bit 14 set, mask 0 = match 0: exits; qualification = the
     * linear address, error code in the exit interruption error code. */
    hv_setup(hv_vmcs);
    vmwrite(F_EXCEPTION_BITMAP, 1u << 14);
    r = hv_guest(g_touch, (void *)(HOLE + 0x40));
    report((r & HV_EXITED) && hv_reason() == R_EXCEPTION && vmread(F_EXIT_INTR_INFO) == 0x80000b0eu &&
           hv_qual() == HOLE + 0x40 && vmread(F_EXIT_INTR_ERROR) == 0,
           "#PF with bitmap bit 14, mask 0, match 0: exit 0, qualification = address, error 0 (got %lx, %lx)",
           vmread(F_EXIT_INTR_INFO), hv_qual());
    /* Bit 14 clear: exits when (error & mask) != match: P=0 vs match 1. */
    hv_setup(hv_vmcs);
    vmwrite(F_PF_ERROR_MASK, 1);
    vmwrite(F_PF_ERROR_MATCH, 1);
    r = hv_guest(g_touch, (void *)(HOLE + 0x80));
    report((r & HV_EXITED) && hv_reason() == R_EXCEPTION && hv_qual() == HOLE + 0x80,
           "#PF with bit 14 clear and (error & mask) != match: exit 0 (got %u)", hv_reason());
    *pde = saved;
    invlpg((void *)HOLE);

    /* Triple fault: #UD with an IDT limit of 0 in the guest becomes #GP,
     * #DF, then a triple fault, which exits with reason 2 (25.2). */
    hv_setup(hv_vmcs);
    vmwrite(F_GUEST_IDTR_LIMIT, 0);
    r = hv_guest(g_ud2, 0);
    report((r & HV_EXITED) && hv_reason() == R_TRIPLE_FAULT, "triple fault in the guest: exit 2 (got %u)", hv_reason());
}

extern char g32_task_jmp[];

/* Task switch (25.1.2): JMP to a TSS descriptor from a 32-bit PAE guest
 * (64-bit mode has no task switches); qualification: selector in 15:0,
 * source 2 (JMP) in 31:30 (Table 27-2). */
static void test_task_switch(void)
{
    static uint64_t pdpt32[4] __attribute__((aligned(32)));
    static uint8_t tss32[0x68] __attribute__((aligned(16)));
    extern uint64_t rt_pdpt[];
    for (int i = 0; i < 4; i++)
        pdpt32[i] = (rt_pdpt[i] & 0x000ffffffffff000ull) | 1;
    gdt_set(SEL_TEST0, gdt_desc((uint32_t)(uint64_t)tss32, 0x67, 0x89, 0));
    hv_setup(hv_vmcs);
    vmwrite(F_ENTRY_CONTROLS, vmread(F_ENTRY_CONTROLS) & ~ENTRY_IA32E_GUEST);
    vmwrite(F_GUEST_CS_SEL, SEL_CODE32);
    vmwrite(F_GUEST_CS_AR, 0xc09b);
    vmwrite(F_GUEST_CR4, vmread(F_GUEST_CR4) & ~(1ull << 17));
    vmwrite(F_GUEST_CR3, (uint64_t)pdpt32);
    vmwrite(F_GUEST_RIP, (uint64_t)g32_task_jmp);
    /* Without EPT the PDPTEs come from memory at guest CR3 (26.3.2.4):
     * the VMCS PDPTE fields (used only with EPT) hold zeros here, so the
     * guest runs only if they are ignored. */
    for (int i = 0; i < 4; i++)
        vmwrite(0x280a + 2 * i, 0);
    uint64_t r = hv_run(1);
    report((r & HV_EXITED) && hv_reason() == R_TASK_SWITCH && hv_qual() == (SEL_TEST0 | (2ull << 30)) &&
           vmread(F_EXIT_INSN_LEN) == 7,
           "JMP to a TSS in a 32-bit guest: exit 9, qualification selector | JMP, length 7 (got %lx, %lx, %lx)",
           vmread(F_EXIT_REASON), hv_qual(), vmread(F_EXIT_INSN_LEN));
    gdt_set(SEL_TEST0, 0);
}

void test_main(void)
{
    if (!hv_enter_vmx())
        return;
    test_simple();
    test_vmx_insns_exit();
    test_msr();
    test_io();
    test_cr_dr();
    test_desc_rand();
    test_exceptions();
    test_task_switch();
    report(vm_ok(vmxoff()), "VMXOFF");
}
