/*
 * cpu/tests/test_deliver.c: exception and interrupt delivery (cpu/deliver.c)
 * against SDM Vol.3 ch. 6: the real-mode IVT (21.1.4), protected-mode gates
 * with and without a privilege change (6.12.1), delivery out of V86 mode
 * (21.3.1.1), IA-32e gates with IST and stack alignment (6.14), error codes
 * and the EXT bit (6.13), RF in the pushed RFLAGS (18.3.1.1), #DF and the
 * triple fault (6.15 Interrupt 8, Table 6-5) and the choice of NMI or
 * INTR between instructions (6.7.1, 6.8.3, 6.9).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "cpu/deliver.h"
#include "cpu/fault.h"
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

static void to_cpl3(Fixture *fx, bool wide)
{
    sg_load(fx, SEG_SS, SEL_DATA32_3 | 3);
    sg_load(fx, SEG_CS, (wide ? SEL_CODE64_3 : SEL_CODE32_3) | 3);
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        if (s != SEG_CS && s != SEG_SS)
            sg_load(fx, s, SEL_DATA32_3 | 3);
    fx->cpu.gpr[R_RSP] = SG_STACK3;
    assert_int_equal(fx->cpu.cpl, 3);
}

/* SDM Vol.3 21.1.4, Vol.2 INT n REAL-ADDRESS-MODE: CS:IP from the IVT;
 * FLAGS, CS, IP pushed; IF, TF, AC cleared; no error code. */
static void test_real_mode_ivt_delivery(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_real(fx);
    fixture_write_phys(fx, 0x21 * 4, 2, 0x0100);
    fixture_write_phys(fx, 0x21 * 4 + 2, 2, 0x2000);
    cpu->seg[SEG_CS].sel = 0x0050;
    cpu->seg[SEG_CS].base = 0x500;
    cpu->rip = 0x10;
    cpu->next_rip = 0x12;
    cpu->rflags = RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_TF | RFLAGS_CF;
    assert_int_equal(cpu_deliver_event(cpu, EV_SOFTWARE_INT, 0x21, false, 0), ST_OK);
    assert_int_equal(cpu->rip, 0x100);
    assert_int_equal(cpu->seg[SEG_CS].sel, 0x2000);
    assert_int_equal(cpu->seg[SEG_CS].base, 0x20000);
    assert_int_equal(cpu->gpr[R_RSP], 0x8000 - 6);
    assert_int_equal(rd(fx, 0x7ffa, 2), 0x12);
    assert_int_equal(rd(fx, 0x7ffc, 2), 0x0050);
    assert_int_equal(rd(fx, 0x7ffe, 2), RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_TF | RFLAGS_CF);
    assert_int_equal(cpu->rflags, RFLAGS_FIXED1 | RFLAGS_CF);

    /* A fault with an error code pushes none in real mode, and the stack
     * pointer wraps within the 64 KiB segment. */
    fixture_write_phys(fx, EXC_GP * 4, 4, 0x30000400);
    cpu->gpr[R_RSP] = 0;
    assert_int_equal(cpu_gp(cpu, 0), ST_FAULT);
    assert_int_equal(cpu_deliver_fault(cpu), ST_OK);
    assert_int_equal(cpu->gpr[R_RSP], 0xfffa);
    assert_int_equal(cpu->rip, 0x400);
}

/* SDM Vol.3 6.12.1: same-level delivery through an interrupt gate pushes
 * EFLAGS, CS, EIP and the error code, and clears IF; a fault pushes RF = 1
 * (18.3.1.1) and the address of the faulting instruction. */
static void test_same_level_interrupt_gate_frame(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t esp = cpu->gpr[R_RSP];
    cpu->rip = FX_CODE;
    cpu->rflags |= RFLAGS_IF;
    assert_int_equal(cpu_gp(cpu, 0x1234), ST_FAULT);
    assert_int_equal(cpu_deliver_fault(cpu), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_GP));
    assert_int_equal(cpu->next_rip, sg_handler(EXC_GP));
    assert_int_equal(cpu->gpr[R_RSP], esp - 16);
    assert_int_equal(rd(fx, esp - 16, 4), 0x1234);
    assert_int_equal(rd(fx, esp - 12, 4), FX_CODE);
    assert_int_equal(rd(fx, esp - 8, 4), SEL_CODE32);
    assert_int_equal(rd(fx, esp - 4, 4), RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_RF);
    assert_false(cpu->rflags & RFLAGS_IF);
    assert_int_equal(cpu->delivering, -1);
}

