/*
 * cpu/insn.h: the instruction table's row format and the decoded form of one
 * instruction, shared by the decoder (cpu/decode.c) and every handler.
 *
 * The instruction set is written once, as rows in cpu/insn_*.def:
 *
 *   INSN(name, map, opcode, constraint, operands, handler, feature, flags)
 *
 *   name        mnemonic as the SDM spells it (for traces), e.g. ADD
 *   map         MAP_1B (one-byte), MAP_0F, MAP_0F38, MAP_0F3A
 *   opcode      the opcode byte within the map
 *   constraint  C_* bits that must also match: ModRM.reg (opcode
 *               extensions /0../7), ModRM.mod (memory or register form),
 *               ModRM.rm for register forms, mandatory prefix (none, 66, F3,
 *               F2), operating mode. C_NONE matches everything.
 *   operands    the SDM's operand string (Vol.2 Appendix A notation):
 *               "Eb,Gb", "Ev,Ib", "Jz", "AL,Ib", ""... The decoder derives
 *               ModRM presence, immediate sizes and byte/word forms from it.
 *   handler     op_<mnemonic>_<operands>, type InsnHandler
 *   feature     FEAT_* the CPU model must report (CPUID), or FEAT_NONE
 *   flags       F_* below
 *
 * Operand letters the decoder understands (SDM Vol.2D A.2):
 *   E (ModRM r/m), G (ModRM reg), M (memory-only r/m), R (register-only
 *   r/m), S (segment reg in ModRM.reg), C/D (control/debug reg in ModRM.reg),
 *   V/W/U (xmm reg / xmm-or-mem / xmm-reg), P/Q/N (mmx), I (immediate),
 *   J (relative offset), O (moffs), A (far pointer), Z (register in the low 3
 *   opcode bits, +REX.B), register names (AL, rAX, eAX, DX, CL, 1).
 *   Sizes: b byte, w word, d dword, q qword, v (16/32/64 by operand size),
 *   z (16/32: 32 for 64-bit operand size), y (32/64), p (far pointer),
 *   s (descriptor-table 6/10 bytes), dq/ps/pd/ss/sd (SSE).
 */
#ifndef CPU_INSN_H
#define CPU_INSN_H

#include <stdint.h>

#include "cpu/cpu.h"

enum { MAP_1B, MAP_0F, MAP_0F38, MAP_0F3A, MAP_COUNT };

/* Constraint bits (column 4). Combine with |. */
#define C_NONE        0u
#define C_REG(n)      (0x08u | (unsigned)(n))          /* ModRM.reg == n */
#define C_RM(n)       (0x80u | ((unsigned)(n) << 4))   /* ModRM.rm == n (mod 3) */
#define C_MOD_MEM     0x100u                           /* ModRM.mod != 3 */
#define C_MOD_REG     0x200u                           /* ModRM.mod == 3 */
#define C_PNONE       0x400u                           /* no 66/F2/F3 */
#define C_P66         0x800u                           /* mandatory 66 */
#define C_PF3         0x1000u                          /* mandatory F3 */
#define C_PF2         0x2000u                          /* mandatory F2 */
#define C_NO64        0x4000u                          /* invalid in 64-bit mode */
#define C_ONLY64      0x8000u                          /* valid only in 64-bit mode */
#define C_REXW        0x10000u                         /* REX.W must be 1 */
#define C_NOREXW      0x20000u                         /* REX.W must be 0 */
#define C_VEX         0x40000u                         /* VEX-encoded only (BMI1/2);
                                                          rows without it never
                                                          match a VEX prefix */
#define C_VEXL0       0x80000u                         /* VEX.L must be 0 */

/* Flags (column 8). */
#define F_NONE     0u
#define F_LOCKABLE     0x01u   /* LOCK prefix allowed (memory form) */
#define F_DEF64    0x02u   /* operand size defaults to 64 in 64-bit mode */
#define F_FORCE64  0x04u   /* operand size is 64 in 64-bit mode, 66 ignored */
#define F_BRANCH   0x08u   /* may change RIP other than by length: ends a
                              decoded block */
