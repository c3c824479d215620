/*
 * cpu/tests/test_far.c: far control transfers and software interrupts
 * (cpu/ops_far.c), executed instruction by instruction on the fixture:
 * far JMP/CALL (direct and through call gates, SDM Vol.3 5.8), far RET and
 * IRET across privilege levels and modes (SDM Vol.2 RET, IRET), INT n /
 * INT3 / INTO, SYSCALL/SYSRET and SYSENTER/SYSEXIT (SDM Vol.2 pages of the
 * same names).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "cpu/tests/sys_gdt.h"

static int setup(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_prot32(fx);
    sg_setup(fx);
    sg_idt_all(fx, false);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

static void long_mode(Fixture *fx)
{
    fixture_mode_long64(fx);
    sg_setup(fx);
    sg_setup_tss64(fx);
    memset(fx->pm.ram + SG_IDT, 0, 0x1000);
    sg_idt_all(fx, true);
}

static uint64_t rd(Fixture *fx, uint64_t a, unsigned size)
{
    return fixture_read_phys(fx, a, size);
}

static void wr(Fixture *fx, uint64_t a, unsigned size, uint64_t v)
{
    fixture_write_phys(fx, a, size, v);
}

/* Run one instruction placed at FX_CODE. */
static SimStatus run1(Fixture *fx, const char *code, size_t len)
{
    fixture_load_code(fx, code, len);
    return cpu_step(&fx->cpu);
}

/* Run one instruction placed at `at` (CS base 0). */
static SimStatus run_at(Fixture *fx, uint64_t at, const char *code, size_t len)
{
    physmem_write_buf(&fx->pm, at, code, len);
    fx->cpu.rip = at;
    return cpu_step(&fx->cpu);
}

static void to_cpl3(Fixture *fx, bool wide)
{
    sg_load(fx, SEG_SS, SEL_DATA32_3 | 3);
    sg_load(fx, SEG_CS, (wide ? SEL_CODE64_3 : SEL_CODE32_3) | 3);
    fx->cpu.gpr[R_RSP] = SG_STACK3;
    assert_int_equal(fx->cpu.cpl, 3);
}

/* Expect the exception `vector` to have been delivered (IDT entry points
 * of sys_gdt.h). */
static void assert_delivered(Fixture *fx, unsigned vector)
{
    assert_int_equal(fx->cpu.rip, sg_handler(vector));
}

/* SDM Vol.2 JMP, real-address mode: CS = selector, base = selector << 4. */
static void test_far_jmp_real_mode(void **state)
{
    Fixture *fx = *state;
    fixture_mode_real(fx);
    assert_int_equal(run1(fx, "\xea\x00\x01\x00\x20", 5), ST_OK);
    assert_int_equal(fx->cpu.seg[SEG_CS].sel, 0x2000);
    assert_int_equal(fx->cpu.seg[SEG_CS].base, 0x20000);
    assert_int_equal(fx->cpu.rip, 0x100);
}

/* SDM Vol.3 5.8.1, 5.8.2: a direct far JMP needs a nonconforming segment
 * with DPL = CPL (RPL <= CPL) or a conforming one with DPL <= CPL; the
 * offset must be within the limit; not present is #NP. */
static void test_far_jmp_protected_checks(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    assert_int_equal(run1(fx, "\xea\x00\x30\x00\x00\x48\x00", 7), ST_OK);
    assert_int_equal(cpu->rip, 0x3000);
    assert_int_equal(cpu->seg[SEG_CS].sel, SEL_CODE_CONF);
    assert_int_equal(cpu->cpl, 0);

    uint64_t esp = cpu->gpr[R_RSP];
    assert_int_equal(run1(fx, "\xea\x00\x30\x00\x00\x23\x00", 7), ST_OK);
    assert_delivered(fx, EXC_GP);
    assert_int_equal(rd(fx, esp - 16, 4), SEL_CODE32_3);

    cpu->gpr[R_RSP] = esp;
    assert_int_equal(run1(fx, "\xea\x00\x30\x00\x00\x10\x00", 7), ST_OK);
    assert_delivered(fx, EXC_GP);
    assert_int_equal(rd(fx, esp - 16, 4), SEL_DATA32);

    cpu->gpr[R_RSP] = esp;
    assert_int_equal(run1(fx, "\xea\x00\x00\x01\x00\x98\x00", 7), ST_OK);
    assert_delivered(fx, EXC_GP);                   /* beyond the 64 KiB limit */
    assert_int_equal(rd(fx, esp - 16, 4), 0);

    cpu->gpr[R_RSP] = esp;
    sg_write_gdt(fx, SEL_CODE16, sg_desc(0, 0xffff, 0x1b, 0));
    assert_int_equal(run1(fx, "\xea\x00\x30\x00\x00\x98\x00", 7), ST_OK);
    assert_delivered(fx, EXC_NP);
    assert_int_equal(rd(fx, esp - 16, 4), SEL_CODE16);
}

