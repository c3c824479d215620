/*
 * cpu/msr.c: the MSRs of cpu/msrs.def: lookup by index, existence by CPU
 * feature, read/write rules and side effects.
 *
 * SDM Vol.2B RDMSR/WRMSR: an index that is reserved or unimplemented, and a
 * WRMSR that sets reserved bits or writes a non-canonical address to an
 * address MSR, raise #GP(0). Per-MSR rules cite SDM Vol.4 Table 2-2
 * "IA-32 Architectural MSRs" and the sections named at each case.
 *
 * Lookup is a switch expanded from the table (the compiler builds a jump
 * table or a binary search; a duplicated index does not compile). Indices
 * that are not rows but that the CPU model defines read as the model's
 * value and are read-only; everything else is #GP(0).
 */
#include "cpu/msr.h"

#include <stddef.h>

#include "cpu/cpuid.h"
#include "cpu/fault.h"

#ifndef FEAT_NONE
#define FEAT_NONE FEAT_COUNT
#endif

enum MsrKind {
    MSRK_PLAIN, MSRK_CANON, MSRK_MODEL, MSRK_MODEL_DEF, MSRK_PAT,
    MSRK_MTRR_FIXED, MSRK_MTRR_DEF, MSRK_MTRR_BASE, MSRK_MTRR_MASK,
    MSRK_SPECIAL,
};

/* Row numbers of cpu/msrs.def. */
typedef enum MsrId {
#define MSR(name, index, kind, field, reset, feature, wmask) MSRID_##name,
#include "cpu/msrs.def"
    MSRID_COUNT
} MsrId;

#define NO_FIELD 0xffffu

typedef struct MsrDesc {
    const char *name;
    uint64_t reset;
    uint64_t wmask;
    uint32_t index;
    uint16_t field;        /* offset in CpuMsrState or NO_FIELD */
    uint8_t kind;
    uint8_t feature;
} MsrDesc;

