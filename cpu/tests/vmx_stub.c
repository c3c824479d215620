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
