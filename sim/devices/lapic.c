/*
 * sim/devices/lapic.c: the local APIC of each vCPU and the APIC bus (see
 * lapic.h). Sections of SDM Vol.3 (325462-075) ch. 10 "Advanced
 * Programmable Interrupt Controller (APIC)":
 *   10.4.3 "Enabling or Disabling the Local APIC", 10.4.4 "Local APIC
 *   Status and Location", 10.4.5 "Relocating the Local APIC Registers",
 *   10.4.7 "Local APIC State" (after reset, software disable, INIT),
 *   10.5.1 "Local Vector Table", 10.5.2 "Valid Interrupt Vectors", 10.5.3
 *   "Error Handling", 10.5.4 "APIC Timer" and 10.5.4.1 "TSC-Deadline
 *   Mode", 10.6 "Issuing Interprocessor Interrupts" (ICR, destinations,
 *   shorthands, lowest priority), 10.8.3.1 "Task and Processor
 *   Priorities", 10.8.4 "Interrupt Acceptance for Fixed Interrupts",
 *   10.8.5 "Signaling Interrupt Servicing Completion", 10.8.6.1
 *   "Interaction of Task Priorities between CR8 and APIC", 10.9 "Spurious
 *   Interrupt", 10.12 "Extended XAPIC (x2APIC)" (MSR access, reserved bit
 *   checking, 10.12.5 "x2APIC State Transitions", 10.12.10 logical
 *   destination mode).
 */
#include "sim/devices/lapic.h"

#include <glib.h>
#include <string.h>

#include "cpu/fault.h"
#include "cpu/msr.h"
#include "vmx/vmx.h"

/* IA32_APIC_BASE (SDM Vol.3 10.4.4, Figure 10-5; 10.12.1 Figure 10-26). */
#define APIC_BASE_BSP  BIT(8)
#define APIC_BASE_EXTD BIT(10)
#define APIC_BASE_EN   BIT(11)

#define MSR_X2APIC_FIRST 0x800u
#define MSR_X2APIC_LAST  0x8ffu

/* Version register (10.4.8 "Local APIC Version Register"): an integrated
 * APIC (version 14H) with six LVT entries (max LVT entry 5). */
#define LAPIC_VERSION_VALUE (0x14u | ((LVT_COUNT - 1u) << 16))

#define SVR_ENABLE   BIT(8)      /* 10.9, Figure 10-23 */
#define SVR_EOI_SUPP BIT(12)
#define LVT_PENDING  BIT(12)     /* delivery status */
#define LVT_MASK     BIT(16)
#define LVT_LEVEL    BIT(15)
#define ICR_LOGICAL  BIT(11)
#define ICR_PENDING  BIT(12)
#define ICR_ASSERT   BIT(14)
#define ICR_LEVEL    BIT(15)

/* ESR bits (10.5.3, Figure 10-9). */
#define ESR_SEND_ILLEGAL BIT(5)
#define ESR_RECV_ILLEGAL BIT(6)
#define ESR_ILLEGAL_REG  BIT(7)

/* LVT timer modes, bits 18:17 (10.5.1, Figure 10-8 "Local Vector Table"). */
enum { TIMER_ONESHOT, TIMER_PERIODIC, TIMER_TSC_DEADLINE };

/* ---- the register table ---- */

enum { ACC_NONE = 0, ACC_R = 1, ACC_W = 2, ACC_RW = 3 };
#define R ACC_R
#define W ACC_W
#define RW ACC_RW

typedef struct LapicRegDesc {
    uint8_t xapic, x2apic;
    uint64_t x2_wmask;
} LapicRegDesc;

static const LapicRegDesc reg_table[0x40] = {
#define LAPIC_REG(name, offset, xa, x2, wm) [(offset) >> 4] = { xa, x2, wm },
#include "sim/devices/lapic_regs.def"
};
#undef R
#undef W
#undef RW

/* ISR, TMR and IRR are eight consecutive registers each. */
static const LapicRegDesc *reg_desc(unsigned reg)
{
    if (reg >= LAPIC_ISR0 && reg < LAPIC_IRR0 + 8)
        reg = reg < LAPIC_TMR0 ? LAPIC_ISR0 : reg < LAPIC_IRR0 ? LAPIC_TMR0 : LAPIC_IRR0;
    return reg < G_N_ELEMENTS(reg_table) ? &reg_table[reg] : &reg_table[0];
}

/* ---- state helpers ---- */

static bool hw_enabled(const Lapic *l)
{
    return (l->cpu->msr.apic_base & APIC_BASE_EN) != 0;
}

