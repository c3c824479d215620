/*
 * cpu/tests/vmx_stub.c: the vmx/ entry points the cpu layer calls, for unit
 * tests of the cpu layer alone (STYLE 1: "the lower folder's unit tests
 * link a <folder>_stub.c in its place"). With no VMX state a vCPU is never
 * in VMX operation, so the VMX instructions are #UD, as on a processor
 * without VMX.
 */
#include "cpu/fault.h"
#include "cpu/insn.h"

#define INSN(name, map, opcode, constraint, operands, handler, feature, flags) \
    SimStatus handler(Cpu *cpu, const DecodedInsn *d) { return cpu_ud(cpu); }
#include "vmx/insn_vmx.def"
#undef INSN
