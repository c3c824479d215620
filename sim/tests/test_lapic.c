/*
 * sim/tests/test_lapic.c: the local APIC (sim/devices/lapic.c) on a real
 * Machine with the skylake-server CPU model: register semantics, priority
 * and EOI, timer expiry times in simulated cycles, ICR delivery, the
 * IA32_APIC_BASE transitions and the x2APIC MSR access rules. Section
 * numbers are SDM Vol.3 (325462-075) ch. 10 "Advanced Programmable
 * Interrupt Controller (APIC)".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "cpu/msr.h"
#include "sim/cpu_model_load.h"
#include "sim/machine.h"

#define BASE 0xfee00000ull

static Machine *new_machine(unsigned ncpus)
{
    MachineConfig mc = { 0 };
    mc.ram_size = 64ull << 20;
    mc.ncpus = ncpus;
    CpuModel model = { 0 };
    GError *err = NULL;
    assert_true(cpu_model_load("skylake-server", "skylake-server", &model, &err));
    Machine *m = machine_new(&mc, &model, &err);
    assert_non_null(m);
    for (unsigned i = 0; i < ncpus; i++) {
        cpu_reset(&m->cpus[i]);
        lapic_reset(&m->lapics.apic[i]);
    }
    m->lapics.current = &m->cpus[0];
    return m;
}

static int setup4(void **state)
{
    *state = new_machine(4);
    return 0;
}

static int teardown(void **state)
{
    machine_free(*state);
    return 0;
}

static uint32_t rd(Machine *m, unsigned cpu, uint32_t off)
{
    m->lapics.current = &m->cpus[cpu];
    return (uint32_t)physmem_read(&m->pm, BASE + off, 4);
}

static void wr(Machine *m, unsigned cpu, uint32_t off, uint32_t v)
{
    m->lapics.current = &m->cpus[cpu];
    physmem_write(&m->pm, BASE + off, 4, v);
}

static void sw_enable(Machine *m, unsigned cpu)
{
    wr(m, cpu, 0xf0, 0x1ff);
}

/* Acknowledge the pending interrupt of APIC i and retire it (EOI). */
static int take(Machine *m, unsigned i)
{
    int v = lapic_intr_pending(&m->lapics.apic[i], true);
    wr(m, i, 0xb0, 0);
    return v;
}

/* 10.4.7.1 "Local APIC State After Power-Up or Reset". */
static void test_reset_state_rule(void **state)
{
    Machine *m = *state;
    assert_int_equal(rd(m, 2, 0x20), 2u << 24);
    assert_int_equal(rd(m, 0, 0x30), 0x00050014);
    assert_int_equal(rd(m, 0, 0xf0), 0xff);
    assert_int_equal(rd(m, 0, 0xe0), 0xffffffffu);
    assert_int_equal(rd(m, 0, 0xd0), 0);
    for (uint32_t off = 0x320; off <= 0x370; off += 0x10)
        assert_int_equal(rd(m, 0, off), 0x10000);
    assert_int_equal(rd(m, 0, 0x380), 0);
    assert_int_equal(m->cpus[0].msr.apic_base, 0xfee00900ull);
    assert_int_equal(m->cpus[1].msr.apic_base, 0xfee00800ull);
}

/* 10.8.3.1 "Task and Processor Priorities", 10.8.4, 10.8.5: PPR from TPR
 * and ISRV; only a class above PPR is delivered; acknowledge moves the
 * vector IRR -> ISR; EOI retires the highest in-service vector. */
static void test_priority_and_eoi_rule(void **state)
{
    Machine *m = *state;
    Lapic *l = &m->lapics.apic[0];
    sw_enable(m, 0);
    wr(m, 0, 0x300, 0x00040031);            /* self IPI, fixed, 31H */
    wr(m, 0, 0x300, 0x00040045);
    assert_int_equal(rd(m, 0, 0x200 + 0x10 * 1), 1u << 0x11);   /* IRR[63:32] */
    assert_int_equal(lapic_intr_pending(l, true), 0x45);
    assert_int_equal(rd(m, 0, 0x100 + 0x10 * 2), 1u << 5);      /* ISR bit 45H */
    assert_int_equal(rd(m, 0, 0xa0), 0x40);
    /* 31H is below the in-service class 4. */
    assert_int_equal(lapic_intr_pending(l, false), -1);
    wr(m, 0, 0xb0, 0);
    assert_int_equal(rd(m, 0, 0xa0), 0);
    /* TPR class 3 blocks class 3. */
    wr(m, 0, 0x80, 0x35);
    assert_int_equal(rd(m, 0, 0xa0), 0x35);
    assert_int_equal(lapic_intr_pending(l, false), -1);
    wr(m, 0, 0x80, 0x20);
    assert_int_equal(lapic_intr_pending(l, true), 0x31);
}

