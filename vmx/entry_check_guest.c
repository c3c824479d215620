/*
 * vmx/entry_check_guest.c: VM-entry checks on the guest-state area, SDM
 * Vol.3 26.3.1.1 "Checks on Guest Control Registers, Debug Registers, and
 * MSRs", 26.3.1.2 "Checks on Guest Segment Registers", 26.3.1.3 "Checks on
 * Guest Descriptor-Table Registers", 26.3.1.4 "Checks on Guest RIP and
 * RFLAGS", 26.3.1.5 "Checks on Guest Non-Register State", 26.3.1.6 "Checks
 * on Guest Page-Directory-Pointer-Table Entries".
 *
 * A failure here is not a VMfail: the processor loads host state and
 * reports a VM exit with reason 33 ("VM-entry failure due to invalid guest
 * state") and the qualification of SDM 26.8 "VM-Entry Failures During or
 * After Loading Guest State".
 */
#include "vmx/entry_check_internal.h"

static bool unrestricted(const Ctx *c)
{
    return c->proc2 & VMXM_PROC2_UNRESTRICTED_GUEST;
}

static bool guest64(const Ctx *c)
{
    return c->entry & VMXM_ENTRY_IA32E_MODE_GUEST;
}

/* SDM 26.3.1.1 */
static bool check_guest_control_registers(const Ctx *c, EntryFailure *fail)
{
    const VmxCaps *caps = c->env->caps;
    uint64_t cr0 = fld(c, VF_GUEST_CR0), cr4 = fld(c, VF_GUEST_CR4);
    /* With unrestricted guest, PE and PG need not be fixed to 1. */
    uint64_t fixed0 = caps->cr0_fixed0 & ~(unrestricted(c) ? (CR0_PE | CR0_PG) : 0);
    if (ENTRY_CHECK(GUEST_CR0_FIXED, (cr0 & fixed0) != fixed0 || (cr0 & ~caps->cr0_fixed1))) return false;
    if (ENTRY_CHECK(GUEST_CR0_PG_PE, (cr0 & CR0_PG) && !(cr0 & CR0_PE))) return false;
    if (ENTRY_CHECK(GUEST_CR4_FIXED, (cr4 & caps->cr4_fixed0) != caps->cr4_fixed0 || (cr4 & ~caps->cr4_fixed1))) return false;
    if (ENTRY_CHECK(GUEST_DEBUGCTL_RSVD, (c->entry & VMXM_ENTRY_LOAD_DEBUG_CONTROLS) &&
                                         (fld(c, VF_GUEST_IA32_DEBUGCTL) & ~DEBUGCTL_VALID))) return false;
    if (ENTRY_CHECK(GUEST_IA32E_PG_PAE, guest64(c) && (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE)))) return false;
    if (ENTRY_CHECK(GUEST_PCIDE_NEEDS_IA32E, !guest64(c) && (cr4 & CR4_PCIDE))) return false;
    if (ENTRY_CHECK(GUEST_CR3_WIDTH, beyond_pa(c, fld(c, VF_GUEST_CR3)))) return false;
    if (ENTRY_CHECK(GUEST_DR7_HIGH, (c->entry & VMXM_ENTRY_LOAD_DEBUG_CONTROLS) && (fld(c, VF_GUEST_DR7) >> 32))) return false;
    if (ENTRY_CHECK(GUEST_SYSENTER_CANONICAL, !canonical(c, fld(c, VF_GUEST_SYSENTER_ESP)) ||
                                              !canonical(c, fld(c, VF_GUEST_SYSENTER_EIP)))) return false;
    if (ENTRY_CHECK(GUEST_PERF_GLOBAL_RSVD, (c->entry & VMXM_ENTRY_LOAD_PERF_GLOBAL_CTRL) &&
                                            (fld(c, VF_GUEST_IA32_PERF_GLOBAL_CTRL) & ~PERF_GLOBAL_CTRL_VALID))) return false;
    if (ENTRY_CHECK(GUEST_PAT_VALID, (c->entry & VMXM_ENTRY_LOAD_PAT) && pat_bad(fld(c, VF_GUEST_IA32_PAT)))) return false;
    if (c->entry & VMXM_ENTRY_LOAD_EFER) {
        uint64_t efer = fld(c, VF_GUEST_IA32_EFER);
        if (ENTRY_CHECK(GUEST_EFER_RSVD, efer & ~EFER_VALID)) return false;
        if (ENTRY_CHECK(GUEST_EFER_LMA, !!(efer & EFER_LMA) != guest64(c))) return false;
        if (ENTRY_CHECK(GUEST_EFER_LME, (cr0 & CR0_PG) && !!(efer & EFER_LME) != guest64(c))) return false;
    }
    if (ENTRY_CHECK(GUEST_BNDCFGS, (c->entry & VMXM_ENTRY_LOAD_BNDCFGS) &&
                                   ((fld(c, VF_GUEST_IA32_BNDCFGS) & BITS(11, 2)) ||
                                    !canonical(c, fld(c, VF_GUEST_IA32_BNDCFGS) & ~0xfffull)))) return false;
    return true;
}

