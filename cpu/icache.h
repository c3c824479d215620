/*
 * cpu/icache.h: the decoded-instruction cache, shared by all vCPUs of a
 * machine (ARCHITECTURE "The path of one instruction", step 2).
 *
 * Keyed by the guest-physical address of the instruction and the decode
 * mode (code size, 64-bit), so the same bytes fetched through different
 * linear addresses decode once. A page that holds cached instructions is
 * marked in the PhysMap code bitmap; any write to it drops the page's
 * entries (self-modifying code works, SDM Vol.3 11.6 "Self-Modifying Code").
 * The cache also holds the opcode index built from the instruction table.
 */
#ifndef CPU_ICACHE_H
#define CPU_ICACHE_H

#include "cpu/insn.h"

Icache *icache_new(PhysMap *pm);
void icache_free(Icache *ic);
/* Drop every decoded instruction on the page of gpa (called on writes to
 * code pages). */
void icache_invalidate_page(Icache *ic, uint64_t gpa);
void icache_flush(Icache *ic);

/* Fetch and decode the instruction at cpu->rip (through CS and paging),
 * from the cache when possible. ST_FAULT for #PF/#GP on fetch and #UD. */
SimStatus SIM_MUST_CHECK icache_get(Cpu *cpu, const DecodedInsn **out);

#endif