/* 10.8.6.1: CR8 is TPR[7:4]. */
static void test_cr8_is_tpr_rule(void **state)
{
    Machine *m = *state;
    wr(m, 0, 0x80, 0x5a);
    assert_int_equal(m->cpus[0].cr8, 5);
    m->cpus[0].cr8 = 0x9;
    assert_int_equal(rd(m, 0, 0x80), 0x90);
}

/* 10.5.2/10.5.3: vectors 0-15 are illegal; ESR shows errors after a
 * write; the error LVT raises its vector. */
static void test_illegal_vector_sets_esr_rule(void **state)
{
    Machine *m = *state;
    sw_enable(m, 0);
    wr(m, 0, 0x370, 0xe0);                  /* LVT error unmasked, vector E0H */
    wr(m, 0, 0x300, 0x00040005);            /* self IPI vector 5 */
    assert_int_equal(rd(m, 0, 0x280), 0);
    wr(m, 0, 0x280, 0);
    assert_int_equal(rd(m, 0, 0x280), 0x20);
    assert_int_equal(lapic_intr_pending(&m->lapics.apic[0], false), 0xe0);
    wr(m, 0, 0x280, 0);
    assert_int_equal(rd(m, 0, 0x280), 0);
}

/* 10.4.7.2: a software-disabled APIC keeps LVT entries masked and does
 * not accept fixed interrupts, but still takes NMI. */
static void test_software_disable_rule(void **state)
{
    Machine *m = *state;
    wr(m, 1, 0x320, 0x40);
    assert_int_equal(rd(m, 1, 0x320), 0x10040);
    sw_enable(m, 0);
    wr(m, 0, 0x310, 1u << 24);
    wr(m, 0, 0x300, 0x40);                  /* fixed 40H to APIC 1 */
    assert_int_equal(rd(m, 1, 0x200 + 0x20), 0);
    wr(m, 0, 0x300, 0x400);                 /* NMI to APIC 1 */
    assert_true(m->cpus[1].nmi_pending);
    sw_enable(m, 1);
    wr(m, 0, 0x300, 0x40);
    assert_int_equal(rd(m, 1, 0x200 + 0x20), 1);
}

/* 10.5.4 "APIC Timer": one-shot fires initial count x divisor cycles
 * after the write; the current count runs down with it. */
static void test_timer_oneshot_fires_at_programmed_cycle_rule(void **state)
{
    Machine *m = *state;
    Cpu *cpu = &m->cpus[0];
    Lapic *l = &m->lapics.apic[0];
    sw_enable(m, 0);
    cpu->cycles = 1000;
    wr(m, 0, 0x3e0, 0x1);                   /* divide by 4 */
    wr(m, 0, 0x320, 0x50);                  /* one-shot, vector 50H */
    wr(m, 0, 0x380, 100);
    assert_int_equal(lapic_next_event(l), 1400);
    cpu->cycles = 1399;
    assert_int_equal(rd(m, 0, 0x390), 1);
    assert_int_equal(lapic_intr_pending(l, false), -1);
    cpu->cycles = 1400;
    assert_int_equal(lapic_intr_pending(l, true), 0x50);
    assert_int_equal(rd(m, 0, 0x390), 0);
    assert_int_equal(lapic_next_event(l), UINT64_MAX);
}