bool lapic_x2apic(const Lapic *l)
{
    return (l->cpu->msr.apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
           (APIC_BASE_EN | APIC_BASE_EXTD);
}

static bool sw_enabled(const Lapic *l)
{
    return (l->svr & SVR_ENABLE) != 0;
}

static int highest(const uint32_t r[8])
{
    for (int i = 7; i >= 0; i--)
        if (r[i])
            return i * 32 + 31 - __builtin_clz(r[i]);
    return -1;
}

static void vec_set(uint32_t r[8], unsigned v)
{
    r[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(uint32_t r[8], unsigned v)
{
    r[v >> 5] &= ~(1u << (v & 31));
}

static bool vec_test(const uint32_t r[8], unsigned v)
{
    return (r[v >> 5] >> (v & 31)) & 1;
}

/* 10.8.6.1: CR8 is TPR[7:4]; a MOV to CR8 clears TPR[3:0]. The CPU keeps
 * CR8; the APIC keeps the last TPR written through it. SIMPLIFICATION:
 * a MOV to CR8 of the class TPR already holds keeps TPR[3:0]. */
uint32_t lapic_tpr(const Lapic *l)
{
    uint32_t cr8 = (uint32_t)l->cpu->cr8 & 0xf;
    return (l->tpr >> 4) == cr8 ? l->tpr : cr8 << 4;
}

/* 10.8.3.1: PPR = TPR when TPR[7:4] >= ISRV[7:4], else ISRV[7:4]:0. */
uint32_t lapic_ppr(const Lapic *l)
{
    int isrv = highest(l->isr);
    uint32_t tpr = lapic_tpr(l);
    if (isrv < 0 || (tpr >> 4) >= ((unsigned)isrv >> 4))
        return tpr;
    return (unsigned)isrv & 0xf0;
}

/* 10.6.2.4 "Lowest Priority Delivery Mode", arbitration priority: TPR when
 * TPR[7:4] >= IRRV[7:4] and TPR[7:4] > ISRV[7:4], else the highest class
 * of TPR, ISRV and IRRV, with bits 3:0 zero. */
static uint32_t lapic_apr(const Lapic *l)
{
    uint32_t tpr = lapic_tpr(l);
    int isrv = highest(l->isr), irrv = highest(l->irr);
    uint32_t isr_c = isrv < 0 ? 0 : (unsigned)isrv & 0xf0;
    uint32_t irr_c = irrv < 0 ? 0 : (unsigned)irrv & 0xf0;
    if ((tpr & 0xf0) >= irr_c && (tpr & 0xf0) > isr_c)
        return tpr;
    uint32_t m = tpr & 0xf0;
    if (isr_c > m)
        m = isr_c;
    if (irr_c > m)
        m = irr_c;
    return m;
}

/* 10.12.10.2 "Deriving Logical x2APIC ID from the Local x2APIC ID":
 * cluster ID x2APIC ID[19:4] in LDR[31:16], bit x2APIC ID[3:0] of
 * LDR[15:0]. */
static uint32_t x2apic_ldr(uint32_t id)
{
    return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* ---- acceptance and errors ---- */

static void accept_fixed(Lapic *l, uint8_t vector, bool level);

/* 10.5.3: an error sets its ESR bit (seen after the next ESR write) and
 * raises the error interrupt unless LVT Error is masked. An illegal
 * error vector only records the error, so reporting cannot recurse. */
static void lapic_error(Lapic *l, uint32_t bit)
{
    l->esr_pending |= bit;
    uint32_t lvt = l->lvt[LVT_ERROR];
    if (!(lvt & LVT_MASK) && (lvt & 0xff) >= 16)
        accept_fixed(l, (uint8_t)lvt, false);
}

/* 10.8.4: a fixed interrupt sets its IRR bit and the TMR bit to the
 * trigger mode. 10.5.2: vectors 0-15 are illegal ("Received Illegal
 * Vector"). 10.4.7.2: a software-disabled APIC still responds to NMI,
 * INIT, SMI and SIPI; fixed interrupts are not accepted (Intel parts
 * discard them). */
static void accept_fixed(Lapic *l, uint8_t vector, bool level)
{
    if (!sw_enabled(l))
        return;
    if (vector < 16) {
        lapic_error(l, ESR_RECV_ILLEGAL);
        return;
    }
    vec_set(l->irr, vector);
    if (level)
        vec_set(l->tmr, vector);
    else
        vec_clear(l->tmr, vector);
}

/* ---- reset states ---- */

/* 10.4.7.1 (and 10.12.5.1 "x2APIC States", after RESET): IRR, ISR, TMR,
 * ICR, LDR, TPR, timer counts and divide configuration zero; DFR all
 * ones; LVT entries masked; SVR 000000FFH. The ID is the caller's. */
static void lapic_clear(Lapic *l)
{
    l->tpr = 0;
    l->cpu->cr8 = 0;
    memset(l->irr, 0, sizeof(l->irr));
    memset(l->isr, 0, sizeof(l->isr));
    memset(l->tmr, 0, sizeof(l->tmr));
    l->ldr = lapic_x2apic(l) ? x2apic_ldr(l->cpu->apic_id) : 0;
    l->dfr = 0xffffffffu;
    l->svr = 0xff;
    l->esr = l->esr_pending = 0;
    l->icr_lo = l->icr_hi = 0;
    for (unsigned i = 0; i < LVT_COUNT; i++)
        l->lvt[i] = LVT_MASK;
    l->tmict = 0;
    l->tdcr = 0;
    l->timer_div = 2;
    l->timer_start = l->cpu->cycles;
    l->timer_fire = UINT64_MAX;
    l->tsc_deadline = 0;
}

void lapic_reset(Lapic *l)
{
    l->xapic_id = l->cpu->apic_id & 0xff;
    lapic_clear(l);
}

/* 10.4.7.3 "Local APIC State After an INIT Reset": as after power-up,
 * except that the APIC ID (and the x2APIC mode, held in IA32_APIC_BASE,
 * 10.12.5.1) is kept. */
static void lapic_init_reset(Lapic *l)
{
    lapic_clear(l);
}

void lapic_firmware_setup(Lapic *l)
{
    l->svr = SVR_ENABLE | 0xff;
    l->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
    l->lvt[LVT_LINT1] = APIC_DM_NMI << 8;
}

/* ---- timer (10.5.4) ---- */

static unsigned timer_mode(const Lapic *l)
{
    return (l->lvt[LVT_TIMER] >> 17) & 3;
}

/* Divide configuration, bits 3,1,0 (10.5.4, Figure 10-10): 000b = 2 ...
 * 110b = 128, 111b = 1. */
static uint32_t tdcr_divisor(uint32_t tdcr)
{
    unsigned v = (tdcr & 3) | ((tdcr >> 1) & 4);
    return v == 7 ? 1 : 2u << v;
}

static void timer_expire(Lapic *l)
{
    uint32_t lvt = l->lvt[LVT_TIMER];
    if (!(lvt & LVT_MASK))
        accept_fixed(l, (uint8_t)lvt, false);
}

void lapic_update(Lapic *l)
{
    Cpu *cpu = l->cpu;
    if (timer_mode(l) == TIMER_TSC_DEADLINE) {
        /* 10.5.4.1: the timer fires when the TSC reaches the deadline,
         * and IA32_TSC_DEADLINE then reads 0 (disarmed). */
        if (l->tsc_deadline && msr_tsc(cpu) >= l->tsc_deadline) {
            l->tsc_deadline = 0;
            timer_expire(l);
        }
        return;
    }
    uint64_t now = cpu->cycles;
    if (now < l->timer_fire)
        return;                            /* UINT64_MAX: not armed */
    timer_expire(l);
    if (timer_mode(l) == TIMER_PERIODIC) {
        /* Reload from the initial count; periods the vCPU ran past
         * collapse into the one interrupt already pending. */
        uint64_t period = (uint64_t)l->tmict * l->timer_div;
        uint64_t k = (now - l->timer_fire) / period;
        l->timer_start = l->timer_fire + k * period;
        l->timer_fire = l->timer_start + period;
    } else {
        l->timer_fire = UINT64_MAX;
    }
}

uint64_t lapic_next_event(const Lapic *l)
{
    const Cpu *cpu = l->cpu;
    if (timer_mode(l) != TIMER_TSC_DEADLINE)
        return l->timer_fire;
    if (!l->tsc_deadline)
        return UINT64_MAX;
    uint64_t tsc = msr_tsc(cpu);
    return l->tsc_deadline <= tsc ? cpu->cycles : cpu->cycles + (l->tsc_deadline - tsc);
}

bool lapic_timer_can_wake(const Lapic *l)
{
    /* Its vector must also clear PPR, or the expiry wakes nothing. */
    uint32_t lvt = l->lvt[LVT_TIMER];
    return hw_enabled(l) && sw_enabled(l) && !(lvt & LVT_MASK) &&
           (lvt & 0xf0) > (lapic_ppr(l) & 0xf0) &&
           lapic_next_event(l) != UINT64_MAX;
}

uint32_t lapic_current_count(const Lapic *l)
{
    if (timer_mode(l) == TIMER_TSC_DEADLINE || l->timer_fire == UINT64_MAX)
        return 0;
    uint64_t ticks = (l->cpu->cycles - l->timer_start) / l->timer_div;
    if (timer_mode(l) == TIMER_PERIODIC)
        return l->tmict - (uint32_t)(ticks % l->tmict);
    return ticks >= l->tmict ? 0 : l->tmict - (uint32_t)ticks;
}

/* 10.5.4: writing the initial count starts the count-down (0 stops it).
 * In TSC-deadline mode the write is ignored (10.5.4.1). */
static void write_tmict(Lapic *l, uint32_t v)
{
    if (timer_mode(l) == TIMER_TSC_DEADLINE)
        return;
    l->tmict = v;
    l->timer_div = tdcr_divisor(l->tdcr);
    l->timer_start = l->cpu->cycles;
    l->timer_fire = v ? l->timer_start + (uint64_t)v * l->timer_div : UINT64_MAX;
}

static void write_lvt(Lapic *l, unsigned idx, uint32_t v, uint32_t wmask)
{
    v &= wmask;
    /* 10.4.7.2: while software disabled, the mask bits stay set. */
    if (!sw_enabled(l))
        v |= LVT_MASK;
    if (idx == LVT_TIMER) {
        if (!cpu_has(l->cpu, FEAT_TSC_DEADLINE))
            v &= ~BIT(18);
        /* 10.5.4.1: a write that changes the timer mode disarms the
         * timer (initial count and the deadline cleared). */
        if (((v >> 17) & 3) != timer_mode(l)) {
            l->tmict = 0;
            l->timer_fire = UINT64_MAX;
            l->tsc_deadline = 0;
        }
    }
    /* Delivery status and remote IRR are read-only (always idle here). */
    l->lvt[idx] = v;
}

/* ---- interrupt delivery to the CPU ---- */

int lapic_intr_pending(Lapic *l, bool acknowledge)
{
    lapic_update(l);
    if (hw_enabled(l)) {
        int v = highest(l->irr);
        /* 10.8.3.1: deliverable when its class is above PPR[7:4]. */
        if (v >= 0 && ((unsigned)v & 0xf0) > (lapic_ppr(l) & 0xf0)) {
            if (acknowledge) {
                vec_clear(l->irr, (unsigned)v);
                vec_set(l->isr, (unsigned)v);
            }
            return v;
        }
    }
    /* 8259 interrupts: through LINT0 in ExtINT mode (10.5.1), or straight
     * to the processor when the APIC is globally disabled (10.4.3). */
    LapicSys *s = l->sys;
    if (!s->extint)
        return -1;
    uint32_t lint0 = l->lvt[LVT_LINT0];
    if (hw_enabled(l) &&
        ((lint0 & LVT_MASK) || ((lint0 >> 8) & 7) != APIC_DM_EXTINT))
        return -1;
    return s->extint(s->extint_opaque, acknowledge);
}

/* 10.8.5: EOI retires the highest-priority in-service interrupt; a level
 * one is also signalled to the I/O APICs unless SVR[12] suppresses it. */
static void lapic_eoi(Lapic *l)
{
    int v = highest(l->isr);
    if (v < 0)
        return;
    vec_clear(l->isr, (unsigned)v);
    if (vec_test(l->tmr, (unsigned)v) && !(l->svr & SVR_EOI_SUPP) &&
        l->sys->eoi_broadcast)
        l->sys->eoi_broadcast(l->sys->eoi_opaque, (uint8_t)v);
}

/* ---- the APIC bus: destinations and delivery (10.6) ---- */

static bool msg_broadcast(const ApicMsg *m)
{
    return m->x2apic ? m->dest == 0xffffffffu : m->dest == 0xff;
}

/* 10.6.2.1 physical, 10.6.2.2 logical (flat and cluster models),
 * 10.12.10.1 x2APIC logical destinations; 10.6.2.3 shorthands. */
static bool msg_matches(const Lapic *t, const ApicMsg *m, unsigned idx)
{
    if (!hw_enabled(t))
        return false;
    switch (m->shorthand) {
    case 1: return (int)idx == m->source;
    case 2: return true;
    case 3: return (int)idx != m->source;
    default: break;
    }
    if (msg_broadcast(m))
        return true;
    if (!m->logical) {
        if (lapic_x2apic(t))
            return m->dest == t->cpu->apic_id;
        return m->dest == t->xapic_id;
    }
    if (lapic_x2apic(t))
        return (m->dest >> 16) == (t->ldr >> 16) && (m->dest & t->ldr & 0xffff);
    uint32_t mda = m->dest & 0xff, id = t->ldr >> 24;
    if ((t->dfr >> 28) == 0xf)               /* flat model */
        return (mda & id) != 0;
    /* cluster model: cluster in bits 7:4, member bitmap in bits 3:0 */
    return (mda >> 4) == (id >> 4) && (mda & id & 0xf);
}

static SimStatus deliver_one(LapicSys *s, Lapic *t, const ApicMsg *m)
{
    Cpu *cpu = t->cpu;
    /* A sleeping target (HLT, wait-for-SIPI) has let time pass: its clock
     * catches up with the sender's, so what it does next never appears,
     * by its TSC, to precede the IPI that caused it. A running target
     * keeps its clock (it sees the IPI at its next instruction). */
    if (m->source >= 0 && cpu->activity != CPU_ACTIVE &&
        cpu->cycles < s->apic[m->source].cpu->cycles)
        cpu->cycles = s->apic[m->source].cpu->cycles;
    switch (m->mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        accept_fixed(t, m->vector, m->level);
        return ST_OK;
    case APIC_DM_NMI:
        cpu->nmi_pending = true;
        return ST_OK;
    case APIC_DM_INIT:
        /* SDM Vol.3 23.8 "Restrictions on VMX Operation": INIT is
         * blocked in VMX root operation; in non-root operation it is a
         * VM exit, which vmxsim does not model yet. */
        if (cpu->vmx && cpu->vmx->vmxon) {
            if (cpu->vmx_non_root) {
                s->stop_reason = "INIT signal in VMX non-root operation (VM exit 3)";
                return ST_STOP;
            }
            return ST_OK;
        }
        lapic_init_reset(t);
        cpu_init_signal(cpu);
        return ST_OK;
    case APIC_DM_STARTUP:
        cpu_startup_ipi(cpu, m->vector);
        return ST_OK;
    default:
        return ST_OK;
    }
}

SimStatus lapic_send(LapicSys *s, const ApicMsg *m)
{
    if (m->mode == APIC_DM_SMI) {
        s->stop_reason = "SMI IPI (system-management mode is not implemented)";
        return ST_STOP;
    }
    /* 10.6.1: INIT level de-assert only synchronises arbitration IDs; it
     * is not supported on Pentium 4 and later parts: nothing to do. */
    if (m->mode == APIC_DM_INIT && m->level && !m->assert)
        return ST_OK;
    if (m->mode == APIC_DM_LOWEST) {
        /* 10.6.2.4: the target with the lowest arbitration priority;
         * SIMPLIFICATION: ties go to the lowest vCPU index (the
         * arbitration ID order of a freshly reset system). */
        Lapic *best = NULL;
        uint32_t best_apr = 0;
        for (unsigned i = 0; i < s->n; i++) {
            Lapic *t = &s->apic[i];
            if (!msg_matches(t, m, i))
                continue;
            uint32_t apr = lapic_apr(t);
            if (!best || apr < best_apr) {
                best = t;
                best_apr = apr;
            }
        }
        return best ? deliver_one(s, best, m) : ST_OK;
    }
    for (unsigned i = 0; i < s->n; i++) {
        if (!msg_matches(&s->apic[i], m, i))
            continue;
        SimStatus st = deliver_one(s, &s->apic[i], m);
        if (st != ST_OK)
            return st;
    }
    return ST_OK;
}

/* An ICR write sends the IPI (10.6.1); delivery is immediate, so the
 * delivery-status bit always reads idle. */
static SimStatus send_icr(Lapic *l)
{
    ApicMsg m = {
        .dest = lapic_x2apic(l) ? l->icr_hi : l->icr_hi >> 24,
        .logical = (l->icr_lo & ICR_LOGICAL) != 0,
        .x2apic = lapic_x2apic(l),
        .mode = (uint8_t)((l->icr_lo >> 8) & 7),
        .vector = (uint8_t)l->icr_lo,
        .level = (l->icr_lo & ICR_LEVEL) != 0,
        .assert = (l->icr_lo & ICR_ASSERT) != 0,
        .shorthand = (uint8_t)((l->icr_lo >> 18) & 3),
        .source = (int)l->cpu->index,
    };
    /* 10.5.2: sending a fixed or lowest-priority IPI with a vector below
     * 16 is "Send Illegal Vector"; nothing is sent. */
    if ((m.mode == APIC_DM_FIXED || m.mode == APIC_DM_LOWEST) && m.vector < 16) {
        lapic_error(l, ESR_SEND_ILLEGAL);
        return ST_OK;
    }
    /* Reserved delivery modes (3) and ExtINT are not sent by an ICR. */
    if (m.mode == 3 || m.mode == APIC_DM_EXTINT)
        return ST_OK;
    return lapic_send(l->sys, &m);
}

/* ---- register access ---- */

static uint32_t reg_read(const Lapic *l, unsigned reg)
{
    switch (reg) {
    case LAPIC_ID:
        return lapic_x2apic(l) ? l->cpu->apic_id : l->xapic_id << 24;
    case LAPIC_VERSION: return LAPIC_VERSION_VALUE;
    case LAPIC_TPR: return lapic_tpr(l);
    case LAPIC_APR: return lapic_apr(l);
    case LAPIC_PPR: return lapic_ppr(l);
    case LAPIC_LDR: return l->ldr;
    case LAPIC_DFR: return l->dfr;
    case LAPIC_SVR: return l->svr;
    case LAPIC_ESR: return l->esr;
    case LAPIC_ICR_LO: return l->icr_lo & ~(uint32_t)ICR_PENDING;
    case LAPIC_ICR_HI: return l->icr_hi;
    case LAPIC_LVT_TIMER: case LAPIC_LVT_THERM: case LAPIC_LVT_PERF:
    case LAPIC_LVT_LINT0: case LAPIC_LVT_LINT1: case LAPIC_LVT_ERROR:
        return l->lvt[reg - LAPIC_LVT_TIMER];
    case LAPIC_TMICT: return l->tmict;
    case LAPIC_TMCCT: return lapic_current_count(l);
    case LAPIC_TDCR: return l->tdcr;
    default:
        if (reg >= LAPIC_ISR0 && reg < LAPIC_ISR0 + 8)
            return l->isr[reg - LAPIC_ISR0];
        if (reg >= LAPIC_TMR0 && reg < LAPIC_TMR0 + 8)
            return l->tmr[reg - LAPIC_TMR0];
        if (reg >= LAPIC_IRR0 && reg < LAPIC_IRR0 + 8)
            return l->irr[reg - LAPIC_IRR0];
        return 0;                           /* EOI, RRD: read as 0 */
    }
}

/* A write that passed the access checks. */
static SimStatus reg_write(Lapic *l, unsigned reg, uint64_t v)
{
    switch (reg) {
    case LAPIC_ID:
        /* xAPIC only (read-only in x2APIC mode). SIMPLIFICATION: the
         * 8-bit ID is writable, as on the parts that allow it; CPUID
         * keeps reporting the initial APIC ID. */
        l->xapic_id = (uint32_t)v >> 24;
        return ST_OK;
    case LAPIC_TPR:
        l->tpr = (uint32_t)v & 0xff;
        l->cpu->cr8 = l->tpr >> 4;
        return ST_OK;
    case LAPIC_EOI:
        lapic_eoi(l);
        return ST_OK;
    case LAPIC_LDR:
        l->ldr = (uint32_t)v & 0xff000000u;
        return ST_OK;
    case LAPIC_DFR:
        l->dfr = (uint32_t)v | 0x0fffffffu;
        return ST_OK;
    case LAPIC_SVR:
        /* Bits 7:0 vector, 8 software enable; focus checking (9) and EOI
         * suppression (12) are not supported (version register bit 24
         * clear). 10.4.7.2: software disable masks every LVT entry. */
        l->svr = (uint32_t)v & 0x1ff;
        if (!sw_enabled(l))
            for (unsigned i = 0; i < LVT_COUNT; i++)
                l->lvt[i] |= LVT_MASK;
        return ST_OK;
    case LAPIC_ESR:
        /* 10.5.3: a write makes the errors since the last write visible
         * and clears them. */
        l->esr = l->esr_pending;
        l->esr_pending = 0;
        return ST_OK;
    case LAPIC_ICR_LO:
        if (lapic_x2apic(l)) {
            l->icr_lo = (uint32_t)v;
            l->icr_hi = (uint32_t)(v >> 32);
        } else {
            l->icr_lo = (uint32_t)v & 0x000ccfffu;
        }
        return send_icr(l);
    case LAPIC_ICR_HI:
        l->icr_hi = (uint32_t)v & 0xff000000u;
        return ST_OK;
    case LAPIC_LVT_TIMER: case LAPIC_LVT_THERM: case LAPIC_LVT_PERF:
    case LAPIC_LVT_LINT0: case LAPIC_LVT_LINT1: case LAPIC_LVT_ERROR:
        write_lvt(l, reg - LAPIC_LVT_TIMER, (uint32_t)v,
                  (uint32_t)reg_desc(reg)->x2_wmask);
        return ST_OK;
    case LAPIC_TMICT:
        write_tmict(l, (uint32_t)v);
        return ST_OK;
    case LAPIC_TDCR:
        /* SIMPLIFICATION: a new divider applies from the next arming or
         * periodic reload. */
        l->tdcr = (uint32_t)v & 0xb;
        return ST_OK;
    case LAPIC_SELF_IPI: {
        /* 10.12.11 "SELF IPI Register": a fixed, edge IPI to self. */
        ApicMsg m = { .mode = APIC_DM_FIXED, .vector = (uint8_t)v,
                      .shorthand = 1, .source = (int)l->cpu->index };
        if (m.vector < 16) {
            lapic_error(l, ESR_SEND_ILLEGAL);
            return ST_OK;
        }
        return lapic_send(l->sys, &m);
    }
    default:
        return ST_OK;
    }
}

uint32_t lapic_mmio_read(Lapic *l, uint32_t offset)
{
    unsigned reg = offset >> 4;
    const LapicRegDesc *d = reg_desc(reg);
    if (offset >= LAPIC_PAGE_SIZE || !(d->xapic & ACC_R)) {
        /* 10.5.3: "Illegal Register Address" (Pentium 4 and later). EOI
         * is write-only and reads as 0 without an error. */
        if (reg != LAPIC_EOI)
            lapic_error(l, ESR_ILLEGAL_REG);
        return 0;
    }
    lapic_update(l);
    return reg_read(l, reg);
}

void lapic_mmio_write(Lapic *l, uint32_t offset, uint32_t value)
{
    unsigned reg = offset >> 4;
    const LapicRegDesc *d = reg_desc(reg);
    if (offset >= LAPIC_PAGE_SIZE || !d->xapic) {
        lapic_error(l, ESR_ILLEGAL_REG);
        return;
    }
    if (!(d->xapic & ACC_W))
        return;                             /* read-only: ignored */
    lapic_update(l);
    if (reg_write(l, reg, value) == ST_STOP) {
        /* A memory write cannot return a status: park the sender (no
         * event wakes CPU_SHUTDOWN) so that cpu_run returns at its next
         * instruction boundary, and the run loop reports the stop before
         * anything else (sim/run.c checks LapicSys.stop_reason). */
        l->cpu->activity = CPU_SHUTDOWN;
    }
}

/* ---- MSRs ---- */

/* IA32_APIC_BASE (10.4.4, 10.12.1) with the transitions of 10.12.5
 * "x2APIC State Transitions": EN=0 with EXTD=1 is invalid; x2APIC ->
 * xAPIC and disabled -> x2APIC are illegal (#GP); EN 1 -> 0 returns the
 * APIC to its power-up state (10.4.3); xAPIC -> x2APIC derives the
 * logical x2APIC ID (10.12.10.2). BSP is read-only. */
static SimStatus apic_base_write(Lapic *l, uint64_t v)
{
    Cpu *cpu = l->cpu;
    uint64_t valid = APIC_BASE_BSP | APIC_BASE_EN |
                     BITS(cpu->model->maxphyaddr - 1, 12);
    if (cpu_has(cpu, FEAT_X2APIC))
        valid |= APIC_BASE_EXTD;
    if (v & ~valid)
        return cpu_gp(cpu, 0);
    uint64_t old = cpu->msr.apic_base;
    bool old_en = old & APIC_BASE_EN, old_x2 = old_en && (old & APIC_BASE_EXTD);
    bool en = v & APIC_BASE_EN, x2 = v & APIC_BASE_EXTD;
    if (x2 && !en)
        return cpu_gp(cpu, 0);
    if (old_x2 && en && !x2)
        return cpu_gp(cpu, 0);
    if (!old_en && x2)
        return cpu_gp(cpu, 0);
    uint64_t base = v & BITS(63, 12);
    if (en && !x2 && base != (old & BITS(63, 12))) {
        /* 10.4.5: the xAPIC page moves. SIMPLIFICATION: one page region
         * serves every vCPU (each access goes to the running vCPU's APIC)
         * and follows the last relocation; it cannot overlay RAM. */
        PhysMap *pm = l->sys->pm;
        if (physmem_ram_offset(pm, base) != UINT64_MAX)
            return cpu_unsupported(cpu, "xAPIC page relocated over RAM");
        for (unsigned i = 0; i < pm->nmmio; i++) {
            MmioRegion *r = &pm->mmio[i];
            if (r->opaque == l->sys)
                continue;
            if (base < r->base + r->size && r->base < base + LAPIC_PAGE_SIZE)
                return cpu_unsupported(cpu, "xAPIC page relocated over another device");
        }
        for (unsigned i = 0; i < pm->nmmio; i++)
            if (pm->mmio[i].opaque == l->sys)
                pm->mmio[i].base = base;
    }
    cpu->msr.apic_base = (v & ~APIC_BASE_BSP) | (old & APIC_BASE_BSP);
    if (old_en && !en)
        lapic_clear(l);
    if (!old_x2 && x2)
        l->ldr = x2apic_ldr(cpu->apic_id);
    return ST_OK;
}

bool lapic_msr_read(Lapic *l, uint32_t index, uint64_t *value)
{
    if (index == MSR_IA32_TSC_DEADLINE) {
        if (!cpu_has(l->cpu, FEAT_TSC_DEADLINE))
            return false;
        lapic_update(l);
        *value = timer_mode(l) == TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
        return true;
    }
    if (index < MSR_X2APIC_FIRST || index > MSR_X2APIC_LAST)
        return false;
    /* 10.12.1.2 and Table 10-6: outside x2APIC mode, or for a register
     * that is not readable as an MSR, RDMSR is #GP(0) (returning false
     * leaves the index to cpu/msr.c, which has no such MSR). */
    unsigned reg = index - MSR_X2APIC_FIRST;
    if (!lapic_x2apic(l) || !(reg_desc(reg)->x2apic & ACC_R))
        return false;
    lapic_update(l);
    *value = reg_read(l, reg);
    if (reg == LAPIC_ICR_LO)
        *value |= (uint64_t)l->icr_hi << 32;
    return true;
}

bool lapic_msr_write(Lapic *l, uint32_t index, uint64_t value, SimStatus *st)
{
    Cpu *cpu = l->cpu;
    if (index == MSR_IA32_APIC_BASE) {
        *st = apic_base_write(l, value);
        return true;
    }
    if (index == MSR_IA32_TSC_DEADLINE) {
        if (!cpu_has(cpu, FEAT_TSC_DEADLINE))
            return false;
        /* 10.5.4.1: ignored unless the timer is in TSC-deadline mode;
         * 0 disarms. */
        if (timer_mode(l) == TIMER_TSC_DEADLINE)
            l->tsc_deadline = value;
        *st = ST_OK;
        return true;
    }
    if (index < MSR_X2APIC_FIRST || index > MSR_X2APIC_LAST)
        return false;
    unsigned reg = index - MSR_X2APIC_FIRST;
    const LapicRegDesc *d = reg_desc(reg);
    /* 10.12.1.2/10.12.1.3: not in x2APIC mode, no such MSR, read-only,
     * or a reserved bit set (EOI and ESR: any non-zero value): #GP(0). */
    if (!lapic_x2apic(l) || !(d->x2apic & ACC_W) || (value & ~d->x2_wmask)) {
        *st = cpu_gp(cpu, 0);
        return true;
    }
    lapic_update(l);
    *st = reg_write(l, reg, value);
    if (*st == ST_STOP)
        cpu->stop_reason = l->sys->stop_reason;
    return true;
}

/* ---- the xAPIC page ---- */

static uint64_t mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    LapicSys *s = opaque;
    Cpu *cpu = s->current;
    /* 10.4.3 / 10.12.2: no register page while the running vCPU's APIC
     * is globally disabled or in x2APIC mode (all ones, as a hole). */
    if (!cpu || !hw_enabled(&s->apic[cpu->index]) || lapic_x2apic(&s->apic[cpu->index]))
        return ~0ull;
    /* 10.4.1: registers are 32 bits wide at 16-byte-aligned offsets;
     * narrower reads see the bytes of the register they fall in. */
    uint32_t v = lapic_mmio_read(&s->apic[cpu->index], (uint32_t)offset & ~0xfu);
    unsigned in = (unsigned)offset & 0xf;
    return in < 4 ? (uint64_t)(v >> (8 * in)) : 0;
}

static void mmio_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    LapicSys *s = opaque;
    Cpu *cpu = s->current;
    if (!cpu || !hw_enabled(&s->apic[cpu->index]) || lapic_x2apic(&s->apic[cpu->index]))
        return;
    /* SIMPLIFICATION: only 32-bit (or wider) writes at a register's
     * offset are decoded (10.4.1 requires them); others are dropped. */
    if ((offset & 0xf) || size < 4)
        return;
    lapic_mmio_write(&s->apic[cpu->index], (uint32_t)offset, (uint32_t)value);
}

static const MmioOps lapic_mmio_ops = { mmio_read, mmio_write };

bool lapic_sys_init(LapicSys *s, Cpu *cpus, unsigned n, PhysMap *pm,
                    const char **why)
{
    memset(s, 0, sizeof(*s));
    s->apic = g_new0(Lapic, n);
    s->n = n;
    s->pm = pm;
    for (unsigned i = 0; i < n; i++) {
        s->apic[i].cpu = &cpus[i];
        s->apic[i].sys = s;
        lapic_reset(&s->apic[i]);
    }
    if (!physmem_add_mmio(pm, LAPIC_DEFAULT_BASE, LAPIC_PAGE_SIZE,
                          &lapic_mmio_ops, s, "local APIC")) {
        *why = "the xAPIC page at FEE00000H overlaps RAM or another device "
               "(RAM below 4 GiB must end at or below 3 GiB)";
        return false;
    }
    s->mmio_mapped = true;
    return true;
}

void lapic_sys_free(LapicSys *s)
{
    g_free(s->apic);
    s->apic = NULL;
    s->n = 0;
}
