/*
 * cpu/ops_data.c: data transfer, stack, conversion, flag-control and
 * miscellaneous general-purpose instructions (SDM Vol.1 7.3.1 "Data
 * Transfer Instructions", 7.3.2 "Binary Arithmetic" (BCD adjust), 7.3.13
 * "Flag Control", 7.3.16 "Random Number Generator").
 *
 * MOV (88-8B, A0-A3, B0-BF, C6/C7), MOVZX MOVSX MOVSXD, LEA, XCHG (86/87,
 * 90-97 incl. NOP and PAUSE), XADD, CMPXCHG, CMPXCHG8B/16B, PUSH POP
 * (50-5F, 68, 6A, 8F /0, FF /6), PUSHA POPA, ENTER LEAVE, CBW/CWDE/CDQE,
 * CWD/CDQ/CQO, SETcc, CMOVcc, LAHF SAHF, CLC STC CMC CLD STD, NOP and the
 * hint space 0F 18-1F, XLAT, MOVBE, RDRAND RDSEED, DAA DAS AAA AAS AAM AAD,
 * BOUND. Each handler cites its SDM Vol.2 instruction page.
 *
 * D6 (SALC) is not architectural and has no row: it raises #UD.
 */
#include "cpu/ops_int.h"

/* ---- MOV ------------------------------------------------------------------ */

/* SDM Vol.2B MOV. Each handler tries the call-free form at a constant
 * operand size (INT_SIZED_V, int_fast_E) and else tail-calls the generic
 * form, which goes through cpu/mem.c. */
INT_INLINE bool mov_E_fast(Cpu *cpu, const DecodedInsn *d, unsigned size, uint64_t v)
{
    uint8_t *h;
    if (!int_fast_E(cpu, d, size, false, true, &h))
        return false;
    int_fast_put(cpu, d, size, h, v);
    return true;
}

INT_INLINE bool mov_E_G_fast(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    return mov_E_fast(cpu, d, size, int_get_G(cpu, d, size));
}

INT_INLINE bool mov_E_I_fast(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    return mov_E_fast(cpu, d, size, d->imm);
}

INT_SLOW SimStatus mov_E_G_slow(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    return int_write_E(cpu, d, size, int_get_G(cpu, d, size));
}

INT_SLOW SimStatus mov_E_I_slow(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    return int_write_E(cpu, d, size, d->imm);
}

SimStatus op_mov_Eb_Gb(Cpu *cpu, const DecodedInsn *d)
{
    return mov_E_G_fast(cpu, d, 1) ? ST_OK : mov_E_G_slow(cpu, d, 1);
}

SimStatus op_mov_Ev_Gv(Cpu *cpu, const DecodedInsn *d)
{
    return INT_SIZED_V(mov_E_G_fast, cpu, d) ? ST_OK : mov_E_G_slow(cpu, d, d->opsize);
}

SimStatus op_mov_Eb_Ib(Cpu *cpu, const DecodedInsn *d)
{
    return mov_E_I_fast(cpu, d, 1) ? ST_OK : mov_E_I_slow(cpu, d, 1);
}

SimStatus op_mov_Ev_Iz(Cpu *cpu, const DecodedInsn *d)
{
    return INT_SIZED_V(mov_E_I_fast, cpu, d) ? ST_OK : mov_E_I_slow(cpu, d, d->opsize);
}

/* G = E, or for MOVZX/MOVSX/MOVSXD G = E of src_size bytes zero- or
 * sign-extended (SDM Vol.2B MOVZX, MOVSX/MOVSXD). */
INT_INLINE bool movx_fast(Cpu *cpu, const DecodedInsn *d, unsigned size,
                          unsigned src_size, bool sign)
{
    uint8_t *h;
    if (!int_fast_E(cpu, d, src_size, true, false, &h))
        return false;
    uint64_t v = int_fast_get(cpu, d, src_size, h);
    if (sign)
        v = (uint64_t)sext(v, src_size * 8);
    int_set_G(cpu, d, size, v);
    return true;
}

