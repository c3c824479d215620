/*
 * cpu/ops_int.h: helpers shared by the general-purpose integer handlers
 * (cpu/ops_alu.c, ops_shift.c, ops_muldiv.c, ops_bit.c, ops_string.c,
 * ops_data.c, ops_branch.c), private to them.
 *
 * - Status-flag computation for the arithmetic results, SDM Vol.1 3.4.3.1
 *   (Status Flags) and Appendix A (EFLAGS Cross-Reference).
 * - Condition-code evaluation for Jcc, SETcc and CMOVcc, SDM Vol.1
 *   Appendix B (EFLAGS Condition Codes).
 * - Operand access for the ModRM r/m (E) and reg (G) operands, SDM Vol.2A
 *   2.1.5 (Addressing-Mode Encoding of ModR/M and SIB Bytes).
 *
 * RFLAGS are eager (cpu/cpu.h). The flag helpers return the new status
 * flags instead of writing them, so a handler commits them (int_set_flags)
 * only after its last access that can fault.
 */
#ifndef CPU_OPS_INT_H
#define CPU_OPS_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/fault.h"
#include "cpu/insn.h"
#include "cpu/mem.h"

/* The helpers are forced inline: handlers call them with a constant
 * operand size, which folds their size switches away. */
#define INT_INLINE static inline __attribute__((always_inline))

/* Most significant bit of an operand of `size` bytes. */
INT_INLINE uint64_t int_sign_bit(unsigned size)
{
    return 1ull << (size * 8 - 1);
}

/*
 * The status flags are computed by the host: vmxsim runs on x86-64 hosts
 * only (cpu/exec.c), whose ADD ADC SUB SBB and TEST define CF PF AF ZF SF
 * OF exactly as the SDM defines them for the guest (Vol.1 3.4.3.1, Vol.2A
 * ADD/ADC, Vol.2B SUB/SBB/TEST "Flags Affected"). Each helper runs the one
 * host instruction at the operand size and reads RFLAGS back (PUSHFQ; the
 * stack pointer first steps over the 128-byte red zone the compiler may be
 * using, SysV ABI 3.2.2).
 */
#define INT_PUSHF "\n\tleaq -128(%%rsp), %%rsp\n\tpushfq\n\tpopq %[f]\n\tleaq 128(%%rsp), %%rsp"

/* X_ = X_ <op> Y_ at `size` bytes with the host's flags in F_. `pre` runs
 * first (INT_LOAD_CF: the carry for ADC/SBB from bit 0 of C_). */
#define INT_HOST_OP(pre, op, size, X_, Y_, C_, F_)                             \
    do {                                                                       \
        switch (size) {                                                        \
        case 1:                                                                \
            __asm__(pre op "b %b[y], %b[x]" INT_PUSHF                          \
                    : [x] "+r"(X_), [f] "=r"(F_) : [y] "r"(Y_), [c] "r"(C_) : "cc"); \
            break;                                                             \
        case 2:                                                                \
            __asm__(pre op "w %w[y], %w[x]" INT_PUSHF                          \
                    : [x] "+r"(X_), [f] "=r"(F_) : [y] "r"(Y_), [c] "r"(C_) : "cc"); \
            break;                                                             \
        case 4:                                                                \
            __asm__(pre op "l %k[y], %k[x]" INT_PUSHF                          \
                    : [x] "+r"(X_), [f] "=r"(F_) : [y] "r"(Y_), [c] "r"(C_) : "cc"); \
            break;                                                             \
        default:                                                               \
            __asm__(pre op "q %q[y], %q[x]" INT_PUSHF                          \
                    : [x] "+r"(X_), [f] "=r"(F_) : [y] "r"(Y_), [c] "r"(C_) : "cc"); \
            break;                                                             \
        }                                                                      \
    } while (0)

#define INT_LOAD_CF "btl $0, %k[c]\n\t"

/* PF: set when the least-significant byte of the result has an even number
 * of 1 bits (SDM Vol.1 3.4.3.1). ZF and SF from the result at `size`: the
 * flags of a host TEST of the result with itself. */
INT_INLINE uint64_t int_flags_szp(uint64_t r, unsigned size)
{
    uint64_t f, y = r;
    INT_HOST_OP("", "test", size, r, y, 0u, f);
    return f & (RFLAGS_PF | RFLAGS_ZF | RFLAGS_SF);
}

/* Replace the flags in `mask` by `f`. */
INT_INLINE void int_set_flags(Cpu *cpu, uint64_t mask, uint64_t f)
{
    cpu->rflags = (cpu->rflags & ~mask) | (f & mask);
}

