/*
 * tests/guest/exceptions/test_exceptions.c: exception delivery in 64-bit
 * mode: vectors, fault vs trap return addresses and error codes (SDM
 * Vol.3 6.5 "Exception Classifications", 6.13 "Error Code", 6.15
 * "Exception and Interrupt Reference"), the 64-bit stack frame and its
 * alignment (6.14.2 "64-Bit Mode Stack Frame"), the interrupt stack table
 * (6.14.5 "Interrupt Stack Table"), and benign/contributory pairs that
 * become a double fault or are handled serially (Table 6-5 "Conditions
 * for Generating a Double Fault").
 */
#include "rt.h"

void ex_div0(void *);
void ex_div_overflow(void *);
void ex_ud2(void *);
void ex_lock_nop(void *);
void ex_push_es(void *);
void ex_int3(void *);
void ex_int3_next(void);
void ex_int_n3(void *);
void ex_int_n3_next(void);
void ex_noncanonical(void *);
void ex_ud2_misaligned(void *);
void ex_movdqa(void *);
void ex_tf_step(void *);
void ex_tf_step_next(void);
__asm__(
    ".text\n"
    /* DIV r/m32 by zero: #DE (SDM Vol.2 DIV "Protected Mode Exceptions") */
    "ex_div0: xor %ecx, %ecx\n\t mov $1, %eax\n\t xor %edx, %edx\n"
    "ex_div0_insn: div %ecx\n\t ret\n"
    /* EDX:EAX = 2^32, divisor 1: the quotient does not fit: #DE */
    "ex_div_overflow: mov $1, %edx\n\t xor %eax, %eax\n\t mov $1, %ecx\n"
    "ex_div_overflow_insn: div %ecx\n\t ret\n"
    "ex_ud2: ud2\n\t ret\n"
    /* LOCK on an instruction that is not a locked memory RMW: #UD
     * (SDM Vol.2 LOCK) */
    "ex_lock_nop: .byte 0xf0, 0x90\n\t ret\n"
    /* PUSH ES (06) is invalid in 64-bit mode: #UD (SDM Vol.2 PUSH) */
    "ex_push_es: .byte 0x06\n\t ret\n"
    "ex_int3: int3\n"
    "ex_int3_next: ret\n"
    "ex_int_n3: .byte 0xcd, 0x03\n"
    "ex_int_n3_next: ret\n"
    /* A non-canonical address through DS: #GP(0) (SDM Vol.3 3.3.7.1) */
    "ex_noncanonical: movabs $0x8000000000000000, %rax\n"
    "ex_noncanonical_insn: mov (%rax), %rax\n\t ret\n"
    /* Fault with RSP = 8 mod 16, recording RSP first in (%rdi) */
    "ex_ud2_misaligned: push %rbp\n\t mov %rsp, %rbp\n\t and $-16, %rsp\n\t sub $8, %rsp\n\t"
    " mov %rsp, (%rdi)\n\t ud2\n"
    /* SSE with CR0.TS = 1: #NM (SDM Vol.3 2.5 CR0.TS) */
    "ex_movdqa: movdqa %xmm0, %xmm1\n\t ret\n"
    /* Set TF with POPF: the trap comes after the instruction following
     * POPF (SDM Vol.3 18.3.1.4 "Single-Step Exception Condition") */
    "ex_tf_step: pushfq\n\t orq $0x100, (%rsp)\n\t popfq\n\t nop\n"
    "ex_tf_step_next: nop\n\t pushfq\n\t andq $~0x100, (%rsp)\n\t popfq\n\t ret\n");
extern const char ex_div0_insn[], ex_div_overflow_insn[], ex_noncanonical_insn[];

static void check_fault(int vec, void (*fn)(void *), const void *rip, const char *what)
{
    RtExc e;
    bool caught = exc_catch(vec, fn, NULL, &e);
    report(caught && e.vector == vec && e.rip == (uint64_t)rip && e.cs == SEL_CODE64,
           "%s: vector %d at its own RIP (got vector %d rip %lx)", what, vec, e.vector, e.rip);
}