INT_SLOW SimStatus movx(Cpu *cpu, const DecodedInsn *d, unsigned size,
                        unsigned src_size, bool sign)
{
    uint64_t v;
    SimStatus st = int_read_E(cpu, d, src_size, &v);
    if (st)
        return st;
    if (sign)
        v = (uint64_t)sext(v, src_size * 8);
    int_set_G(cpu, d, size, v);
    return ST_OK;
}

INT_INLINE bool mov_G_E_fast(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    return movx_fast(cpu, d, size, size, false);
}

SimStatus op_mov_Gb_Eb(Cpu *cpu, const DecodedInsn *d)
{
    return mov_G_E_fast(cpu, d, 1) ? ST_OK : movx(cpu, d, 1, 1, false);
}

SimStatus op_mov_Gv_Ev(Cpu *cpu, const DecodedInsn *d)
{
    return INT_SIZED_V(mov_G_E_fast, cpu, d) ? ST_OK : movx(cpu, d, d->opsize, d->opsize, false);
}

/* B0-B7 and B8-BF: register in the opcode; with REX.W the immediate is 64
 * bits (SDM Vol.2B MOV, "REX.W + B8+ rd io"). */
SimStatus op_mov_Zb_Ib(Cpu *cpu, const DecodedInsn *d)
{
    cpu_reg_write(cpu, d->reg, 1, int_rex(d), d->imm);
    return ST_OK;
}

INT_INLINE SimStatus mov_Z_I(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    cpu_reg_write(cpu, d->reg, size, true, d->imm);
    return ST_OK;
}

SimStatus op_mov_Zv_Iv(Cpu *cpu, const DecodedInsn *d) { return INT_SIZED_V(mov_Z_I, cpu, d); }

/* A0-A3: moffs, an offset of address-size width in the instruction. */
static inline uint64_t moffs(const DecodedInsn *d)
{
    return (uint64_t)d->disp & size_mask(d->addrsize);
}

static inline SimStatus mov_acc_O(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    uint64_t v;
    SimStatus st = cpu_read_u(cpu, d->seg, moffs(d), size, &v);
    if (st)
        return st;
    cpu_reg_write(cpu, R_RAX, size, false, v);
    return ST_OK;
}

SimStatus op_mov_AL_Ob(Cpu *cpu, const DecodedInsn *d) { return mov_acc_O(cpu, d, 1); }
SimStatus op_mov_rAX_Ov(Cpu *cpu, const DecodedInsn *d) { return mov_acc_O(cpu, d, d->opsize); }
SimStatus op_mov_Ob_AL(Cpu *cpu, const DecodedInsn *d) { return cpu_write_u(cpu, d->seg, moffs(d), 1, cpu->gpr[R_RAX]); }
SimStatus op_mov_Ov_rAX(Cpu *cpu, const DecodedInsn *d) { return cpu_write_u(cpu, d->seg, moffs(d), d->opsize, cpu->gpr[R_RAX]); }

/* ---- MOVZX MOVSX MOVSXD LEA ------------------------------------------- */

/* SDM Vol.2B MOVZX, MOVSX/MOVSXD (movx above). */
#define MOVX_FORM(name, src_size, sign)                                          \
    SimStatus name(Cpu *cpu, const DecodedInsn *d)                               \
    {                                                                            \
        return INT_SIZED_V(movx_fast, cpu, d, src_size, sign)                    \
                   ? ST_OK : movx(cpu, d, d->opsize, src_size, sign);            \
    }
MOVX_FORM(op_movzx_Gv_Eb, 1, false)
MOVX_FORM(op_movzx_Gv_Ew, 2, false)
MOVX_FORM(op_movsx_Gv_Eb, 1, true)
MOVX_FORM(op_movsx_Gv_Ew, 2, true)

/* MOVSXD without REX.W moves 16 or 32 bits unchanged ("MOVSXD r16, r/m16",
 * "MOVSXD r32, r/m32"). */
SimStatus op_movsxd_Gv_Ed(Cpu *cpu, const DecodedInsn *d)
{
    return movx(cpu, d, d->opsize, d->opsize == 8 ? 4 : d->opsize, d->opsize == 8);
}

/* LEA: the offset computed at the address size, then truncated or
 * zero-extended to the operand size (SDM Vol.2A LEA, Table 3-54). */