/* ADD/ADC result and flags (SDM Vol.2A ADD, ADC): CF is the carry out of
 * the most-significant bit, OF the signed overflow, AF the carry out of
 * bit 3. */
INT_INLINE uint64_t int_add(unsigned size, uint64_t a, uint64_t b,
                               unsigned cin, uint64_t *flags)
{
    uint64_t f;
    if (__builtin_constant_p(cin) && cin == 0)
        INT_HOST_OP("", "add", size, a, b, cin, f);
    else
        INT_HOST_OP(INT_LOAD_CF, "adc", size, a, b, cin, f);
    *flags = f & RFLAGS_ARITH;
    return a & size_mask(size);
}

/* SUB/SBB/CMP/NEG result and flags (SDM Vol.2B SUB, SBB): CF is the borrow
 * into the most-significant bit, AF the borrow into bit 3. */
INT_INLINE uint64_t int_sub(unsigned size, uint64_t a, uint64_t b,
                               unsigned bin, uint64_t *flags)
{
    uint64_t f;
    if (__builtin_constant_p(bin) && bin == 0)
        INT_HOST_OP("", "sub", size, a, b, bin, f);
    else
        INT_HOST_OP(INT_LOAD_CF, "sbb", size, a, b, bin, f);
    *flags = f & RFLAGS_ARITH;
    return a & size_mask(size);
}

/* AND/OR/XOR/TEST flags: OF = CF = 0; SF ZF PF from the result; AF is
 * undefined (SDM Vol.2A AND "Flags Affected") and Intel parts clear it. */
INT_INLINE uint64_t int_logic(unsigned size, uint64_t r, uint64_t *flags)
{
    *flags = int_flags_szp(r, size);
    return r & size_mask(size);
}

/* Condition codes tttn (SDM Vol.1 Appendix B, Table B-1). */
INT_INLINE bool int_cond(const Cpu *cpu, unsigned cc)
{
    uint64_t f = cpu->rflags;
    bool cf = f & RFLAGS_CF, zf = f & RFLAGS_ZF, sf = f & RFLAGS_SF;
    bool of = f & RFLAGS_OF, pf = f & RFLAGS_PF;
    bool t;
    switch ((cc >> 1) & 7) {
    case 0: t = of; break;                  /* O */
    case 1: t = cf; break;                  /* B, C, NAE */
    case 2: t = zf; break;                  /* E, Z */
    case 3: t = cf || zf; break;            /* BE, NA */
    case 4: t = sf; break;                  /* S */
    case 5: t = pf; break;                  /* P, PE */
    case 6: t = sf != of; break;            /* L, NGE */
    default: t = zf || sf != of; break;     /* LE, NG */
    }
    return (cc & 1) ? !t : t;
}

/* The sixteen conditions in tttn order with their SDM mnemonic suffixes
 * (Jcc, SETcc, CMOVcc), for generating one handler per mnemonic. */
#define INT_CC_LIST(X)                                                        \
    X(o, 0x0) X(no, 0x1) X(b, 0x2) X(ae, 0x3) X(e, 0x4) X(ne, 0x5)            \
    X(be, 0x6) X(a, 0x7) X(s, 0x8) X(ns, 0x9) X(p, 0xa) X(np, 0xb)            \
    X(l, 0xc) X(ge, 0xd) X(le, 0xe) X(g, 0xf)

INT_INLINE bool int_rex(const DecodedInsn *d)
{
    return d->pfx & D_REX;
}

/* The ModRM.reg operand (G). */
INT_INLINE uint64_t int_get_G(const Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    return cpu_reg_read(cpu, d->reg, size, int_rex(d));
}

INT_INLINE void int_set_G(Cpu *cpu, const DecodedInsn *d, unsigned size, uint64_t v)
{
    cpu_reg_write(cpu, d->reg, size, int_rex(d), v);
}

/* Integer load and store of 1, 2, 4 or 8 bytes at a host address
 * (little-endian like the guest), zero-extended. */
INT_INLINE uint64_t int_host_load(const uint8_t *h, unsigned size)
{
    uint8_t b;
    uint16_t w;
    uint32_t l;
    uint64_t q;
    switch (size) {
    case 1: memcpy(&b, h, 1); return b;
    case 2: memcpy(&w, h, 2); return w;
    case 4: memcpy(&l, h, 4); return l;
    default: memcpy(&q, h, 8); return q;
    }
}