/* A trap gate leaves IF set; INT n returns to the next instruction and
 * does not set RF. */
static void test_trap_gate_keeps_if_int_pushes_next_rip(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    sg_idt_gate(fx, 0x80, SEL_CODE32, 0x7000, DESC_TRAP32, 3, 0, false);
    uint64_t esp = cpu->gpr[R_RSP];
    cpu->rip = FX_CODE;
    cpu->next_rip = FX_CODE + 2;
    cpu->rflags |= RFLAGS_IF;
    assert_int_equal(cpu_deliver_event(cpu, EV_SOFTWARE_INT, 0x80, false, 0), ST_OK);
    assert_int_equal(cpu->rip, 0x7000);
    assert_true(cpu->rflags & RFLAGS_IF);
    assert_int_equal(cpu->gpr[R_RSP], esp - 12);
    assert_int_equal(rd(fx, esp - 12, 4), FX_CODE + 2);
    assert_int_equal(rd(fx, esp - 4, 4), RFLAGS_FIXED1 | RFLAGS_IF);
}

/* SDM Vol.3 6.12.1: to a more privileged handler the processor takes
 * SS0:ESP0 from the TSS and pushes the old SS:ESP first. */
static void test_privilege_change_uses_tss_stack(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    to_cpl3(fx, false);
    sg_idt_gate(fx, 0x40, SEL_CODE32, 0x7000, DESC_INT32, 0, 0, false);
    cpu->rip = 0x1234;
    cpu->rflags |= RFLAGS_IF;
    assert_int_equal(cpu_deliver_event(cpu, EV_EXTERNAL, 0x40, false, 0), ST_OK);
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(cpu->seg[SEG_SS].sel, SEL_DATA32);
    assert_int_equal(cpu->seg[SEG_CS].sel, SEL_CODE32);
    assert_int_equal(cpu->gpr[R_RSP], SG_STACK0 - 20);
    assert_int_equal(rd(fx, SG_STACK0 - 4, 4), SEL_DATA32_3 | 3);
    assert_int_equal(rd(fx, SG_STACK0 - 8, 4), SG_STACK3);
    assert_int_equal(rd(fx, SG_STACK0 - 16, 4), SEL_CODE32_3 | 3);
    assert_int_equal(rd(fx, SG_STACK0 - 20, 4), 0x1234);
    /* Delivery to a DPL-1 handler uses SS1:ESP1. */
    to_cpl3(fx, false);
    sg_idt_gate(fx, 0x41, SEL_CODE32_1, 0x7100, DESC_INT32, 0, 0, false);
    assert_int_equal(cpu_deliver_event(cpu, EV_EXTERNAL, 0x41, false, 0), ST_OK);
    assert_int_equal(cpu->cpl, 1);
    assert_int_equal(cpu->gpr[R_RSP], SG_STACK1 - 20);
}

/* SDM Vol.3 6.12.1.1: INT n through a gate with DPL < CPL is
 * #GP(vector * 8 + 2), EXT = 0; the #GP returns to the INT itself. INT1
 * (ICEBP) skips the check. */
static void test_software_int_gate_dpl_check(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    to_cpl3(fx, false);
    sg_idt_gate(fx, 0x41, SEL_CODE32, 0x7000, DESC_INT32, 0, 0, false);
    cpu->rip = 0x1234;
    cpu->next_rip = 0x1236;
    assert_int_equal(cpu_deliver_event(cpu, EV_SOFTWARE_INT, 0x41, false, 0), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_GP));
    assert_int_equal(rd(fx, SG_STACK0 - 24, 4), 0x41 * 8 + 2);
    assert_int_equal(rd(fx, SG_STACK0 - 20, 4), 0x1234);

    to_cpl3(fx, false);
    cpu->rip = 0x1234;
    cpu->next_rip = 0x1235;
    assert_int_equal(cpu_deliver_event(cpu, EV_PRIV_SOFTWARE_EXC, EXC_DB, false, 0), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_DB));
    assert_int_equal(rd(fx, SG_STACK0 - 20, 4), 0x1235);
}