SimStatus op_lea_Gv_M(Cpu *cpu, const DecodedInsn *d)
{
    int_set_G(cpu, d, d->opsize, insn_ea(cpu, d));
    return ST_OK;
}

/* ---- XCHG XADD CMPXCHG --------------------------------------------------- */

/* SDM Vol.2B XCHG: with a memory operand the processor locks the bus
 * whether or not LOCK is present (nothing to do for one vCPU at a time). */
static inline SimStatus xchg_E_G(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    uint64_t a;
    SimStatus st = int_read_E(cpu, d, size, &a);
    if (st)
        return st;
    uint64_t b = int_get_G(cpu, d, size);
    st = int_write_E(cpu, d, size, b);
    if (st)
        return st;
    int_set_G(cpu, d, size, a);
    return ST_OK;
}

SimStatus op_xchg_Eb_Gb(Cpu *cpu, const DecodedInsn *d) { return xchg_E_G(cpu, d, 1); }
SimStatus op_xchg_Ev_Gv(Cpu *cpu, const DecodedInsn *d) { return xchg_E_G(cpu, d, d->opsize); }

/* 90-97. Opcode 90 without REX.B is NOP, not XCHG eAX,eAX: in 64-bit mode
 * it does not clear RAX[63:32] (SDM Vol.2B XCHG "Description", NOP). F3 90
 * is PAUSE (SDM Vol.2B PAUSE), a spin-loop hint: a NOP here. */
SimStatus op_xchg_Zv_rAX(Cpu *cpu, const DecodedInsn *d)
{
    if (d->reg == R_RAX)
        return ST_OK;
    unsigned size = d->opsize;
    uint64_t a = cpu_reg_read(cpu, d->reg, size, true);
    cpu_reg_write(cpu, d->reg, size, true, cpu->gpr[R_RAX]);
    cpu_reg_write(cpu, R_RAX, size, true, a);
    return ST_OK;
}

/* XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (SDM Vol.2B XADD). */
static inline SimStatus xadd(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    uint64_t dst, f;
    SimStatus st = int_read_E(cpu, d, size, &dst);
    if (st)
        return st;
    uint64_t sum = int_add(size, int_get_G(cpu, d, size), dst, 0, &f);
    if (d->mod != 3) {
        st = int_write_E(cpu, d, size, sum);
        if (st)
            return st;
        int_set_G(cpu, d, size, dst);
    } else {
        int_set_G(cpu, d, size, dst);
        cpu_reg_write(cpu, d->rm, size, int_rex(d), sum);
    }
    int_set_flags(cpu, RFLAGS_ARITH, f);
    return ST_OK;
}

SimStatus op_xadd_Eb_Gb(Cpu *cpu, const DecodedInsn *d) { return xadd(cpu, d, 1); }
SimStatus op_xadd_Ev_Gv(Cpu *cpu, const DecodedInsn *d) { return xadd(cpu, d, d->opsize); }

/* CMPXCHG: compare the accumulator with DEST; equal: DEST = SRC; else the
 * accumulator = DEST. A memory destination is always written (with its own
 * value when unequal), so a read-only one faults either way; flags as CMP
 * accumulator, DEST (SDM Vol.2A CMPXCHG "Operation"). */
static inline SimStatus cmpxchg(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    uint64_t dst, f;
    SimStatus st = int_read_E(cpu, d, size, &dst);
    if (st)
        return st;
    uint64_t acc = cpu->gpr[R_RAX] & size_mask(size);
    int_sub(size, acc, dst, 0, &f);
    bool equal = f & RFLAGS_ZF;
    /* A register destination is left alone when unequal: its upper half is
     * not cleared by a 32-bit operand (as on Intel and AMD parts). */
    if (equal || d->mod != 3) {
        st = int_write_E(cpu, d, size, equal ? int_get_G(cpu, d, size) : dst);
        if (st)
            return st;
    }
    if (!equal)
        cpu_reg_write(cpu, R_RAX, size, false, dst);
    int_set_flags(cpu, RFLAGS_ARITH, f);
    return ST_OK;
}

SimStatus op_cmpxchg_Eb_Gb(Cpu *cpu, const DecodedInsn *d) { return cmpxchg(cpu, d, 1); }
SimStatus op_cmpxchg_Ev_Gv(Cpu *cpu, const DecodedInsn *d) { return cmpxchg(cpu, d, d->opsize); }