static void test_de_ud_bp(void)
{
    check_fault(EXC_DE, ex_div0, ex_div0_insn, "DIV by zero");
    check_fault(EXC_DE, ex_div_overflow, ex_div_overflow_insn, "DIV quotient overflow");
    check_fault(EXC_UD, ex_ud2, ex_ud2, "UD2");
    check_fault(EXC_UD, ex_lock_nop, ex_lock_nop, "LOCK NOP");
    check_fault(EXC_UD, ex_push_es, ex_push_es, "PUSH ES in 64-bit mode");

    RtExc e;
    /* #BP is a trap: the saved RIP is the next instruction (SDM 6.15
     * "Interrupt 3-Breakpoint Exception"). */
    report(exc_catch(EXC_BP, ex_int3, NULL, &e) && e.rip == (uint64_t)ex_int3_next,
           "INT3: #BP trap, saved RIP after the instruction");
    report(exc_catch(EXC_BP, ex_int_n3, NULL, &e) && e.rip == (uint64_t)ex_int_n3_next,
           "INT 3 (CD 03): #BP trap, saved RIP after the instruction");
    check_fault(EXC_GP, ex_noncanonical, ex_noncanonical_insn, "non-canonical load");
}

static void test_gp_error_code(void)
{
    RtExc e;
    exc_catch(EXC_GP, ex_noncanonical, NULL, &e);
    report(e.vector == EXC_GP && e.error_code == 0, "#GP for a non-canonical address has error code 0");
}

static void test_frame_alignment(void)
{
    /* SDM 6.14.2: in 64-bit mode the processor aligns RSP to 16 bytes
     * before pushing the frame; the frame holds the old RSP. */
    RtExc e;
    uint64_t rsp_at_fault = 0;
    exc_catch(EXC_UD, ex_ud2_misaligned, &rsp_at_fault, &e);
    report(e.vector == EXC_UD && e.rsp == rsp_at_fault && (rsp_at_fault & 15) == 8,
           "64-bit frame saves the unaligned RSP (%lx, saved %lx)", rsp_at_fault, e.rsp);
    report(e.ss == SEL_DATA, "frame saves SS (%lx)", e.ss);
}

static uint64_t ist_frame_end;
static void ist_hook(RtFrame *f)
{
    ist_frame_end = (uint64_t)&f->ss + 8;
    f->rip += 2;                                  /* skip UD2 */
}

static void test_ist(void)
{
    /* SDM 6.14.5: a gate with IST = n switches to TSS.ISTn unconditionally,
     * even without a privilege change; the frame ends at the aligned top. */
    idt_set(EXC_UD, NULL, SEL_CODE64, 0xE, 0, 3);
    exc_set_hook(EXC_UD, ist_hook);
    ex_ud2(NULL);
    exc_set_hook(EXC_UD, NULL);
    idt_set(EXC_UD, NULL, SEL_CODE64, 0xE, 0, 0);
    report(ist_frame_end == tss_ist_top(3), "IST 3 gate: frame built at the top of IST3 (%lx, top %lx)",
           ist_frame_end, tss_ist_top(3));
}

static void test_nm(void)
{
    RtExc e;
    write_cr0(read_cr0() | CR0_TS);
    bool caught = exc_catch(EXC_NM, ex_movdqa, NULL, &e);
    write_cr0(read_cr0() & ~(uint64_t)CR0_TS);
    report(caught && e.rip == (uint64_t)ex_movdqa, "SSE instruction with CR0.TS = 1: #NM fault");
    report(!exc_catch(EXC_ANY, ex_movdqa, NULL, &e), "SSE instruction with CR0.TS = 0 runs");
}

static void test_single_step(void)
{
    RtExc e;
    bool caught = exc_catch(EXC_DB, ex_tf_step, NULL, &e);
    uint64_t dr6;
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    /* The trap follows the NOP after POPF: saved RIP is the next NOP. */
    report(caught && e.rip == (uint64_t)ex_tf_step_next, "TF: #DB trap after one instruction (rip %lx)", e.rip);
    report((dr6 & 0x4000) != 0, "TF: DR6.BS set (%lx)", dr6);
    report((e.rflags & RFLAGS_TF) != 0, "TF: saved RFLAGS has TF set");
    report((read_rflags() & RFLAGS_TF) == 0, "TF: clear again after recovery");
}