INT_INLINE void int_host_store(uint8_t *h, unsigned size, uint64_t v)
{
    uint8_t b = (uint8_t)v;
    uint16_t w = (uint16_t)v;
    uint32_t l = (uint32_t)v;
    switch (size) {
    case 1: memcpy(h, &b, 1); break;
    case 2: memcpy(h, &w, 2); break;
    case 4: memcpy(h, &l, 4); break;
    default: memcpy(h, &v, 8); break;
    }
}

/* Memory operand of 1, 2, 4 or 8 bytes: the inline fast path of cpu/mem.h,
 * else cpu_read_u/cpu_write_u. */
INT_INLINE SimStatus SIM_MUST_CHECK int_mem_read(Cpu *cpu, unsigned seg, uint64_t off,
                                                    unsigned size, uint64_t *v)
{
    uint8_t *h;
    if (cpu_fast_host(cpu, seg, off, size, true, false, &h)) {
        *v = int_host_load(h, size);
        return ST_OK;
    }
    return cpu_read_u(cpu, seg, off, size, v);
}

INT_INLINE SimStatus SIM_MUST_CHECK int_mem_write(Cpu *cpu, unsigned seg, uint64_t off,
                                                     unsigned size, uint64_t v)
{
    uint8_t *h;
    if (cpu_fast_host(cpu, seg, off, size, false, true, &h)) {
        int_host_store(h, size, v);
        return ST_OK;
    }
    return cpu_write_u(cpu, seg, off, size, v);
}

/* The ModRM.r/m operand (E): a register when mod == 3, else memory at
 * d->seg:insn_ea(). */
INT_INLINE SimStatus SIM_MUST_CHECK int_read_E(Cpu *cpu, const DecodedInsn *d,
                                                  unsigned size, uint64_t *v)
{
    if (d->mod == 3) {
        *v = cpu_reg_read(cpu, d->rm, size, int_rex(d));
        return ST_OK;
    }
    return int_mem_read(cpu, d->seg, insn_ea(cpu, d), size, v);
}

/* Write E. For memory this is the instruction's last access that can
 * fault, so callers write E before they touch registers or flags. */
INT_INLINE SimStatus SIM_MUST_CHECK int_write_E(Cpu *cpu, const DecodedInsn *d,
                                                   unsigned size, uint64_t v)
{
    if (d->mod == 3) {
        cpu_reg_write(cpu, d->rm, size, int_rex(d), v);
        return ST_OK;
    }
    return int_mem_write(cpu, d->seg, insn_ea(cpu, d), size, v);
}

/*
 * Read-modify-write of the E operand: int_rmw_read reads E and remembers
 * where it lives, int_rmw_write stores the new value there. A handler
 * calls them in that order and commits flags and registers only after the
 * write (the last access that can fault). In memory, when both the read
 * and the write TLB tags hit, the entry is taken once for both accesses;
 * otherwise the read and the write go through cpu/mem.c in that order, as
 * the instruction makes them.
 */
typedef struct IntRmw {
    uint8_t *host;         /* fast path: host address of the operand */
    uint64_t ea;           /* slow path: offset in d->seg */
} IntRmw;

INT_INLINE SimStatus SIM_MUST_CHECK int_rmw_read(Cpu *cpu, const DecodedInsn *d,
                                                    unsigned size, IntRmw *m,
                                                    uint64_t *v)
{
    if (d->mod == 3) {
        *v = cpu_reg_read(cpu, d->rm, size, int_rex(d));
        return ST_OK;
    }
    m->ea = insn_ea(cpu, d);
    m->host = NULL;
    if (cpu_fast_host(cpu, d->seg, m->ea, size, true, true, &m->host)) {
        *v = int_host_load(m->host, size);
        return ST_OK;
    }
    return cpu_read_u(cpu, d->seg, m->ea, size, v);
}

INT_INLINE SimStatus SIM_MUST_CHECK int_rmw_write(Cpu *cpu, const DecodedInsn *d,
                                                     unsigned size, const IntRmw *m,
                                                     uint64_t v)
{
    if (d->mod == 3) {
        cpu_reg_write(cpu, d->rm, size, int_rex(d), v);
        return ST_OK;
    }
    if (SIM_LIKELY(m->host != NULL)) {
        int_host_store(m->host, size, v);
        return ST_OK;
    }
    return cpu_write_u(cpu, d->seg, m->ea, size, v);
}

/* insn_ea with the common 64-bit form (base register plus displacement,
 * 64-bit address size, no index) tested first. */
INT_INLINE uint64_t int_ea(const Cpu *cpu, const DecodedInsn *d)
{
    if (SIM_LIKELY(d->index == EA_NONE && d->base < 16 && d->addrsize == 8))
        return cpu->gpr[d->base] + (uint64_t)d->disp;
    return insn_ea(cpu, d);
}