/* SDM Vol.3 6.13: a not-present gate is #NP(vector * 8 + 2 + EXT); an
 * IDT limit violation #GP(vector * 8 + 2 + EXT). #UD then #NP is handled
 * serially (benign first, Table 6-5). */
static void test_gate_not_present_and_idt_limit_error_codes(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t esp = cpu->gpr[R_RSP];
    fixture_write_phys(fx, SG_IDT + 8 * EXC_UD + 4, 4,
                       rd(fx, SG_IDT + 8 * EXC_UD + 4, 4) & ~0x8000u);
    assert_int_equal(cpu_ud(cpu), ST_FAULT);
    assert_int_equal(cpu_deliver_fault(cpu), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_NP));
    assert_int_equal(rd(fx, esp - 16, 4), EXC_UD * 8 + 3);

    cpu->gpr[R_RSP] = esp;
    cpu->idtr.limit = 0x50 * 8 + 6;
    assert_int_equal(cpu_deliver_event(cpu, EV_EXTERNAL, 0x50, false, 0), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_GP));
    assert_int_equal(rd(fx, esp - 16, 4), 0x50 * 8 + 3);
}

/* SDM Vol.3 6.12.1, Vol.2 INT n: a stack segment from the TSS that fails
 * the checks (here RPL 1 with DPL 0 for a DPL-1 handler) is
 * #TS(SS selector + EXT), delivered normally when its own handler's stack
 * is sound. */
static void test_bad_tss_stack_segment_is_ts(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    to_cpl3(fx, false);
    fixture_write_phys(fx, SG_TSS + 16, 2, SEL_DATA32 | 1);
    sg_idt_gate(fx, 0x41, SEL_CODE32_1, 0x7100, DESC_INT32, 0, 0, false);
    assert_int_equal(cpu_deliver_event(cpu, EV_EXTERNAL, 0x41, false, 0), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_TS));
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(rd(fx, SG_STACK0 - 24, 4), SEL_DATA32 | 1);
}

/* SDM Vol.3 6.12.1: a 16-bit gate pushes FLAGS, CS and IP as words. */
static void test_16bit_gate_pushes_words(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    sg_idt_gate(fx, 0x42, SEL_CODE16, 0x7000, DESC_INT16, 0, 0, false);
    uint64_t esp = cpu->gpr[R_RSP];
    cpu->rip = 0x1234;
    assert_int_equal(cpu_deliver_event(cpu, EV_EXTERNAL, 0x42, false, 0), ST_OK);
    assert_int_equal(cpu->gpr[R_RSP], esp - 6);
    assert_int_equal(rd(fx, esp - 6, 2), 0x1234);
    assert_int_equal(rd(fx, esp - 4, 2), SEL_CODE32);
    assert_int_equal(cpu->code_size, 2);
    assert_int_equal(cpu->rip, 0x7000);
}

/* SDM Vol.3 21.3.1.1: out of V86 mode to a DPL-0 handler: GS, FS, DS, ES
 * are pushed above SS:ESP and then nulled; VM is cleared. */