/* SDM Vol.2 CALL/RET far, same privilege: CS and EIP pushed, popped back;
 * RET imm16 releases parameters. A 16-bit target runs 16-bit code. */
static void test_far_call_and_retf_same_level(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t esp = cpu->gpr[R_RSP];
    assert_int_equal(run1(fx, "\x9a\x00\x30\x00\x00\x08\x00", 7), ST_OK);
    assert_int_equal(cpu->rip, 0x3000);
    assert_int_equal(cpu->gpr[R_RSP], esp - 8);
    assert_int_equal(rd(fx, esp - 8, 4), FX_CODE + 7);
    assert_int_equal(rd(fx, esp - 4, 4), SEL_CODE32);
    assert_int_equal(run_at(fx, 0x3000, "\xca\x08\x00", 3), ST_OK);
    assert_int_equal(cpu->rip, FX_CODE + 7);
    assert_int_equal(cpu->gpr[R_RSP], esp + 8);

    assert_int_equal(run1(fx, "\x9a\x00\x30\x00\x00\x98\x00", 7), ST_OK);
    assert_int_equal(cpu->code_size, 2);
    /* o32 retf from the 16-bit segment pops the 32-bit frame */
    assert_int_equal(run_at(fx, 0x3000, "\x66\xcb", 2), ST_OK);
    assert_int_equal(cpu->code_size, 4);
    assert_int_equal(cpu->rip, FX_CODE + 7);
}

/* SDM Vol.3 5.8.5: CALL through a call gate to a more privileged level
 * switches to the TSS stack, pushes SS:ESP, copies the gate's parameter
 * count and pushes CS:EIP; RET imm16 back to the outer level pops the
 * parameters on both stacks and nulls more privileged data segments. */
static void test_call_gate_inner_level_and_retf_outer(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    to_cpl3(fx, false);
    cpu->gpr[R_RSP] = SG_STACK3 - 8;
    wr(fx, SG_STACK3 - 8, 4, 0x1111);
    wr(fx, SG_STACK3 - 4, 4, 0x2222);
    assert_int_equal(run1(fx, "\x9a\x00\x00\x00\x00\x80\x00", 7), ST_OK);
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(cpu->rip, SG_HANDLER);
    assert_int_equal(cpu->seg[SEG_SS].sel, SEL_DATA32);
    assert_int_equal(cpu->gpr[R_RSP], SG_STACK0 - 24);
    assert_int_equal(rd(fx, SG_STACK0 - 4, 4), SEL_DATA32_3 | 3);
    assert_int_equal(rd(fx, SG_STACK0 - 8, 4), SG_STACK3 - 8);
    assert_int_equal(rd(fx, SG_STACK0 - 12, 4), 0x2222);
    assert_int_equal(rd(fx, SG_STACK0 - 16, 4), 0x1111);
    assert_int_equal(rd(fx, SG_STACK0 - 20, 4), SEL_CODE32_3 | 3);
    assert_int_equal(rd(fx, SG_STACK0 - 24, 4), FX_CODE + 7);

    assert_int_equal(run_at(fx, SG_HANDLER, "\xca\x08\x00", 3), ST_OK);
    assert_int_equal(cpu->cpl, 3);
    assert_int_equal(cpu->rip, FX_CODE + 7);
    assert_int_equal(cpu->gpr[R_RSP], SG_STACK3);
    assert_int_equal(cpu->seg[SEG_SS].sel, SEL_DATA32_3 | 3);
    assert_true(cpu->seg[SEG_DS].ar & AR_UNUSABLE);
    assert_int_equal(cpu->seg[SEG_DS].sel, 0);
}

