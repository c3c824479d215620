/*
 * vmx/tests/test_entry_fuzz.c: random VMCS contents through the VM-entry
 * checks and through real VM entries (issue 4, "Bad input": every value a
 * VMWRITE can store is accepted or rejected as the SDM says, and nothing
 * crashes vmxsim). Deterministic: a fixed-seed xorshift generator.
 *
 * Each VMCS starts from a valid baseline (64-bit host and guest, as in
 * test_entry_check.c) and gets random values in a few fields, random
 * control bits within the allowed-1 settings, or (one case in eight) random
 * values in every field. The outcome must be one the SDM defines:
 *   - SDM Vol.3 26.2: VMfailValid with error 7 (a control check failed) or
 *     8 (a host-state check failed);
 *   - 26.3 and 26.8: exit reason 33 with bit 31 and qualification 0, 2
 *     (PDPTEs), 3 (NMI injection with STI blocking) or 4 (VMCS link
 *     pointer), matching the failing row's outcome in entry_checks.def;
 *   - 26.4: exit reason 34 with bit 31 and the 1-based index of an entry
 *     of the VM-entry MSR-load area;
 *   - success: the vCPU is in VMX non-root operation (or already left it
 *     through a VM exit caused by the injected event);
 *   - a VMX abort (27.7) or a clean stop for an unsupported feature.
 * A real entry must agree with the pure checks on the same VMCS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "cpu/arch.h"
#include "cpu/tests/fixture.h"
#include "vmx/entry_check.h"
#include "vmx/internal.h"
#include "vmx/vmx.h"

#define REVISION 4
#define CURRENT_VMCS 0x300000ull
#define VMXON_REGION 0x301000ull
#define CHECK_ITERATIONS 100000
#define ENTRY_ITERATIONS 20000

/* The Skylake-server model's capability MSRs (configs/cpus). */
static const MsrValue vmx_msrs[] = {
    { MSR_IA32_FEATURE_CONTROL, 0x5 },
    { MSR_IA32_VMX_BASIC, 0x00da040000000000ull | REVISION },
    { MSR_IA32_VMX_PINBASED_CTLS, 0x0000007f00000016ull },
    { MSR_IA32_VMX_PROCBASED_CTLS, 0xfff9fffe0401e172ull },
    { MSR_IA32_VMX_EXIT_CTLS, 0x01ffffff00036dffull },
    { MSR_IA32_VMX_ENTRY_CTLS, 0x0003ffff000011ffull },
    { MSR_IA32_VMX_MISC, 0x7004c1e7ull },
    { MSR_IA32_VMX_CR0_FIXED0, 0x80000021ull },
    { MSR_IA32_VMX_CR0_FIXED1, 0xffffffffull },
    { MSR_IA32_VMX_CR4_FIXED0, 0x2000ull },
    { MSR_IA32_VMX_CR4_FIXED1, 0x7767ffull },
    { MSR_IA32_VMX_VMCS_ENUM, 0x2e },
    { MSR_IA32_VMX_PROCBASED_CTLS2, 0x001f7cff00000000ull },
    { MSR_IA32_VMX_EPT_VPID_CAP, 0x00000f0106734141ull },
    { MSR_IA32_VMX_TRUE_PINBASED_CTLS, 0x0000007f00000016ull },
    { MSR_IA32_VMX_TRUE_PROCBASED_CTLS, 0xfff9fffe04006172ull },
    { MSR_IA32_VMX_TRUE_EXIT_CTLS, 0x01ffffff00036dfbull },
    { MSR_IA32_VMX_TRUE_ENTRY_CTLS, 0x0003ffff000011fbull },
    { MSR_IA32_VMX_VMFUNC, 0x1 },
};

typedef struct Rng { uint64_t s; } Rng;

