/*
 * cpu/seg.h: segment descriptors and segment-register loads, public within
 * cpu/ (far transfers, event delivery, LLDT/LTR/LAR/LSL/VERR/VERW, VM exit
 * loading host state). SDM Vol.3 ch. 3 "Protected-Mode Memory Management"
 * (3.4 "Logical and Linear Addresses", 3.5 "System Descriptor Types") and
 * ch. 5 "Protection".
 */
#ifndef CPU_SEG_H
#define CPU_SEG_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* Selector fields (SDM Vol.3 3.4.2 "Segment Selectors"). */
#define SEL_RPL_MASK 0x3u
#define SEL_TI       0x4u
#define SEL_INDEX_MASK 0xfff8u
/* The error code for a selector: index and TI, RPL bits replaced by EXT
 * and IDT (SDM Vol.3 6.13 "Error Code"). */
static inline uint32_t seg_sel_error(uint16_t sel) { return sel & 0xfffcu; }
static inline bool seg_sel_is_null(uint16_t sel) { return (sel & 0xfffcu) == 0; }

/* System descriptor types, S = 0 (SDM Vol.3 Table 3-2 "System-Segment and
 * Gate-Descriptor Types"). In IA-32e mode the 32-bit names are the 64-bit
 * types (a "TSS32" type is the 64-bit TSS, a "call gate 32" the 64-bit
 * call gate). */
enum {
    DESC_TSS16_AVAIL = 1, DESC_LDT = 2, DESC_TSS16_BUSY = 3,
    DESC_CALL16 = 4, DESC_TASK = 5, DESC_INT16 = 6, DESC_TRAP16 = 7,
    DESC_TSS32_AVAIL = 9, DESC_TSS32_BUSY = 11, DESC_CALL32 = 12,
    DESC_INT32 = 14, DESC_TRAP32 = 15,
};

/* A descriptor as read from memory: 8 bytes, or 16 for system descriptors
 * and gates in IA-32e mode (SDM Vol.3 8.2.3 "TSS Descriptor in 64-bit
 * mode", 6.14.1 "64-Bit Mode IDT"). */
typedef struct SegDesc {
    uint64_t lo;           /* bytes 0..7 */
    uint64_t hi;           /* bytes 8..15 of a 16-byte descriptor, else 0 */
} SegDesc;

/* Field extraction (SDM Vol.3 3.4.5 "Segment Descriptors"). */
static inline uint32_t seg_desc_ar(const SegDesc *d)
{
    return (uint32_t)(((d->lo >> 40) & 0xff) | (((d->lo >> 52) & 0xf) << 12));
}
static inline unsigned seg_desc_type(const SegDesc *d) { return (d->lo >> 40) & 0xf; }
static inline bool seg_desc_s(const SegDesc *d) { return (d->lo >> 44) & 1; }
static inline unsigned seg_desc_dpl(const SegDesc *d) { return (d->lo >> 45) & 3; }
static inline bool seg_desc_present(const SegDesc *d) { return (d->lo >> 47) & 1; }
static inline bool seg_desc_is_code(const SegDesc *d)
{
    return seg_desc_s(d) && (seg_desc_type(d) & AR_TYPE_CODE);
}
/* Base address; for a 16-byte system descriptor bits 63:32 come from
 * bytes 8..11. */
uint64_t seg_desc_base(const SegDesc *d, bool wide);
/* Limit in bytes, with the granularity bit applied. */
uint32_t seg_desc_limit(const SegDesc *d);
/* The hidden part a segment register caches for this descriptor. */
SegReg seg_desc_to_cache(const SegDesc *d, uint16_t sel, bool wide);

/* Gate fields (SDM Vol.3 Figure 5-8 "Call-Gate Descriptor", Figure 6-8
 * "64-Bit IDT Gate Descriptors"). */
static inline uint16_t seg_gate_selector(const SegDesc *d) { return (uint16_t)(d->lo >> 16); }
static inline unsigned seg_gate_param_count(const SegDesc *d) { return (d->lo >> 32) & 0x1f; }
static inline unsigned seg_gate_ist(const SegDesc *d) { return (d->lo >> 32) & 0x7; }
uint64_t seg_gate_offset(const SegDesc *d, bool wide);

/* Is the descriptor of `sel` (size 8 or 16 bytes) within the GDT or LDT
 * limit? False for an LDT selector while LDTR is unusable. */
bool seg_sel_in_table(const Cpu *cpu, uint16_t sel, unsigned bytes);
/* Linear address of the descriptor of `sel` (no limit check). */
uint64_t seg_desc_addr(const Cpu *cpu, uint16_t sel);
/* Read the descriptor of `sel` (8 or 16 bytes). If it lies outside the
 * table, raise `vector` (#GP or #TS) with the selector error code plus
 * `ext` (the EXT bit, SDM Vol.3 6.13 "Error Code"); paging faults on the
 * table read are raised as such. */
SimStatus SIM_MUST_CHECK seg_read_descriptor(Cpu *cpu, uint16_t sel, unsigned bytes,
                                             uint8_t vector, uint32_t ext,
                                             SegDesc *d);