/* SDM Vol.3 5.8.3: a call gate whose DPL is below CPL is #GP(gate). */
static void test_call_gate_dpl_below_cpl_is_gp(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    sg_write_gdt(fx, SEL_GATE32, sg_gate_lo(SEL_CODE32, SG_HANDLER, DESC_CALL32, 0, 0));
    to_cpl3(fx, false);
    assert_int_equal(run1(fx, "\x9a\x00\x00\x00\x00\x80\x00", 7), ST_OK);
    assert_delivered(fx, EXC_GP);
    assert_int_equal(rd(fx, SG_STACK0 - 24, 4), SEL_GATE32);
    assert_int_equal(cpu->cpl, 0);
}

/* SDM Vol.3 5.8.5.1 (IA-32e mode): a 64-bit call gate to CPL 0 loads a
 * null SS, RSP0 from the TSS, and pushes 8-byte SS, RSP, CS, RIP; RETF
 * with REX.W returns to 64-bit CPL 3. */
static void test_64bit_call_gate_and_retfq(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    long_mode(fx);
    to_cpl3(fx, true);
    wr(fx, FX_DATA, 4, 0);
    wr(fx, FX_DATA + 4, 2, SEL_GATE64 | 3);
    /* call far [FX_DATA] (FF /3, m16:32) */
    assert_int_equal(run1(fx, "\xff\x1c\x25\x00\x00\x20\x00", 7), ST_OK);
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(cpu->mode, MODE_LONG64);
    assert_int_equal(cpu->rip, SG_HANDLER);
    assert_int_equal(cpu->seg[SEG_SS].sel, 0);
    assert_int_equal(cpu->gpr[R_RSP], SG_STACK0 - 32);
    assert_int_equal(rd(fx, SG_STACK0 - 8, 8), SEL_DATA32_3 | 3);
    assert_int_equal(rd(fx, SG_STACK0 - 16, 8), SG_STACK3);
    assert_int_equal(rd(fx, SG_STACK0 - 24, 8), SEL_CODE64_3 | 3);
    assert_int_equal(rd(fx, SG_STACK0 - 32, 8), FX_CODE + 7);

    assert_int_equal(run_at(fx, SG_HANDLER, "\x48\xcb", 2), ST_OK);
    assert_int_equal(cpu->cpl, 3);
    assert_int_equal(cpu->mode, MODE_LONG64);
    assert_int_equal(cpu->rip, FX_CODE + 7);
    assert_int_equal(cpu->gpr[R_RSP], SG_STACK3);
    assert_int_equal(cpu->seg[SEG_SS].sel, SEL_DATA32_3 | 3);
}

/* SDM Vol.2 IRET, same privilege: EIP, CS, EFLAGS popped. */
static void test_iret_same_level(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t esp = cpu->gpr[R_RSP] - 12;
    cpu->gpr[R_RSP] = esp;
    wr(fx, esp, 4, 0x3000);
    wr(fx, esp + 4, 4, SEL_CODE32);
    wr(fx, esp + 8, 4, RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_CF);
    assert_int_equal(run1(fx, "\xcf", 1), ST_OK);
    assert_int_equal(cpu->rip, 0x3000);
    assert_int_equal(cpu->gpr[R_RSP], esp + 12);
    assert_int_equal(cpu->rflags, RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_CF);
}

/* SDM Vol.2 IRET, RETURN-TO-OUTER-PRIVILEGE-LEVEL: SS:ESP popped too; at
 * CPL 3 with IOPL 0, IRET changes neither IF nor IOPL. IRET also ends NMI
 * blocking (SDM Vol.3 6.7.1). */
