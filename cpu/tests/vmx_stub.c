/*
 * cpu/tests/vmx_stub.c: the vmx/ entry points the cpu layer calls, for unit
 * tests of the cpu layer alone (STYLE 1: "the lower folder's unit tests
 * link a <folder>_stub.c in its place"). With no VMX state a vCPU is never
 * in VMX operation, so the VMX instructions are #UD, as on a processor
 * without VMX.
 */
#include "cpu/fault.h"
#include "cpu/insn.h"
#include "vmx/vmx.h"

#define INSN(name, map, opcode, constraint, operands, handler, feature, flags) \
    SimStatus handler(Cpu *cpu, const DecodedInsn *d) { return cpu_ud(cpu); }
#include "vmx/insn_vmx.def"
#undef INSN

/* Never reached: without VMX state no vCPU enters non-root operation. */
SimStatus vmx_insn_exit_slow(Cpu *cpu, const DecodedInsn *d) { return ST_OK; }
SimStatus vmx_pending_event_exits(Cpu *cpu) { return ST_OK; }
SimStatus vmx_exception_exit(Cpu *cpu, uint8_t vector, bool has_error, uint32_t error,
                             unsigned intr_type) { return ST_OK; }
SimStatus vmx_triple_fault_exit(Cpu *cpu) { return ST_SHUTDOWN; }
SimStatus vmx_task_switch_exit(Cpu *cpu, uint16_t selector, unsigned source) { return ST_OK; }
SimStatus vmx_ept_exit(Cpu *cpu) { return cpu_unsupported(cpu, "EPT without VMX"); }
bool vmx_mtf_before_debug_trap(Cpu *cpu, uint64_t dr6_bits) { return false; }
bool vmx_halted_wakes(Cpu *cpu) { return false; }
uint64_t vmx_cr_guest_read(const Cpu *cpu, unsigned cr, uint64_t value) { return value; }
uint64_t vmx_cr_guest_write(const Cpu *cpu, unsigned cr, uint64_t value) { return value; }
uint64_t vmx_guest_tsc(const Cpu *cpu, uint64_t tsc) { return tsc; }
bool vmx_tpr_shadow(const Cpu *cpu) { return false; }
uint64_t vmx_cr8_read(const Cpu *cpu) { return 0; }
SimStatus vmx_cr8_write(Cpu *cpu, uint64_t value) { return ST_OK; }
void vmx_after_step(Cpu *cpu) { }
