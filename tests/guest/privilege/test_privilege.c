/*
 * tests/guest/privilege/test_privilege.c: privilege-level changes in
 * IA-32e mode: IRETQ to CPL 3 (SDM Vol.2 IRET), INT n through a DPL-3
 * interrupt gate with the stack switch to TSS.RSP0 and a null SS (SDM
 * Vol.3 6.12.1.1 "Protection of Exception- and Interrupt-Handler
 * Procedures", 6.14.4 "Stack Switching in IA-32e Mode"), SYSCALL and
 * SYSRET (SDM Vol.2 SYSCALL, SYSRET), SYSENTER and SYSEXIT, a 64-bit call gate (SDM Vol.3
 * 5.8.3.1 "IA-32e Mode Call Gates", 5.8.5 "Stack Switching"), privileged
 * instructions at CPL 3 (5.9 "Privileged Instructions") and alignment
 * checking (6.15 "Interrupt 17-Alignment Check Exception").
 */
#include "rt.h"

#define VEC_USER_INT 0x80
#define MSR_STAR  0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_FMASK 0xC0000084
#define SEL_CALLGATE SEL_TEST0          /* 16 bytes: two slots */

/* Values the user-mode and handler code store for the checks. */
typedef struct Seen {
    uint64_t user_rsp, cs, ss, rcx, r11, rflags, after_cs, after_ss;
    uint64_t gate_saved_cs, gate_saved_ss, gate_saved_rsp, gate_rsp, gate_cs;
    uint64_t se_user_rsp, se_after_cs, se_after_ss, se_cs, se_ss, se_rsp, se_rflags;
} Seen;
Seen seen;

void pv_int80(void *);
void pv_hlt(void *);
void pv_mov_cr0(void *);
void pv_cli(void *);
void pv_syscall(void *);
void pv_syscall_next(void);
void pv_syscall_entry(void);
void pv_callgate(void *);
void pv_gate_target(void);
void pv_misaligned(void *);
void pv_int_dpl0(void *);
void pv_sysenter(void *);
void pv_sysenter_entry(void);
__asm__(
    ".text\n"
    "pv_int80: mov %rsp, seen(%rip)\n\t int $0x80\n\t ret\n"
    "pv_hlt: hlt\n\t ret\n"
    "pv_mov_cr0: mov %cr0, %rax\n\t ret\n"
    "pv_cli: cli\n\t ret\n"
    "pv_int_dpl0: int $0x82\n\t ret\n"
    /* SYSCALL: RCX = next RIP, R11 = RFLAGS; SYSRET returns through them */
    "pv_syscall: pushfq\n\t orq $0x800, (%rsp)\n\t popfq\n\t syscall\n"
    "pv_syscall_next: mov %cs, %eax\n\t mov %rax, seen+48(%rip)\n\t"
    " mov %ss, %eax\n\t mov %rax, seen+56(%rip)\n\t"
    " pushfq\n\t andq $~0x800, (%rsp)\n\t popfq\n\t ret\n"
    "pv_syscall_entry: mov %cs, %eax\n\t mov %rax, seen+8(%rip)\n\t"
    " mov %ss, %eax\n\t mov %rax, seen+16(%rip)\n\t"
    " mov %rcx, seen+24(%rip)\n\t mov %r11, seen+32(%rip)\n\t"
    " pushfq\n\t popq seen+40(%rip)\n\t sysretq\n"
    /* Far call through the call gate selector (offset ignored) */
    "pv_callgate: lea pv_gate_ptr(%rip), %rax\n\t mov %rsp, seen(%rip)\n\t lcall *(%rax)\n\t ret\n"
    "pv_gate_target: mov %cs, %eax\n\t mov %rax, seen+96(%rip)\n\t mov %rsp, seen+88(%rip)\n\t"
    " mov 8(%rsp), %rax\n\t mov %rax, seen+64(%rip)\n\t"
    " mov 16(%rsp), %rax\n\t mov %rax, seen+80(%rip)\n\t"
    " mov 24(%rsp), %rax\n\t mov %rax, seen+72(%rip)\n\t lretq\n"
    "pv_misaligned: pushfq\n\t orq $0x40000, (%rsp)\n\t popfq\n\t"
    " lea seen(%rip), %rax\n\t movl 1(%rax), %eax\n\t ret\n"
    /* SYSENTER: user passes the return RIP in RDX and RSP in RCX, which
     * SYSEXIT (REX.W) loads (SDM Vol.2 SYSEXIT) */
    "pv_sysenter: mov %rsp, seen+104(%rip)\n\t lea 1f(%rip), %rdx\n\t mov %rsp, %rcx\n\t"
    " pushfq\n\t orq $0x200, (%rsp)\n\t popfq\n\t sysenter\n"
    "1: mov %cs, %eax\n\t mov %rax, seen+112(%rip)\n\t mov %ss, %eax\n\t mov %rax, seen+120(%rip)\n\t ret\n"
    "pv_sysenter_entry: pushfq\n\t popq seen+152(%rip)\n\t"
    " mov %cs, %eax\n\t mov %rax, seen+128(%rip)\n\t mov %ss, %eax\n\t mov %rax, seen+136(%rip)\n\t"
    " mov %rsp, seen+144(%rip)\n\t sysexitq\n"
    ".data\n"
    "pv_gate_ptr: .long 0\n\t .word 0x5b\n"
    ".text\n");