/* CMPXCHG8B / CMPXCHG16B: compare EDX:EAX (RDX:RAX) with m64 (m128); equal:
 * ZF = 1 and m = ECX:EBX (RCX:RBX); else ZF = 0 and EDX:EAX = m. The
 * destination is always written. CMPXCHG16B needs a 16-byte aligned
 * operand, else #GP(0) (SDM Vol.2A CMPXCHG8B/CMPXCHG16B). */
SimStatus op_cmpxchg8b_Mq(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t ea = insn_ea(cpu, d);
    uint64_t m;
    SimStatus st = cpu_read_u(cpu, d->seg, ea, 8, &m);
    if (st)
        return st;
    uint64_t cmp = (cpu->gpr[R_RAX] & 0xffffffffu) | (cpu->gpr[R_RDX] << 32);
    bool equal = m == cmp;
    uint64_t nv = equal ? (cpu->gpr[R_RBX] & 0xffffffffu) | (cpu->gpr[R_RCX] << 32) : m;
    st = cpu_write_u(cpu, d->seg, ea, 8, nv);
    if (st)
        return st;
    if (!equal) {
        cpu_reg_write(cpu, R_RAX, 4, false, m);
        cpu_reg_write(cpu, R_RDX, 4, false, m >> 32);
    }
    int_set_flags(cpu, RFLAGS_ZF, equal ? RFLAGS_ZF : 0);
    return ST_OK;
}

SimStatus op_cmpxchg16b_Mdq(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t ea = insn_ea(cpu, d);
    uint64_t m[2];
    if (ea & 15)
        return cpu_gp(cpu, 0);
    SimStatus st = cpu_read(cpu, d->seg, ea, 16, m);
    if (st)
        return st;
    bool equal = m[0] == cpu->gpr[R_RAX] && m[1] == cpu->gpr[R_RDX];
    uint64_t nv[2] = { cpu->gpr[R_RBX], cpu->gpr[R_RCX] };
    st = cpu_write(cpu, d->seg, ea, 16, equal ? nv : m);
    if (st)
        return st;
    if (!equal) {
        cpu->gpr[R_RAX] = m[0];
        cpu->gpr[R_RDX] = m[1];
    }
    int_set_flags(cpu, RFLAGS_ZF, equal ? RFLAGS_ZF : 0);
    return ST_OK;
}

/* ---- PUSH POP PUSHA POPA ENTER LEAVE ------------------------------------- */

/* SDM Vol.2B PUSH: PUSH rSP pushes the value before the decrement. */
SimStatus op_push_Zv(Cpu *cpu, const DecodedInsn *d)
{
    return cpu_push(cpu, cpu->gpr[d->reg] & size_mask(d->opsize), d->opsize);
}

/* 6A and 68: the immediate sign-extended to the operand size. */
SimStatus op_push_Ib(Cpu *cpu, const DecodedInsn *d) { return cpu_push(cpu, d->imm & size_mask(d->opsize), d->opsize); }
SimStatus op_push_Iz(Cpu *cpu, const DecodedInsn *d) { return cpu_push(cpu, d->imm & size_mask(d->opsize), d->opsize); }

SimStatus op_push_Ev(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t v;
    SimStatus st = int_read_E(cpu, d, d->opsize, &v);
    if (st)
        return st;
    return cpu_push(cpu, v, d->opsize);
}

/* SDM Vol.2B POP: POP rSP leaves the popped value in rSP. */
SimStatus op_pop_Zv(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t v;
    SimStatus st = cpu_pop(cpu, d->opsize, &v);
    if (st)
        return st;
    cpu_reg_write(cpu, d->reg, d->opsize, true, v);
    return ST_OK;
}

/* 8F /0: a memory destination addressed through rSP uses rSP after the
 * increment (SDM Vol.2B POP "Description"). */