static void test_iret_outer_level_and_flag_privileges(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t esp = cpu->gpr[R_RSP] - 20;
    cpu->gpr[R_RSP] = esp;
    cpu->nmi_blocked = true;
    wr(fx, esp, 4, 0x3000);
    wr(fx, esp + 4, 4, SEL_CODE32_3 | 3);
    wr(fx, esp + 8, 4, RFLAGS_FIXED1 | RFLAGS_IF);
    wr(fx, esp + 12, 4, SG_STACK3);
    wr(fx, esp + 16, 4, SEL_DATA32_3 | 3);
    assert_int_equal(run1(fx, "\xcf", 1), ST_OK);
    assert_false(cpu->nmi_blocked);
    assert_int_equal(cpu->cpl, 3);
    assert_int_equal(cpu->rip, 0x3000);
    assert_int_equal(cpu->gpr[R_RSP], SG_STACK3);
    assert_true(cpu->seg[SEG_DS].ar & AR_UNUSABLE);

    esp = SG_STACK3 - 12;
    cpu->gpr[R_RSP] = esp;
    wr(fx, esp, 4, 0x3100);
    wr(fx, esp + 4, 4, SEL_CODE32_3 | 3);
    wr(fx, esp + 8, 4, RFLAGS_FIXED1 | RFLAGS_IOPL | RFLAGS_ZF);
    assert_int_equal(run_at(fx, 0x3000, "\xcf", 1), ST_OK);
    assert_int_equal(cpu->rip, 0x3100);
    assert_int_equal(cpu->rflags, RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_ZF);
}

/* SDM Vol.3 6.14.3: IRETQ in 64-bit mode always pops SS:RSP; a null SS is
 * allowed when returning to 64-bit code at CPL < 3. */
static void test_iretq_pops_ss_rsp(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    long_mode(fx);
    uint64_t rsp = cpu->gpr[R_RSP] - 40;
    cpu->gpr[R_RSP] = rsp;
    wr(fx, rsp, 8, 0x3000);
    wr(fx, rsp + 8, 8, SEL_CODE64);
    wr(fx, rsp + 16, 8, RFLAGS_FIXED1 | RFLAGS_SF);
    wr(fx, rsp + 24, 8, 0x123450);
    wr(fx, rsp + 32, 8, 0);
    assert_int_equal(run1(fx, "\x48\xcf", 2), ST_OK);
    assert_int_equal(cpu->rip, 0x3000);
    assert_int_equal(cpu->gpr[R_RSP], 0x123450);
    assert_true(cpu->seg[SEG_SS].ar & AR_UNUSABLE);
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(cpu->rflags, RFLAGS_FIXED1 | RFLAGS_SF);
}

/* SDM Vol.2 IRET, RETURN-TO-VIRTUAL-8086-MODE: at CPL 0 a popped EFLAGS
 * with VM = 1 pops ESP, SS, ES, DS, FS, GS and enters V86 mode. */
static void test_iret_to_v86_mode(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t esp = cpu->gpr[R_RSP] - 36;
    cpu->gpr[R_RSP] = esp;
    static const uint32_t frame[9] = {
        0x10, 0x6000, RFLAGS_FIXED1 | RFLAGS_VM | RFLAGS_IOPL,
        0x100, 0x5000, 0x1000, 0x2000, 0x3000, 0x4000,
    };
    for (unsigned i = 0; i < 9; i++)
        wr(fx, esp + 4 * i, 4, frame[i]);
    assert_int_equal(run1(fx, "\xcf", 1), ST_OK);
    assert_int_equal(cpu->mode, MODE_V86);
    assert_int_equal(cpu->cpl, 3);
    assert_int_equal(cpu->rip, 0x10);
    assert_int_equal(cpu->seg[SEG_CS].base, 0x60000);
    assert_int_equal(cpu->seg[SEG_SS].base, 0x50000);
    assert_int_equal(cpu->seg[SEG_GS].base, 0x40000);
    assert_int_equal(cpu->gpr[R_RSP], 0x100);
}

/* SDM Vol.3 21.2.7: IRET and INT n in V86 mode with IOPL < 3 are #GP(0). */
static void test_v86_iret_and_int_iopl_sensitive(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        seg_load_v86(cpu, s, 0);
    cpu->rflags = RFLAGS_FIXED1 | RFLAGS_VM;
    cpu_update_mode(cpu);
    cpu->gpr[R_RSP] = 0x8000;
    cpu->nmi_blocked = true;
    assert_int_equal(run1(fx, "\xcf", 1), ST_OK);
    assert_delivered(fx, EXC_GP);
    assert_false(cpu->nmi_blocked);
    assert_int_equal(rd(fx, SG_STACK0 - 40, 4), 0);

    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        seg_load_v86(cpu, s, 0);
    cpu->rflags = RFLAGS_FIXED1 | RFLAGS_VM;
    cpu_update_mode(cpu);
    assert_int_equal(run1(fx, "\xcd\x21", 2), ST_OK);
    assert_delivered(fx, EXC_GP);
    assert_int_equal(rd(fx, SG_STACK0 - 36, 4), FX_CODE);
}

