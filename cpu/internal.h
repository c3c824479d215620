/*
 * cpu/internal.h: declarations private to cpu/: what the decoder derives from
 * one instruction-table row (shared by cpu/decode.c and its table tests), and
 * the decoded-block form the decoded-instruction cache (cpu/icache.c) hands
 * to the run loop (cpu/exec.c).
 */
#ifndef CPU_INTERNAL_H
#define CPU_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/decode.h"
#include "cpu/icache.h"

/* Immediate kinds a row's operand string asks for (SDM Vol.2D A.2.2). */
typedef enum ImmKind {
    IMM_NONE,
    IMM_B,        /* Ib, Jb (sign-extended byte), L (is4) */
    IMM_W,        /* Iw */
    IMM_D,        /* Id */
    IMM_Q,        /* Iq */
    IMM_Z,        /* Iz, Jz: 2 bytes for 16-bit operand size, else 4 */
    IMM_V,        /* Iv: 2, 4 or 8 bytes by operand size */
    IMM_AP,       /* Ap: offset (2 or 4 bytes by operand size), selector */
    IMM_MOFFS,    /* Ob, Ov: address-size offset */
} ImmKind;

/* What the decoder derives from one row, parsing its operand string once. */
typedef struct RowInfo {
    uint32_t cons;         /* the row's C_* plus the ModRM.mod constraint
                              implied by M (memory only) and R/U/N (register
                              only) operands */
    uint16_t desc;         /* index in insn_table */
    uint16_t flags;        /* the row's F_* plus F_BYTEOP when derived */
    uint8_t imm1, imm2;    /* ImmKind of the first and second immediate */
    uint8_t feature;
    bool modrm;            /* the row has a ModRM byte */
    bool vvvv;             /* the row reads VEX.vvvv (B or H operand) */
    bool zreg;             /* register in opcode bits 2:0 (Z operand) */
    bool force_reg;        /* C/D operands: ModRM.mod is ignored and the
                              r/m field names a register (SDM Vol.2B MOV
                              control/debug registers) */
} RowInfo;

/* Parse one row; false when its operand string does not parse (the row then
 * never matches, and test_decode reports it). */
bool decode_row_info(unsigned desc, RowInfo *out);

/*
 * A decoded block: straight-line instructions at consecutive guest-physical
 * addresses of one page, ending at a branch, a system or I/O instruction, the
 * page end or ICACHE_BLOCK_INSNS instructions. An instruction that crosses
 * a page boundary is always a block of its own, so only single-instruction
 * blocks depend on a second page.
 */
#define ICACHE_BLOCK_INSNS 32

typedef struct IcBlock {
    uint64_t gpa;          /* guest-physical address of the first byte */
    uint64_t gpa2;         /* second page (crossing instruction) or ~0 */
    uint32_t gen, gen2;    /* page generations when decoded */
    uint8_t mode;          /* DecodeMode key (0 = empty slot) */
    bool sys_end;          /* ends with an F_SYSTEM instruction */
    uint8_t n;             /* instructions */
    uint16_t bytes;        /* total length */
    DecodedInsn insn[ICACHE_BLOCK_INSNS];
} IcBlock;

/* ic->smc is set by every write that invalidates decoded code; the run loop
 * clears it at each block start and leaves the block when it is set
 * (self-modifying code inside the running block). */

/* Direct-mapped block table: 2^ICACHE_BITS slots, indexed by a hash of
 * the block's guest-physical address and decode mode. */
#define ICACHE_BITS 12

struct Icache {
    PhysMap *pm;
    DecodeIndex *ix;
    IcBlock *blocks;       /* 1 << ICACHE_BITS slots */
    uint32_t *gen;         /* per RAM page: bumped when decoded code on it
                              is overwritten */
    uint64_t *chunks;      /* per RAM page: which 64-byte pieces hold
                              decoded bytes (a write elsewhere on the page
                              keeps its blocks) */
    uint64_t npages;
    Cpu **cpus;            /* vCPUs seen, whose TLBs drop write tags when
                              a page becomes code */
    unsigned ncpus;
    IcBlock scratch;       /* uncached decode: code outside RAM, or a block
                              entered with a shorter CS limit */
    bool smc;              /* see icache_block */
};