SimStatus op_pop_Ev(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t v;
    SimStatus st;
    if (d->mod == 3) {
        st = cpu_pop(cpu, size, &v);
        if (st)
            return st;
        cpu_reg_write(cpu, d->rm, size, int_rex(d), v);
        return ST_OK;
    }
    st = cpu_stack_peek(cpu, 0, size, &v);
    if (st)
        return st;
    uint64_t old_rsp = cpu->gpr[R_RSP];
    int_set_rsp(cpu, old_rsp + size);
    st = cpu_write_u(cpu, d->seg, insn_ea(cpu, d), size, v);
    if (st)
        cpu->gpr[R_RSP] = old_rsp;
    return st;
}

/* PUSHA/PUSHAD: AX CX DX BX, the original SP, BP SI DI (SDM Vol.2B PUSHA).
 * Stack writes go below rSP, which is committed only after the last one. */
SimStatus op_pusha(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t sm = size_mask(cpu->stack_size);
    uint64_t sp = cpu->gpr[R_RSP];
    for (unsigned r = R_RAX; r <= R_RDI; r++) {
        sp = (sp - size) & sm;
        SimStatus st = cpu_write_u(cpu, SEG_SS, sp, size, cpu->gpr[r]);
        if (st)
            return st;
    }
    int_set_rsp(cpu, sp);
    return ST_OK;
}

/* POPA/POPAD: DI SI BP, skip SP, BX DX CX AX (SDM Vol.2B POPA). */
SimStatus op_popa(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t sm = size_mask(cpu->stack_size);
    uint64_t sp = cpu->gpr[R_RSP];
    uint64_t v[8];
    for (int r = R_RDI; r >= R_RAX; r--) {
        SimStatus st = cpu_read_u(cpu, SEG_SS, sp & sm, size, &v[r]);
        if (st)
            return st;
        sp = (sp + size) & sm;
    }
    for (unsigned r = R_RAX; r <= R_RDI; r++)
        if (r != R_RSP)
            cpu_reg_write(cpu, r, size, true, v[r]);
    int_set_rsp(cpu, sp);
    return ST_OK;
}

/* ENTER AllocSize (Iw), NestingLevel (Ib mod 32) (SDM Vol.2A ENTER
 * "Operation"). rSP and rBP are committed after every stack access. */
SimStatus op_enter_Iw_Ib(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    unsigned level = d->imm2 & 31;
    uint64_t alloc = d->imm & 0xffff;
    uint64_t sm = size_mask(cpu->stack_size);
    uint64_t sp = cpu->gpr[R_RSP] & sm;
    uint64_t bp = cpu->gpr[R_RBP] & sm;
    SimStatus st;

    sp = (sp - size) & sm;
    st = cpu_write_u(cpu, SEG_SS, sp, size, cpu->gpr[R_RBP]);
    if (st)
        return st;
    uint64_t frame = sp;
    if (level > 0) {
        for (unsigned i = 1; i < level; i++) {
            uint64_t v;
            bp = (bp - size) & sm;
            st = cpu_read_u(cpu, SEG_SS, bp, size, &v);
            if (st)
                return st;
            sp = (sp - size) & sm;
            st = cpu_write_u(cpu, SEG_SS, sp, size, v);
            if (st)
                return st;
        }
        sp = (sp - size) & sm;
        st = cpu_write_u(cpu, SEG_SS, sp, size, frame);
        if (st)
            return st;
    }
    sp = (sp - alloc) & sm;
    /* The SDM checks the final stack pointer against the SS limit (#SS(0))
     * outside 64-bit mode. */
    if (cpu->mode != MODE_LONG64 && !(cpu->seg[SEG_SS].ar & AR_TYPE_DC) &&
        sp > cpu->seg[SEG_SS].limit)
        return cpu_ss_fault(cpu, 0);
    cpu_reg_write(cpu, R_RBP, cpu->stack_size, true, frame);
    int_set_rsp(cpu, sp);
    return ST_OK;
}

/* LEAVE: rSP = rBP at the stack-address size, then POP rBP (SDM Vol.2A
 * LEAVE). */
SimStatus op_leave(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t sm = size_mask(cpu->stack_size);
    uint64_t sp = cpu->gpr[R_RBP] & sm;
    uint64_t v;
    SimStatus st = cpu_read_u(cpu, SEG_SS, sp, size, &v);
    if (st)
        return st;
    int_set_rsp(cpu, sp + size);
    cpu_reg_write(cpu, R_RBP, size, true, v);
    return ST_OK;
}

