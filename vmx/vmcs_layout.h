/*
 * vmx/vmcs_layout.h: the VMCS as tables: field descriptions expanded from
 * vmx/vmcs_fields.def, control bits from vmx/controls.def, exit reasons from
 * vmx/exit_reasons.def and VM-instruction errors from vmx/vmx_errors.def.
 *
 * Two names per field: VMCS_<name> is the architectural encoding (what a
 * hypervisor passes to VMREAD/VMWRITE, SDM Vol.3 Appendix B), VF_<name> is
 * its dense index in vmcs_fields[] and in the vCPU's cached VMCS.
 */
#ifndef VMX_VMCS_LAYOUT_H
#define VMX_VMCS_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

/* Encoding bits 14:13 (SDM Vol.3 24.11.2 "VMREAD, VMWRITE, and Encodings of
 * VMCS Fields", Table 24-17). */
typedef enum VmcsWidth { VMCS_W16 = 0, VMCS_W64 = 1, VMCS_W32 = 2, VMCS_WNAT = 3 } VmcsWidth;
/* Encoding bits 11:10. */
typedef enum VmcsType {
    VMCS_T_CONTROL = 0, VMCS_T_EXITINFO = 1, VMCS_T_GUEST = 2, VMCS_T_HOST = 3
} VmcsType;

typedef enum VmxControlKind {
    VMXK_PIN, VMXK_PROC, VMXK_PROC2, VMXK_EXIT, VMXK_ENTRY, VMXK_VMFUNC,
    VMX_CONTROL_KIND_COUNT
} VmxControlKind;

typedef enum VmxControl {
#define VMX_CONTROL(id, kind, bit, qemu_name) VMXC_##id,
#include "vmx/controls.def"
    VMXC_COUNT,
    VMXC_ALWAYS = VMXC_COUNT,  /* "requires" column: the field always exists */
    VMXC_NONE,                 /* "requires_alt" column: no alternative */
} VmxControl;

typedef struct VmxControlDesc {
    const char *id;
    const char *qemu_name;     /* NULL where QEMU has no name */
    uint8_t kind;              /* VmxControlKind */
    uint8_t bit;
} VmxControlDesc;

extern const VmxControlDesc vmx_controls[VMXC_COUNT];

/* Control masks by id, e.g. VMXM_PROC2_ENABLE_EPT == 1u << 1. */
enum {
#define VMX_CONTROL(id, kind, bit, qemu_name) VMXM_##id = (int)(1u << (bit)),
#include "vmx/controls.def"
};

typedef enum VmcsEncoding {
#define VMCS_FIELD(name, encoding, width, type, requires, requires_alt) VMCS_##name = encoding,
#include "vmx/vmcs_fields.def"
} VmcsEncoding;

typedef enum VmcsField {
#define VMCS_FIELD(name, encoding, width, type, requires, requires_alt) VF_##name,
#include "vmx/vmcs_fields.def"
    VF_COUNT
} VmcsField;

typedef struct VmcsFieldDesc {
    const char *name;
    uint32_t encoding;
    uint8_t width;             /* VmcsWidth */
    uint8_t type;              /* VmcsType */
    uint8_t requires;          /* VmxControl or VMXC_ALWAYS */
    uint8_t requires_alt;      /* VmxControl or VMXC_NONE */
} VmcsFieldDesc;

extern const VmcsFieldDesc vmcs_fields[VF_COUNT];

/* Map an encoding to its field. Returns -1 for an encoding no row has
 * (including reserved bits 31:15 set, SDM 24.11.2); *high is set for the
 * odd (high-access) encoding of a 64-bit field. */
int vmcs_field_lookup(uint32_t encoding, bool *high);

/* Does the field exist on a part whose capability MSRs allow these
 * 1-settings? allowed1[kind] is the allowed-1 mask of each control word
 * (bits 63:32 of the TRUE capability MSR, SDM Appendix A.3-A.5). */
bool vmcs_field_exists(VmcsField f, const uint32_t allowed1[VMX_CONTROL_KIND_COUNT]);

/* The highest index value (encoding bits 9:1) of any field that exists:
 * IA32_VMX_VMCS_ENUM bits 9:1 (SDM Appendix A.9 "VMCS Enumeration"). */
unsigned vmcs_highest_index(const uint32_t allowed1[VMX_CONTROL_KIND_COUNT]);

/* Find a control by QEMU name ("vmx-ept"); VMXC_COUNT if none. */
VmxControl vmx_control_by_qemu_name(const char *name);

typedef enum VmxExitReason {
#define EXIT_REASON(name, number, has_len) EXIT_REASON_##name = number,
#include "vmx/exit_reasons.def"
} VmxExitReason;

/* Name of a basic exit reason ("CPUID"), NULL if the number has none. */
const char *vmx_exit_reason_name(unsigned basic_reason);
/* Whether the exit saves the VM-exit instruction-length field. */
bool vmx_exit_reason_has_length(unsigned basic_reason);

typedef enum VmxError {
#define VMX_ERROR(name, number, description) VMXERR_##name = number,
#include "vmx/vmx_errors.def"
} VmxError;

const char *vmx_error_description(unsigned number);

#endif