/* Periodic mode reloads from the initial count (divide by 1: 111b). */
static void test_timer_periodic_reloads_rule(void **state)
{
    Machine *m = *state;
    Cpu *cpu = &m->cpus[0];
    Lapic *l = &m->lapics.apic[0];
    sw_enable(m, 0);
    cpu->cycles = 0;
    wr(m, 0, 0x3e0, 0xb);
    wr(m, 0, 0x320, 0x20051);               /* periodic, vector 51H */
    wr(m, 0, 0x380, 300);
    cpu->cycles = 299;
    assert_int_equal(lapic_intr_pending(l, false), -1);
    cpu->cycles = 300;
    assert_int_equal(lapic_intr_pending(l, true), 0x51);
    assert_int_equal(lapic_next_event(l), 600);
    cpu->cycles = 450;
    assert_int_equal(rd(m, 0, 0x390), 150);
    wr(m, 0, 0xb0, 0);
    cpu->cycles = 600;
    assert_int_equal(lapic_intr_pending(l, true), 0x51);
    /* Writing 0 stops it. */
    wr(m, 0, 0x380, 0);
    assert_int_equal(lapic_next_event(l), UINT64_MAX);
}

/* 10.5.4.1 "TSC-Deadline Mode": fires when the TSC reaches
 * IA32_TSC_DEADLINE, which then reads 0; the initial count is ignored;
 * a mode change disarms. */
static void test_timer_tsc_deadline_rule(void **state)
{
    Machine *m = *state;
    Cpu *cpu = &m->cpus[0];
    Lapic *l = &m->lapics.apic[0];
    uint64_t v;
    sw_enable(m, 0);
    cpu->cycles = 5000;
    /* Ignored outside TSC-deadline mode. */
    assert_int_equal(msr_write(cpu, MSR_IA32_TSC_DEADLINE, 9999), ST_OK);
    assert_int_equal(msr_read(cpu, MSR_IA32_TSC_DEADLINE, &v), ST_OK);
    assert_int_equal(v, 0);
    wr(m, 0, 0x320, 0x40052);               /* TSC-deadline, vector 52H */
    wr(m, 0, 0x380, 10);
    assert_int_equal(rd(m, 0, 0x380), 0);
    assert_int_equal(msr_write(cpu, MSR_IA32_TSC_DEADLINE, msr_tsc(cpu) + 700), ST_OK);
    assert_int_equal(lapic_next_event(l), 5700);
    cpu->cycles = 5699;
    assert_int_equal(lapic_intr_pending(l, false), -1);
    cpu->cycles = 5700;
    assert_int_equal(lapic_intr_pending(l, true), 0x52);
    assert_int_equal(msr_read(cpu, MSR_IA32_TSC_DEADLINE, &v), ST_OK);
    assert_int_equal(v, 0);
    /* Re-arm, then change the mode: disarmed. */
    assert_int_equal(msr_write(cpu, MSR_IA32_TSC_DEADLINE, msr_tsc(cpu) + 10), ST_OK);
    wr(m, 0, 0x320, 0x52);
    assert_int_equal(lapic_next_event(l), UINT64_MAX);
}

/* 10.6.2.1/10.6.2.2: physical, logical flat and cluster destinations;
 * 10.6.2.3 shorthands. */
static void test_icr_destinations_rule(void **state)
{
    Machine *m = *state;
    for (unsigned i = 0; i < 4; i++)
        sw_enable(m, i);
    /* Physical: APIC 2. */
    wr(m, 0, 0x310, 2u << 24);
    wr(m, 0, 0x300, 0x61);
    assert_int_equal(take(m, 2), 0x61);
    assert_int_equal(lapic_intr_pending(&m->lapics.apic[1], false), -1);
    /* Logical flat: LDR bits 1 << i; MDA 0AH = APICs 1 and 3. */
    for (unsigned i = 0; i < 4; i++)
        wr(m, i, 0xd0, (1u << i) << 24);
    wr(m, 0, 0x310, 0x0au << 24);
    wr(m, 0, 0x300, 0x862);
    assert_int_equal(take(m, 1), 0x62);
    assert_int_equal(take(m, 3), 0x62);
    assert_int_equal(lapic_intr_pending(&m->lapics.apic[2], false), -1);
    /* Logical cluster: cluster 1 member 2 = APIC 2 only. */
    static const uint32_t cluster_ldr[4] = { 0x01, 0x02, 0x12, 0x11 };
    for (unsigned i = 0; i < 4; i++) {
        wr(m, i, 0xe0, 0x0fffffff);
        wr(m, i, 0xd0, cluster_ldr[i] << 24);
    }
    assert_int_equal(rd(m, 2, 0xe0), 0x0fffffff);
    wr(m, 0, 0x310, 0x12u << 24);
    wr(m, 0, 0x300, 0x863);
    assert_int_equal(take(m, 2), 0x63);
    assert_int_equal(lapic_intr_pending(&m->lapics.apic[0], false), -1);
    /* All excluding self. */
    wr(m, 1, 0x300, 0xc0064);
    assert_int_equal(lapic_intr_pending(&m->lapics.apic[1], false), -1);
    for (unsigned i = 0; i < 4; i += 2)
        assert_int_equal(take(m, i), 0x64);
    assert_int_equal(take(m, 3), 0x64);
}