/* ---- conversions ---------------------------------------------------------- */

/* 98: CBW / CWDE / CDQE (SDM Vol.2A CBW/CWDE/CDQE). */
SimStatus op_cbw(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    cpu_reg_write(cpu, R_RAX, size, true, (uint64_t)sext(cpu->gpr[R_RAX], size * 4));
    return ST_OK;
}

/* 99: CWD / CDQ / CQO: rDX = the sign of rAX (SDM Vol.2A CWD/CDQ/CQO). */
SimStatus op_cwd(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    bool neg = cpu->gpr[R_RAX] & int_sign_bit(size);
    cpu_reg_write(cpu, R_RDX, size, true, neg ? ~0ull : 0);
    return ST_OK;
}

/* ---- SETcc CMOVcc ------------------------------------------------------- */

/* SETcc (SDM Vol.2B SETcc): ModRM.reg is ignored. */
#define SETCC(name, cc)                                                       \
    SimStatus op_set##name##_Eb(Cpu *cpu, const DecodedInsn *d)               \
    { return int_write_E(cpu, d, 1, int_cond(cpu, cc) ? 1 : 0); }
INT_CC_LIST(SETCC)

/* CMOVcc (SDM Vol.2A CMOVcc): the source is read (and may fault) whatever
 * the condition; a 32-bit destination is zero-extended even when the
 * condition is false. */
static inline SimStatus cmov(Cpu *cpu, const DecodedInsn *d, unsigned cc)
{
    uint64_t v;
    SimStatus st = int_read_E(cpu, d, d->opsize, &v);
    if (st)
        return st;
    int_set_G(cpu, d, d->opsize, int_cond(cpu, cc) ? v : int_get_G(cpu, d, d->opsize));
    return ST_OK;
}

#define CMOVCC(name, cc)                                                      \
    SimStatus op_cmov##name##_Gv_Ev(Cpu *cpu, const DecodedInsn *d)           \
    { return cmov(cpu, d, cc); }
INT_CC_LIST(CMOVCC)

/* ---- flags ------------------------------------------------------------- */

/* LAHF/SAHF: valid in 64-bit mode only when CPUID.80000001H:ECX.LAHF-SAHF
 * [bit 0] = 1, else #UD (SDM Vol.2A LAHF, Vol.2B SAHF). */
SimStatus op_lahf(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->mode == MODE_LONG64 && !cpu_has(cpu, FEAT_LAHF_LM))
        return cpu_ud(cpu);
    uint64_t ah = (cpu->rflags & (RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF | RFLAGS_CF)) |
                  RFLAGS_FIXED1;
    cpu_reg_write(cpu, 4, 1, false, ah);
    return ST_OK;
}

SimStatus op_sahf(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->mode == MODE_LONG64 && !cpu_has(cpu, FEAT_LAHF_LM))
        return cpu_ud(cpu);
    int_set_flags(cpu, RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF | RFLAGS_CF,
                  (cpu->gpr[R_RAX] >> 8) & 0xff);
    return ST_OK;
}

/* SDM Vol.2A CLC, CLD, CMC; Vol.2B STC, STD. */
SimStatus op_clc(Cpu *cpu, const DecodedInsn *d) { cpu->rflags &= ~(uint64_t)RFLAGS_CF; return ST_OK; }
SimStatus op_stc(Cpu *cpu, const DecodedInsn *d) { cpu->rflags |= RFLAGS_CF; return ST_OK; }
SimStatus op_cmc(Cpu *cpu, const DecodedInsn *d) { cpu->rflags ^= RFLAGS_CF; return ST_OK; }
SimStatus op_cld(Cpu *cpu, const DecodedInsn *d) { cpu->rflags &= ~(uint64_t)RFLAGS_DF; return ST_OK; }
SimStatus op_std(Cpu *cpu, const DecodedInsn *d) { cpu->rflags |= RFLAGS_DF; return ST_OK; }

/* ---- NOP, XLAT, MOVBE ---------------------------------------------------- */