static inline unsigned icache_slot(uint64_t gpa, uint8_t key)
{
    return (unsigned)(((gpa ^ (uint64_t)key << 56) * 0x9e3779b97f4a7c15ull) >> (64 - ICACHE_BITS));
}

/* Decode-mode key of a block: code size, and whether VEX is off (real or
 * virtual-8086 mode). Never 0 (0 marks an empty slot). */
static inline uint8_t icache_key(const Cpu *cpu)
{
    return (uint8_t)(cpu->code_size |
                     (cpu->mode == MODE_REAL || cpu->mode == MODE_V86 ? 0x80 : 0));
}

/*
 * The run loop's memory of the code page it is executing: the linear page,
 * its guest-physical page and RAM page index as last translated, and the
 * decode-mode key. It stays valid while nothing can change the translation,
 * CS or the mode: the run loop drops it after a system instruction (blocks
 * end there), a delivered event, a fault or any cpu_step. A stale TLB is
 * what SDM Vol.3 4.10.4 "Invalidation of TLBs and Paging-Structure Caches"
 * allows until the invalidating (system) instruction, which ends the block.
 */
typedef struct IcPage {
    uint64_t lin_page;
    uint64_t gpa_page;
    uint64_t ram_page;     /* index into Icache.gen */
    uint8_t key;
    bool valid;
} IcPage;

/* The cached, still valid block at the offset of the current RAM page, or
 * NULL. */
static inline const IcBlock *icache_block_at(Cpu *cpu, Icache *ic, const IcPage *pg,
                                             uint64_t rip, uint64_t lin)
{
    uint64_t gpa = pg->gpa_page | (lin & (PAGE_SIZE - 1));
    const IcBlock *b = &ic->blocks[icache_slot(gpa, pg->key)];
    if (SIM_UNLIKELY(b->gpa != gpa || b->mode != pg->key ||
                     b->gen != ic->gen[pg->ram_page] || b->gpa2 != ~0ull))
        return NULL;
    if (cpu->code_size != 8 && SIM_UNLIKELY(rip + b->bytes - 1 > cpu->seg[SEG_CS].limit))
        return NULL;
    return b;
}

/* The run loop's lookup for the common case: code on the page it ran last,
 * or on a page whose translation is in the TLB, with its block cached and
 * still valid. NULL means "take icache_block". Updates *pg. */
static inline const IcBlock *icache_lookup_fast(Cpu *cpu, Icache *ic, IcPage *pg)
{
    uint64_t rip = cpu->rip, lin = rip;
    if (cpu->code_size != 8)
        lin = (cpu->seg[SEG_CS].base + rip) & 0xffffffffu;
    if (SIM_LIKELY(pg->valid && pg->lin_page == (lin & PAGE_MASK)))
        return icache_block_at(cpu, ic, pg, rip, lin);
    const TlbEntry *e = &cpu->tlb.e[cpu->cpl == 3 ? TLB_USER : TLB_SUPERVISOR][tlb_index(lin)];
    if (SIM_UNLIKELY(e->lin_exec != tlb_key(lin, cpu->cr3)))
        return NULL;
    uint64_t off = physmem_ram_offset(ic->pm, e->gpa);
    if (SIM_UNLIKELY(off == UINT64_MAX))
        return NULL;
    *pg = (IcPage){
        .lin_page = lin & PAGE_MASK,
        .gpa_page = e->gpa,
        .ram_page = off >> PAGE_SHIFT,
        .key = icache_key(cpu),
        .valid = true,
    };
    return icache_block_at(cpu, ic, pg, rip, lin);
}

/* The block that starts at cpu->rip, fetched through CS and paging and
 * decoded if needed. ST_FAULT for a fetch fault, #GP (CS limit, length,
 * non-canonical RIP) or #UD on the first instruction. The block stays valid
 * until the next icache call. */
SimStatus SIM_MUST_CHECK icache_block(Cpu *cpu, const IcBlock **out);

#endif