/* 10.6.2.4: lowest priority goes to the target with the lowest APR. */
static void test_lowest_priority_rule(void **state)
{
    Machine *m = *state;
    for (unsigned i = 0; i < 4; i++) {
        sw_enable(m, i);
        wr(m, i, 0x80, 0x80);
    }
    wr(m, 3, 0x80, 0x10);
    wr(m, 0, 0x300, 0x80171);               /* all incl. self, lowest prio */
    assert_int_equal(lapic_intr_pending(&m->lapics.apic[3], false), 0x71);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(rd(m, i, 0x200 + 0x70), 0);
}

/* INIT resets the target's APIC and puts an AP in wait-for-SIPI; STARTUP
 * starts it in real mode at vector << 12 (10.6.1, 8.4.3). */
static void test_init_sipi_rule(void **state)
{
    Machine *m = *state;
    Cpu *ap = &m->cpus[1];
    ap->activity = CPU_ACTIVE;
    sw_enable(m, 1);
    wr(m, 0, 0x310, 1u << 24);
    wr(m, 0, 0x300, 0x4500);                /* INIT, assert */
    assert_int_equal(ap->activity, CPU_WAIT_SIPI);
    assert_int_equal(rd(m, 1, 0xf0), 0xff);
    assert_int_equal(rd(m, 1, 0x20), 1u << 24);
    wr(m, 0, 0x300, 0x4608);                /* STARTUP, vector 08H */
    assert_int_equal(ap->activity, CPU_ACTIVE);
    assert_int_equal(ap->seg[SEG_CS].base, 0x8000);
    assert_int_equal(ap->seg[SEG_CS].sel, 0x0800);
    assert_int_equal(ap->rip, 0);
    assert_int_equal(ap->mode, MODE_REAL);
}

/* SMI is not implemented: a clean stop, not a crash. */
static void test_smi_ipi_stops_rule(void **state)
{
    Machine *m = *state;
    wr(m, 0, 0x310, 1u << 24);
    wr(m, 0, 0x300, 0x200);
    assert_non_null(m->lapics.stop_reason);
    assert_non_null(strstr(m->lapics.stop_reason, "SMI IPI"));
}

/* 10.12.2: x2APIC MSRs are #GP(0) outside x2APIC mode. */
static void test_x2apic_msr_gp_in_xapic_mode_rule(void **state)
{
    Machine *m = *state;
    Cpu *cpu = &m->cpus[0];
    uint64_t v;
    assert_int_equal(msr_read(cpu, 0x802, &v), ST_FAULT);
    assert_int_equal(cpu->fault.vector, EXC_GP);
    assert_int_equal(msr_write(cpu, 0x808, 0), ST_FAULT);
}