static void enter_v86(Cpu *cpu, uint64_t flags)
{
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        seg_load_v86(cpu, s, 0);
    cpu->rflags = RFLAGS_FIXED1 | RFLAGS_VM | flags;
    cpu_update_mode(cpu);
    cpu->gpr[R_RSP] = 0x8000;
}

/* SDM Vol.3 Table 21-2: with CR4.VME, INT n whose redirection bit is clear
 * goes to the 8086 handler in the task's IVT (method 5 at IOPL 3 clears
 * IF; method 6 at IOPL < 3 pushes IOPL 3 and IF = VIF and clears VIF); a
 * set bit at IOPL < 3 is #GP(0) (method 3). A 16-bit IRET at IOPL < 3
 * restores VIF from the popped IF. */
static void test_v86_vme_int_redirection_and_iret(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    cpu_set_cr4(cpu, cpu->cr4 | CR4_VME);
    cpu->seg[SEG_TR].limit = 0x88;
    wr(fx, SG_TSS + 0x66, 2, 0x88);
    wr(fx, SG_TSS + 0x68 + 0x31 / 8, 1, 1u << (0x31 % 8));
    wr(fx, 0x21 * 4, 4, 0x20000100);

    enter_v86(cpu, RFLAGS_IOPL | RFLAGS_IF);
    assert_int_equal(run1(fx, "\xcd\x21", 2), ST_OK);
    assert_int_equal(cpu->seg[SEG_CS].base, 0x20000);
    assert_int_equal(cpu->rip, 0x100);
    assert_int_equal(cpu->gpr[R_RSP], 0x8000 - 6);
    assert_int_equal(rd(fx, 0x7ffa, 2), FX_CODE + 2);
    assert_int_equal(rd(fx, 0x7ffe, 2), RFLAGS_FIXED1 | RFLAGS_IOPL | RFLAGS_IF);
    assert_false(cpu->rflags & RFLAGS_IF);

    enter_v86(cpu, RFLAGS_IF | RFLAGS_VIF);
    assert_int_equal(run1(fx, "\xcd\x21", 2), ST_OK);
    assert_int_equal(cpu->rip, 0x100);
    assert_int_equal(rd(fx, 0x7ffe, 2), RFLAGS_FIXED1 | RFLAGS_IOPL | RFLAGS_IF);
    assert_true(cpu->rflags & RFLAGS_IF);
    assert_false(cpu->rflags & RFLAGS_VIF);

    /* IRET back: VIF from the popped IF; IF and IOPL stay. */
    wr(fx, 0x7ffe, 2, RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_CF);
    wr(fx, 0x20100, 1, 0xcf);                   /* iret at 2000:0100 */
    assert_int_equal(cpu_step(cpu), ST_OK);
    assert_int_equal(cpu->rip, FX_CODE + 2);
    assert_int_equal(cpu->seg[SEG_CS].base, 0);
    assert_true(cpu->rflags & RFLAGS_VIF);
    assert_true(cpu->rflags & RFLAGS_CF);
    assert_false(cpu->rflags & RFLAGS_IOPL);

    /* Popped IF = 1 while VIP is pending: #GP(0). */
    enter_v86(cpu, RFLAGS_VIP);
    wr(fx, 0x8004, 2, RFLAGS_FIXED1 | RFLAGS_IF);
    assert_int_equal(run1(fx, "\xcf", 1), ST_OK);
    assert_delivered(fx, EXC_GP);

    enter_v86(cpu, 0);
    assert_int_equal(run1(fx, "\xcd\x31", 2), ST_OK);
    assert_delivered(fx, EXC_GP);
}

/* SDM Vol.2 IRET, real-address mode: IP, CS, FLAGS popped. */
static void test_iret_real_mode(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_real(fx);
    cpu->gpr[R_RSP] = 0x7000;
    wr(fx, 0x7000, 2, 0x0123);
    wr(fx, 0x7002, 2, 0x0200);
    wr(fx, 0x7004, 2, RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_DF);
    assert_int_equal(run1(fx, "\xcf", 1), ST_OK);
    assert_int_equal(cpu->rip, 0x123);
    assert_int_equal(cpu->seg[SEG_CS].base, 0x2000);
    assert_int_equal(cpu->rflags, RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_DF);
    assert_int_equal(cpu->gpr[R_RSP], 0x7006);
}