#define F_REP      0x10u   /* string instruction: F3/F2 are REP prefixes */
#define F_SYSTEM   0x20u   /* may change mode, paging or CS: ends a block */
#define F_BYTEOP   0x40u   /* operand size is 1 (set by the decoder from
                              the operand string; rows need not say) */
#define F_IO       0x80u   /* port I/O (for I/O permission and VMX exits) */

typedef struct DecodedInsn DecodedInsn;
typedef SimStatus (*InsnHandler)(Cpu *cpu, const DecodedInsn *d);

/* One row of the table, as compiled. */
typedef struct InsnDesc {
    const char *name;
    const char *operands;
    InsnHandler handler;
    uint32_t constraint;
    uint16_t flags;
    uint8_t map;
    uint8_t opcode;
    uint8_t feature;       /* CpuFeature or FEAT_NONE */
} InsnDesc;

#define FEAT_NONE FEAT_COUNT

/* Special register numbers in DecodedInsn.base/index. */
#define EA_NONE 0xff
#define EA_RIP  0xfe

/* DecodedInsn.pfx bits. */
#define D_REX    0x01u     /* any REX prefix present (byte regs SPL..DIL) */
#define D_REXW   0x02u
#define D_LOCK   0x04u
#define D_REP    0x08u     /* F3 */
#define D_REPNE  0x10u     /* F2 */
#define D_OSIZE  0x20u     /* 66 */
#define D_ASIZE  0x40u     /* 67 */
#define D_VEX    0x80u     /* VEX prefix (C4/C5); REX.W carries VEX.W */

/*
 * The decoded form: everything a handler needs, nothing it must re-decode.
 * Immediates are sign-extended from their encoded size to 64 bits; a
 * handler that needs zero extension masks (imm & 0xff). Relative branch
 * targets are already added: for J operands, imm = next_rip-relative
 * displacement (add to next_rip).
 */
struct DecodedInsn {
    InsnHandler exec;
    int64_t disp;          /* memory displacement; moffs for O operands;
                              offset of a far pointer (A) */
    uint64_t imm;          /* first immediate */
    uint16_t imm2;         /* second immediate: ENTER's Ib; A's selector */
    uint16_t desc;         /* index of the InsnDesc row */
    uint8_t len;           /* instruction length in bytes (1..15) */
    uint8_t opsize;        /* 1, 2, 4 or 8 */
    uint8_t addrsize;      /* 2, 4 or 8 */
    uint8_t seg;           /* SEG_* for the memory operand (override applied) */
    uint8_t reg;           /* ModRM.reg + REX.R, or opcode[2:0] + REX.B for Z */
    uint8_t rm;            /* ModRM.rm + REX.B (register when mod == 3) */
    uint8_t mod;           /* ModRM.mod; 3 = register operand */
    uint8_t base;          /* base register, EA_NONE or EA_RIP */
    uint8_t index;         /* index register or EA_NONE */
    uint8_t scale;         /* log2 of the SIB scale */
    uint8_t pfx;           /* D_* */
    uint8_t opcode;        /* the opcode byte */
    uint8_t vvvv;          /* VEX.vvvv register (already inverted), 0 if none */
};

/* The table (cpu/decode.c) and lookups by row. */
extern const InsnDesc insn_table[];
extern const unsigned insn_table_size;

/* Effective address offset of the memory operand (SDM Vol.1 3.7.5),
 * truncated to the address size. RIP-relative uses next_rip. */
static inline uint64_t insn_ea(const Cpu *cpu, const DecodedInsn *d)
{
    uint64_t ea = (uint64_t)d->disp;
    if (d->base == EA_RIP)
        ea += cpu->next_rip;
    else if (d->base != EA_NONE)
        ea += cpu->gpr[d->base];
    if (d->index != EA_NONE)
        ea += cpu->gpr[d->index] << d->scale;
    if (d->addrsize == 4)
        ea &= 0xffffffffu;
    else if (d->addrsize == 2)
        ea &= 0xffffu;
    return ea;
}

/* Handler prototypes, one per row. */
#define INSN(name, map, opcode, constraint, operands, handler, feature, flags) \
    SimStatus handler(Cpu *cpu, const DecodedInsn *d);
#include "cpu/insn_all.def"

#endif