#define MF(m) offsetof(CpuMsrState, m)
#define NOF NO_FIELD
static const MsrDesc msr_table[MSRID_COUNT] = {
#define MSR(name_, index_, kind_, field_, reset_, feature_, wmask_) \
    [MSRID_##name_] = { #name_, reset_, wmask_, index_, field_, kind_, feature_ },
#include "cpu/msrs.def"
};
#undef MF
#undef NOF

/* IA32_MISC_ENABLE bits (SDM Vol.4 Table 2-2). */
#define MISC_FAST_STRINGS   BIT(0)
#define MISC_TCC            BIT(3)
#define MISC_PERFMON_AVAIL  BIT(7)
#define MISC_BTS_UNAVAIL    BIT(11)
#define MISC_PEBS_UNAVAIL   BIT(12)
#define MISC_EIST           BIT(16)
#define MISC_MONITOR        BIT(18)
#define MISC_LIMIT_CPUID    BIT(22)
#define MISC_XTPR_DISABLE   BIT(23)
#define MISC_XD_DISABLE     BIT(34)
#define MISC_READ_ONLY (MISC_PERFMON_AVAIL | MISC_BTS_UNAVAIL | MISC_PEBS_UNAVAIL)

/* IA32_FEATURE_CONTROL (SDM Vol.3 24.7 "Enabling and Entering VMX
 * Operation"). */
#define FC_LOCK        BIT(0)
#define FC_VMX_OUTSIDE_SMX BIT(2)

/* IA32_APIC_BASE (SDM Vol.3 11.4.4 "Local APIC Status and Location",
 * 11.12.1 "Detecting and Enabling x2APIC Mode"). */
#define APIC_BASE_BSP  BIT(8)
#define APIC_BASE_EXTD BIT(10)
#define APIC_BASE_EN   BIT(11)

static int msr_lookup(uint32_t index)
{
    switch (index) {
#define MSR(name, index_, kind, field, reset, feature, wmask) \
    case index_: return MSRID_##name;
#include "cpu/msrs.def"
    default: return -1;
    }
}

const char *msr_name(uint32_t index)
{
    int id = msr_lookup(index);
    return id < 0 ? NULL : msr_table[id].name;
}

static uint64_t *msr_field(Cpu *cpu, const MsrDesc *m)
{
    return (uint64_t *)((char *)&cpu->msr + m->field);
}

/* Canonical with respect to the processor's linear-address width
 * (CPUID.80000008H:EAX[15:8]), the rule WRMSR applies to address MSRs
 * whatever the current paging mode (SDM Vol.2B WRMSR, Vol.3 3.3.7.1). */
static bool msr_canonical(const Cpu *cpu, uint64_t v)
{
    unsigned bits = cpu->model->maxlinaddr ? cpu->model->maxlinaddr : 48;
    return (uint64_t)sext(v, bits) == v;
}

static uint64_t phys_reserved(const Cpu *cpu)
{
    return ~BITS(cpu->model->maxphyaddr - 1, 0);
}

/* Memory types MTRRs accept: UC 0, WC 1, WT 4, WP 5, WB 6 (SDM Vol.3
 * 12.11.1 "MTRR Feature Identification", Table 12-8); PAT also takes UC- 7
 * (SDM Vol.3 12.12.3 "Selecting a Memory Type from the PAT"). */
static bool mtrr_type_ok(unsigned t)
{
    return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static bool pat_type_ok(unsigned t)
{
    return t == 0 || t == 1 || (t >= 4 && t <= 7);
}

static bool bytes_ok(uint64_t v, bool (*ok)(unsigned))
{
    for (unsigned i = 0; i < 8; i++)
        if (!ok((unsigned)(v >> (8 * i)) & 0xff))
            return false;
    return true;
}

static uint64_t model_value(const Cpu *cpu, uint32_t index, uint64_t def)
{
    const MsrValue *mv = cpu_model_msr(cpu->model, index);
    return mv ? mv->value : def;
}

/* IA32_MTRRCAP: VCNT in [7:0], FIX in bit 8 (SDM Vol.3 12.11.1). The CPU
 * keeps at most 10 variable ranges (CpuMsrState.mtrr_var). */
static bool mtrr_exists(const Cpu *cpu, const MsrDesc *m)
{
    uint64_t cap = model_value(cpu, MSR_IA32_MTRRCAP, msr_table[MSRID_IA32_MTRRCAP].reset);
    if (m->kind == MSRK_MTRR_FIXED)
        return (cap & BIT(8)) != 0;
    if (m->kind == MSRK_MTRR_BASE || m->kind == MSRK_MTRR_MASK) {
        unsigned vcnt = (unsigned)(cap & 0xff);
        return (m->index - 0x200) / 2 < (vcnt < 10 ? vcnt : 10);
    }
    return true;
}

/* Machine-check banks IA32_MCi_CTL/STATUS/ADDR/MISC at 400H + 4i, i <
 * IA32_MCG_CAP[7:0] (SDM Vol.3 16.3.2 "Error-Reporting Register Banks").
 * SIMPLIFICATION: no machine checks are ever logged, so the banks read 0;
 * CTL takes any value and forgets it, the others accept only 0. */
static bool mc_bank(const Cpu *cpu, uint32_t index)
{
    if (!cpu_has(cpu, FEAT_MCA) || index < 0x400)
        return false;
    uint64_t cap = model_value(cpu, MSR_IA32_MCG_CAP, 0);
    return index < 0x400 + 4 * (cap & 0xff);
}

static bool msr_exists(const Cpu *cpu, const MsrDesc *m)
{
    if (m->feature != FEAT_NONE && !cpu_has(cpu, (CpuFeature)m->feature))
        return false;
    if (m->index == MSR_IA32_TSC_AUX)   /* IA32_TSC_AUX: RDTSCP or RDPID */
        return cpu_has(cpu, FEAT_RDTSCP) || cpu_has(cpu, FEAT_RDPID);
    if (m->index == MSR_IA32_MCG_CTL)       /* IA32_MCG_CTL: MCG_CAP.MCG_CTL_P */
        return (model_value(cpu, MSR_IA32_MCG_CAP, 0) & BIT(8)) != 0;
    return mtrr_exists(cpu, m);
}

/* Read of an MSRK_SPECIAL row. */
static SimStatus special_read(Cpu *cpu, MsrId id, uint64_t *v)
{
    switch (id) {
    case MSRID_IA32_TSC:
        *v = msr_tsc(cpu);
        return ST_OK;
    case MSRID_IA32_BIOS_SIGN_ID:
        /* Microcode revision in [63:32] (SDM Vol.3 10.11.7.1). */
        *v = model_value(cpu, MSR_IA32_BIOS_SIGN_ID, 0);
        return ST_OK;
    case MSRID_IA32_PRED_CMD:
    case MSRID_IA32_FLUSH_CMD:
    case MSRID_IA32_BIOS_UPDT_TRIG:
        /* Write-only command MSRs. */
        return cpu_gp(cpu, 0);
    case MSRID_IA32_MCG_STATUS:
    case MSRID_IA32_MCG_CTL:
        *v = 0;
        return ST_OK;
    case MSRID_IA32_TSC_DEADLINE:
        /* Owned by the local APIC; without one on the bus it reads 0. */
        *v = 0;
        return ST_OK;
    case MSRID_IA32_EFER:
        *v = cpu->efer;
        return ST_OK;
    case MSRID_IA32_FS_BASE:
        *v = cpu->seg[SEG_FS].base;
        return ST_OK;
    case MSRID_IA32_GS_BASE:
        *v = cpu->seg[SEG_GS].base;
        return ST_OK;
    default:
        *v = *msr_field(cpu, &msr_table[id]);
        return ST_OK;
    }
}

/* IA32_EFER write (SDM Vol.4 Table 2-2; Vol.3 10.8.5 "Initializing IA-32e
 * Mode": changing LME while CR0.PG = 1 is #GP(0)). LMA is set by the
 * processor: the written bit is ignored (Intel behaviour). */
static SimStatus efer_write(Cpu *cpu, uint64_t v)
{
    uint64_t valid = EFER_LMA;
    if (cpu_has(cpu, FEAT_LM))
        valid |= EFER_SCE | EFER_LME;
    else if (cpu_has(cpu, FEAT_SYSCALL))
        valid |= EFER_SCE;
    if (cpu_has(cpu, FEAT_NX) && !(cpu->msr.misc_enable & MISC_XD_DISABLE))
        valid |= EFER_NXE;
    if (v & ~valid)
        return cpu_gp(cpu, 0);
    if ((cpu->cr0 & CR0_PG) && ((v ^ cpu->efer) & EFER_LME))
        return cpu_gp(cpu, 0);
    cpu_set_efer(cpu, (v & ~EFER_LMA) | (cpu->efer & EFER_LMA));
    return ST_OK;
}

/* IA32_APIC_BASE kept by the CPU when the platform does not own it. */
static SimStatus apic_base_write(Cpu *cpu, uint64_t v)
{
    uint64_t valid = APIC_BASE_BSP | APIC_BASE_EN
                     | (BITS(63, 12) & ~phys_reserved(cpu));
    if (cpu_has(cpu, FEAT_X2APIC))
        valid |= APIC_BASE_EXTD;
    if (v & ~valid)
        return cpu_gp(cpu, 0);
    /* SDM Vol.3 11.12.5 "x2APIC State Transitions": EXTD=1 with EN=0 is
     * invalid, and x2APIC -> xAPIC directly is not allowed. */
    uint64_t old = cpu->msr.apic_base;
    if ((v & APIC_BASE_EXTD) && !(v & APIC_BASE_EN))
        return cpu_gp(cpu, 0);
    if ((old & APIC_BASE_EXTD) && (v & APIC_BASE_EN) && !(v & APIC_BASE_EXTD))
        return cpu_gp(cpu, 0);
    /* BSP is read-only: keep the processor's value. */
    cpu->msr.apic_base = (v & ~APIC_BASE_BSP) | (old & APIC_BASE_BSP);
    return ST_OK;
}

static SimStatus special_write(Cpu *cpu, MsrId id, uint64_t v)
{
    switch (id) {
    case MSRID_IA32_TSC:
        /* SDM Vol.3 18.17.3: a write to IA32_TSC adds the same delta to
         * IA32_TSC_ADJUST; TSC = clock + TSC_ADJUST keeps both right. */
        cpu->msr.tsc_adjust = v - cpu->cycles;
        return ST_OK;
    case MSRID_IA32_TSC_ADJUST:
        cpu->msr.tsc_adjust = v;
        return ST_OK;
    case MSRID_IA32_APIC_BASE:
        return apic_base_write(cpu, v);
    case MSRID_IA32_FEATURE_CONTROL: {
        /* Once the lock bit is set, WRMSR is #GP(0) until RESET (SDM
         * Vol.3 24.7). Bits other than lock and VMX-outside-SMX are
         * reserved on a part without SMX, SGX or LMCE. */
        uint64_t valid = FC_LOCK | (cpu_has(cpu, FEAT_VMX) ? FC_VMX_OUTSIDE_SMX : 0);
        if ((cpu->msr.feature_control & FC_LOCK) || (v & ~valid))
            return cpu_gp(cpu, 0);
        cpu->msr.feature_control = v;
        return ST_OK;
    }
    case MSRID_IA32_SPEC_CTRL: {
        /* IBRS bit 0, STIBP bit 1, SSBD bit 2 (SDM Vol.4 Table 2-2). */
        uint64_t valid = BIT(0) | (cpu_has(cpu, FEAT_STIBP) ? BIT(1) : 0)
                         | (cpu_has(cpu, FEAT_SSBD) ? BIT(2) : 0);
        if (v & ~valid)
            return cpu_gp(cpu, 0);
        cpu->msr.spec_ctrl = v;
        return ST_OK;
    }
    case MSRID_IA32_PRED_CMD:
    case MSRID_IA32_FLUSH_CMD:
        /* IBPB / L1D_FLUSH: bit 0 only; nothing to flush here. */
        return (v & ~1ull) ? cpu_gp(cpu, 0) : ST_OK;
    case MSRID_IA32_BIOS_UPDT_TRIG:
    case MSRID_IA32_BIOS_SIGN_ID:
        /* SIMPLIFICATION: there is no microcode to update; software writes
         * 0 to BIOS_SIGN_ID before CPUID to read the revision, which stays
         * the model's. The writes are accepted and change nothing. */
        return ST_OK;
    case MSRID_IA32_MCG_STATUS:
        return v ? cpu_gp(cpu, 0) : ST_OK;
    case MSRID_IA32_MCG_CTL:
        return ST_OK;
    case MSRID_IA32_MISC_ENABLE: {
        uint64_t wr = MISC_FAST_STRINGS | MISC_TCC | MISC_EIST | MISC_LIMIT_CPUID
                      | MISC_XTPR_DISABLE;
        if (cpu_has(cpu, FEAT_MONITOR))
            wr |= MISC_MONITOR;
        if (cpu_has(cpu, FEAT_NX))
            wr |= MISC_XD_DISABLE;
        if (v & ~(wr | MISC_READ_ONLY))
            return cpu_gp(cpu, 0);
        /* Read-only bits ignore writes (SDM Vol.4 Table 2-2 "R/O"). */
        cpu->msr.misc_enable = (v & wr) | (cpu->msr.misc_enable & MISC_READ_ONLY);
        if (cpu->msr.misc_enable & MISC_XD_DISABLE)
            cpu_set_efer(cpu, cpu->efer & ~EFER_NXE);
        return ST_OK;
    }
    case MSRID_IA32_XSS: {
        /* Supported IA32_XSS bits: CPUID.(EAX=0DH,ECX=1):EDX:ECX (SDM
         * Vol.1 13.3 "Enabling the XSAVE Feature Set"). */
        const CpuidLeaf *l = cpu_model_leaf(cpu->model, 0xd, 1);
        uint64_t valid = l ? ((uint64_t)l->reg[CPUID_EDX] << 32) | l->reg[CPUID_ECX] : 0;
        if (v & ~valid)
            return cpu_gp(cpu, 0);
        cpu->msr.xss = v;
        return ST_OK;
    }
    case MSRID_IA32_TSC_DEADLINE:
        /* SIMPLIFICATION: without a local APIC on the bus the deadline
         * has nothing to arm; the write is dropped. */
        return ST_OK;
    case MSRID_IA32_EFER:
        return efer_write(cpu, v);
    case MSRID_IA32_FS_BASE:
    case MSRID_IA32_GS_BASE:
        if (!msr_canonical(cpu, v))
            return cpu_gp(cpu, 0);
        cpu->seg[id == MSRID_IA32_FS_BASE ? SEG_FS : SEG_GS].base = v;
        return ST_OK;
    case MSRID_IA32_TSC_AUX:
        /* Bits 63:32 reserved (SDM Vol.4 Table 2-2). */
        if (v >> 32)
            return cpu_gp(cpu, 0);
        cpu->msr.tsc_aux = v;
        return ST_OK;
    default:
        return cpu_gp(cpu, 0);
    }
}

SimStatus msr_read(Cpu *cpu, uint32_t index, uint64_t *value)
{
    /* Platform-owned MSRs first: local APIC (IA32_APIC_BASE, x2APIC
     * 800H-8FFH, TSC deadline). */
    if (cpu->bus && cpu->bus->msr_read
        && cpu->bus->msr_read(cpu->bus_opaque, cpu, index, value))
        return ST_OK;
    int id = msr_lookup(index);
    if (id < 0) {
        const MsrValue *mv = cpu_model_msr(cpu->model, index);
        if (mv) {
            *value = mv->value;
            return ST_OK;
        }
        if (mc_bank(cpu, index)) {
            *value = 0;
            return ST_OK;
        }
        return cpu_gp(cpu, 0);
    }
    const MsrDesc *m = &msr_table[id];
    if (!msr_exists(cpu, m))
        return cpu_gp(cpu, 0);
    switch (m->kind) {
    case MSRK_MODEL: {
        const MsrValue *mv = cpu_model_msr(cpu->model, index);
        if (!mv)
            return cpu_gp(cpu, 0);
        *value = mv->value;
        return ST_OK;
    }
    case MSRK_MODEL_DEF:
        *value = model_value(cpu, index, m->reset);
        return ST_OK;
    case MSRK_SPECIAL:
        return special_read(cpu, (MsrId)id, value);
    default:
        *value = *msr_field(cpu, m);
        return ST_OK;
    }
}

SimStatus msr_write(Cpu *cpu, uint32_t index, uint64_t value)
{
    if (cpu->bus && cpu->bus->msr_write) {
        SimStatus st = ST_OK;
        if (cpu->bus->msr_write(cpu->bus_opaque, cpu, index, value, &st))
            return st;
    }
    int id = msr_lookup(index);
    if (id < 0) {
        if (mc_bank(cpu, index)) {
            /* MCi_CTL is (index & 3) == 0. */
            if ((index & 3) == 0 || value == 0)
                return ST_OK;
        }
        return cpu_gp(cpu, 0);
    }
    const MsrDesc *m = &msr_table[id];
    if (!msr_exists(cpu, m))
        return cpu_gp(cpu, 0);
    uint64_t *f = m->field != NO_FIELD ? msr_field(cpu, m) : NULL;
    switch (m->kind) {
    case MSRK_PLAIN:
        if (value & ~m->wmask)
            return cpu_gp(cpu, 0);
        break;
    case MSRK_CANON:
        if (!msr_canonical(cpu, value))
            return cpu_gp(cpu, 0);
        break;
    case MSRK_MODEL:
    case MSRK_MODEL_DEF:
        return cpu_gp(cpu, 0);
    case MSRK_PAT:
        /* SDM Vol.3 12.12.2 "IA32_PAT MSR": reserved type encodings (2, 3,
         * 8-FFH) are #GP(0). */
        if (!bytes_ok(value, pat_type_ok))
            return cpu_gp(cpu, 0);
        break;
    case MSRK_MTRR_FIXED:
        if (!bytes_ok(value, mtrr_type_ok))
            return cpu_gp(cpu, 0);
        break;
    case MSRK_MTRR_DEF:
        /* IA32_MTRR_DEF_TYPE: type [7:0], FE bit 10, E bit 11 (SDM Vol.3
         * 12.11.2.1). */
        if ((value & ~(BITS(7, 0) | BIT(10) | BIT(11))) || !mtrr_type_ok(value & 0xff))
            return cpu_gp(cpu, 0);
        break;
    case MSRK_MTRR_BASE:
        /* IA32_MTRR_PHYSBASEn: type [7:0], base [MAXPHYADDR-1:12] (SDM
         * Vol.3 12.11.2.3 "Variable Range MTRRs"). */
        if ((value & (BITS(11, 8) | phys_reserved(cpu))) || !mtrr_type_ok(value & 0xff))
            return cpu_gp(cpu, 0);
        break;
    case MSRK_MTRR_MASK:
        /* IA32_MTRR_PHYSMASKn: V bit 11, mask [MAXPHYADDR-1:12]. */
        if (value & (BITS(10, 0) | phys_reserved(cpu)))
            return cpu_gp(cpu, 0);
        break;
    case MSRK_SPECIAL:
        return special_write(cpu, (MsrId)id, value);
    default:
        return cpu_gp(cpu, 0);
    }
    *f = value;
    return ST_OK;
}

void msr_reset(Cpu *cpu)
{
    for (unsigned id = 0; id < MSRID_COUNT; id++) {
        const MsrDesc *m = &msr_table[id];
        if (m->field != NO_FIELD)
            *msr_field(cpu, m) = model_value(cpu, m->index, m->reset);
    }
    /* SDM Vol.3 11.4.4: after RESET the APIC base is FEE00000H, enabled,
     * BSP set on the bootstrap processor (vCPU 0 here). */
    if (cpu->index == 0)
        cpu->msr.apic_base |= APIC_BASE_BSP;
    else
        cpu->msr.apic_base &= ~APIC_BASE_BSP;
}