/* 0F 1F /0 is the multi-byte NOP (SDM Vol.2B NOP). The rest of 0F 18-0F 1F
 * is the reserved-NOP / hint space (SDM Vol.2D Table A-3 note: "reserved
 * NOP"; PREFETCHh 0F 18 /0-/3): Intel parts execute all of it without
 * touching memory, and so does vmxsim. */
SimStatus op_nop_Ev(Cpu *cpu, const DecodedInsn *d) { return ST_OK; }

/* XLAT: AL = [seg:rBX + ZeroExtend(AL)] at the address size (SDM Vol.2B
 * XLAT/XLATB). */
SimStatus op_xlat(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t ea = (cpu->gpr[R_RBX] + (cpu->gpr[R_RAX] & 0xff)) & size_mask(d->addrsize);
    uint64_t v;
    SimStatus st = cpu_read_u(cpu, d->seg, ea, 1, &v);
    if (st)
        return st;
    cpu_reg_write(cpu, R_RAX, 1, false, v);
    return ST_OK;
}

static inline uint64_t bswap_size(uint64_t v, unsigned size)
{
    switch (size) {
    case 2: return __builtin_bswap16((uint16_t)v);
    case 4: return __builtin_bswap32((uint32_t)v);
    default: return __builtin_bswap64(v);
    }
}

/* MOVBE (SDM Vol.2B MOVBE): a byte-swapping load or store; the memory
 * operand is required (register forms are #UD via C_MOD_MEM). */
SimStatus op_movbe_Gv_Mv(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t v;
    SimStatus st = cpu_read_u(cpu, d->seg, insn_ea(cpu, d), d->opsize, &v);
    if (st)
        return st;
    int_set_G(cpu, d, d->opsize, bswap_size(v, d->opsize));
    return ST_OK;
}

SimStatus op_movbe_Mv_Gv(Cpu *cpu, const DecodedInsn *d)
{
    return cpu_write_u(cpu, d->seg, insn_ea(cpu, d), d->opsize,
                       bswap_size(int_get_G(cpu, d, d->opsize), d->opsize));
}

/* ---- RDRAND RDSEED ------------------------------------------------------- */

/* RDRAND/RDSEED always succeed here: CF = 1, OF SF ZF AF PF = 0 (SDM Vol.2B
 * RDRAND, RDSEED). The numbers come from cpu->rng_state through splitmix64
 * (Steele, Lea, Flood, "Fast Splittable Pseudorandom Number Generators",
 * OOPSLA 2014) so runs are deterministic (STYLE 5).
 * SIMPLIFICATION: RDSEED draws from the same generator as RDRAND. */
