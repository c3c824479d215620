/*
 * vmx/vmcs_layout.c: lookups over the VMX tables (see vmcs_layout.h).
 *
 * The encoding->field map is built at compile time with designated
 * initializers indexed by the encoding's width, type and index bits (SDM
 * Vol.3 24.11.2, Table 24-17), so VMREAD/VMWRITE find a field with one array
 * load and no search.
 */
#include "vmx/vmcs_layout.h"

#include <stddef.h>
#include <string.h>

const VmxControlDesc vmx_controls[VMXC_COUNT] = {
#define VMX_CONTROL(id, kind, bit, qemu_name) { #id, qemu_name, VMXK_##kind, bit },
#include "vmx/controls.def"
};

const VmcsFieldDesc vmcs_fields[VF_COUNT] = {
#define VMCS_FIELD(name, encoding, width, type, requires, requires_alt) \
    { #name, encoding, VMCS_##width, VMCS_T_##type, VMXC_##requires, VMXC_##requires_alt },
#include "vmx/vmcs_fields.def"
};

/* Index bits 9:1 of every field we list are below 64. */
#define VMCS_INDEX_SLOTS 64

/* 1 + field index, 0 where no field exists. */
static const uint8_t field_by_encoding[4][4][VMCS_INDEX_SLOTS] = {
#define VMCS_FIELD(name, encoding, width, type, requires, requires_alt) \
    [(encoding >> 13) & 3][(encoding >> 10) & 3][(encoding >> 1) & 0x1ff] = VF_##name + 1,
#include "vmx/vmcs_fields.def"
};

int vmcs_field_lookup(uint32_t encoding, bool *high)
{
    /* Bits 31:15 and 12 are reserved and must be 0 (SDM 24.11.2). */
    if (encoding & 0xffff9000u)
        return -1;
    unsigned width = (encoding >> 13) & 3, type = (encoding >> 10) & 3;
    unsigned index = (encoding >> 1) & 0x1ff;
    bool hi = encoding & 1;
    if (index >= VMCS_INDEX_SLOTS)
        return -1;
    int f = (int)field_by_encoding[width][type][index] - 1;
    if (f < 0)
        return -1;
    /* Bit 0 selects high access, which only 64-bit fields have. */
    if (hi && width != VMCS_W64)
        return -1;
    if (high)
        *high = hi;
    return f;
}

static bool control_allowed(unsigned c, const uint32_t allowed1[VMX_CONTROL_KIND_COUNT])
{
    if (c >= VMXC_COUNT)
        return false;
    return (allowed1[vmx_controls[c].kind] >> vmx_controls[c].bit) & 1;
}

bool vmcs_field_exists(VmcsField f, const uint32_t allowed1[VMX_CONTROL_KIND_COUNT])
{
    const VmcsFieldDesc *d = &vmcs_fields[f];
    if (d->requires == VMXC_ALWAYS)
        return true;
    return control_allowed(d->requires, allowed1) ||
           control_allowed(d->requires_alt, allowed1);
}

unsigned vmcs_highest_index(const uint32_t allowed1[VMX_CONTROL_KIND_COUNT])
{
    unsigned highest = 0;
    for (unsigned f = 0; f < VF_COUNT; f++) {
        unsigned index = (vmcs_fields[f].encoding >> 1) & 0x1ff;
        if (index > highest && vmcs_field_exists((VmcsField)f, allowed1))
            highest = index;
    }
    return highest;
}

VmxControl vmx_control_by_qemu_name(const char *name)
{
    for (unsigned c = 0; c < VMXC_COUNT; c++)
        if (vmx_controls[c].qemu_name && strcmp(vmx_controls[c].qemu_name, name) == 0)
            return (VmxControl)c;
    return VMXC_COUNT;
}

typedef struct ExitReasonDesc {
    const char *name;
    bool has_length;
} ExitReasonDesc;

#define EXIT_REASON_SLOTS 80
static const ExitReasonDesc exit_reasons[EXIT_REASON_SLOTS] = {
#define EXIT_REASON(name, number, has_len) [number] = { #name, has_len },
#include "vmx/exit_reasons.def"
};

const char *vmx_exit_reason_name(unsigned basic_reason)
{
    return basic_reason < EXIT_REASON_SLOTS ? exit_reasons[basic_reason].name : NULL;
}

bool vmx_exit_reason_has_length(unsigned basic_reason)
{
    return basic_reason < EXIT_REASON_SLOTS && exit_reasons[basic_reason].has_length;
}

#define VMX_ERROR_SLOTS 32
static const char *const vmx_error_text[VMX_ERROR_SLOTS] = {
#define VMX_ERROR(name, number, description) [number] = description,
#include "vmx/vmx_errors.def"
};

const char *vmx_error_description(unsigned number)
{
    return number < VMX_ERROR_SLOTS ? vmx_error_text[number] : NULL;
}
