/*
 * vmx/vmcs.c: VMCS field access by width and the VMCS region format
 * (see vmcs.h for the layout). SDM Vol.3 24.2 "Format of the VMCS Region",
 * 24.11.2 "VMREAD, VMWRITE, and Encodings of VMCS Fields".
 */
#include "vmx/vmcs.h"

#include <string.h>

#include "vmx/vmx.h"

static uint64_t width_mask(unsigned width)
{
    switch (width) {
    case VMCS_W16: return 0xffffull;
    case VMCS_W32: return 0xffffffffull;
    default: return ~0ull;
    }
}

uint64_t vmcs_get(const Vmcs *v, VmcsField f, bool high)
{
    uint64_t value = v->field[f];
    if (high)
        return value >> 32;
    return value & width_mask(vmcs_fields[f].width);
}

void vmcs_set(Vmcs *v, VmcsField f, bool high, uint64_t value)
{
    if (high) {
        v->field[f] = (v->field[f] & 0xffffffffull) | (value << 32);
        return;
    }
    v->field[f] = value & width_mask(vmcs_fields[f].width);
}

void vmcs_region_store(PhysMap *pm, uint64_t gpa, const Vmcs *v)
{
    physmem_write(pm, gpa + VMCS_REGION_REVISION, 4, v->revision);
    physmem_write(pm, gpa + VMCS_REGION_ABORT, 4, v->abort);
    physmem_write(pm, gpa + VMCS_REGION_LAUNCH, 4, v->launch_state);
    physmem_write(pm, gpa + VMCS_REGION_TAG, 4, VMCS_REGION_TAG_VALUE);
    physmem_write_buf(pm, gpa + VMCS_REGION_FIELDS, v->field, sizeof(v->field));
}

void vmcs_region_load(PhysMap *pm, uint64_t gpa, Vmcs *v)
{
    v->revision = (uint32_t)physmem_read(pm, gpa + VMCS_REGION_REVISION, 4);
    v->abort = (uint32_t)physmem_read(pm, gpa + VMCS_REGION_ABORT, 4);
    /* Launched, launched-before-VMXOFF (vmx.h) or, for any other value a
     * hand-made region holds, clear. */
    uint32_t launch = (uint32_t)physmem_read(pm, gpa + VMCS_REGION_LAUNCH, 4);
    v->launch_state = (launch == VMCS_LAUNCHED || launch == VMCS_LAUNCHED_BEFORE_VMXOFF)
                          ? launch : VMCS_CLEAR;
    physmem_read_buf(pm, gpa + VMCS_REGION_FIELDS, v->field, sizeof(v->field));
    /* A region software filled by hand holds arbitrary bytes: keep every
     * field within its width so VMREAD returns what VMWRITE could store. */
    for (unsigned f = 0; f < VF_COUNT; f++)
        v->field[f] &= width_mask(vmcs_fields[f].width);
}
