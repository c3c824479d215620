/*
 * cpu/ops_sys.h: helpers shared by the system-instruction handlers
 * (cpu/ops_sys.c, cpu/ops_desc.c), private to them.
 */
#ifndef CPU_OPS_SYS_H
#define CPU_OPS_SYS_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "cpu/mem.h"

/* Protected mode proper: not real-address, not virtual-8086. */
static inline bool sys_protected_mode(const Cpu *cpu)
{
    return cpu->mode != MODE_REAL && cpu->mode != MODE_V86;
}

static inline bool sys_ia32e(const Cpu *cpu)
{
    return (cpu->efer & EFER_LMA) != 0;
}

/* UMIP: SGDT, SIDT, SLDT, SMSW and STR at CPL > 0 are #GP(0) (SDM Vol.3
 * 2.5, CR4.UMIP). */
static inline bool sys_umip_blocks(const Cpu *cpu)
{
    return (cpu->cr4 & CR4_UMIP) && cpu->cpl > 0;
}

static inline uint64_t sys_addr_mask(const DecodedInsn *d)
{
    return size_mask(d->addrsize);
}

/* 16-bit r/m source (selectors, LMSW). */
static inline SimStatus SIM_MUST_CHECK sys_read_Ew(Cpu *cpu, const DecodedInsn *d,
                                                   uint16_t *v)
{
    if (d->mod == 3) {
        *v = (uint16_t)cpu->gpr[d->rm];
        return ST_OK;
    }
    uint64_t x;
    SimStatus st = cpu_read_u(cpu, d->seg, insn_ea(cpu, d), 2, &x);
    if (st)
        return st;
    *v = (uint16_t)x;
    return ST_OK;
}

/* Store a selector or the MSW to r/m: memory takes 16 bits; a register
 * takes the operand size (SDM Vol.2B SLDT, STR, SMSW: the rest of a 32- or
 * 64-bit register is the zero-extended selector, or CR0's bits). */
static inline SimStatus SIM_MUST_CHECK sys_store_Ew(Cpu *cpu, const DecodedInsn *d,
                                                    uint64_t v)
{
    if (d->mod == 3) {
        cpu_reg_write(cpu, d->rm, d->opsize, true, v & size_mask(d->opsize));
        return ST_OK;
    }
    return cpu_write_u(cpu, d->seg, insn_ea(cpu, d), 2, v & 0xffff);
}

#endif