static uint16_t sel(const Ctx *c, unsigned s) { return (uint16_t)fld(c, VF_GUEST_ES_SELECTOR + s); }
static uint32_t lim(const Ctx *c, unsigned s) { return (uint32_t)fld(c, VF_GUEST_ES_LIMIT + s); }
static uint32_t ar(const Ctx *c, unsigned s) { return (uint32_t)fld(c, VF_GUEST_ES_AR_BYTES + s); }
static uint64_t base(const Ctx *c, unsigned s) { return fld(c, VF_GUEST_ES_BASE + s); }
static bool usable(const Ctx *c, unsigned s) { return !(ar(c, s) & AR_UNUSABLE); }
static unsigned dpl(uint32_t a) { return (a >> AR_DPL_SHIFT) & 3; }

/* Granularity rule for a usable segment (SDM 26.3.1.2): G must be 0 if
 * any of limit bits 11:0 is 0, and 1 if any of bits 31:20 is 1. */
static bool g_bad(uint32_t limit, uint32_t a)
{
    bool g = a & AR_G;
    return (g && (limit & 0xfff) != 0xfff) || (!g && (limit & 0xfff00000u));
}

static bool ar_reserved(uint32_t a)
{
    return (a & BITS(11, 8)) || (a & BITS(31, 17));
}