static void test_double_fault(void)
{
    /* #DE (contributory) whose gate is not present: delivering it raises
     * #NP (contributory), so the processor delivers #DF with error code
     * 0 instead (SDM Table 6-5). The #DF gate uses IST 1. */
    RtExc e;
    idt_set(EXC_DF, NULL, SEL_CODE64, 0xE, 0, 1);
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    uint8_t *de_gate = (uint8_t *)idtr.base;
    de_gate[5] &= 0x7F;                                /* P = 0 */
    bool caught = exc_catch(EXC_DF, ex_div0, NULL, &e);
    de_gate[5] |= 0x80;
    report(caught && e.vector == EXC_DF && e.error_code == 0 && e.count == 1,
           "#DE with a not-present gate: #DF, error code 0 (got vector %d code %lx)", e.vector, e.error_code);

    /* #UD (benign) whose gate is not present: the #NP is delivered
     * serially, error code = IDT vector 6 with IDT and EXT bits:
     * (6 << 3) | 2 | 1: EXT is set because the #NP arose while delivering
     * an exception, not a software interrupt (SDM 6.13 "Error Code").
     * QEMU's TCG leaves EXT clear here (0x32); hardware sets it. */
    uint8_t *ud_gate = (uint8_t *)idtr.base + 16 * EXC_UD;
    ud_gate[5] &= 0x7F;
    caught = exc_catch(EXC_NP, ex_ud2, NULL, &e);
    ud_gate[5] |= 0x80;
    report(caught && e.error_code == ((6 << 3) | 3) && e.rip == (uint64_t)ex_ud2,
           "#UD with a not-present gate: #NP, error code 0x33 (got vector %d code %lx)", e.vector, e.error_code);
}

void ex_read_unmapped(void *);
__asm__(".text\n ex_read_unmapped: mov (%rdi), %rax\n\t ret\n");

static void test_fault_during_delivery(void)
{
    /* An IST stack in a not-present page (linear 128 MiB: its 2 MiB PDE
     * made not present) makes the frame push fault while delivering. */
    const uint64_t hole = 0x08000000ULL;
    volatile uint64_t *pde = rt_pde_2m(hole);
    uint64_t saved = *pde;
    *pde &= ~PTE_P;
    write_cr3(read_cr3());
    tss_set_ist(4, hole + 0x1000);
    idt_set(EXC_DF, NULL, SEL_CODE64, 0xE, 0, 1);
    RtExc e;

    /* #PF while delivering #PF: double fault (SDM Table 6-5). */
    idt_set(EXC_PF, NULL, SEL_CODE64, 0xE, 0, 4);
    bool caught = exc_catch(EXC_DF, ex_read_unmapped, (void *)(hole + 0x8000), &e);
    idt_set(EXC_PF, NULL, SEL_CODE64, 0xE, 0, 0);
    report(caught && e.error_code == 0, "#PF while delivering #PF: #DF(0) (vector %d)", e.vector);

    /* #PF while delivering #DE (contributory, then page fault): handled
     * serially, the #PF is delivered (SDM Table 6-5), CR2 in the frame. */
    idt_set(EXC_DE, NULL, SEL_CODE64, 0xE, 0, 4);
    caught = exc_catch(EXC_PF, ex_div0, NULL, &e);
    idt_set(EXC_DE, NULL, SEL_CODE64, 0xE, 0, 0);
    report(caught && e.cr2 >= hole + 0x1000 - 48 && e.cr2 < hole + 0x1000 && (e.error_code & 0x3) == 0x2,
           "#PF while delivering #DE: #PF (write, not present) with CR2 in the frame (vector %d cr2 %lx err %lx)",
           e.vector, e.cr2, e.error_code);

    tss_set_ist(4, tss_ist_top(4));
    *pde = saved;
    write_cr3(read_cr3());
}

void test_main(void)
{
    test_de_ud_bp();
    test_gp_error_code();
    test_frame_alignment();
    test_ist();
    test_nm();
    test_single_step();
    test_double_fault();
    test_fault_during_delivery();
}
