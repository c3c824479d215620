/*
 * vmx/entry_check.h: the checks VM entry performs before it loads guest
 * state, SDM Vol.3 26.2 "Checks on VMX Controls and Host-State Area" and
 * 26.3.1 "Checks on the Guest State Area", as pure functions over a VMCS,
 * the CPU model's capabilities and a few facts about the processor.
 *
 * Each check is a row of vmx/entry_checks.def. A failed check fills
 * EntryFailure with its row, so the caller can emit a trace event naming the
 * SDM section and the condition, and the VM-instruction error or exit
 * qualification the SDM prescribes.
 */
#ifndef VMX_ENTRY_CHECK_H
#define VMX_ENTRY_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/physmem.h"
#include "vmx/caps.h"
#include "vmx/vmcs.h"

typedef enum EntryCheckId {
#define ENTRY_CHECK_ROW(id, section, outcome, rule) EC_##id,
#include "vmx/entry_checks.def"
    EC_COUNT
} EntryCheckId;

typedef enum EntryOutcome {
    EO_CTRL,      /* VMfailValid, VM-instruction error 7 */
    EO_HOST,      /* VMfailValid, VM-instruction error 8 */
    EO_GUEST,     /* VM exit 33, qualification 0 */
    EO_LINK,      /* VM exit 33, qualification 4 */
    EO_PDPTE,     /* VM exit 33, qualification 2 */
    EO_NMI_STI,   /* VM exit 33, qualification 3 */
} EntryOutcome;

typedef struct EntryCheckDesc {
    const char *id;
    const char *section;
    const char *rule;
    uint8_t outcome;           /* EntryOutcome */
} EntryCheckDesc;

extern const EntryCheckDesc entry_checks[EC_COUNT];

typedef struct EntryFailure {
    EntryCheckId id;
    const char *condition;     /* the failing C condition, stringified */
    int line;                  /* where it is in vmx/entry_check.c */
} EntryFailure;

/* What the checks need to know besides the VMCS. */
typedef struct EntryCheckEnv {
    const Vmcs *vmcs;
    const VmxCaps *caps;
    PhysMap *pm;               /* VTPR, VMCS link pointer and PDPTE reads */
    uint64_t current_vmcs;     /* current-VMCS pointer */
    uint8_t maxphyaddr;
    uint8_t linear_bits;       /* 48, or 57 with 5-level paging support */
    bool cpu_in_ia32e;         /* IA32_EFER.LMA at the time of VM entry */
    bool cpu_has_pcid;         /* for the host CR4 fixed bits */
} EntryCheckEnv;

/* 26.2.1-26.2.4: returns 0, or the VM-instruction error (7 or 8). */
unsigned vmx_check_controls_and_host(const EntryCheckEnv *env, EntryFailure *fail);
/* 26.3.1: returns true if guest state passes; otherwise the exit
 * qualification for exit reason 33 goes in *qualification. */
bool vmx_check_guest_state(const EntryCheckEnv *env, EntryFailure *fail,
                           uint64_t *qualification);

#endif