static uint64_t int80_frame_end, int80_handler_ss, int80_handler_cs;
static RtFrame int80_frame;
static void int80_hook(RtFrame *f)
{
    int80_frame = *f;
    int80_frame_end = (uint64_t)&f->ss + 8;
    int80_handler_ss = read_ss();
    int80_handler_cs = read_cs();
}

/* exc_catch() target: runs the user-mode routine `fn` at CPL 3. */
static void in_user(void *fn)
{
    run_user((void (*)(void *))fn, NULL);
}

static void user_pages(bool on)
{
    volatile uint64_t *pde = rt_pde_2m((uint64_t)pv_int80);
    *pde = on ? *pde | PTE_U : *pde & ~PTE_U;
    write_cr3(read_cr3());
}

static void test_int_gate(void)
{
    idt_set(VEC_USER_INT, NULL, SEL_CODE64, 0xE, 3, 0);
    exc_set_hook(VEC_USER_INT, int80_hook);
    run_user(pv_int80, NULL);
    exc_set_hook(VEC_USER_INT, NULL);
    report(int80_frame.cs == (SEL_UCODE64 | 3) && int80_frame.ss == (SEL_UDATA | 3),
           "INT 80h from CPL 3: frame holds user CS %lx and SS %lx", int80_frame.cs, int80_frame.ss);
    report(int80_frame.rsp == seen.user_rsp, "INT 80h: frame holds the user RSP");
    report(int80_frame_end == tss_ist_top(0), "INT 80h: handler stack is TSS.RSP0");
    report(int80_handler_cs == SEL_CODE64 && int80_handler_ss == 0,
           "INT 80h: handler runs with CS 08h and a null SS (got %lx)", int80_handler_ss);

    /* INT n to a gate with DPL < CPL: #GP with error code vector*8+2,
     * the IDT flag set and the index field holding the vector (SDM Vol.3
     * 6.12.1.1, 6.13 "Error Code"). QEMU's TCG reports vector*16+2 in
     * 64-bit mode. */
    RtExc e;
    bool caught = exc_catch(EXC_GP, in_user, (void *)pv_int_dpl0, &e);
    report(caught && e.error_code == ((0x82 << 3) | 2) && e.rip == (uint64_t)pv_int_dpl0 &&
           e.cs == (SEL_UCODE64 | 3), "INT 82h to a DPL-0 gate at CPL 3: #GP(0x412) (got %lx)", e.error_code);
}

static void test_privileged_insns(void)
{
    static const struct { void (*fn)(void *); const char *name; } insns[] = {
        { pv_hlt, "HLT" }, { pv_mov_cr0, "MOV from CR0" }, { pv_cli, "CLI with IOPL 0" },
    };
    for (unsigned i = 0; i < sizeof insns / sizeof insns[0]; i++) {
        RtExc e;
        /* run_user(fn) through exc_catch: the #GP ends the user run */
        bool caught = exc_catch(EXC_GP, in_user, (void *)insns[i].fn, &e);
        report(caught && e.error_code == 0 && e.rip == (uint64_t)insns[i].fn,
               "%s at CPL 3: #GP(0) at the instruction", insns[i].name);
    }
}

static void test_syscall(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    /* STAR[47:32] = kernel CS (SS = +8); STAR[63:48] = user base: SYSRET
     * to 64-bit mode loads CS = base + 16, SS = base + 8, RPL 3. */
    wrmsr(MSR_STAR, ((uint64_t)(SEL_UCODE32 | 3) << 48) | ((uint64_t)SEL_CODE64 << 32));
    wrmsr(MSR_LSTAR, (uint64_t)pv_syscall_entry);
    wrmsr(MSR_FMASK, 0x800);                         /* clear OF on entry */
    run_user(pv_syscall, NULL);
    report(seen.cs == SEL_CODE64 && seen.ss == SEL_DATA,
           "SYSCALL: CS = STAR[47:32], SS = STAR[47:32] + 8 (got %lx, %lx)", seen.cs, seen.ss);
    report(seen.rcx == (uint64_t)pv_syscall_next, "SYSCALL: RCX = RIP of the next instruction");
    report((seen.r11 & 0x800) && !(seen.rflags & 0x800), "SYSCALL: R11 = old RFLAGS, RFLAGS &= ~FMASK");
    report(seen.after_cs == (SEL_UCODE64 | 3) && seen.after_ss == (SEL_UDATA | 3),
           "SYSRET: CS = STAR[63:48] + 16, SS = STAR[63:48] + 8, RPL 3 (got %lx, %lx)",
           seen.after_cs, seen.after_ss);
}