static void test_v86_delivery_pushes_and_nulls_segments(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    cpu->rflags = RFLAGS_FIXED1 | RFLAGS_VM | RFLAGS_IOPL;
    static const uint16_t sel[SEG_GS + 1] = { 0x1000, 0x6000, 0x5000, 0x2000, 0x3000, 0x4000 };
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        seg_load_v86(cpu, s, sel[s]);
    cpu_update_mode(cpu);
    assert_int_equal(cpu->mode, MODE_V86);
    cpu->gpr[R_RSP] = 0x100;
    cpu->rip = 0x20;
    sg_idt_gate(fx, 0x40, SEL_CODE32, 0x7000, DESC_INT32, 0, 0, false);
    assert_int_equal(cpu_deliver_event(cpu, EV_EXTERNAL, 0x40, false, 0), ST_OK);
    assert_int_equal(cpu->mode, MODE_PROT);
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(cpu->gpr[R_RSP], SG_STACK0 - 36);
    assert_int_equal(rd(fx, SG_STACK0 - 4, 4), 0x4000);      /* GS */
    assert_int_equal(rd(fx, SG_STACK0 - 16, 4), 0x1000);     /* ES */
    assert_int_equal(rd(fx, SG_STACK0 - 20, 4), 0x5000);     /* SS */
    assert_int_equal(rd(fx, SG_STACK0 - 24, 4), 0x100);      /* ESP */
    assert_true(rd(fx, SG_STACK0 - 28, 4) & RFLAGS_VM);
    assert_int_equal(rd(fx, SG_STACK0 - 32, 4), 0x6000);     /* CS */
    assert_int_equal(rd(fx, SG_STACK0 - 36, 4), 0x20);
    assert_false(cpu->rflags & RFLAGS_VM);
    for (unsigned s = SEG_ES; s <= SEG_GS; s++) {
        if (s == SEG_CS || s == SEG_SS)
            continue;
        assert_int_equal(cpu->seg[s].sel, 0);
        assert_true(cpu->seg[s].ar & AR_UNUSABLE);
    }
}

/* SDM Vol.3 21.3.1.1: from V86 mode the handler must be DPL 0. */
static void test_v86_delivery_to_dpl3_handler_is_gp(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    cpu->rflags = RFLAGS_FIXED1 | RFLAGS_VM | RFLAGS_IOPL;
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        seg_load_v86(cpu, s, 0x1000);
    cpu_update_mode(cpu);
    sg_idt_gate(fx, 0x40, SEL_CODE32_3 | 3, 0x7000, DESC_INT32, 3, 0, false);
    cpu->gpr[R_RSP] = 0x100;
    assert_int_equal(cpu_deliver_event(cpu, EV_EXTERNAL, 0x40, false, 0), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_GP));
    assert_int_equal(rd(fx, SG_STACK0 - 40, 4), SEL_CODE32_3 | 1);
}

/* SDM Vol.3 4.7: #PF loads CR2 with the faulting linear address. */
static void test_page_fault_writes_cr2(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    assert_int_equal(cpu_pf(cpu, 0xdead000, PFEC_WR), ST_FAULT);
    assert_int_equal(cpu_deliver_fault(cpu), ST_OK);
    assert_int_equal(cpu->cr2, 0xdead000);
    assert_int_equal(cpu->rip, sg_handler(EXC_PF));
}

/* SDM Vol.3 6.15 Table 6-5: a contributory exception while delivering a
 * contributory one gives #DF with error code 0. */
static void test_contributory_pair_gives_double_fault(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    uint64_t esp = cpu->gpr[R_RSP];
    /* #GP's gate is not present: #NP while delivering #GP. */
    fixture_write_phys(fx, SG_IDT + 8 * EXC_GP + 4, 4,
                       rd(fx, SG_IDT + 8 * EXC_GP + 4, 4) & ~0x8000u);
    assert_int_equal(cpu_gp(cpu, 0), ST_FAULT);
    assert_int_equal(cpu_deliver_fault(cpu), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_DF));
    assert_int_equal(rd(fx, esp - 16, 4), 0);
    assert_int_equal(cpu->delivering, -1);
}

/* Table 6-5: a page fault while delivering a page fault gives #DF; an IST
 * stack lets #DF be delivered when the current stack is unmapped. */
static void test_page_fault_during_page_fault_gives_double_fault(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    long_mode(fx);
    sg_idt_gate(fx, EXC_DF, SEL_CODE64, sg_handler(EXC_DF), DESC_INT32, 0, 1, true);
    cpu->gpr[R_RSP] = 0x40001000;           /* beyond the 1 GiB identity map */
    assert_int_equal(cpu_pf(cpu, 0x1234, 0), ST_FAULT);
    assert_int_equal(cpu_deliver_fault(cpu), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_DF));
    assert_int_equal(cpu->gpr[R_RSP], SG_IST1 - 48);
    assert_int_equal(rd(fx, SG_IST1 - 48, 8), 0);
    /* CR2 reports the second (stack) fault. */
    assert_true(cpu->cr2 >= 0x40000000 && cpu->cr2 < 0x40001000);
}