/*
 * The call-free fast path of an instruction with an E operand: E is a
 * register, or memory that cpu_fast_host (cpu/mem.h) maps straight to RAM
 * for the accesses asked for. A handler tries its *_fast helper (no calls,
 * so no stack frame) and tail-calls its generic form, which goes through
 * cpu/mem.c, when that returns false having done nothing.
 * int_fast_E leaves *h NULL for a register operand, the host address for
 * memory.
 */
INT_INLINE bool int_fast_E(Cpu *cpu, const DecodedInsn *d, unsigned size, bool read,
                           bool write, uint8_t **h)
{
    if (d->mod == 3) {
        *h = NULL;
        return true;
    }
    return cpu_fast_host(cpu, d->seg, int_ea(cpu, d), size, read, write, h);
}

INT_INLINE uint64_t int_fast_get(const Cpu *cpu, const DecodedInsn *d, unsigned size,
                                 const uint8_t *h)
{
    return h ? int_host_load(h, size) : cpu_reg_read(cpu, d->rm, size, int_rex(d));
}

INT_INLINE void int_fast_put(Cpu *cpu, const DecodedInsn *d, unsigned size, uint8_t *h,
                             uint64_t v)
{
    if (h)
        int_host_store(h, size, v);
    else
        cpu_reg_write(cpu, d->rm, size, int_rex(d), v);
}

/* Call F(cpu, d, size, args...) with the v operand size (2, 4 or 8) as a
 * compile-time constant, so the size switches of the inline helpers fold
 * away in each of the three copies. */
#define INT_SIZED_V(F, cpu, d, ...)                                            \
    ((d)->opsize == 4 ? F(cpu, d, 4 __VA_OPT__(,) __VA_ARGS__)                  \
     : (d)->opsize == 8 ? F(cpu, d, 8 __VA_OPT__(,) __VA_ARGS__)                \
     : F(cpu, d, 2 __VA_OPT__(,) __VA_ARGS__))

/* Marks the generic (slow-path) forms handlers tail-call. */
#define INT_SLOW static __attribute__((noinline))

/* Address-size register access for string instructions, LOOP and JCXZ
 * (SDM Vol.1 3.6 "Operand-Size and Address-Size Attributes"). A 32-bit
 * address-size update of RSI/RDI/RCX zero-extends like any 32-bit write. */
INT_INLINE uint64_t int_areg(const Cpu *cpu, unsigned reg, unsigned asize)
{
    return cpu->gpr[reg] & size_mask(asize);
}

INT_INLINE void int_set_areg(Cpu *cpu, unsigned reg, unsigned asize, uint64_t v)
{
    cpu_reg_write(cpu, reg, asize, true, v);
}

/* Set RSP with the stack-address size: a 16-bit stack changes only SP
 * (SDM Vol.3 6.2.3 "Address-Size Attributes for Stack Accesses"). */
INT_INLINE void int_set_rsp(Cpu *cpu, uint64_t v)
{
    cpu_reg_write(cpu, R_RSP, cpu->stack_size, true, v);
}

/* #GP(0) unless lin is canonical (out of line: taken only for targets
 * beyond the 48-bit canonical range). */
static __attribute__((noinline, cold, unused)) SimStatus SIM_MUST_CHECK
int_check_canonical_slow(Cpu *cpu, uint64_t lin)
{
    return cpu_is_canonical(cpu, lin) ? ST_OK : cpu_gp(cpu, 0);
}

/* Near-branch target check and commit (SDM Vol.2A JMP, CALL, RET
 * "Operation"): in 64-bit mode the target must be canonical, elsewhere it
 * must lie within the CS limit, else #GP(0) with nothing committed. The
 * target is first truncated to the operand size. */
INT_INLINE SimStatus SIM_MUST_CHECK int_check_near_target(Cpu *cpu, uint64_t *target,
                                                             unsigned opsize)
{
    *target &= size_mask(opsize);
    if (cpu->mode == MODE_LONG64) {
        /* A 48-bit canonical target is canonical with 4- and 5-level
         * paging alike; only others need cpu_is_canonical. */
        if (SIM_UNLIKELY((uint64_t)((int64_t)*target >> 47) + 1 > 1))
            return int_check_canonical_slow(cpu, *target);
    } else if (*target > cpu->seg[SEG_CS].limit) {
        return cpu_gp(cpu, 0);
    }
    return ST_OK;
}

#endif