static void test_call_gate(void)
{
    /* 64-bit call gate, type 0xC, DPL 3, target 08h:pv_gate_target
     * (SDM Vol.3 Figure 5-9 "Call-Gate Descriptor in IA-32e Mode"). */
    uint64_t off = (uint64_t)pv_gate_target;
    gdt_set(SEL_CALLGATE, (off & 0xFFFF) | ((uint64_t)SEL_CODE64 << 16) | (0xECULL << 40) |
                          ((off >> 16) & 0xFFFF) << 48);
    gdt_set(SEL_CALLGATE + 8, off >> 32);
    run_user(pv_callgate, NULL);
    report(seen.gate_cs == SEL_CODE64, "call gate from CPL 3: target runs in CS 08h");
    report(seen.gate_saved_cs == (SEL_UCODE64 | 3) && seen.gate_saved_ss == (SEL_UDATA | 3),
           "call gate: new stack holds caller CS %lx and SS %lx", seen.gate_saved_cs, seen.gate_saved_ss);
    report(seen.gate_rsp + 32 == tss_ist_top(0), "call gate: new stack is TSS.RSP0");
    report(seen.gate_saved_rsp == seen.user_rsp, "call gate: new stack holds the caller's RSP");
    gdt_set(SEL_CALLGATE, 0);
    gdt_set(SEL_CALLGATE + 8, 0);
}

static void test_sysenter(void)
{
    /* IA32_SYSENTER_CS = 58H: SYSENTER loads CS 58H, SS 60H; SYSEXIT to
     * 64-bit mode loads CS 78H | 3, SS 80H | 3 (SDM Vol.2 SYSENTER,
     * SYSEXIT). The descriptors match what the instructions load. */
    const uint16_t base = SEL_TEST0;
    gdt_set(base, rt_gdt[SEL_CODE64 >> 3]);
    gdt_set(base + 8, rt_gdt[SEL_DATA >> 3]);
    gdt_set(base + 32, rt_gdt[SEL_UCODE64 >> 3]);
    gdt_set(base + 40, rt_gdt[SEL_UDATA >> 3]);
    wrmsr(0x174, base);
    wrmsr(0x175, tss_ist_top(5));
    wrmsr(0x176, (uint64_t)pv_sysenter_entry);
    run_user(pv_sysenter, NULL);
    report(seen.se_cs == base && seen.se_ss == base + 8,
           "SYSENTER: CS = IA32_SYSENTER_CS, SS = +8 (got %lx, %lx)", seen.se_cs, seen.se_ss);
    report(seen.se_rsp == tss_ist_top(5), "SYSENTER: RSP = IA32_SYSENTER_ESP");
    report(!(seen.se_rflags & RFLAGS_IF), "SYSENTER: clears RFLAGS.IF");
    report(seen.se_after_cs == (uint64_t)(base + 32 + 3) && seen.se_after_ss == (uint64_t)(base + 40 + 3),
           "SYSEXIT (REX.W): CS = +32 | 3, SS = +40 | 3 (got %lx, %lx)", seen.se_after_cs, seen.se_after_ss);
    wrmsr(0x174, 0);
    for (int i = 0; i < 6; i++)
        gdt_set(base + 8 * i, 0);
}

static void test_alignment_check(void)
{
    /* #AC needs CR0.AM, RFLAGS.AC and CPL 3; error code 0. (QEMU's TCG
     * does not implement alignment checking.) */
    RtExc e;
    write_cr0(read_cr0() | CR0_AM);
    bool caught = exc_catch(EXC_AC, in_user, (void *)pv_misaligned, &e);
    report(caught && e.error_code == 0 && (e.cs & 3) == 3, "misaligned load at CPL 3 with AM and AC: #AC(0)");
    write_cr0(read_cr0() & ~(uint64_t)CR0_AM);
    caught = exc_catch(EXC_AC, in_user, (void *)pv_misaligned, &e);
    report(!caught, "misaligned load with CR0.AM = 0: no #AC");
}

void test_main(void)
{
    user_pages(true);
    test_int_gate();
    test_privileged_insns();
    test_syscall();
    test_call_gate();
    test_sysenter();
    test_alignment_check();
    user_pages(false);
}
