/*
 * vmx/vmx.h: the public face of vmx/ for the layers that call up into it
 * (the interpreter for VMX instructions and non-root decisions, the machine
 * for set-up). SDM Vol.3 ch. 23 "Introduction to Virtual Machine
 * Extensions" for the operating modes this state tracks.
 */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "traces/trace.h"
#include "vmx/caps.h"
#include "vmx/vmcs.h"

#define VMX_INVALID_POINTER (~0ull)

/* Launch state kept in the region when VMXOFF leaves a launched VMCS
 * current: VMRESUME of it after VMXON and VMPTRLD fails with error 6
 * ("VMRESUME after VMXOFF"), VMLAUNCH with error 4, VMCLEAR resets it.
 * vmxsim's own encoding (the region format is implementation-specific). */
#define VMCS_LAUNCHED_BEFORE_VMXOFF 2u

typedef struct VmxCpu {
    bool vmxon;                /* in VMX operation (root or non-root) */
    uint64_t vmxon_ptr;
    uint64_t current_vmcs;     /* current-VMCS pointer, or VMX_INVALID_POINTER */
    Vmcs vmcs;                 /* the current VMCS, cached as hardware does */
    VmxCaps caps;
    /* While in non-root operation: the controls of the current VMCS, read
     * once at VM entry (SDM 24.6, 24.7). */
    uint32_t pin, proc, proc2, exit_ctls, entry_ctls;
    /* The shadow VMCS named by the link pointer, cached while in non-root
     * operation with VMCS shadowing on (SDM 24.10). */
    bool shadow_loaded;
    Vmcs shadow;
    /* Non-root instruction exits (vmx/nonroot.c): per instruction-table
     * row, the rule from vmx/insn_exits.def and, while in non-root
     * operation, what to do before the instruction runs. */
    uint8_t *row_rule;         /* VMX_RULE_* */
    uint8_t *row_reason;       /* basic exit reason */
    uint8_t *row_control;      /* VmxControl for VMX_RULE_CONTROL */
    uint8_t *row_action;       /* VMX_ACT_* for the current VMCS */
    /* The control words row_action was computed for: a VM entry with the
     * same controls (the common VMRESUME) reuses it. */
    uint32_t action_ctls[VMX_CONTROL_KIND_COUNT];
    bool action_valid;
    /* Non-root timing and event state (vmx/nonroot_events.c): the
     * VMX-preemption timer's expiry as a physical TSC value (SDM 25.5.1),
     * a pending MTF VM exit (SDM 25.5.2), pending debug exceptions to save
     * with it (27.3.4), the host's NMI blocking while virtual NMIs track
     * the guest's (SDM 25.3 IRET, 24.4.2), and an event being injected by
     * VM entry, which the exception bitmap does not see (SDM 26.5.1). */
    bool preempt_armed;
    uint64_t preempt_deadline_tsc;
    bool mtf_pending;
    uint64_t pending_dbg;
    bool host_nmi_blocked;
    bool injecting;
    /* The current instruction is IRET, and NMI (or virtual-NMI) blocking
     * before it (SDM 25.3 IRET, 27.2.2 "NMI unblocking due to IRET"). */
    bool iret_step, iret_nmi_blocked;
    /* EPT in force while in non-root operation (cpu->ept points here). */
    EptCtx ept;
    /* Reporting of failed VM-entry checks: a trace record, and with
     * -d entry a line on stderr naming the SDM section (set by sim/). */
    Tracer *tracer;
    bool log_entry_failures;
    /* Statistics for traces and tests. */
    uint64_t entries, exits;
} VmxCpu;

enum { VMX_RULE_NONE, VMX_RULE_ALWAYS, VMX_RULE_CONTROL, VMX_RULE_SPECIAL };
enum { VMX_ACT_NONE, VMX_ACT_EXIT, VMX_ACT_SPECIAL };

/* Called by the run loop before each instruction in non-root operation;
 * ST_OK to execute it, ST_VMEXIT if it exited, or a fault. Inline so the
 * common "nothing to do" costs one load. */
SimStatus vmx_insn_exit_slow(Cpu *cpu, const DecodedInsn *d);
static inline SimStatus vmx_before_insn(Cpu *cpu, const DecodedInsn *d)
{
    if (SIM_LIKELY(cpu->vmx->row_action[d->desc] == VMX_ACT_NONE))
        return ST_OK;
    return vmx_insn_exit_slow(cpu, d);
}

/* Event hooks for cpu/deliver.c in non-root operation (SDM 25.2 "Other
 * Causes of VM Exits"): return ST_VMEXIT when the event exits, ST_OK when
 * it must be delivered to the guest normally. */
SimStatus vmx_exception_exit(Cpu *cpu, uint8_t vector, bool has_error, uint32_t error,
                             unsigned intr_type);