/* SDM Vol.2 INT n/INTO/INT3: traps that return to the next instruction;
 * INTO only when OF = 1. */
static void test_int_n_int3_into(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    sg_idt_gate(fx, 0x80, SEL_CODE32, 0x7000, DESC_TRAP32, 3, 0, false);
    sg_idt_gate(fx, EXC_BP, SEL_CODE32, sg_handler(EXC_BP), DESC_INT32, 3, 0, false);
    uint64_t esp = cpu->gpr[R_RSP];
    assert_int_equal(run1(fx, "\xcd\x80", 2), ST_OK);
    assert_int_equal(cpu->rip, 0x7000);
    assert_int_equal(rd(fx, esp - 12, 4), FX_CODE + 2);

    cpu->gpr[R_RSP] = esp;
    assert_int_equal(run1(fx, "\xce", 1), ST_OK);
    assert_int_equal(cpu->rip, FX_CODE + 1);
    cpu->rflags |= RFLAGS_OF;
    assert_int_equal(run1(fx, "\xce", 1), ST_OK);
    assert_delivered(fx, EXC_OF);
    assert_int_equal(rd(fx, esp - 12, 4), FX_CODE + 1);

    to_cpl3(fx, false);
    assert_int_equal(run1(fx, "\xcc", 1), ST_OK);
    assert_delivered(fx, EXC_BP);
    assert_int_equal(rd(fx, SG_STACK0 - 20, 4), FX_CODE + 1);
}

static void syscall_msrs(Cpu *cpu)
{
    cpu->msr.star = (0x20ull << 48) | ((uint64_t)SEL_CODE64 << 32);
    cpu->msr.lstar = 0x7000;
    cpu->msr.fmask = RFLAGS_IF | RFLAGS_TF;
}

/* SDM Vol.2 SYSCALL and SYSRET: RCX/R11 hold RIP/RFLAGS, FMASK clears
 * flags, CS/SS come from STAR; SYSRET with REX.W returns to 64-bit CPL 3. */
static void test_syscall_sysret_round_trip(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    long_mode(fx);
    syscall_msrs(cpu);
    to_cpl3(fx, true);
    cpu->rflags = RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_CF;
    assert_int_equal(run1(fx, "\x0f\x05", 2), ST_OK);
    assert_int_equal(cpu->rip, 0x7000);
    assert_int_equal(cpu->gpr[R_RCX], FX_CODE + 2);
    assert_int_equal(cpu->gpr[R_R11], RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_CF);
    assert_int_equal(cpu->rflags, RFLAGS_FIXED1 | RFLAGS_CF);
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(cpu->mode, MODE_LONG64);
    assert_int_equal(cpu->seg[SEG_CS].sel, SEL_CODE64);
    assert_int_equal(cpu->seg[SEG_SS].sel, SEL_CODE64 + 8);

    assert_int_equal(run_at(fx, 0x7000, "\x48\x0f\x07", 3), ST_OK);
    assert_int_equal(cpu->rip, FX_CODE + 2);
    assert_int_equal(cpu->cpl, 3);
    assert_int_equal(cpu->mode, MODE_LONG64);
    assert_int_equal(cpu->seg[SEG_CS].sel, 0x33);
    assert_int_equal(cpu->seg[SEG_SS].sel, 0x2b);
    assert_int_equal(cpu->rflags, RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_CF);

    /* Without REX.W SYSRET enters compatibility mode at STAR[63:48]. */
    cpu->gpr[R_RCX] = 0xffffffff00001000ull;
    sg_load(fx, SEG_SS, SEL_DATA32);
    sg_load(fx, SEG_CS, SEL_CODE64);
    assert_int_equal(run_at(fx, 0x7000, "\x0f\x07", 2), ST_OK);
    assert_int_equal(cpu->mode, MODE_COMPAT);
    assert_int_equal(cpu->rip, 0x1000);
    assert_int_equal(cpu->seg[SEG_CS].sel, 0x23);
}