/* 10.12.5 "x2APIC State Transitions". */
static void test_apic_base_transitions_rule(void **state)
{
    Machine *m = *state;
    Cpu *cpu = &m->cpus[1];
    uint64_t x2 = 0xfee00c00ull, xa = 0xfee00800ull, off = 0xfee00000ull;
    uint64_t v;
    /* EN=0, EXTD=1 invalid. */
    assert_int_equal(msr_write(cpu, MSR_IA32_APIC_BASE, 0xfee00400ull), ST_FAULT);
    /* xAPIC -> x2APIC, logical ID derived (10.12.10.2). */
    assert_int_equal(msr_write(cpu, MSR_IA32_APIC_BASE, x2), ST_OK);
    assert_int_equal(msr_read(cpu, 0x802, &v), ST_OK);
    assert_int_equal(v, 1);
    assert_int_equal(msr_read(cpu, 0x80d, &v), ST_OK);
    assert_int_equal(v, 0x2);
    /* x2APIC -> xAPIC is illegal. */
    assert_int_equal(msr_write(cpu, MSR_IA32_APIC_BASE, xa), ST_FAULT);
    /* x2APIC -> disabled, then disabled -> x2APIC is illegal. */
    assert_int_equal(msr_write(cpu, MSR_IA32_APIC_BASE, off), ST_OK);
    assert_int_equal(msr_write(cpu, MSR_IA32_APIC_BASE, x2), ST_FAULT);
    assert_int_equal(msr_write(cpu, MSR_IA32_APIC_BASE, xa), ST_OK);
    assert_int_equal(msr_read(cpu, MSR_IA32_APIC_BASE, &v), ST_OK);
    assert_int_equal(v, xa);
    /* BSP is read-only. */
    assert_int_equal(msr_write(cpu, MSR_IA32_APIC_BASE, xa | 0x100), ST_OK);
    assert_int_equal(msr_read(cpu, MSR_IA32_APIC_BASE, &v), ST_OK);
    assert_int_equal(v, xa);
}

/* Table 10-6 and 10.12.1.3 "Reserved Bit Checking". */
static void test_x2apic_access_rules_rule(void **state)
{
    Machine *m = *state;
    Cpu *cpu = &m->cpus[0];
    uint64_t v;
    assert_int_equal(msr_write(cpu, MSR_IA32_APIC_BASE, 0xfee00d00ull), ST_OK);
    assert_int_equal(msr_read(cpu, 0x80b, &v), ST_FAULT);     /* EOI write-only */
    assert_int_equal(msr_write(cpu, 0x80b, 1), ST_FAULT);     /* EOI non-zero */
    assert_int_equal(msr_write(cpu, 0x80b, 0), ST_OK);
    assert_int_equal(msr_write(cpu, 0x802, 0), ST_FAULT);     /* ID read-only */
    assert_int_equal(msr_write(cpu, 0x80d, 0), ST_FAULT);     /* LDR read-only */
    assert_int_equal(msr_read(cpu, 0x80e, &v), ST_FAULT);     /* no DFR */
    assert_int_equal(msr_read(cpu, 0x831, &v), ST_FAULT);     /* no ICR high */
    assert_int_equal(msr_read(cpu, 0x809, &v), ST_FAULT);     /* no APR */
    assert_int_equal(msr_write(cpu, 0x808, 0x100), ST_FAULT); /* TPR 31:8 */
    assert_int_equal(msr_write(cpu, 0x808, 1ull << 32), ST_FAULT);
    assert_int_equal(msr_write(cpu, 0x828, 1), ST_FAULT);     /* ESR non-zero */
    assert_int_equal(msr_read(cpu, 0x83f, &v), ST_FAULT);     /* SELF IPI */
    assert_int_equal(msr_read(cpu, 0x803, &v), ST_OK);
    assert_int_equal(v, 0x00050014);
    /* The xAPIC page is gone in x2APIC mode. */
    assert_int_equal(rd(m, 0, 0x30), 0xffffffffu);
    /* SELF IPI and the 64-bit ICR. */
    assert_int_equal(msr_write(cpu, 0x80f, 0x1ff), ST_OK);
    assert_int_equal(msr_write(cpu, 0x83f, 0x77), ST_OK);
    assert_int_equal(lapic_intr_pending(&m->lapics.apic[0], true), 0x77);
    assert_int_equal(msr_write(cpu, 0x830, (3ull << 32) | 0x4400), ST_OK);   /* NMI to 3 */
    assert_true(m->cpus[3].nmi_pending);
    assert_int_equal(msr_read(cpu, 0x830, &v), ST_OK);
    assert_int_equal(v, (3ull << 32) | 0x4400);
    assert_int_equal(msr_write(cpu, 0x830, 0x1000), ST_FAULT);   /* bit 12 */
}