/* SDM Vol.3 6.15 Interrupt 8: a fault while delivering #DF shuts the
 * processor down (triple fault). */
static void test_fault_during_double_fault_shuts_down(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    long_mode(fx);
    cpu->gpr[R_RSP] = 0x40001000;
    uint64_t rip = cpu->rip;
    assert_int_equal(cpu_pf(cpu, 0x1234, 0), ST_FAULT);
    assert_int_equal(cpu_deliver_fault(cpu), ST_SHUTDOWN);
    assert_int_equal(cpu->activity, CPU_SHUTDOWN);
    assert_non_null(cpu->stop_reason);
    assert_non_null(strstr(cpu->stop_reason, "triple fault"));
    assert_non_null(strstr(cpu->stop_reason, "#PF"));
    assert_int_equal(cpu->rip, rip);
}

/* SDM Vol.3 6.14.2, 6.14.4: IA-32e delivery aligns RSP to 16, always
 * pushes SS:RSP, and on a privilege change loads a null SS whose RPL is
 * the new CPL. */
static void test_ia32e_privilege_change_null_ss_and_alignment(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    long_mode(fx);
    fixture_write_phys(fx, SG_TSS + 4, 8, SG_STACK0 - 8);
    to_cpl3(fx, true);
    cpu->rip = 0x401000;
    assert_int_equal(cpu_gp(cpu, 0x10), ST_FAULT);
    assert_int_equal(cpu_deliver_fault(cpu), ST_OK);
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(cpu->mode, MODE_LONG64);
    assert_int_equal(cpu->seg[SEG_SS].sel, 0);
    assert_true(cpu->seg[SEG_SS].ar & AR_UNUSABLE);
    uint64_t top = SG_STACK0 - 16;
    assert_int_equal(cpu->gpr[R_RSP], top - 48);
    assert_int_equal(rd(fx, top - 8, 8), SEL_DATA32_3 | 3);
    assert_int_equal(rd(fx, top - 16, 8), SG_STACK3);
    assert_int_equal(rd(fx, top - 32, 8), SEL_CODE64_3 | 3);
    assert_int_equal(rd(fx, top - 40, 8), 0x401000);
    assert_int_equal(rd(fx, top - 48, 8), 0x10);
}

/* SDM Vol.3 6.14.5: a gate's IST index switches stacks even without a
 * privilege change; without one, the current RSP is aligned down. */
static void test_ia32e_ist_and_same_level_alignment(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    long_mode(fx);
    cpu->gpr[R_RSP] = FX_STACK_TOP - 8;
    assert_int_equal(cpu_deliver_event(cpu, EV_NMI, EXC_NMI, false, 0), ST_OK);
    assert_int_equal(cpu->gpr[R_RSP], FX_STACK_TOP - 16 - 40);
    assert_int_equal(rd(fx, FX_STACK_TOP - 16 - 32, 8), SEL_CODE64);
    assert_int_equal(rd(fx, FX_STACK_TOP - 16 - 8, 8), SEL_DATA32);
    sg_idt_gate(fx, 0x41, SEL_CODE64, 0x7000, DESC_INT32, 0, 1, true);
    assert_int_equal(cpu_deliver_event(cpu, EV_EXTERNAL, 0x41, false, 0), ST_OK);
    assert_int_equal(cpu->gpr[R_RSP], SG_IST1 - 40);
    assert_int_equal(cpu->rip, 0x7000);
}

/* SDM Vol.3 6.14.1: the target of a 64-bit gate must be 64-bit code,
 * else #GP(selector + EXT); a non-canonical offset is #GP(EXT). */