static uint64_t rng_next(Cpu *cpu)
{
    uint64_t z = (cpu->rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static SimStatus rdrand(Cpu *cpu, const DecodedInsn *d)
{
    cpu_reg_write(cpu, d->rm, d->opsize, true, rng_next(cpu));
    int_set_flags(cpu, RFLAGS_ARITH, RFLAGS_CF);
    return ST_OK;
}

SimStatus op_rdrand_Rv(Cpu *cpu, const DecodedInsn *d) { return rdrand(cpu, d); }
SimStatus op_rdseed_Rv(Cpu *cpu, const DecodedInsn *d) { return rdrand(cpu, d); }

/* ---- BCD adjust (invalid in 64-bit mode: rows carry C_NO64) --------------- */

/* DAA (SDM Vol.2A DAA "Operation"); OF is undefined and cleared here. */
SimStatus op_daa(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t al = cpu->gpr[R_RAX] & 0xff, old_al = al;
    bool old_cf = cpu->rflags & RFLAGS_CF, cf = false, af = false;
    if ((al & 0xf) > 9 || (cpu->rflags & RFLAGS_AF)) {
        cf = old_cf || al + 6 > 0xff;
        al = (al + 6) & 0xff;
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al = (al + 0x60) & 0xff;
        cf = true;
    } else {
        cf = false;
    }
    cpu_reg_write(cpu, R_RAX, 1, false, al);
    int_set_flags(cpu, RFLAGS_ARITH, int_flags_szp(al, 1) | (cf ? RFLAGS_CF : 0) |
                                     (af ? RFLAGS_AF : 0));
    return ST_OK;
}

/* DAS (SDM Vol.2A DAS "Operation"): unlike DAA, CF keeps the first step's
 * value when the second adjustment is not made. */
SimStatus op_das(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t al = cpu->gpr[R_RAX] & 0xff, old_al = al;
    bool old_cf = cpu->rflags & RFLAGS_CF, cf = false, af = false;
    if ((al & 0xf) > 9 || (cpu->rflags & RFLAGS_AF)) {
        cf = old_cf || al < 6;
        al = (al - 6) & 0xff;
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al = (al - 0x60) & 0xff;
        cf = true;
    }
    cpu_reg_write(cpu, R_RAX, 1, false, al);
    int_set_flags(cpu, RFLAGS_ARITH, int_flags_szp(al, 1) | (cf ? RFLAGS_CF : 0) |
                                     (af ? RFLAGS_AF : 0));
    return ST_OK;
}

/* AAA/AAS (SDM Vol.2A AAA, AAS): AF = CF = adjustment made; OF SF ZF PF are
 * undefined and vmxsim sets SF ZF PF from AL, clears OF. */
static SimStatus aaa_aas(Cpu *cpu, bool sub)
{
    uint64_t ax = cpu->gpr[R_RAX] & 0xffff;
    bool adj = (ax & 0xf) > 9 || (cpu->rflags & RFLAGS_AF);
    /* The current SDM adjusts all of AX (AX + 106H; AX - 6 then AH - 1),
     * so a carry or borrow out of AL reaches AH. */
    if (adj)
        ax = sub ? ax - 6 - 0x100 : ax + 0x106;
    ax &= 0xff0f;
    cpu_reg_write(cpu, R_RAX, 2, false, ax);
    int_set_flags(cpu, RFLAGS_ARITH, int_flags_szp(ax, 1) |
                                     (adj ? RFLAGS_AF | RFLAGS_CF : 0));
    return ST_OK;
}

SimStatus op_aaa(Cpu *cpu, const DecodedInsn *d) { return aaa_aas(cpu, false); }
SimStatus op_aas(Cpu *cpu, const DecodedInsn *d) { return aaa_aas(cpu, true); }

/* AAM imm8: AH = AL / imm8, AL = AL mod imm8; imm8 = 0 raises #DE (SDM
 * Vol.2A AAM). SF ZF PF from AL; OF AF CF undefined, cleared here. */
SimStatus op_aam_Ib(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t base = d->imm & 0xff, al = cpu->gpr[R_RAX] & 0xff;
    if (base == 0)
        return cpu_de(cpu);
    uint64_t ax = ((al / base) << 8) | (al % base);
    cpu_reg_write(cpu, R_RAX, 2, false, ax);
    int_set_flags(cpu, RFLAGS_ARITH, int_flags_szp(ax, 1));
    return ST_OK;
}

/* AAD imm8: AL = (AL + AH * imm8) & FFH, AH = 0 (SDM Vol.2A AAD). */
SimStatus op_aad_Ib(Cpu *cpu, const DecodedInsn *d)
{
    uint64_t ax = cpu->gpr[R_RAX];
    uint64_t al = ((ax & 0xff) + ((ax >> 8) & 0xff) * (d->imm & 0xff)) & 0xff;
    cpu_reg_write(cpu, R_RAX, 2, false, al);
    int_set_flags(cpu, RFLAGS_ARITH, int_flags_szp(al, 1));
    return ST_OK;
}

/* BOUND r, m16&16 / m32&32: #BR when the signed index is below the lower or
 * above the upper bound (SDM Vol.2A BOUND). */
SimStatus op_bound_Gv_Ma(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize, bits = size * 8;
    uint64_t ea = insn_ea(cpu, d), lo, hi;
    SimStatus st = cpu_read_u(cpu, d->seg, ea, size, &lo);
    if (st)
        return st;
    st = cpu_read_u(cpu, d->seg, (ea + size) & size_mask(d->addrsize), size, &hi);
    if (st)
        return st;
    int64_t idx = sext(int_get_G(cpu, d, size), bits);
    if (idx < sext(lo, bits) || idx > sext(hi, bits))
        return cpu_raise(cpu, EXC_BR);
    return ST_OK;
}