/* Set the accessed bit (code/data) or busy bit (TSS, type bit 1) of a
 * descriptor in memory and in *d (SDM Vol.3 3.4.5.1: the processor sets
 * the accessed bit when it loads the segment register). */
SimStatus SIM_MUST_CHECK seg_set_accessed(Cpu *cpu, uint16_t sel, SegDesc *d);
SimStatus SIM_MUST_CHECK seg_set_busy(Cpu *cpu, uint16_t sel, SegDesc *d, bool busy);

/* Load a data or stack segment register (ES, SS, DS, FS, GS) as MOV Sreg,
 * POP Sreg and LDS/LES/LFS/LGS/LSS do, in the current mode, with every
 * check of SDM Vol.2 MOV and POP "Operation" and Vol.3 5.10.1. Nothing is
 * changed on a fault. Does not set the MOV-SS interrupt shadow. */
SimStatus SIM_MUST_CHECK seg_load(Cpu *cpu, unsigned seg, uint16_t sel);

/* Real-address and virtual-8086 loads: base = sel << 4 (SDM Vol.3 21.1.1
 * "Address Translation in Real-Address Mode"; 21.2.1 for V86, where the
 * attributes are those of a 64 KiB DPL-3 data segment). */
void seg_load_real(Cpu *cpu, unsigned seg, uint16_t sel);
void seg_load_v86(Cpu *cpu, unsigned seg, uint16_t sel);
/* Load a null selector: the register becomes unusable (SDM Vol.3 5.4.1
 * "Null Segment Selector Checking"; VMCS "unusable" bit). For SS in
 * 64-bit mode the DPL keeps the new CPL (rpl). */
void seg_load_null(Cpu *cpu, unsigned seg, uint16_t sel, unsigned rpl);
/* Load CS with a checked code descriptor and RPL = cpl, then recompute
 * the mode (which takes CPL from SS: load SS first when both change). */
void seg_load_cs(Cpu *cpu, uint16_t sel, const SegDesc *d, unsigned cpl);
/* Load SS with a checked stack descriptor and RPL = DPL = cpl. */
void seg_load_ss_desc(Cpu *cpu, uint16_t sel, const SegDesc *d, unsigned cpl);

/* Read and check a new SS for a stack switch or a return (SDM Vol.3
 * 6.12.1.1, Vol.2 CALL, RET, IRET "Operation"): RPL = DPL = cpl, writable
 * data segment, else `vector` (#TS for stack switches through the TSS, #GP
 * for returns) with the selector + ext; not present raises #SS(sel + ext).
 * A null selector raises `vector` with error code ext. */
SimStatus SIM_MUST_CHECK seg_check_stack(Cpu *cpu, uint16_t sel, unsigned cpl,
                                         uint8_t vector, uint32_t ext,
                                         SegDesc *d);

/* Write n stack slots of w bytes (2, 4, 8) below *sp on the stack whose
 * cache is *ss (not necessarily the current SS), vals[0] at the highest
 * address, as consecutive pushes would, all or nothing. stack_size (2, 4,
 * 8) masks the pointer; limit and expand-down checks apply outside 64-bit
 * stacks and raise #SS(ss_err); 64-bit stacks check canonicality.
 * `supervisor` makes the writes supervisor-mode accesses (the frame
 * belongs to CPL < 3). On success *sp is the new stack pointer. */
SimStatus SIM_MUST_CHECK seg_push_frame(Cpu *cpu, const SegReg *ss,
                                        unsigned stack_size, uint64_t *sp,
                                        const uint64_t *vals, unsigned n,
                                        unsigned w, bool supervisor,
                                        uint32_t ss_err);
/* Store a new stack pointer into RSP with the width of the stack
 * (16-bit stacks keep RSP[63:16], 32-bit ones zero-extend). */
void seg_set_sp(Cpu *cpu, uint64_t sp, unsigned stack_size);

/* The stack for privilege level dpl from the current 16- or 32-bit TSS
 * (SDM Vol.3 8.2.1 "Task-State Segment (TSS)", Figures 8-2 and 8-11:
 * ESPn at 4 + 8n and SSn at 8 + 8n; SPn at 2 + 4n and SSn at 4 + 4n).
 * Beyond TR's limit: #TS(TR selector + ext). */
SimStatus SIM_MUST_CHECK seg_tss_stack(Cpu *cpu, unsigned dpl, uint32_t ext,
                                       uint16_t *ss, uint64_t *sp);
/* An 8-byte stack pointer at offset off of the 64-bit TSS (RSPn at 4 + 8n,
 * ISTn at 24H + 8(n - 1); SDM Vol.3 8.7 "Task Management in 64-bit
 * Mode", Figure 8-11). */
SimStatus SIM_MUST_CHECK seg_tss64_stack(Cpu *cpu, uint32_t off, uint32_t ext,
                                         uint64_t *sp);

/* After a privilege drop (RET/IRET to an outer level): ES, DS, FS, GS
 * holding a data or nonconforming code segment with DPL < new CPL become
 * null (SDM Vol.2 RET "RETURN-TO-OUTER-PRIVILEGE-LEVEL"). */
void seg_invalidate_for_cpl(Cpu *cpu, unsigned cpl);

#endif
