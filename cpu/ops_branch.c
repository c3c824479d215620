/*
 * cpu/ops_branch.c: near control transfers: Jcc (70-7F, 0F 80-8F), JMP
 * (EB, E9, FF /4), CALL (E8, FF /2), RET (C3, C2 Iw), LOOP LOOPE LOOPNE and
 * JCXZ/JECXZ/JRCXZ (E0-E3).
 * SDM Vol.2A CALL, Jcc, JMP, LOOP/LOOPcc; Vol.2B RET; Vol.1 6.3 "Calling
 * Procedures Using CALL and RET" and 6.3.7 (near branches in 64-bit mode).
 *
 * Operand size: in 64-bit mode the near branches here operate on 64 bits.
 * AMD parts honour a 66 prefix on them (16-bit target), Intel parts ignore
 * it (SDM Vol.2A JMP and Jcc: "In 64-bit mode, operand size is fixed at 64
 * bits"); vmxsim does as Intel does, so every row carries F_FORCE64. In the
 * other modes the target is truncated to 16 or 32 bits.
 *
 * The target is checked before anything is committed: #GP(0) for a
 * non-canonical target in 64-bit mode, for one beyond the CS limit
 * elsewhere (int_check_near_target). A CALL pushes only after the check;
 * RET reads the return address, checks it, then releases the stack.
 */
#include "cpu/ops_int.h"

static inline SimStatus jump_rel(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t target = cpu->next_rip + d->imm;
    SimStatus st = int_check_near_target(cpu, &target, d->opsize);
    if (st)
        return st;
    cpu->next_rip = target;
    return ST_OK;
}

/* Jcc rel8 / rel16/32 (SDM Vol.2A Jcc). */
#define JCC(name, cc)                                                          \
    SimStatus op_j##name##_Jb(Cpu *cpu, const DecodedInsn *d)                  \
    { return int_cond(cpu, cc) ? jump_rel(cpu, d) : ST_OK; }                   \
    SimStatus op_j##name##_Jz(Cpu *cpu, const DecodedInsn *d)                  \
    { return int_cond(cpu, cc) ? jump_rel(cpu, d) : ST_OK; }
INT_CC_LIST(JCC)

/* JMP rel (SDM Vol.2A JMP). */
SimStatus op_jmp_Jb(Cpu *cpu, const DecodedInsn *d) { return jump_rel(cpu, d); }
SimStatus op_jmp_Jz(Cpu *cpu, const DecodedInsn *d) { return jump_rel(cpu, d); }

/* JMP r/m: absolute indirect target. */
SimStatus op_jmp_Ev(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t target;
    SimStatus st = int_read_E(cpu, d, d->opsize, &target);
    if (st)
        return st;
    st = int_check_near_target(cpu, &target, d->opsize);
    if (st)
        return st;
    cpu->next_rip = target;
    return ST_OK;
}

/* CALL near: push the return address (next_rip), then branch (SDM Vol.2A
 * CALL "Near Call"). */
static inline SimStatus call_to(Cpu *cpu, const DecodedInsn *d, uint64_t target)
{
    SimStatus st = int_check_near_target(cpu, &target, d->opsize);
    if (st)
        return st;
    st = cpu_push(cpu, cpu->next_rip & size_mask(d->opsize), d->opsize);
    if (st)
        return st;
    cpu->next_rip = target;
    return ST_OK;
}

SimStatus op_call_Jz(Cpu *cpu, const DecodedInsn *d)
{
    return call_to(cpu, d, cpu->next_rip + d->imm);
}

SimStatus op_call_Ev(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t target;
    SimStatus st = int_read_E(cpu, d, d->opsize, &target);
    if (st)
        return st;
    return call_to(cpu, d, target);
}

/* RET near, optionally releasing imm16 more bytes (SDM Vol.2B RET). */
static inline SimStatus ret_near(Cpu *cpu, const DecodedInsn *d, uint64_t release)
{
    uint64_t target;
    SimStatus st = cpu_stack_peek(cpu, 0, d->opsize, &target);
    if (st)
        return st;
    st = int_check_near_target(cpu, &target, d->opsize);
    if (st)
        return st;
    int_set_rsp(cpu, cpu->gpr[R_RSP] + d->opsize + release);
    cpu->next_rip = target;
    return ST_OK;
}

SimStatus op_ret(Cpu *cpu, const DecodedInsn *d) { return ret_near(cpu, d, 0); }
SimStatus op_ret_Iw(Cpu *cpu, const DecodedInsn *d) { return ret_near(cpu, d, d->imm & 0xffff); }

/* LOOP/LOOPE/LOOPNE: decrement the count register (CX, ECX or RCX by the
 * address size) without touching flags, then branch if it is not zero (and
 * ZF matches) (SDM Vol.2A LOOP/LOOPcc). The count is committed only with a
 * successful branch check. */
static inline SimStatus loop(Cpu *cpu, const DecodedInsn *d, int zf_cond)
{
    uint64_t count = (int_areg(cpu, R_RCX, d->addrsize) - 1) & size_mask(d->addrsize);
    bool take = count != 0;
    if (zf_cond >= 0)
        take = take && (!!(cpu->rflags & RFLAGS_ZF) == zf_cond);
    if (take) {
        SimStatus st = jump_rel(cpu, d);
        if (st)
            return st;
    }
    int_set_areg(cpu, R_RCX, d->addrsize, count);
    return ST_OK;
}

SimStatus op_loopne_Jb(Cpu *cpu, const DecodedInsn *d) { return loop(cpu, d, 0); }
SimStatus op_loope_Jb(Cpu *cpu, const DecodedInsn *d) { return loop(cpu, d, 1); }
SimStatus op_loop_Jb(Cpu *cpu, const DecodedInsn *d) { return loop(cpu, d, -1); }

/* JCXZ/JECXZ/JRCXZ: the register width is the address size (SDM Vol.2A
 * Jcc). */
SimStatus op_jcxz_Jb(Cpu *cpu, const DecodedInsn *d)
{
    return int_areg(cpu, R_RCX, d->addrsize) == 0 ? jump_rel(cpu, d) : ST_OK;
}
