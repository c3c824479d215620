/*
 * cpu/ops_string.c: the string instructions MOVS CMPS STOS LODS SCAS in
 * byte, word, doubleword and quadword forms, with the REP/REPE/REPNE
 * prefixes.
 * SDM Vol.1 7.3.9 "String Operations"; Vol.2A CMPS/CMPSB/CMPSW/CMPSD/
 * CMPSQ, LODS; Vol.2B MOVS, REP/REPE/REPZ/REPNE/REPNZ, SCAS, STOS.
 *
 * - The source is seg:rSI, with DS overridable (d->seg); the destination
 *   is always ES:rDI (SDM Vol.2B MOVS "Description").
 * - rSI, rDI and rCX are used at the address size: SI/DI/CX, ESI/EDI/ECX
 *   or RSI/RDI/RCX; they step by the operand size, down when RFLAGS.DF = 1.
 * - REP with a count of zero does nothing. REPE/REPNE end CMPS and SCAS
 *   when ZF becomes 0/1. MOVS, STOS and LODS treat F2 like F3 (REPNE
 *   repeats them as REP does on Intel parts; the SDM leaves it undefined).
 * - Each iteration commits rSI/rDI/rCX, so when an iteration faults the
 *   registers describe the iterations that completed and the instruction
 *   restarts from there (SDM Vol.2B REP "Description": "the registers are
 *   updated ... so the instruction can be restarted").
 * - A repeated instruction runs at most STR_CHUNK iterations per step and
 *   then re-executes itself (next_rip = rip) until done, so events can be
 *   taken between iterations as the SDM allows (REP: "interrupts ... are
 *   recognized between iterations"). Each chunk retires as one instruction
 *   in cpu->icount.
 */
#include "cpu/ops_int.h"

#define STR_CHUNK 4096u

enum { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS };

static inline void str_step(Cpu *cpu, unsigned reg, unsigned asize, int64_t delta)
{
    int_set_areg(cpu, reg, asize, cpu->gpr[reg] + (uint64_t)delta);
}

/* One iteration. Every access that can fault comes before any register
 * or flag update. */
static inline SimStatus str_once(Cpu *cpu, const DecodedInsn *d, unsigned op,
                                 unsigned size, unsigned asize, int64_t delta)
{
    uint64_t a, b, f;
    SimStatus st;
    uint64_t si = int_areg(cpu, R_RSI, asize), di = int_areg(cpu, R_RDI, asize);
    switch (op) {
    case STR_MOVS:
        st = cpu_read_u(cpu, d->seg, si, size, &a);
        if (st)
            return st;
        st = cpu_write_u(cpu, SEG_ES, di, size, a);
        if (st)
            return st;
        str_step(cpu, R_RSI, asize, delta);
        str_step(cpu, R_RDI, asize, delta);
        return ST_OK;
    case STR_CMPS:
        st = cpu_read_u(cpu, d->seg, si, size, &a);
        if (st)
            return st;
        st = cpu_read_u(cpu, SEG_ES, di, size, &b);
        if (st)
            return st;
        int_sub(size, a, b, 0, &f);
        int_set_flags(cpu, RFLAGS_ARITH, f);
        str_step(cpu, R_RSI, asize, delta);
        str_step(cpu, R_RDI, asize, delta);
        return ST_OK;
    case STR_STOS:
        st = cpu_write_u(cpu, SEG_ES, di, size, cpu->gpr[R_RAX]);
        if (st)
            return st;
        str_step(cpu, R_RDI, asize, delta);
        return ST_OK;
    case STR_LODS:
        st = cpu_read_u(cpu, d->seg, si, size, &a);
        if (st)
            return st;
        cpu_reg_write(cpu, R_RAX, size, false, a);
        str_step(cpu, R_RSI, asize, delta);
        return ST_OK;
    default:  /* SCAS: compare the accumulator with ES:rDI */
        st = cpu_read_u(cpu, SEG_ES, di, size, &b);
        if (st)
            return st;
        int_sub(size, cpu->gpr[R_RAX], b, 0, &f);
        int_set_flags(cpu, RFLAGS_ARITH, f);
        str_step(cpu, R_RDI, asize, delta);
        return ST_OK;
    }
}

static inline SimStatus str_exec(Cpu *cpu, const DecodedInsn *d, unsigned op,
                                 unsigned size)
{
    unsigned asize = d->addrsize;
    int64_t delta = (cpu->rflags & RFLAGS_DF) ? -(int64_t)size : (int64_t)size;
    if (!(d->pfx & (D_REP | D_REPNE)))
        return str_once(cpu, d, op, size, asize, delta);

    bool cond = op == STR_CMPS || op == STR_SCAS;
    /* For CMPS/SCAS, F3 is REPE (repeat while ZF = 1), F2 REPNE. */
    bool want_zf = (d->pfx & D_REP) != 0;
    /* With RFLAGS.TF set, the single-step trap follows every iteration
     * (SDM Vol.3 18.3.1.4 "Single-Step Exception Condition"): one per step. */
    unsigned chunk = (cpu->rflags & RFLAGS_TF) ? 1 : STR_CHUNK;
    for (unsigned i = 0; i < chunk; i++) {
        uint64_t count = int_areg(cpu, R_RCX, asize);
        if (count == 0)
            return ST_OK;
        SimStatus st = str_once(cpu, d, op, size, asize, delta);
        if (st)
            return st;
        int_set_areg(cpu, R_RCX, asize, count - 1);
        if (cond && !!(cpu->rflags & RFLAGS_ZF) != want_zf)
            return ST_OK;
    }
    if (int_areg(cpu, R_RCX, asize) != 0)
        cpu->next_rip = cpu->rip;
    return ST_OK;
}

SimStatus op_movs_Yb_Xb(Cpu *cpu, const DecodedInsn *d) { return str_exec(cpu, d, STR_MOVS, 1); }
SimStatus op_movs_Yv_Xv(Cpu *cpu, const DecodedInsn *d) { return str_exec(cpu, d, STR_MOVS, d->opsize); }
SimStatus op_cmps_Xb_Yb(Cpu *cpu, const DecodedInsn *d) { return str_exec(cpu, d, STR_CMPS, 1); }
SimStatus op_cmps_Xv_Yv(Cpu *cpu, const DecodedInsn *d) { return str_exec(cpu, d, STR_CMPS, d->opsize); }
SimStatus op_stos_Yb_AL(Cpu *cpu, const DecodedInsn *d) { return str_exec(cpu, d, STR_STOS, 1); }
SimStatus op_stos_Yv_rAX(Cpu *cpu, const DecodedInsn *d) { return str_exec(cpu, d, STR_STOS, d->opsize); }
SimStatus op_lods_AL_Xb(Cpu *cpu, const DecodedInsn *d) { return str_exec(cpu, d, STR_LODS, 1); }
SimStatus op_lods_rAX_Xv(Cpu *cpu, const DecodedInsn *d) { return str_exec(cpu, d, STR_LODS, d->opsize); }
SimStatus op_scas_AL_Yb(Cpu *cpu, const DecodedInsn *d) { return str_exec(cpu, d, STR_SCAS, 1); }
SimStatus op_scas_rAX_Yv(Cpu *cpu, const DecodedInsn *d) { return str_exec(cpu, d, STR_SCAS, d->opsize); }