/* SDM 26.3.1.2 */
static bool check_guest_segments(const Ctx *c, EntryFailure *fail)
{
    bool v86 = fld(c, VF_GUEST_RFLAGS) & RFLAGS_VM;
    uint64_t cr0 = fld(c, VF_GUEST_CR0);
    bool bad_rsvd = false, bad_g = false;

    if (ENTRY_CHECK(GUEST_TR_TI, sel(c, S_TR) & 4)) return false;
    if (ENTRY_CHECK(GUEST_LDTR_TI, usable(c, S_LDTR) && (sel(c, S_LDTR) & 4))) return false;
    if (ENTRY_CHECK(GUEST_SS_RPL, !v86 && !unrestricted(c) && (sel(c, S_SS) & 3) != (sel(c, S_CS) & 3))) return false;

    if (v86) {
        bool bad_base = false, bad_limit = false, bad_ar = false;
        for (unsigned s = S_ES; s <= S_GS; s++) {
            bad_base |= base(c, s) != (uint64_t)sel(c, s) << 4;
            bad_limit |= lim(c, s) != 0xffff;
            bad_ar |= ar(c, s) != 0xf3;
        }
        if (ENTRY_CHECK(GUEST_V86_BASE, bad_base)) return false;
        if (ENTRY_CHECK(GUEST_V86_LIMIT, bad_limit)) return false;
        if (ENTRY_CHECK(GUEST_V86_AR, bad_ar)) return false;
    }
    if (ENTRY_CHECK(GUEST_BASE_CANONICAL, !canonical(c, base(c, S_TR)) || !canonical(c, base(c, S_FS)) ||
                                          !canonical(c, base(c, S_GS)) ||
                                          (usable(c, S_LDTR) && !canonical(c, base(c, S_LDTR))))) return false;
    if (ENTRY_CHECK(GUEST_BASE_HIGH, (base(c, S_CS) >> 32) ||
                                     (usable(c, S_SS) && (base(c, S_SS) >> 32)) ||
                                     (usable(c, S_DS) && (base(c, S_DS) >> 32)) ||
                                     (usable(c, S_ES) && (base(c, S_ES) >> 32)))) return false;
    if (v86)
        goto system_segments;

    uint32_t cs = ar(c, S_CS), ss = ar(c, S_SS);
    unsigned cs_type = cs & AR_TYPE_MASK;
    if (ENTRY_CHECK(GUEST_CS_TYPE, !(cs_type == 9 || cs_type == 11 || cs_type == 13 || cs_type == 15 ||
                                     (cs_type == 3 && unrestricted(c))))) return false;
    if (ENTRY_CHECK(GUEST_CS_DPL, (cs_type == 3 && dpl(cs) != 0) ||
                                  ((cs_type == 9 || cs_type == 11) && dpl(cs) != dpl(ss)) ||
                                  ((cs_type == 13 || cs_type == 15) && dpl(cs) > dpl(ss)))) return false;
    if (ENTRY_CHECK(GUEST_CS_L_DB, guest64(c) && (cs & AR_L) && (cs & AR_DB))) return false;
    if (ENTRY_CHECK(GUEST_SS_TYPE, usable(c, S_SS) && (ss & AR_TYPE_MASK) != 3 && (ss & AR_TYPE_MASK) != 7)) return false;
    if (ENTRY_CHECK(GUEST_SS_DPL, (!unrestricted(c) && dpl(ss) != (sel(c, S_SS) & 3u)) ||
                                  ((cs_type == 3 || !(cr0 & CR0_PE)) && dpl(ss) != 0))) return false;

    bool bad_type = false, bad_dpl = false;
    for (unsigned s = S_ES; s <= S_GS; s++) {
        if (s == S_CS || s == S_SS || !usable(c, s))
            continue;
        uint32_t a = ar(c, s);
        unsigned type = a & AR_TYPE_MASK;
        bad_type |= !(type & AR_TYPE_ACCESSED) || ((type & AR_TYPE_CODE) && !(type & AR_TYPE_RW));
        bad_dpl |= !unrestricted(c) && type <= 11 && dpl(a) < (sel(c, s) & 3u);
    }
    if (ENTRY_CHECK(GUEST_DATA_TYPE, bad_type)) return false;
    if (ENTRY_CHECK(GUEST_DATA_DPL, bad_dpl)) return false;

    bool bad_s = false, bad_p = false;
    for (unsigned s = S_ES; s <= S_GS; s++) {
        if (s != S_CS && !usable(c, s))
            continue;
        uint32_t a = ar(c, s);
        bad_s |= !(a & AR_S);
        bad_p |= !(a & AR_P);
        bad_rsvd |= ar_reserved(a);
        bad_g |= g_bad(lim(c, s), a);
    }
    if (ENTRY_CHECK(GUEST_SEG_S, bad_s)) return false;
    if (ENTRY_CHECK(GUEST_SEG_P, bad_p)) return false;

system_segments:;
    uint32_t tr = ar(c, S_TR), ldtr = ar(c, S_LDTR);
    unsigned tr_type = tr & AR_TYPE_MASK;
    if (ENTRY_CHECK(GUEST_TR_TYPE, !(tr_type == 11 || (tr_type == 3 && !guest64(c))))) return false;
    if (ENTRY_CHECK(GUEST_TR_S_P_USABLE, (tr & AR_S) || !(tr & AR_P) || (tr & AR_UNUSABLE))) return false;
    if (ENTRY_CHECK(GUEST_LDTR_TYPE, usable(c, S_LDTR) &&
                                     ((ldtr & AR_TYPE_MASK) != 2 || (ldtr & AR_S) || !(ldtr & AR_P)))) return false;
    /* Reserved bits and granularity, for every usable segment (the code
     * and data segments were folded in above outside virtual-8086 mode). */
    bad_rsvd |= ar_reserved(tr) || (usable(c, S_LDTR) && ar_reserved(ldtr));
    bad_g |= g_bad(lim(c, S_TR), tr) || (usable(c, S_LDTR) && g_bad(lim(c, S_LDTR), ldtr));
    if (ENTRY_CHECK(GUEST_SEG_AR_RSVD, bad_rsvd)) return false;
    if (ENTRY_CHECK(GUEST_SEG_G, bad_g)) return false;
    return true;
}

/* SDM 26.3.1.3 */
static bool check_guest_descriptor_tables(const Ctx *c, EntryFailure *fail)
{
    if (ENTRY_CHECK(GUEST_DTR_CANONICAL, !canonical(c, fld(c, VF_GUEST_GDTR_BASE)) ||
                                         !canonical(c, fld(c, VF_GUEST_IDTR_BASE)))) return false;
    if (ENTRY_CHECK(GUEST_DTR_LIMIT, (fld(c, VF_GUEST_GDTR_LIMIT) >> 16) || (fld(c, VF_GUEST_IDTR_LIMIT) >> 16))) return false;
    return true;
}

