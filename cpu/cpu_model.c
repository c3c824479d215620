/*
 * cpu/cpu_model.c: lookups in a CPU model (raw CPUID leaves and MSR values)
 * and the feature bits derived from it through cpu/features.def.
 *
 * SDM Vol.2A CPUID ("Information Returned by CPUID Instruction", Table 3-8)
 * says which leaves take a subleaf in ECX; this file only looks data up.
 * The run-time rules (out-of-range leaves, dynamic fields) live in
 * cpu/cpuid.c.
 */
#include "cpu/cpu_model.h"

#include <glib.h>
#include <string.h>

typedef struct FeatureRow {
    uint32_t leaf, subleaf;
    uint8_t reg, bit;
    const char *qemu_name;
} FeatureRow;

static const FeatureRow feature_rows[FEAT_COUNT] = {
#define FEATURE(id, leaf_, subleaf_, reg_, bit_, qemu_name_) \
    [FEAT_##id] = { leaf_, subleaf_, reg_, bit_, qemu_name_ },
#include "cpu/features.def"
};

/* Leaves whose output depends on ECX (SDM Vol.2A CPUID, Table 3-8: "ECX
 * input" subleaves): deterministic cache parameters (04H), structured
 * extended features (07H), extended topology (0BH, 1FH), XSAVE state (0DH),
 * RDT monitoring/allocation (0FH, 10H), SGX (12H), PT (14H), SoC vendor
 * (17H), deterministic address translation (18H), AMX tiles (1DH, 1EH),
 * PCONFIG (1BH), and 8000001DH cache topology. */
static const uint32_t subleaf_leaves[] = {
    0x4, 0x7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18, 0x1b, 0x1d, 0x1e,
    0x1f, 0x20, 0x23, 0x24, 0x8000001d,
};

static bool leaf_takes_subleaf(uint32_t leaf)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(subleaf_leaves); i++)
        if (subleaf_leaves[i] == leaf)
            return true;
    return false;
}

const CpuidLeaf *cpu_model_leaf(const CpuModel *m, uint32_t leaf, uint32_t subleaf)
{
    for (unsigned i = 0; i < m->nleaves; i++) {
        const CpuidLeaf *l = &m->leaves[i];
        if (l->leaf != leaf)
            continue;
        if (!l->has_subleaf || l->subleaf == subleaf)
            return l;
    }
    return NULL;
}

const MsrValue *cpu_model_msr(const CpuModel *m, uint32_t index)
{
    for (unsigned i = 0; i < m->nmsrs; i++)
        if (m->msrs[i].index == index)
            return &m->msrs[i];
    return NULL;
}

void cpu_model_derive(CpuModel *m)
{
    memset(m->features, 0, sizeof(m->features));
    for (unsigned f = 0; f < FEAT_COUNT; f++) {
        const FeatureRow *r = &feature_rows[f];
        const CpuidLeaf *l = cpu_model_leaf(m, r->leaf, r->subleaf);
        if (l && ((l->reg[r->reg] >> r->bit) & 1))
            m->features[f / 64] |= 1ull << (f % 64);
    }
    /* SDM Vol.2A CPUID, leaf 80000008H: EAX[7:0] physical and EAX[15:8]
     * linear address bits. Without the leaf, SDM Vol.3 4.1.4 "Enumeration
     * of Paging Features by CPUID": MAXPHYADDR is 36 when PAE/PSE-36 are
     * supported; we assume the usual 48-bit linear width of 4-level
     * paging. */
    const CpuidLeaf *l = cpu_model_leaf(m, 0x80000008, 0);
    uint8_t phys = l ? (uint8_t)(l->reg[CPUID_EAX] & 0xff) : 0;
    uint8_t lin = l ? (uint8_t)((l->reg[CPUID_EAX] >> 8) & 0xff) : 0;
    m->maxphyaddr = phys ? phys : 36;
    m->maxlinaddr = lin ? lin : 48;
}

/* A leaf added by a feature edit must be reachable: raise the maximum
 * basic (CPUID.0:EAX) or extended (CPUID.80000000H:EAX) leaf to it. */
static void raise_max_leaf(CpuModel *m, uint32_t leaf)
{
    uint32_t base = leaf & 0x80000000u;
    CpuidLeaf *max = (CpuidLeaf *)cpu_model_leaf(m, base, 0);
    if (!max) {
        m->leaves = g_renew(CpuidLeaf, m->leaves, m->nleaves + 1);
        max = &m->leaves[m->nleaves++];
        memset(max, 0, sizeof(*max));
        max->leaf = base;
        max->reg[CPUID_EAX] = base;
    }
    if (max->reg[CPUID_EAX] < leaf)
        max->reg[CPUID_EAX] = leaf;
}

bool cpu_model_set_feature(CpuModel *m, CpuFeature f, bool on)
{
    if ((unsigned)f >= FEAT_COUNT)
        return false;
    const FeatureRow *r = &feature_rows[f];
    CpuidLeaf *l = (CpuidLeaf *)cpu_model_leaf(m, r->leaf, r->subleaf);
    if (!l && on) {
        m->leaves = g_renew(CpuidLeaf, m->leaves, m->nleaves + 1);
        l = &m->leaves[m->nleaves++];
        memset(l, 0, sizeof(*l));
        l->leaf = r->leaf;
        l->subleaf = r->subleaf;
        l->has_subleaf = leaf_takes_subleaf(r->leaf);
        raise_max_leaf(m, r->leaf);
        l = (CpuidLeaf *)cpu_model_leaf(m, r->leaf, r->subleaf);
    }
    if (on)
        l->reg[r->reg] |= 1u << r->bit;
    else if (l)
        l->reg[r->reg] &= ~(1u << r->bit);
    if (on)
        m->features[f / 64] |= 1ull << (f % 64);
    else
        m->features[f / 64] &= ~(1ull << (f % 64));
    return true;
}

CpuFeature cpu_feature_by_name(const char *qemu_name)
{
    for (unsigned f = 0; f < FEAT_COUNT; f++)
        if (strcmp(feature_rows[f].qemu_name, qemu_name) == 0)
            return (CpuFeature)f;
    return FEAT_COUNT;
}

const char *cpu_feature_name(CpuFeature f)
{
    return (unsigned)f < FEAT_COUNT ? feature_rows[f].qemu_name : NULL;
}
