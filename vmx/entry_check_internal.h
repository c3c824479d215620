/*
 * vmx/entry_check_internal.h: what the two halves of the VM-entry checks
 * share: the ENTRY_CHECK macro, field helpers and the VMX bit definitions
 * they test (SDM Vol.3 24.4.2, 24.8.3, Appendix A).
 */
#ifndef VMX_ENTRY_CHECK_INTERNAL_H
#define VMX_ENTRY_CHECK_INTERNAL_H

#include "base/bits.h"
#include "cpu/arch.h"
#include "mmu/ept.h"
#include "vmx/entry_check.h"

#define ENTRY_CHECK(check, cond)                                           \
    ((cond) ? (fail->id = EC_##check, fail->condition = #cond,             \
               fail->line = __LINE__, true)                                \
            : false)

/* The guest segment fields are laid out ES, CS, SS, DS, FS, GS, LDTR, TR in
 * each group, in Appendix B order; the loops below rely on it. */
_Static_assert(VF_GUEST_TR_SELECTOR - VF_GUEST_ES_SELECTOR == 7, "selector order");
_Static_assert(VF_GUEST_TR_LIMIT - VF_GUEST_ES_LIMIT == 7, "limit order");
_Static_assert(VF_GUEST_TR_AR_BYTES - VF_GUEST_ES_AR_BYTES == 7, "AR order");
_Static_assert(VF_GUEST_TR_BASE - VF_GUEST_ES_BASE == 7, "base order");
_Static_assert(VF_HOST_TR_SELECTOR - VF_HOST_ES_SELECTOR == 6, "host selector order");

enum { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, S_LDTR, S_TR };

/* Interruption-information fields (SDM 24.8.3 "VM-Entry Controls for Event
 * Injection", Table 24-14). */
#define INTR_INFO_VECTOR(x)   ((x) & 0xffu)
#define INTR_INFO_TYPE(x)     (((x) >> 8) & 7u)
#define INTR_INFO_DELIVER_EC  BIT(11)
#define INTR_INFO_VALID       BIT(31)
enum {
    INTR_TYPE_EXT_INTR = 0, INTR_TYPE_RESERVED = 1, INTR_TYPE_NMI = 2,
    INTR_TYPE_HW_EXC = 3, INTR_TYPE_SW_INTR = 4, INTR_TYPE_PRIV_SW_EXC = 5,
    INTR_TYPE_SW_EXC = 6, INTR_TYPE_OTHER = 7,
};

/* Guest interruptibility state (SDM 24.4.2, Table 24-3). */
#define INTERRUPTIBILITY_STI   BIT(0)
#define INTERRUPTIBILITY_MOVSS BIT(1)
#define INTERRUPTIBILITY_SMI   BIT(2)
#define INTERRUPTIBILITY_NMI   BIT(3)
#define INTERRUPTIBILITY_ENCLAVE BIT(4)

/* Activity states (SDM 24.4.2, Table 24-2 note). */
enum { ACTIVITY_ACTIVE = 0, ACTIVITY_HLT = 1, ACTIVITY_SHUTDOWN = 2, ACTIVITY_WAIT_SIPI = 3 };

/* IA32_VMX_MISC bits (SDM A.6 "Miscellaneous Data"). */
#define MISC_ACTIVITY_HLT       BIT(6)
#define MISC_ACTIVITY_SHUTDOWN  BIT(7)
#define MISC_ACTIVITY_WAIT_SIPI BIT(8)
#define MISC_CR3_TARGETS(m)     (((m) >> 16) & 0x1ffu)
#define MISC_ZERO_LENGTH_INJECT BIT(30)

/* IA32_VMX_BASIC bit 56: hardware exceptions may be injected with or
 * without an error code (SDM A.1). */
#define BASIC_ANY_ERROR_CODE    BIT(56)

/* IA32_VMX_EPT_VPID_CAP bits: mmu/ept.h. */

/* IA32_EFER bits software may set (SDM Vol.4 Table 2-2). */
#define EFER_VALID (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
/* IA32_DEBUGCTL bits: LBR, BTF, TR, BTS, BTINT, BTS_OFF_OS, BTS_OFF_USR,
 * FREEZE_LBRS_ON_PMI, FREEZE_PERFMON_ON_PMI, ENABLE_UNCORE_PMI,
 * FREEZE_WHILE_SMM (SDM Vol.3 17.4.1 "IA32_DEBUGCTL MSR"). */
#define DEBUGCTL_VALID 0x7fc3ull
#define DEBUGCTL_BTF   BIT(1)
/* IA32_PERF_GLOBAL_CTRL: 4 general-purpose and 3 fixed counters, as the
 * CPU models vmxsim ships report in CPUID.0AH (SDM 18.2.2). */
#define PERF_GLOBAL_CTRL_VALID (BITS(3, 0) | BITS(34, 32))

typedef struct Ctx {
    const EntryCheckEnv *env;
    const Vmcs *v;
    uint32_t pin, proc, proc2, exit, entry;
    uint64_t vmfunc;
} Ctx;

static inline uint64_t fld(const Ctx *c, VmcsField f) { return c->v->field[f]; }

static inline bool beyond_pa(const Ctx *c, uint64_t addr)
{
    return c->env->maxphyaddr < 64 && (addr >> c->env->maxphyaddr) != 0;
}

static inline bool not_page_aligned_or_beyond_pa(const Ctx *c, uint64_t addr)
{
    return (addr & 0xfff) != 0 || beyond_pa(c, addr);
}

static inline bool canonical(const Ctx *c, uint64_t addr)
{
    return (uint64_t)sext(addr, c->env->linear_bits) == addr;
}

/* A control word is set properly when every must-be-1 bit is 1 and no bit
 * outside allowed-1 is 1 (SDM A.3-A.5). */
static inline bool ctl_bad(const VmxCtlRange *r, uint32_t value)
{
    return (value & r->allowed0) != r->allowed0 || (value & ~r->allowed1) != 0;
}

static inline bool pat_bad(uint64_t pat)
{
    for (unsigned i = 0; i < 8; i++) {
        unsigned t = (pat >> (8 * i)) & 0xff;
        if (!(t == 0 || t == 1 || t == 4 || t == 5 || t == 6 || t == 7))
            return true;
    }
    return false;
}

/* A 16-byte-aligned MSR area of `count` entries ending within the
 * physical-address width (SDM 26.2.1.2, 26.2.1.3). */
static inline bool msr_area_bad(const Ctx *c, uint64_t addr, uint32_t count)
{
    if (count == 0)
        return false;
    return (addr & 0xf) != 0 || beyond_pa(c, addr + (uint64_t)count * 16 - 1);
}

void entry_ctx_init(Ctx *c, const EntryCheckEnv *env);

#endif