/* SDM 26.3.1.4 */
static bool check_guest_rip_rflags(const Ctx *c, EntryFailure *fail)
{
    uint64_t rip = fld(c, VF_GUEST_RIP), rflags = fld(c, VF_GUEST_RFLAGS);
    bool long64 = guest64(c) && (ar(c, S_CS) & AR_L);
    if (ENTRY_CHECK(GUEST_RIP_HIGH, !long64 && (rip >> 32))) return false;
    if (ENTRY_CHECK(GUEST_RIP_CANONICAL, long64 && !canonical(c, rip))) return false;
    if (ENTRY_CHECK(GUEST_RFLAGS_RSVD, (rflags & (BITS(63, 22) | BIT(15) | BIT(5) | BIT(3))) || !(rflags & BIT(1)))) return false;
    if (ENTRY_CHECK(GUEST_RFLAGS_VM, (rflags & RFLAGS_VM) && (guest64(c) || !(fld(c, VF_GUEST_CR0) & CR0_PE)))) return false;
    uint32_t info = (uint32_t)fld(c, VF_VM_ENTRY_INTR_INFO_FIELD);
    if (ENTRY_CHECK(GUEST_RFLAGS_IF_EXTINT, (info & INTR_INFO_VALID) && INTR_INFO_TYPE(info) == INTR_TYPE_EXT_INTR &&
                                            !(rflags & RFLAGS_IF))) return false;
    return true;
}

/* Events an activity state lets through (SDM 26.3.1.5, activity state). */
static bool event_blocked_in_activity(unsigned activity, uint32_t info)
{
    unsigned type = INTR_INFO_TYPE(info), vector = INTR_INFO_VECTOR(info);
    switch (activity) {
    case ACTIVITY_HLT:
        return !(type == INTR_TYPE_EXT_INTR || type == INTR_TYPE_NMI ||
                 (type == INTR_TYPE_HW_EXC && (vector == EXC_DB || vector == EXC_MC)) ||
                 (type == INTR_TYPE_OTHER && vector == 0));
    case ACTIVITY_SHUTDOWN:
        return !(type == INTR_TYPE_NMI || (type == INTR_TYPE_HW_EXC && vector == EXC_MC));
    case ACTIVITY_WAIT_SIPI:
        return true;
    default:
        return false;
    }
}