/* 10.4.5 "Relocating the Local APIC Registers". */
static void test_apic_base_relocation_rule(void **state)
{
    Machine *m = *state;
    Cpu *cpu = &m->cpus[0];
    assert_int_equal(msr_write(cpu, MSR_IA32_APIC_BASE, 0xfeb00900ull), ST_OK);
    m->lapics.current = cpu;
    assert_int_equal((uint32_t)physmem_read(&m->pm, 0xfeb00030, 4), 0x00050014);
    assert_int_equal((uint32_t)physmem_read(&m->pm, BASE + 0x30, 4), 0xffffffffu);
    /* Over RAM: refused cleanly. */
    assert_int_equal(msr_write(cpu, MSR_IA32_APIC_BASE, 0x00100900ull), ST_STOP);
}

/* STYLE 3: the register table. Offsets are 16-byte aligned, unique and in
 * the page; only the ICR is wider than 32 bits in x2APIC mode; an x2APIC
 * register with write access has writable bits unless its only legal
 * value is 0 (EOI, ESR); the MSR of each is 800H + offset / 10H. */
static void test_register_table_rule(void **state)
{
    static const struct { unsigned off, xa, x2; uint64_t wm; const char *name; } rows[] = {
#define R 1
#define W 2
#define RW 3
#define LAPIC_REG(name, offset, xapic, x2apic, x2_wmask) \
        { offset, xapic, x2apic, x2_wmask, #name },
#include "sim/devices/lapic_regs.def"
#undef R
#undef W
#undef RW
    };
    bool seen[0x40] = { false };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(rows[i].off & 0xf, 0);
        assert_true(rows[i].off < 0x400);
        assert_false(seen[rows[i].off >> 4]);
        seen[rows[i].off >> 4] = true;
        assert_true(rows[i].xa || rows[i].x2);
        if (strcmp(rows[i].name, "ICR_LO") != 0)
            assert_int_equal(rows[i].wm >> 32, 0);
        if ((rows[i].x2 & 2) == 0)
            assert_int_equal(rows[i].wm, 0);
    }
    assert_int_equal(LAPIC_ICR_LO + 0x800, 0x830);
    assert_int_equal(LAPIC_SELF_IPI + 0x800, 0x83f);
    assert_int_equal(LAPIC_TDCR + 0x800, 0x83e);
}

static unsigned eoi_seen[256];

static void count_eoi(void *opaque, uint8_t vector)
{
    eoi_seen[vector]++;
}

/* 10.8.4/10.8.5: a level-triggered interrupt sets its TMR bit, and its
 * EOI is broadcast to the I/O APICs; an edge one's is not. */
static void test_level_eoi_broadcast_rule(void **state)
{
    Machine *m = *state;
    memset(eoi_seen, 0, sizeof eoi_seen);
    m->lapics.eoi_broadcast = count_eoi;
    sw_enable(m, 1);
    ApicMsg msg = { .dest = 1, .mode = APIC_DM_FIXED, .vector = 0x91,
                    .level = true, .assert = true, .source = -1 };
    assert_int_equal(lapic_send(&m->lapics, &msg), ST_OK);
    msg.vector = 0x81;
    msg.level = false;
    assert_int_equal(lapic_send(&m->lapics, &msg), ST_OK);
    assert_int_equal(rd(m, 1, 0x180 + 0x40), 1u << 0x11);     /* TMR bit 91H */
    assert_int_equal(take(m, 1), 0x91);
    assert_int_equal(eoi_seen[0x91], 1);
    assert_int_equal(take(m, 1), 0x81);
    assert_int_equal(eoi_seen[0x81], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_table_rule),
        cmocka_unit_test_setup_teardown(test_level_eoi_broadcast_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_reset_state_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_priority_and_eoi_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_cr8_is_tpr_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_illegal_vector_sets_esr_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_software_disable_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_timer_oneshot_fires_at_programmed_cycle_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_timer_periodic_reloads_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_timer_tsc_deadline_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_icr_destinations_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_lowest_priority_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_init_sipi_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_smi_ipi_stops_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_x2apic_msr_gp_in_xapic_mode_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_apic_base_transitions_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_x2apic_access_rules_rule, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_apic_base_relocation_rule, setup4, teardown),
    };
    return cmocka_run_group_tests_name("lapic", tests, NULL, NULL);
}
