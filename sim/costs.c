/*
 * sim/costs.c: turning a cost model (sim/costs.h) into the per-vCPU tables
 * the interpreter charges from (CpuCosts in cpu/cpu.h): the class of each
 * instruction-table row (sim/insn_classes.def and fallback rules), the
 * cycles of each row by operand form, the cost of a TLB miss by paging
 * mode, and the event and VMX transition costs. Everything here runs once,
 * at start-up; the interpreter only adds the precomputed numbers.
 */
#include "sim/costs.h"

#include <string.h>

#include "cpu/insn.h"
#include "mmu/paging.h"

typedef struct MnemonicClass {
    const char *mnemonic;
    CostId cls;
} MnemonicClass;

static const MnemonicClass mnemonic_classes[] = {
#define INSN_CLASS(mnemonic, cls) { #mnemonic, COST_##cls },
#include "sim/insn_classes.def"
};

/* Does the operand string have an operand starting with one of `letters`
 * whose second character is lower case (a ModRM or addressing operand,
 * not a register name like "DX" or "CL")? */
static bool has_operand(const char *ops, const char *letters)
{
    for (const char *p = ops; *p; ) {
        if (strchr(letters, p[0]) && p[1] >= 'a' && p[1] <= 'z')
            return true;
        const char *comma = strchr(p, ',');
        if (!comma)
            break;
        p = comma + 1;
    }
    return false;
}

/* A far pointer: Ap (direct) or Mp/Ep (memory). */
static bool has_far_pointer(const char *ops)
{
    return strstr(ops, "Ap") || strstr(ops, "Mp") || strstr(ops, "Ep");
}

CostId costs_class_of_row(unsigned row)
{
    g_assert(row < insn_table_size);
    const InsnDesc *r = &insn_table[row];
    for (size_t i = 0; i < G_N_ELEMENTS(mnemonic_classes); i++) {
        if (strcmp(mnemonic_classes[i].mnemonic, r->name))
            continue;
        CostId c = mnemonic_classes[i].cls;
        /* CALL, JMP and RET with a far pointer are far transfers; MOV to
         * or from a control, debug or segment register is a system
         * instruction. */
        if (c == COST_BRANCH && has_far_pointer(r->operands))
            return COST_FAR;
        if (c == COST_MOV && has_operand(r->operands, "CDS"))
            return COST_SYSTEM;
        return c;
    }
    if (r->flags & F_BRANCH && has_far_pointer(r->operands))
        return COST_FAR;
    /* Control/debug registers (C, D) and segment registers (S) in ModRM. */
    if (has_operand(r->operands, "CDS"))
        return COST_SYSTEM;
    /* MMX and XMM operands (SDM Vol.2D A.2.1: P Q N are MMX, V W U XMM). */
    if (has_operand(r->operands, "PQNVWU"))
        return COST_SSE;
    /* The x87 escape opcodes D8-DF (SDM Vol.2D A.5). */
    if (r->map == MAP_1B && r->opcode >= 0xd8 && r->opcode <= 0xdf)
        return COST_X87;
    if (r->flags & F_IO)
        return COST_IO;
    if (r->flags & F_REP)
        return COST_STRING;
    if (r->flags & F_BRANCH)
        return COST_BRANCH;
    if (r->flags & F_SYSTEM)
        return COST_SYSTEM;
    return COST_ALU;
}

/* Classes whose memory operands are charged as loads and stores on top of
 * the class cost; the others' class cost covers their memory accesses
 * (descriptor tables, VMCS regions, XSAVE areas, ...). */
static bool class_pays_memory(CostId c)
{
    switch (c) {
    case COST_ALU: case COST_MOV: case COST_STACK: case COST_MUL:
    case COST_DIV: case COST_BITSCAN: case COST_BRANCH: case COST_X87:
    case COST_SSE:
        return true;
    default:
        return false;
    }
}

/* Mnemonics whose first operand is only read. */
static bool reads_first_only(const char *name)
{
    return !strcmp(name, "CMP") || !strcmp(name, "TEST") || !strcmp(name, "BT") ||
           !strcmp(name, "PUSH") || !strcmp(name, "JMP") || !strcmp(name, "CALL");
}

uint32_t costs_insn_cycles(const CostModel *cm, unsigned row, unsigned mod)
{
    const InsnDesc *r = &insn_table[row];
    CostId c = costs_class_of_row(row);
    uint32_t cycles = cm->cycles[c];
    if (mod == 3 || !class_pays_memory(c) || !has_operand(r->operands, "EMWQO"))
        return cycles;
    /* SIMPLIFICATION: the memory operand's role comes from its position:
     * first operand = destination (a store, after a load unless the class
     * moves data or the mnemonic only reads it), later = a source (load). */
    bool first_mem = strchr("EMWQO", r->operands[0]) != NULL;
    if (!first_mem || reads_first_only(r->name))
        return cycles + cm->cycles[COST_LOAD];
    cycles += cm->cycles[COST_STORE];
    if (c != COST_MOV && !(c == COST_SSE && strstr(r->name, "MOV")))
        cycles += cm->cycles[COST_LOAD];
    return cycles;
}

/* Paging-structure references of one walk (SDM Vol.3 4.3, 4.4, 4.5: one
 * entry per level). SIMPLIFICATION: a walk is charged for every level even
 * when a large page ends it early, and PAE's PDPTEs (loaded with CR3,
 * 4.4.1) are not counted. */
static unsigned walk_levels(unsigned mode)
{
    switch (mode) {
    case PAGING_32: return 2;
    case PAGING_PAE: return 2;
    case PAGING_4LEVEL: return 4;
    case PAGING_5LEVEL: return 5;
    default: return 0;
    }
}

/* SIMPLIFICATION: a 4-level EPT walk (SDM Vol.3 28.2.2); 5-level EPT
 * would add one reference. */
#define EPT_WALK_LEVELS 4u

void costs_apply(const CostModel *cm, Cpu *cpu)
{
    CpuCosts *t = &cpu->costs;
    g_assert(insn_table_size == CPU_INSN_ROWS);
    for (unsigned row = 0; row < insn_table_size; row++)
        for (unsigned mod = 0; mod < 4; mod++) {
            uint32_t c = costs_insn_cycles(cm, row, mod);
            /* Retiring adds one cycle plus the table's extra. */
            t->insn[row][mod] = (uint16_t)MIN(c ? c - 1 : 0, UINT16_MAX);
        }
    for (unsigned mode = 0; mode < G_N_ELEMENTS(t->walk[0]); mode++) {
        unsigned n = walk_levels(mode);
        t->walk[0][mode] = n ? cm->cycles[COST_TLB_MISS] + n * cm->cycles[COST_PAGE_REF] : 0;
        /* With EPT each of the n guest references and the final
         * guest-physical address take an EPT walk (SDM Vol.3 28.2.2). */
        t->walk[1][mode] = cm->cycles[COST_TLB_MISS] + n * cm->cycles[COST_PAGE_REF] +
                           (n + 1) * EPT_WALK_LEVELS * cm->cycles[COST_EPT_REF];
    }
    t->event = cm->cycles[COST_EVENT];
    t->vmexit = cm->cycles[COST_VMEXIT];
    t->vmentry = cm->cycles[COST_VMENTRY];
}