/* SDM 26.3.1.5 */
static bool check_guest_non_register_state(const Ctx *c, EntryFailure *fail, uint64_t *qual)
{
    const VmxCaps *caps = c->env->caps;
    uint64_t activity = fld(c, VF_GUEST_ACTIVITY_STATE);
    uint32_t intr = (uint32_t)fld(c, VF_GUEST_INTERRUPTIBILITY_INFO);
    uint32_t info = (uint32_t)fld(c, VF_VM_ENTRY_INTR_INFO_FIELD);
    uint64_t rflags = fld(c, VF_GUEST_RFLAGS);
    bool inject = info & INTR_INFO_VALID;
    unsigned type = INTR_INFO_TYPE(info);
    static const uint64_t activity_cap[] = { 0, MISC_ACTIVITY_HLT, MISC_ACTIVITY_SHUTDOWN, MISC_ACTIVITY_WAIT_SIPI };

    if (ENTRY_CHECK(GUEST_ACTIVITY_RANGE, activity > 3 || (activity != 0 && !(caps->misc & activity_cap[activity])))) return false;
    if (ENTRY_CHECK(GUEST_ACTIVITY_HLT_DPL, activity == ACTIVITY_HLT && dpl(ar(c, S_SS)) != 0)) return false;
    if (ENTRY_CHECK(GUEST_ACTIVITY_BLOCKING, activity != ACTIVITY_ACTIVE && (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS)))) return false;
    if (ENTRY_CHECK(GUEST_ACTIVITY_EVENT, inject && event_blocked_in_activity((unsigned)activity, info))) return false;

    /* vmxsim models no SGX: bit 4 (enclave interruption) is reserved. */
    if (ENTRY_CHECK(GUEST_INTR_RSVD, intr & (BITS(31, 5) | INTERRUPTIBILITY_ENCLAVE))) return false;
    if (ENTRY_CHECK(GUEST_INTR_STI_MOVSS, (intr & INTERRUPTIBILITY_STI) && (intr & INTERRUPTIBILITY_MOVSS))) return false;
    if (ENTRY_CHECK(GUEST_INTR_STI_IF, (intr & INTERRUPTIBILITY_STI) && !(rflags & RFLAGS_IF))) return false;
    if (ENTRY_CHECK(GUEST_INTR_EXTINT, inject && type == INTR_TYPE_EXT_INTR &&
                                       (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS)))) return false;
    if (ENTRY_CHECK(GUEST_INTR_NMI_MOVSS, inject && type == INTR_TYPE_NMI && (intr & INTERRUPTIBILITY_MOVSS))) return false;
    if (ENTRY_CHECK(GUEST_INTR_NMI_STI, inject && type == INTR_TYPE_NMI && (intr & INTERRUPTIBILITY_STI))) {
        *qual = 3;
        return false;
    }
    if (ENTRY_CHECK(GUEST_INTR_SMI, intr & INTERRUPTIBILITY_SMI)) return false;
    if (ENTRY_CHECK(GUEST_INTR_VNMI, (c->pin & VMXM_PIN_VIRTUAL_NMIS) && inject && type == INTR_TYPE_NMI &&
                                     (intr & INTERRUPTIBILITY_NMI))) return false;

    uint64_t pending = fld(c, VF_GUEST_PENDING_DBG_EXCEPTIONS);
    if (ENTRY_CHECK(GUEST_PENDING_DBG_RSVD, pending & (BITS(11, 4) | BIT(13) | BIT(15) | BITS(63, 16)))) return false;
    if ((intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOVSS)) || activity == ACTIVITY_HLT) {
        bool btf = (c->entry & VMXM_ENTRY_LOAD_DEBUG_CONTROLS) ? (fld(c, VF_GUEST_IA32_DEBUGCTL) & DEBUGCTL_BTF) : false;
        bool want_bs = (rflags & RFLAGS_TF) && !btf;
        if (ENTRY_CHECK(GUEST_PENDING_DBG_BS, !!(pending & BIT(14)) != want_bs)) return false;
    }

    uint64_t link = fld(c, VF_VMCS_LINK_POINTER);
    if (link != ~0ull) {
        *qual = 4;
        if (ENTRY_CHECK(GUEST_LINK_ALIGN, not_page_aligned_or_beyond_pa(c, link))) return false;
        uint32_t head = (uint32_t)physmem_read(c->env->pm, link, 4);
        bool shadowing = c->proc2 & VMXM_PROC2_VMCS_SHADOWING;
        if (ENTRY_CHECK(GUEST_LINK_REVISION, (head & VMX_BASIC_REVISION_MASK) != (caps->basic & VMX_BASIC_REVISION_MASK) ||
                                             !!(head & VMCS_SHADOW_INDICATOR) != shadowing)) return false;
        if (ENTRY_CHECK(GUEST_LINK_NOT_CURRENT, link == c->env->current_vmcs)) return false;
        *qual = 0;
    }
    return true;
}

/* SDM 26.3.1.6: PAE paging in the guest (CR0.PG, CR4.PAE, not IA-32e mode).
 * With EPT the PDPTE fields are checked; without it, the PDPTEs CR3 points
 * at are read from memory. Reserved bits: 2:1, 8:5 and 63:MAXPHYADDR of
 * present entries (SDM 4.4.1 "PDPTE Registers"). */
static bool check_guest_pdptes(const Ctx *c, EntryFailure *fail, uint64_t *qual)
{
    uint64_t cr0 = fld(c, VF_GUEST_CR0), cr4 = fld(c, VF_GUEST_CR4);
    if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || guest64(c))
        return true;
    uint64_t rsvd = BITS(2, 1) | BITS(8, 5);
    if (c->env->maxphyaddr < 64)
        rsvd |= ~0ull << c->env->maxphyaddr;
    bool bad = false;
    for (unsigned i = 0; i < 4; i++) {
        uint64_t pdpte = (c->proc2 & VMXM_PROC2_ENABLE_EPT)
                             ? fld(c, VF_GUEST_PDPTE0 + i)
                             : physmem_read(c->env->pm, (fld(c, VF_GUEST_CR3) & 0xffffffe0u) + 8 * i, 8);
        bad |= (pdpte & 1) && (pdpte & rsvd);
    }
    if (ENTRY_CHECK(GUEST_PDPTE_RSVD, bad)) {
        *qual = 2;
        return false;
    }
    return true;
}

bool vmx_check_guest_state(const EntryCheckEnv *env, EntryFailure *fail, uint64_t *qualification)
{
    Ctx c;
    entry_ctx_init(&c, env);
    *qualification = 0;
    return check_guest_control_registers(&c, fail) && check_guest_segments(&c, fail) &&
           check_guest_descriptor_tables(&c, fail) && check_guest_rip_rflags(&c, fail) &&
           check_guest_non_register_state(&c, fail, qualification) &&
           check_guest_pdptes(&c, fail, qualification);
}