static uint64_t rnd(Rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static uint64_t below(Rng *r, uint64_t n) { return rnd(r) % n; }

static void baseline(Vmcs *v)
{
    memset(v, 0, sizeof(*v));
    v->revision = REVISION;
    vmcs_write(v, VF_PIN_BASED_VM_EXEC_CONTROL, 0x16);
    vmcs_write(v, VF_CPU_BASED_VM_EXEC_CONTROL, 0x04006172 | VMXM_PROC_ACTIVATE_SECONDARY);
    vmcs_write(v, VF_VM_EXIT_CONTROLS, 0x00036dfb | VMXM_EXIT_HOST_ADDR_SPACE_SIZE);
    vmcs_write(v, VF_VM_ENTRY_CONTROLS, 0x000011fb | VMXM_ENTRY_IA32E_MODE_GUEST);
    vmcs_write(v, VF_HOST_CR0, 0x80000031);
    vmcs_write(v, VF_HOST_CR4, 0x2020);
    vmcs_write(v, VF_HOST_CR3, 0x10000);
    vmcs_write(v, VF_HOST_CS_SELECTOR, 0x18);
    vmcs_write(v, VF_HOST_SS_SELECTOR, 0x10);
    vmcs_write(v, VF_HOST_DS_SELECTOR, 0x10);
    vmcs_write(v, VF_HOST_ES_SELECTOR, 0x10);
    vmcs_write(v, VF_HOST_TR_SELECTOR, 0x28);
    vmcs_write(v, VF_HOST_RIP, 0x1000);
    vmcs_write(v, VF_HOST_RSP, 0x800000);
    vmcs_write(v, VF_GUEST_CR0, 0x80000031);
    vmcs_write(v, VF_GUEST_CR4, 0x2020);
    vmcs_write(v, VF_GUEST_CR3, 0x10000);
    vmcs_write(v, VF_GUEST_DR7, 0x400);
    vmcs_write(v, VF_GUEST_RFLAGS, 0x2);
    vmcs_write(v, VF_GUEST_RIP, 0x1000);
    vmcs_write(v, VF_GUEST_RSP, 0x700000);
    for (unsigned s = 0; s < 6; s++) {
        vmcs_write(v, VF_GUEST_ES_SELECTOR + s, s == 1 ? 0x18 : 0x10);
        vmcs_write(v, VF_GUEST_ES_LIMIT + s, 0xffffffff);
        vmcs_write(v, VF_GUEST_ES_AR_BYTES + s, s == 1 ? 0xa09b : 0xc093);
    }
    vmcs_write(v, VF_GUEST_LDTR_AR_BYTES, 0x10000);
    vmcs_write(v, VF_GUEST_TR_SELECTOR, 0x28);
    vmcs_write(v, VF_GUEST_TR_LIMIT, 0x67);
    vmcs_write(v, VF_GUEST_TR_AR_BYTES, 0x8b);
    vmcs_write(v, VF_GUEST_GDTR_BASE, 0x8000);
    vmcs_write(v, VF_GUEST_GDTR_LIMIT, 0x2f);
    vmcs_write(v, VF_GUEST_IDTR_LIMIT, 0xfff);
    vmcs_write(v, VF_VMCS_LINK_POINTER, ~0ull);
}

/* A value biased toward what a hypervisor might plausibly write. */
static uint64_t random_value(Rng *r, uint64_t old)
{
    switch (below(r, 8)) {
    case 0: return rnd(r);
    case 1: return old ^ (1ull << below(r, 64));
    case 2: return 0;
    case 3: return ~0ull;
    case 4: return below(r, 256);
    case 5: return below(r, 16) << 20 | below(r, 2) << 11;   /* page-ish address in RAM */
    case 6: return old | (1ull << below(r, 32));
    default: return old & ~(1ull << below(r, 32));
    }
}

static void mutate(Rng *r, Vmcs *v, const VmxCaps *caps)
{
    if (below(r, 8) == 0) {
        for (unsigned f = 0; f < VF_COUNT; f++)
            vmcs_write(v, (VmcsField)f, below(r, 2) ? rnd(r) : random_value(r, vmcs_read(v, (VmcsField)f)));
        return;
    }
    unsigned n = 1 + (unsigned)below(r, 5);
    for (unsigned i = 0; i < n; i++) {
        VmcsField f = (VmcsField)below(r, VF_COUNT);
        vmcs_write(v, f, random_value(r, vmcs_read(v, f)));
    }
    if (below(r, 3) == 0) {
        /* Turn on random controls the model allows: reaches the checks
         * that depend on them. */
        static const VmcsField words[] = { VF_PIN_BASED_VM_EXEC_CONTROL, VF_CPU_BASED_VM_EXEC_CONTROL,
                                           VF_SECONDARY_VM_EXEC_CONTROL, VF_VM_EXIT_CONTROLS,
                                           VF_VM_ENTRY_CONTROLS };
        static const VmxControlKind kinds[] = { VMXK_PIN, VMXK_PROC, VMXK_PROC2, VMXK_EXIT, VMXK_ENTRY };
        unsigned k = (unsigned)below(r, 5);
        uint32_t bits = (uint32_t)rnd(r) & (uint32_t)rnd(r) & caps->ctl[kinds[k]].allowed1;
        vmcs_write(v, words[k], vmcs_read(v, words[k]) | bits);
    }
}

typedef struct Verdict {
    unsigned error;            /* 0, 7 or 8 */
    bool guest_ok;
    uint64_t qual;
    EntryCheckId id;
} Verdict;

static Verdict judge(const EntryCheckEnv *env)
{
    Verdict o = { 0, true, 0, EC_COUNT };
    EntryFailure fail = { EC_COUNT, NULL, 0 };
    o.error = vmx_check_controls_and_host(env, &fail);
    if (o.error) {
        assert_true(o.error == VMXERR_ENTRY_INVALID_CONTROL_FIELD || o.error == VMXERR_ENTRY_INVALID_HOST_STATE);
        assert_true(fail.id < EC_COUNT && fail.condition != NULL && fail.line > 0);
        assert_int_equal(entry_checks[fail.id].outcome,
                         o.error == VMXERR_ENTRY_INVALID_CONTROL_FIELD ? EO_CTRL : EO_HOST);
        o.id = fail.id;
        o.guest_ok = false;
        return o;
    }
    o.guest_ok = vmx_check_guest_state(env, &fail, &o.qual);
    if (!o.guest_ok) {
        static const uint64_t qual_of[] = { [EO_GUEST] = 0, [EO_LINK] = 4, [EO_PDPTE] = 2, [EO_NMI_STI] = 3 };
        assert_true(fail.id < EC_COUNT && fail.condition != NULL);
        unsigned outcome = entry_checks[fail.id].outcome;
        assert_true(outcome >= EO_GUEST && outcome <= EO_NMI_STI);
        assert_int_equal(o.qual, qual_of[outcome]);
        o.id = fail.id;
    }
    return o;
}

static void test_random_vmcs_checks_give_defined_outcomes(void **state)
{
    PhysMap pm;
    const char *err = NULL;
    assert_true(physmem_init(&pm, 16u << 20, &err));
    CpuModel model = { .msrs = (MsrValue *)vmx_msrs, .nmsrs = G_N_ELEMENTS(vmx_msrs) };
    VmxCaps caps;
    vmx_caps_read(&model, &caps);
    physmem_write(&pm, CURRENT_VMCS, 4, REVISION);
    Vmcs *v = g_new0(Vmcs, 1);
    EntryCheckEnv env = { .vmcs = v, .caps = &caps, .pm = &pm, .current_vmcs = CURRENT_VMCS,
                          .maxphyaddr = 46, .linear_bits = 48, .cpu_in_ia32e = true, .cpu_has_pcid = true };
    Rng r = { 0x9e3779b97f4a7c15ull };
    unsigned seen[EC_COUNT] = { 0 }, passes = 0, distinct = 0;
    for (unsigned i = 0; i < CHECK_ITERATIONS; i++) {
        baseline(v);
        mutate(&r, v, &caps);
        /* Fill a few RAM words the checks may read (link pointer, VTPR,
         * PDPTEs) with random data. */
        physmem_write(&pm, below(&r, 16) << 20, 8, rnd(&r));
        env.cpu_in_ia32e = below(&r, 16) != 0;
        Verdict a = judge(&env);
        Verdict b = judge(&env);
        assert_memory_equal(&a, &b, sizeof(a));          /* deterministic */
        if (a.id == EC_COUNT)
            passes++;
        else if (seen[a.id]++ == 0)
            distinct++;
    }
    print_message("# %u VMCSs: %u pass, %u distinct checks failed\n", CHECK_ITERATIONS, passes, distinct);
    /* The fuzz must reach both outcomes and a broad set of checks. */
    assert_true(passes > CHECK_ITERATIONS / 50);
    assert_true(distinct >= 40);
    g_free(v);
    physmem_destroy(&pm);
}

static void enter_vmx_root(Fixture *fx)
{
    Cpu *cpu = &fx->cpu;
    VmxCpu *v = cpu->vmx;
    fixture_mode_long64(fx);
    cpu->vmx_non_root = false;
    cpu->activity = CPU_ACTIVE;
    cpu->movss_shadow = cpu->sti_shadow = false;
    cpu->msr.feature_control = 5;
    cpu->cr0 |= v->caps.cr0_fixed0;
    cpu_set_cr4(cpu, cpu->cr4 | v->caps.cr4_fixed0);
    v->vmxon = true;
    v->vmxon_ptr = VMXON_REGION;
    v->current_vmcs = CURRENT_VMCS;
    v->shadow_loaded = false;
    vmx_set_fixed_bits(cpu, true, false);
}

static void test_random_vmcs_real_entries_never_crash(void **state)
{
    Fixture *fx = fixture_new();
    g_free(fx->model.msrs);
    fx->model.msrs = g_memdup2(vmx_msrs, sizeof(vmx_msrs));
    fx->model.nmsrs = G_N_ELEMENTS(vmx_msrs);
    Cpu *cpu = &fx->cpu;
    cpu->vmx = vmx_cpu_new(cpu);
    assert_non_null(cpu->vmx);
    VmxCpu *vx = cpu->vmx;
    physmem_write(&fx->pm, VMXON_REGION, 4, REVISION);
    /* A TR descriptor for the host's TR selector 28H is not needed: VM
     * exits load TR from the host-state fields (27.5.2). */
    Rng r = { 0x2545f4914f6cdd1dull };
    Vmcs *want = g_new0(Vmcs, 1);
    unsigned counts[8] = { 0 };
    for (unsigned i = 0; i < ENTRY_ITERATIONS; i++) {
        enter_vmx_root(fx);
        baseline(want);
        mutate(&r, want, &vx->caps);
        physmem_write(&fx->pm, CURRENT_VMCS, 4, REVISION);
        physmem_write(&fx->pm, below(&r, 16) << 20 | 0x80, 8, rnd(&r));
        vx->vmcs = *want;
        EntryCheckEnv env = { .vmcs = want, .caps = &vx->caps, .pm = &fx->pm, .current_vmcs = CURRENT_VMCS,
                              .maxphyaddr = cpu->model->maxphyaddr, .linear_bits = 48,
                              .cpu_in_ia32e = true, .cpu_has_pcid = cpu_has(cpu, FEAT_PCID) };
        Verdict verdict = judge(&env);
        SimStatus st = vmx_vmentry(cpu, true);
        uint32_t reason = (uint32_t)vmcs_read(&vx->vmcs, VF_VM_EXIT_REASON);
        uint64_t qual = vmcs_read(&vx->vmcs, VF_EXIT_QUALIFICATION);
        if (st == ST_OK) {
            /* VMfailValid (26.2): ZF, the error, state unchanged. */
            assert_true((cpu->rflags & RFLAGS_ZF) && !(cpu->rflags & RFLAGS_CF));
            assert_int_equal(vmcs_read(&vx->vmcs, VF_VM_INSTRUCTION_ERROR), verdict.error);
            assert_false(cpu->vmx_non_root);
            counts[0]++;
        } else if (st == ST_VMEXIT && cpu->vmx_non_root) {
            assert_int_equal(verdict.error, 0);
            assert_true(verdict.guest_ok);
            assert_int_equal(vx->vmcs.launch_state, VMCS_LAUNCHED);
            counts[1]++;
            /* Run a few guest instructions: whatever they do, the outcome
             * is a status, never a crash. */
            for (unsigned s = 0; s < 8 && cpu_step(cpu) == ST_OK; s++)
                ;
        } else if (st == ST_VMEXIT && (reason & 0xffff) == EXIT_REASON_INVALID_GUEST_STATE) {
            assert_int_equal(verdict.error, 0);
            assert_false(verdict.guest_ok);
            assert_int_equal(reason, BIT(31) | EXIT_REASON_INVALID_GUEST_STATE);
            assert_int_equal(qual, verdict.qual);
            assert_int_equal(vx->vmcs.launch_state, VMCS_CLEAR);
            counts[2]++;
        } else if (st == ST_VMEXIT && (reason & 0xffff) == EXIT_REASON_MSR_LOADING) {
            assert_true(verdict.guest_ok);
            assert_int_equal(reason, BIT(31) | EXIT_REASON_MSR_LOADING);
            uint64_t n = vmcs_read(want, VF_VM_ENTRY_MSR_LOAD_COUNT);
            assert_true(qual >= 1 && qual <= n);
            counts[3]++;
        } else if (st == ST_VMEXIT) {
            /* Entered, then the injected event exited at once (25.2). */
            assert_true(verdict.guest_ok && !(reason & BIT(31)));
            counts[4]++;
        } else if (st == ST_SHUTDOWN) {
            assert_int_equal(cpu->activity, CPU_SHUTDOWN);       /* VMX abort or triple fault */
            counts[5]++;
        } else {
            assert_int_equal(st, ST_STOP);                     /* clean "unsupported" stop */
            assert_non_null(cpu->stop_reason);
            cpu->stop_reason = NULL;
            counts[6]++;
        }
    }
    print_message("# %u entries: %u VMfailValid, %u entered, %u exit 33, %u exit 34, "
                  "%u exited on injection, %u shutdown, %u unsupported\n", ENTRY_ITERATIONS,
                  counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6]);
    assert_true(counts[0] > 0 && counts[1] > 0 && counts[2] > 0);
    g_free(want);
    vmx_cpu_free(cpu->vmx);
    cpu->vmx = NULL;
    fixture_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_vmcs_checks_give_defined_outcomes),
        cmocka_unit_test(test_random_vmcs_real_entries_never_crash),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
