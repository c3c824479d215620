/*
 * cpu/cpuid.c: the CPUID instruction's result, SDM Vol.2A CPUID "CPUID - CPU
 * Identification" (Table 3-8 "Information Returned by CPUID Instruction").
 *
 * The static part comes from the CPU model. On top of it:
 * - Leaf selection: an input above the maximum basic leaf (CPUID.0:EAX) that
 *   is not a valid extended leaf (80000000H..CPUID.80000000H:EAX) returns the
 *   data of the highest basic leaf, honouring ECX for it (Intel behaviour,
 *   SDM Vol.2A CPUID description). Inputs at or below a maximum that the
 *   model has no data for return zeros. The hypervisor range 40000000H-
 *   4FFFFFFFH is served from the model only when it defines 40000000H.
 * - Dynamic fields, computed here on every CPUID:
 *   CPUID.01H:EBX[31:24]  initial APIC ID = cpu->apic_id (low 8 bits)
 *   CPUID.01H:ECX[27]     OSXSAVE = CR4.OSXSAVE
 *   CPUID.01H:EDX[9]      APIC, cleared while IA32_APIC_BASE[11] (global
 *                         enable) is 0 (SDM Vol.3 11.4.3 "Enabling or
 *                         Disabling the Local APIC")
 *   CPUID.01H:ECX[3]      MONITOR, cleared while IA32_MISC_ENABLE[18]
 *                         (ENABLE MONITOR FSM) is 0 (SDM Vol.4 Table 2-2)
 *   CPUID.07H.0:ECX[4]    OSPKE = CR4.PKE
 *   CPUID.0BH/1FH:EDX     x2APIC ID = cpu->apic_id; an invalid level subleaf
 *                         returns ECX[7:0] = input ECX[7:0], all else 0
 *   CPUID.0DH.0:EBX       XSAVE area size for the current XCR0
 *   CPUID.0DH.1:EBX       compacted XSAVE area size for XCR0 | IA32_XSS
 *   CPUID.80000001H:EDX[20] NX (XD), cleared while IA32_MISC_ENABLE[34]
 *                         (XD Bit Disable) is 1
 *   CPUID.0:EAX           at most 2 while IA32_MISC_ENABLE[22] (Limit CPUID
 *                         Maxval) is 1
 */
#include "cpu/cpuid.h"

#include <string.h>

#define MISC_ENABLE_MONITOR  BIT(18)
#define MISC_ENABLE_LIMIT_CPUID BIT(22)
#define MISC_ENABLE_XD_DISABLE BIT(34)
#define APIC_BASE_EN BIT(11)

static void leaf_copy(const Cpu *cpu, uint32_t leaf, uint32_t subleaf,
                      uint32_t out[4])
{
    const CpuidLeaf *l = cpu_model_leaf(cpu->model, leaf, subleaf);
    if (l)
        memcpy(out, l->reg, 4 * sizeof(uint32_t));
    else
        memset(out, 0, 4 * sizeof(uint32_t));
}

static uint32_t max_leaf(const Cpu *cpu, uint32_t base)
{
    const CpuidLeaf *l = cpu_model_leaf(cpu->model, base, 0);
    return l ? l->reg[CPUID_EAX] : 0;
}

static uint32_t max_basic(const Cpu *cpu)
{
    uint32_t m = max_leaf(cpu, 0);
    if ((cpu->msr.misc_enable & MISC_ENABLE_LIMIT_CPUID) && m > 2)
        m = 2;
    return m;
}

uint32_t cpu_xsave_size(const Cpu *cpu, uint64_t xcr0)
{
    /* Legacy region (512) + XSAVE header (64); each enabled component i >= 2
     * sits at CPUID.(0DH,i):EBX with size CPUID.(0DH,i):EAX (SDM Vol.1
     * 13.4.3 "Extended Region of an XSAVE Area"). */
    uint32_t size = 576;
    for (unsigned i = 2; i < 64; i++) {
        if (!((xcr0 >> i) & 1))
            continue;
        const CpuidLeaf *l = cpu_model_leaf(cpu->model, 0xd, i);
        if (l && l->reg[CPUID_EAX] + l->reg[CPUID_EBX] > size)
            size = l->reg[CPUID_EAX] + l->reg[CPUID_EBX];
    }
    return size;
}

/* Compacted format (SDM Vol.1 13.4.3): components in order, each aligned to
 * 64 bytes when CPUID.(0DH,i):ECX[1] says so. */
static uint32_t xsave_compacted_size(const Cpu *cpu, uint64_t mask)
{
    uint32_t size = 576;
    for (unsigned i = 2; i < 64; i++) {
        if (!((mask >> i) & 1))
            continue;
        const CpuidLeaf *l = cpu_model_leaf(cpu->model, 0xd, i);
        if (!l)
            continue;
        if (l->reg[CPUID_ECX] & 2)
            size = (size + 63) & ~63u;
        size += l->reg[CPUID_EAX];
    }
    return size;
}

void cpu_cpuid(const Cpu *cpu, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    uint32_t basic = max_basic(cpu);
    uint32_t ext = max_leaf(cpu, 0x80000000);
    uint32_t hv = cpu_model_leaf(cpu->model, 0x40000000, 0)
                  ? max_leaf(cpu, 0x40000000) : 0;
    bool valid = leaf <= basic
                 || (leaf >= 0x80000000 && leaf <= ext)
                 || (hv && leaf >= 0x40000000 && leaf <= hv);
    if (!valid)
        leaf = basic;
    leaf_copy(cpu, leaf, subleaf, out);

    switch (leaf) {
    case 0x0:
        out[CPUID_EAX] = basic;
        break;
    case 0x1:
        out[CPUID_EBX] = (out[CPUID_EBX] & 0x00ffffffu) | ((cpu->apic_id & 0xffu) << 24);
        out[CPUID_ECX] &= ~(uint32_t)BIT(27);
        if (cpu->cr4 & CR4_OSXSAVE)
            out[CPUID_ECX] |= BIT(27);
        if (!(cpu->msr.misc_enable & MISC_ENABLE_MONITOR))
            out[CPUID_ECX] &= ~(uint32_t)BIT(3);
        if (!(cpu->msr.apic_base & APIC_BASE_EN))
            out[CPUID_EDX] &= ~(uint32_t)BIT(9);
        break;
    case 0x7:
        if (subleaf == 0) {
            out[CPUID_ECX] &= ~(uint32_t)BIT(4);
            if (cpu->cr4 & CR4_PKE)
                out[CPUID_ECX] |= BIT(4);
        }
        break;
    case 0xb:
    case 0x1f:
        /* SDM Vol.2A CPUID leaf 0BH/1FH: ECX[7:0] echoes the input level
         * number; EDX is the x2APIC ID of the executing logical processor
         * for every subleaf. */
        out[CPUID_ECX] = (out[CPUID_ECX] & ~0xffu) | (subleaf & 0xffu);
        out[CPUID_EDX] = cpu->apic_id;
        break;
    case 0xd:
        if (subleaf == 0)
            out[CPUID_EBX] = cpu_xsave_size(cpu, cpu->xcr0);
        else if (subleaf == 1 && (out[CPUID_EAX] & BIT(3)))
            out[CPUID_EBX] = xsave_compacted_size(cpu, cpu->xcr0 | cpu->msr.xss);
        break;
    case 0x80000001:
        if (cpu->msr.misc_enable & MISC_ENABLE_XD_DISABLE)
            out[CPUID_EDX] &= ~(uint32_t)BIT(20);
        break;
    default:
        break;
    }
}