/* SYSCALL is #UD with EFER.SCE = 0 or outside 64-bit mode (Intel); SYSRET
 * is #GP(0) at CPL > 0 and, on Intel, with a non-canonical RCX. */
static void test_syscall_sysret_faults(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    long_mode(fx);
    syscall_msrs(cpu);
    cpu_set_efer(cpu, cpu->efer & ~EFER_SCE);
    assert_int_equal(run1(fx, "\x0f\x05", 2), ST_OK);
    assert_delivered(fx, EXC_UD);
    cpu_set_efer(cpu, cpu->efer | EFER_SCE);

    cpu->gpr[R_RCX] = 0x0000800000000000ull;
    assert_int_equal(run1(fx, "\x48\x0f\x07", 3), ST_OK);
    assert_delivered(fx, EXC_GP);
    assert_int_equal(cpu->cpl, 0);

    to_cpl3(fx, true);
    cpu->gpr[R_RCX] = 0x1000;
    assert_int_equal(run1(fx, "\x48\x0f\x07", 3), ST_OK);
    assert_delivered(fx, EXC_GP);

    sg_load(fx, SEG_SS, SEL_DATA32);
    sg_load(fx, SEG_CS, SEL_CODE32);
    assert_int_equal(cpu->mode, MODE_COMPAT);
    assert_int_equal(run1(fx, "\x0f\x05", 2), ST_OK);
    assert_delivered(fx, EXC_UD);
}

/* SDM Vol.2 SYSENTER/SYSEXIT: flat CPL-0 segments from SYSENTER_CS, IF and
 * VM cleared; SYSEXIT returns to SYSENTER_CS + 16/24 with ECX/EDX;
 * SYSENTER_CS = 0 is #GP(0). */
static void test_sysenter_sysexit(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    cpu->msr.sysenter_cs = SEL_CODE32;
    cpu->msr.sysenter_esp = SG_STACK0;
    cpu->msr.sysenter_eip = 0x7000;
    to_cpl3(fx, false);
    cpu->rflags = RFLAGS_FIXED1 | RFLAGS_IF;
    assert_int_equal(run1(fx, "\x0f\x34", 2), ST_OK);
    assert_int_equal(cpu->rip, 0x7000);
    assert_int_equal(cpu->gpr[R_RSP], SG_STACK0);
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(cpu->seg[SEG_CS].sel, SEL_CODE32);
    assert_int_equal(cpu->seg[SEG_SS].sel, SEL_CODE32 + 8);
    assert_false(cpu->rflags & RFLAGS_IF);

    cpu->gpr[R_RCX] = SG_STACK3;
    cpu->gpr[R_RDX] = FX_CODE + 2;
    assert_int_equal(run_at(fx, 0x7000, "\x0f\x35", 2), ST_OK);
    assert_int_equal(cpu->cpl, 3);
    assert_int_equal(cpu->rip, FX_CODE + 2);
    assert_int_equal(cpu->gpr[R_RSP], SG_STACK3);
    assert_int_equal(cpu->seg[SEG_CS].sel, (SEL_CODE32 + 16) | 3);
    assert_int_equal(cpu->seg[SEG_SS].sel, (SEL_CODE32 + 24) | 3);
    assert_int_equal(cpu->code_size, 4);

    cpu->msr.sysenter_cs = 0;
    assert_int_equal(run1(fx, "\x0f\x34", 2), ST_OK);
    assert_delivered(fx, EXC_GP);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_far_jmp_real_mode),
        T(test_far_jmp_protected_checks),
        T(test_far_call_and_retf_same_level),
        T(test_call_gate_inner_level_and_retf_outer),
        T(test_call_gate_dpl_below_cpl_is_gp),
        T(test_64bit_call_gate_and_retfq),
        T(test_iret_same_level),
        T(test_iret_outer_level_and_flag_privileges),
        T(test_iretq_pops_ss_rsp),
        T(test_iret_to_v86_mode),
        T(test_v86_iret_and_int_iopl_sensitive),
        T(test_v86_vme_int_redirection_and_iret),
        T(test_iret_real_mode),
        T(test_int_n_int3_into),
        T(test_syscall_sysret_round_trip),
        T(test_syscall_sysret_faults),
        T(test_sysenter_sysexit),
    };
#undef T
    return cmocka_run_group_tests_name("far", tests, NULL, NULL);
}