SimStatus vmx_external_interrupt_exit(Cpu *cpu);
SimStatus vmx_nmi_exit(Cpu *cpu);
SimStatus vmx_triple_fault_exit(Cpu *cpu);
/* The EPT violation (48) or misconfiguration (49) in cpu->fault. */
SimStatus vmx_ept_exit(Cpu *cpu);
/* Task switch: source 0 CALL, 1 IRET, 2 JMP, 3 task gate in the IDT. */
SimStatus vmx_task_switch_exit(Cpu *cpu, uint16_t selector, unsigned source);
/* Between instructions in non-root operation: NMI-window and
 * interrupt-window exits, then NMIs and external interrupts that the
 * pin-based controls turn into exits (SDM 25.2, priorities of SDM 6.9).
 * ST_OK when nothing exits. */
SimStatus vmx_pending_event_exits(Cpu *cpu);

/* After one step of the run loop that began and ended in non-root
 * operation (an instruction completed or faulted, or an event was
 * delivered): with the "monitor trap flag" control an MTF VM exit is now
 * pending (SDM 25.5.2); an IRET's NMI-blocking rule is applied (25.3). */
void vmx_after_step(Cpu *cpu);
/* A single-step trap (DR6.BS) after an instruction in non-root operation:
 * true when a pending MTF VM exit takes priority (SDM 25.5.2: MTF VM
 * exits have priority over debug-trap exceptions); the trap is then saved
 * as a pending debug exception (SDM 27.3.4) instead of being delivered. */
bool vmx_mtf_before_debug_trap(Cpu *cpu, uint64_t dr6_bits);
/* A sleeping vCPU in non-root operation (HLT, shutdown, wait-for-SIPI):
 * may a VM exit or an event end its state now (SDM 25.2 activity-state
 * rules, 25.5.1)? Tells the machine whether stepping it makes progress. */
bool vmx_halted_wakes(Cpu *cpu);

/* SDM 25.3 "Changes to Instruction Behavior in VMX Non-Root Operation"
 * (vmx/nonroot_insn.c), called by the instruction handlers only while
 * cpu->vmx_non_root:
 * - MOV from CR0/CR4 and SMSW read host-owned bits from the read shadow;
 * - MOV to CR0/CR4, CLTS and LMSW leave host-owned bits unmodified
 *   (vmx_cr_guest_write returns the value to check and load);
 * - RDTSC, RDTSCP and RDMSR of IA32_TSC see the TSC multiplier and
 *   offset;
 * - with "use TPR shadow", CR8 is VTPR[7:4] of the virtual-APIC page and
 *   writes may cause a TPR-below-threshold VM exit (ST_VMEXIT). */
uint64_t vmx_cr_guest_read(const Cpu *cpu, unsigned cr, uint64_t value);
uint64_t vmx_cr_guest_write(const Cpu *cpu, unsigned cr, uint64_t value);
uint64_t vmx_guest_tsc(const Cpu *cpu, uint64_t tsc);
bool vmx_tpr_shadow(const Cpu *cpu);
uint64_t vmx_cr8_read(const Cpu *cpu);
SimStatus vmx_cr8_write(Cpu *cpu, uint64_t value);

/* Fill the per-row rules (once per vCPU) and the actions (at VM entry). */
void vmx_nonroot_init(VmxCpu *v);
void vmx_nonroot_on_entry(VmxCpu *v);

/* Allocate VMX state for a vCPU whose model reports VMX; NULL otherwise. */
VmxCpu *vmx_cpu_new(Cpu *cpu);
void vmx_cpu_free(VmxCpu *v);

/* Exit information recorded with a VM exit (SDM 27.2 "Recording VM-Exit
 * Information and Updating VM-Entry Control Fields"). */
typedef struct VmxExitInfo {
    uint32_t reason;           /* basic reason; bit 31 for entry failures */
    uint64_t qualification;
    uint64_t guest_linear;     /* valid when has_guest_linear */
    uint64_t guest_physical;   /* valid when has_guest_physical */
    uint32_t intr_info, intr_error;
    uint32_t instruction_info;
    uint8_t instruction_len;   /* 0 when the reason saves no length */
    bool has_guest_linear, has_guest_physical;
} VmxExitInfo;

/* Perform a VM exit from non-root operation: record the information, save
 * guest state, load host state (SDM ch. 27 "VM Exits"). Returns
 * ST_VMEXIT (state switched; the run loop continues at the host RIP) or
 * ST_SHUTDOWN on a VMX abort. */
SimStatus vmx_vmexit(Cpu *cpu, const VmxExitInfo *info);

/* A VM exit caused by executing the current instruction d (length and,
 * where defined, instruction information recorded). */
SimStatus vmx_exit_for_insn(Cpu *cpu, uint32_t reason, uint64_t qualification,
                            uint32_t instruction_info);

/* VM entry for VMLAUNCH (launch = true) and VMRESUME, after the
 * instruction's own checks (SDM ch. 26 "VM Entries"). */
SimStatus vmx_vmentry(Cpu *cpu, bool launch);

/* VMfail conventions (SDM Vol.2 "Conventions" for VMX instructions). */
void vmx_succeed(Cpu *cpu);
void vmx_fail_invalid(Cpu *cpu);
void vmx_fail_valid(Cpu *cpu, unsigned error);
void vmx_fail(Cpu *cpu, unsigned error);

#endif
