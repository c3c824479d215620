/*
 * sim/costs.h: cost models (configs/costs/NAME.xml, schema
 * configs/costs/costs.rng): the cycles of each instruction class and of
 * each timing event (TLB miss, paging references, exception delivery, VM
 * exit and entry, ...) of one microarchitecture, each with its source
 * (ARCHITECTURE "Timing model"). A model is read once and turned into the
 * per-row tables of CpuCosts (cpu/cpu.h), so the interpreter charges an
 * instruction with one add and never looks anything up.
 *
 * The timing model never changes an architectural result: it only moves
 * the vCPU clock (cpu->cycles), which RDTSC reads.
 */
#ifndef SIM_COSTS_H
#define SIM_COSTS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

typedef enum CostId {
#define COST_CLASS(id, name, what) COST_##id,
#define COST_ITEM(id, name, what) COST_##id,
#include "sim/costs.def"
    COST_COUNT
} CostId;

/* The classes come first in costs.def: ids below COST_CLASS_COUNT. */
enum {
    COST_CLASS_COUNT = 0
#define COST_CLASS(id, name, what) + 1
#include "sim/costs.def"
};

/* The default model when --costs is not given. */
#define COSTS_DEFAULT "skylake"

typedef struct CostModel {
    char *name;                  /* the name= of the file */
    char *path;                  /* the file it was read from */
    uint32_t mhz;                /* core frequency */
    uint32_t cycles[COST_COUNT];
    char *source[COST_COUNT];    /* the cited source of each value */
} CostModel;

/* Read a cost model: arg is a file path (it contains '/' or ends in
 * .xml) or a model name in configs/costs/. Errors give "FILE:LINE: ...". */
bool costs_load(const char *arg, CostModel *cm, GError **err);
void costs_clear(CostModel *cm);

/* The name costs.def gives a cost. */
const char *costs_name(CostId id);
/* The class of instruction-table row `row` (sim/insn_classes.def and the
 * fallback rules described there). */
CostId costs_class_of_row(unsigned row);
/* Cycles one instruction of row `row` retires with, by ModRM.mod. */
uint32_t costs_insn_cycles(const CostModel *cm, unsigned row, unsigned mod);
/* Fill cpu->costs from the model (call after cpu_init). */
void costs_apply(const CostModel *cm, Cpu *cpu);

#endif
