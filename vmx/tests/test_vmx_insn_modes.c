/*
 * vmx/tests/test_vmx_insn_modes.c: the #UD conditions of the VMX
 * instructions that a 64-bit guest test image cannot reach, SDM Vol.3 30.3
 * "VMX Instructions" (each instruction's pseudocode starts with: #UD if
 * CR0.PE = 0, RFLAGS.VM = 1, or IA32_EFER.LMA = 1 and CS.L = 0; outside VMX
 * operation every instruction but VMXON is #UD; VMFUNC is #UD outside VMX
 * non-root operation). The handlers are called directly on a fixture CPU
 * with real VMX state, in real-address mode and in virtual-8086 mode.
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
#include "vmx/internal.h"
#include "vmx/vmx.h"

#define INSN(name, map, opcode, constraint, operands, handler, feature, flags) \
    SimStatus handler(Cpu *cpu, const DecodedInsn *d);
#include "vmx/insn_vmx.def"
#undef INSN

static const struct { const char *name; InsnHandler fn; } handlers[] = {
#define INSN(name, map, opcode, constraint, operands, handler, feature, flags) { #name, handler },
#include "vmx/insn_vmx.def"
#undef INSN
};

static const MsrValue vmx_msrs[] = {
    { MSR_IA32_FEATURE_CONTROL, 0x5 },
    { MSR_IA32_VMX_BASIC, 0x00da040000000004ull },
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

static int setup(void **state)
{
    Fixture *fx = fixture_new();
    g_free(fx->model.msrs);
    fx->model.msrs = g_memdup2(vmx_msrs, sizeof(vmx_msrs));
    fx->model.nmsrs = G_N_ELEMENTS(vmx_msrs);
    fx->cpu.vmx = vmx_cpu_new(&fx->cpu);
    assert_non_null(fx->cpu.vmx);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fixture *fx = *state;
    vmx_cpu_free(fx->cpu.vmx);
    fx->cpu.vmx = NULL;
    fixture_free(fx);
    return 0;
}

/* Every handler must raise #UD without touching RFLAGS or the VMX state. */
static void expect_all_ud(Cpu *cpu, const char *mode)
{
    DecodedInsn d;
    memset(&d, 0, sizeof(d));
    d.addrsize = 2;
    d.opsize = 2;
    for (unsigned i = 0; i < G_N_ELEMENTS(handlers); i++) {
        uint64_t rflags = cpu->rflags;
        uint64_t current = cpu->vmx->current_vmcs;
        SimStatus st = handlers[i].fn(cpu, &d);
        if (st != ST_FAULT || cpu->fault.vector != EXC_UD)
            fail_msg("%s: %s gave status %d vector %u, expected #UD", mode, handlers[i].name, st,
                     cpu->fault.vector);
        assert_int_equal(cpu->rflags, rflags);
        assert_int_equal(cpu->vmx->current_vmcs, current);
    }
}

static void test_real_mode_every_vmx_insn_is_ud(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_real(fx);
    cpu_set_cr4(cpu, cpu->cr4 | CR4_VMXE);
    /* Real-address mode exists only outside VMX operation (CR0.PE is
     * fixed to 1 in root operation, SDM 23.8). */
    expect_all_ud(cpu, "real mode, outside VMX operation");
}

static void test_v86_mode_every_vmx_insn_is_ud(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_prot32(fx);
    cpu->cr0 |= CR0_NE | CR0_PG;
    cpu_set_cr4(cpu, cpu->cr4 | CR4_VMXE);
    cpu->rflags |= RFLAGS_VM;
    cpu_update_mode(cpu);
    assert_int_equal(cpu->mode, MODE_V86);
    expect_all_ud(cpu, "virtual-8086 mode, outside VMX operation");
    /* In VMX root operation: VMCALL's own order puts RFLAGS.VM after the
     * non-root exit, still #UD in root operation. */
    cpu->vmx->vmxon = true;
    vmx_set_fixed_bits(cpu, true, false);
    expect_all_ud(cpu, "virtual-8086 mode, VMX root operation");
    cpu->vmx->vmxon = false;
    vmx_set_fixed_bits(cpu, false, false);
}

static void test_compat_mode_every_vmx_insn_is_ud(void **state)
{
    Fixture *fx = *state;
    Cpu *cpu = &fx->cpu;
    fixture_mode_compat32(fx);
    assert_int_equal(cpu->mode, MODE_COMPAT);
    cpu_set_cr4(cpu, cpu->cr4 | CR4_VMXE);
    cpu->vmx->vmxon = true;
    expect_all_ud(cpu, "compatibility mode, VMX root operation");
    cpu->vmx->vmxon = false;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_real_mode_every_vmx_insn_is_ud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v86_mode_every_vmx_insn_is_ud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compat_mode_every_vmx_insn_is_ud, setup, teardown),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
