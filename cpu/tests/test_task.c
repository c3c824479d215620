/*
 * cpu/tests/test_task.c: hardware task switching (cpu/task.c) through CALL,
 * JMP, IRET with NT = 1 and an IDT task gate, against SDM Vol.3 8.3 "Task
 * Switching" (Tables 8-1 and 8-2) and 8.4 "Task Linking".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>

#include "cpu/deliver.h"
#include "cpu/tests/sys_gdt.h"

#define SEL_TASK2 0xb0              /* a second 32-bit TSS, available */
#define SEL_TASKGATE 0xb8           /* task gate (GDT) for SEL_TASK2 */
#define TSS2 (SG_TSS + 0x100)

static int setup(void **state)
{
    Fixture *fx = fixture_new();
    fixture_mode_prot32(fx);
    sg_setup(fx);
    sg_idt_all(fx, false);
    sg_write_gdt(fx, SEL_TASK2, sg_desc(TSS2, 0x67, 0x89, 0));
    sg_write_gdt(fx, SEL_TASKGATE, sg_gate_lo(SEL_TASK2, 0, DESC_TASK, 0, 0));
    fx->cpu.gdtr.limit = SEL_TASKGATE + 7;
    /* The new task: EIP 7000H, flat ring-0 segments, its own stack. */
    fixture_write_phys(fx, TSS2 + 32, 4, 0x7000);
    fixture_write_phys(fx, TSS2 + 36, 4, RFLAGS_FIXED1);
    fixture_write_phys(fx, TSS2 + 40, 4, 0x55);                 /* EAX */
    fixture_write_phys(fx, TSS2 + 56, 4, SG_STACK1);            /* ESP */
    static const uint16_t segs[6] = { SEL_DATA32, SEL_CODE32, SEL_DATA32,
                                      SEL_DATA32, SEL_DATA32, SEL_DATA32 };
    for (unsigned i = 0; i < 6; i++)
        fixture_write_phys(fx, TSS2 + 72 + 4 * i, 4, segs[i]);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

static uint64_t rd(Fixture *fx, uint64_t a, unsigned size)
{
    return fixture_read_phys(fx, a, size);
}

static unsigned gdt_type(Fixture *fx, uint16_t sel)
{
    return (unsigned)rd(fx, SG_GDT + sel + 5, 1) & 0xf;
}

static SimStatus run_at(Fixture *fx, uint64_t at, const char *code, size_t len)
{
    physmem_write_buf(&fx->pm, at, code, len);
    fx->cpu.rip = at;
    return cpu_step(&fx->cpu);
}

/* Table 8-2: CALL sets the new task busy, NT in its EFLAGS, and its
 * previous-task link; the old task stays busy and its state is saved; IRET
 * with NT = 1 returns to the linked task and clears the left task's busy
 * flag. CR0.TS is set by every switch. */
static void test_call_to_tss_nests_and_iret_returns(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    cpu->gpr[R_RAX] = 0x1111;
    assert_int_equal(run_at(fx, FX_CODE, "\x9a\x00\x00\x00\x00\xb0\x00", 7), ST_OK);
    assert_int_equal(cpu->rip, 0x7000);
    assert_int_equal(cpu->gpr[R_RAX], 0x55);
    assert_int_equal(cpu->gpr[R_RSP], SG_STACK1);
    assert_int_equal(cpu->seg[SEG_TR].sel, SEL_TASK2);
    assert_true(cpu->rflags & RFLAGS_NT);
    assert_true(cpu->cr0 & CR0_TS);
    assert_int_equal(rd(fx, TSS2, 2), SEL_TSS32);
    assert_int_equal(gdt_type(fx, SEL_TASK2), DESC_TSS32_BUSY);
    assert_int_equal(gdt_type(fx, SEL_TSS32), DESC_TSS32_BUSY);
    assert_int_equal(rd(fx, SG_TSS + 32, 4), FX_CODE + 7);      /* saved EIP */
    assert_int_equal(rd(fx, SG_TSS + 40, 4), 0x1111);           /* saved EAX */

    assert_int_equal(run_at(fx, 0x7000, "\xcf", 1), ST_OK);
    assert_int_equal(cpu->rip, FX_CODE + 7);
    assert_int_equal(cpu->gpr[R_RAX], 0x1111);
    assert_int_equal(cpu->seg[SEG_TR].sel, SEL_TSS32);
    assert_int_equal(gdt_type(fx, SEL_TASK2), DESC_TSS32_AVAIL);
    /* The left task's saved EFLAGS has NT cleared. */
    assert_false(rd(fx, TSS2 + 36, 4) & RFLAGS_NT);
    assert_int_equal(rd(fx, TSS2 + 32, 4), 0x7001);
}

/* Table 8-2: JMP through a task gate clears the old task's busy flag and
 * does not nest; a JMP to a busy TSS is #GP(selector). */
static void test_jmp_through_task_gate_and_busy_tss(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    assert_int_equal(run_at(fx, FX_CODE, "\xea\x00\x00\x00\x00\xb8\x00", 7), ST_OK);
    assert_int_equal(cpu->rip, 0x7000);
    assert_false(cpu->rflags & RFLAGS_NT);
    assert_int_equal(gdt_type(fx, SEL_TSS32), DESC_TSS32_AVAIL);
    assert_int_equal(gdt_type(fx, SEL_TASK2), DESC_TSS32_BUSY);

    uint64_t esp = cpu->gpr[R_RSP];
    assert_int_equal(run_at(fx, 0x7000, "\xea\x00\x00\x00\x00\xb0\x00", 7), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_GP));
    assert_int_equal(rd(fx, esp - 16, 4), SEL_TASK2);
}

/* SDM Vol.3 6.11: an exception through an IDT task gate switches tasks
 * with nesting and pushes its error code on the new task's stack. */
static void test_idt_task_gate_pushes_error_code(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    sg_idt_gate(fx, EXC_DF, SEL_TASK2, 0, DESC_TASK, 0, 0, false);
    assert_int_equal(cpu_deliver_event(cpu, EV_EXCEPTION, EXC_DF, true, 0), ST_OK);
    assert_int_equal(cpu->rip, 0x7000);
    assert_int_equal(cpu->seg[SEG_TR].sel, SEL_TASK2);
    assert_true(cpu->rflags & RFLAGS_NT);
    assert_int_equal(cpu->gpr[R_RSP], SG_STACK1 - 4);
    assert_int_equal(rd(fx, SG_STACK1 - 4, 4), 0);
    assert_int_equal(rd(fx, TSS2, 2), SEL_TSS32);
}

/* Table 8-1: a TSS limit below 67H is #TS(selector). */
static void test_short_tss_limit_is_ts(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    sg_write_gdt(fx, SEL_TASK2, sg_desc(TSS2, 0x60, 0x89, 0));
    uint64_t esp = cpu->gpr[R_RSP];
    assert_int_equal(run_at(fx, FX_CODE, "\x9a\x00\x00\x00\x00\xb0\x00", 7), ST_OK);
    assert_int_equal(cpu->rip, sg_handler(EXC_TS));
    assert_int_equal(rd(fx, esp - 16, 4), SEL_TASK2);
    assert_int_equal(cpu->seg[SEG_TR].sel, SEL_TSS32);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_call_to_tss_nests_and_iret_returns),
        T(test_jmp_through_task_gate_and_busy_tss),
        T(test_idt_task_gate_pushes_error_code),
        T(test_short_tss_limit_is_ts),
    };
#undef T
    return cmocka_run_group_tests_name("task", tests, NULL, NULL);
}
