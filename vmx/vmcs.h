/*
 * vmx/vmcs.h: a VMCS as the processor holds it, and its region in memory.
 *
 * Like hardware, vmxsim keeps the current VMCS inside the vCPU (a Vmcs) and
 * writes it to its region only on VMCLEAR, or when VMPTRLD makes another VMCS
 * current (SDM Vol.3 24.11.1 "Software Use of Virtual-Machine Control
 * Structures": the region's format is implementation-specific and software
 * must not access an active VMCS's region directly).
 *
 * Region layout (vmxsim's; only the first 8 bytes are architectural,
 * SDM 24.2 "Format of the VMCS Region"):
 *   0x000  bits 30:0 VMCS revision identifier, bit 31 shadow-VMCS indicator
 *   0x004  VMX-abort indicator
 *   0x008  launch state: 0 = clear, 1 = launched
 *   0x00c  layout tag "VXS1" (lets tests and tools recognise a region)
 *   0x010  field i of vmx/vmcs_fields.def, in table order, 8 bytes each
 * A region copied byte for byte after VMCLEAR is therefore a valid VMCS.
 */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/physmem.h"
#include "vmx/vmcs_layout.h"

#define VMCS_REGION_REVISION    0x000
#define VMCS_REGION_ABORT       0x004
#define VMCS_REGION_LAUNCH      0x008
#define VMCS_REGION_TAG         0x00c
#define VMCS_REGION_FIELDS      0x010
#define VMCS_REGION_TAG_VALUE   0x31535856u  /* "VXS1" little-endian */
#define VMCS_SHADOW_INDICATOR   (1u << 31)

typedef enum VmcsLaunchState { VMCS_CLEAR = 0, VMCS_LAUNCHED = 1 } VmcsLaunchState;

typedef struct Vmcs {
    uint32_t revision;         /* bits 30:0 revision, bit 31 shadow indicator */
    uint32_t abort;
    uint32_t launch_state;     /* VmcsLaunchState */
    uint64_t field[VF_COUNT];
} Vmcs;

_Static_assert(VMCS_REGION_FIELDS + 8 * VF_COUNT <= 4096,
               "the VMCS layout must fit the 4 KiB region IA32_VMX_BASIC reports");

/* Value of a field as VMREAD returns it: truncated to the field's width;
 * high access returns bits 63:32 of a 64-bit field (SDM 24.11.2). */
uint64_t vmcs_get(const Vmcs *v, VmcsField f, bool high);
/* Store a value as VMWRITE does: 16- and 32-bit fields keep the low bits;
 * high access replaces bits 63:32 of a 64-bit field. */
void vmcs_set(Vmcs *v, VmcsField f, bool high, uint64_t value);

/* Convenience for vmx/ internals: full-width read and write. */
static inline uint64_t vmcs_read(const Vmcs *v, VmcsField f) { return v->field[f]; }
static inline void vmcs_write(Vmcs *v, VmcsField f, uint64_t value) { vmcs_set(v, f, false, value); }

/* Region I/O at a guest-physical address (writes into unbacked memory are
 * dropped and reads return all ones, as the physical bus does). */
void vmcs_region_store(PhysMap *pm, uint64_t gpa, const Vmcs *v);
void vmcs_region_load(PhysMap *pm, uint64_t gpa, Vmcs *v);

#endif
