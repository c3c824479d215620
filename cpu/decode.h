/*
 * cpu/decode.h: the table-driven x86-64 decoder (SDM Vol.2A ch. 2
 * "Instruction Format": legacy prefixes, REX, opcode maps, ModRM, SIB,
 * displacement, immediates).
 */
#ifndef CPU_DECODE_H
#define CPU_DECODE_H

#include <stdbool.h>

#include "cpu/insn.h"

typedef struct DecodeIndex DecodeIndex;

/* Build the opcode index from insn_table (once per machine). */
DecodeIndex *decode_index_new(void);
void decode_index_free(DecodeIndex *ix);

typedef struct DecodeMode {
    uint8_t code_size;     /* 2, 4 or 8 (8 = 64-bit mode) */
    bool vex_off;          /* real-address or virtual-8086 mode: C4/C5 are
                              always LES/LDS, never a VEX prefix */
} DecodeMode;

typedef enum DecodeResult {
    DECODE_OK,
    DECODE_UD,             /* invalid opcode or prefix combination: #UD */
    DECODE_TOO_LONG,       /* longer than 15 bytes: #GP(0) */
    DECODE_NEED_MORE,      /* ran out of bytes: fetch more (or #PF) */
} DecodeResult;

/* Decode one instruction from bytes[0..avail). On DECODE_OK d is filled;
 * cpu is consulted only for CPUID feature checks (cpu->model). */
DecodeResult decode_insn(const DecodeIndex *ix, const Cpu *cpu, DecodeMode mode,
                         const uint8_t *bytes, unsigned avail, DecodedInsn *d);

#endif