static void test_ia32e_gate_target_checks(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    long_mode(fx);
    uint64_t rsp = cpu->gpr[R_RSP] & ~0xfull;
    sg_idt_gate(fx, 0x40, SEL_CODE32, 0x7000, DESC_INT32, 0, 0, true);
    assert_int_equal(cpu_deliver_event(cpu, EV_EXTERNAL, 0x40, false, 0), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_GP));
    assert_int_equal(rd(fx, rsp - 48, 8), SEL_CODE32 | 1);
    cpu->gpr[R_RSP] = rsp;
    sg_idt_gate(fx, 0x40, SEL_CODE64, 0x0000900000000000ull, DESC_INT32, 0, 0, true);
    assert_int_equal(cpu_deliver_event(cpu, EV_EXTERNAL, 0x40, false, 0), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_GP));
    assert_int_equal(rd(fx, rsp - 48, 8), 1);
}

/* ---- between instructions ---- */

typedef struct TestIntr {
    int vector;
    unsigned acks;
} TestIntr;

static int test_intr_pending(void *opaque, Cpu *cpu, bool ack)
{
    TestIntr *t = opaque;
    int v = t->vector;
    if (ack && v >= 0) {
        t->acks++;
        t->vector = -1;
    }
    return v;
}

static const CpuBus test_bus = { .intr_pending = test_intr_pending };

/* SDM Vol.3 6.8.1, 6.9: INTR is taken when IF = 1 and no STI/MOV-SS
 * shadow is active, acknowledged once, and wakes a halted processor. */
static void test_external_interrupt_needs_if_and_no_shadow(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    TestIntr t = { 0x40, 0 };
    cpu->bus = &test_bus;
    cpu->bus_opaque = &t;
    sg_idt_gate(fx, 0x40, SEL_CODE32, 0x7000, DESC_INT32, 0, 0, false);
    cpu->rip = 0x1500;
    assert_int_equal(cpu_check_interrupts(cpu), ST_OK);
    assert_int_equal(t.acks, 0);
    cpu->rflags |= RFLAGS_IF;
    cpu->sti_shadow = true;
    assert_int_equal(cpu_check_interrupts(cpu), ST_OK);
    assert_int_equal(t.acks, 0);
    cpu->sti_shadow = false;
    cpu->activity = CPU_HLT;
    uint64_t esp = cpu->gpr[R_RSP];
    assert_int_equal(cpu_check_interrupts(cpu), ST_OK);
    assert_int_equal(t.acks, 1);
    assert_int_equal(cpu->rip, 0x7000);
    assert_int_equal(cpu->activity, CPU_ACTIVE);
    assert_int_equal(rd(fx, esp - 12, 4), 0x1500);
}

/* SDM Vol.3 6.7.1: an NMI is taken whatever IF says and blocks further
 * NMIs until IRET. */
static void test_nmi_ignores_if_and_blocks_next_nmi(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    cpu->nmi_pending = true;
    assert_int_equal(cpu_check_interrupts(cpu), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_NMI));
    assert_true(cpu->nmi_blocked);
    assert_false(cpu->nmi_pending);
    cpu->nmi_pending = true;
    cpu->rip = 0x1500;
    assert_int_equal(cpu_check_interrupts(cpu), ST_OK);
    assert_int_equal(cpu->rip, 0x1500);
    assert_true(cpu->nmi_pending);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_real_mode_ivt_delivery),
        T(test_same_level_interrupt_gate_frame),
        T(test_trap_gate_keeps_if_int_pushes_next_rip),
        T(test_privilege_change_uses_tss_stack),
        T(test_software_int_gate_dpl_check),
        T(test_gate_not_present_and_idt_limit_error_codes),
        T(test_bad_tss_stack_segment_is_ts),
        T(test_16bit_gate_pushes_words),
        T(test_v86_delivery_pushes_and_nulls_segments),
        T(test_v86_delivery_to_dpl3_handler_is_gp),
        T(test_page_fault_writes_cr2),
        T(test_contributory_pair_gives_double_fault),
        T(test_page_fault_during_page_fault_gives_double_fault),
        T(test_fault_during_double_fault_shuts_down),
        T(test_ia32e_privilege_change_null_ss_and_alignment),
        T(test_ia32e_ist_and_same_level_alignment),
        T(test_ia32e_gate_target_checks),
        T(test_external_interrupt_needs_if_and_no_shadow),
        T(test_nmi_ignores_if_and_blocks_next_nmi),
    };
#undef T
    return cmocka_run_group_tests_name("deliver", tests, NULL, NULL);
}
