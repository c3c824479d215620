/*
 * cpu/cpu_model.h: a CPU model as data: the raw CPUID leaves and MSR values
 * of one real part (configs/cpus/NAME.xml, loaded by sim/cpu_model_load.c).
 *
 * The model is fixed once loaded (STYLE 5): CPUID, the VMX capability MSRs
 * and which VMCS fields exist all come from it. Feature bits are derived from
 * the leaves through cpu/features.def, never stored twice.
 */
#ifndef CPU_CPU_MODEL_H
#define CPU_CPU_MODEL_H

#include <stdbool.h>
#include <stdint.h>

enum { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

typedef enum CpuFeature {
#define FEATURE(id, leaf, subleaf, reg, bit, qemu_name) FEAT_##id,
#include "cpu/features.def"
    FEAT_COUNT
} CpuFeature;

typedef struct CpuidLeaf {
    uint32_t leaf, subleaf;
    bool has_subleaf;          /* ECX selects a subleaf for this leaf */
    uint32_t reg[4];           /* EAX, EBX, ECX, EDX */
} CpuidLeaf;

typedef struct MsrValue {
    uint32_t index;
    uint64_t value;
} MsrValue;

typedef struct CpuModel {
    char name[64];             /* "skylake-server", as -cpu takes it */
    char description[128];
    CpuidLeaf *leaves;
    unsigned nleaves;
    MsrValue *msrs;            /* reset values and read-only capability MSRs */
    unsigned nmsrs;
    uint64_t features[(FEAT_COUNT + 63) / 64]; /* derived from leaves */
    uint8_t maxphyaddr;        /* CPUID.80000008H:EAX[7:0] */
    uint8_t maxlinaddr;        /* CPUID.80000008H:EAX[15:8] */
} CpuModel;

/* Find a CPUID leaf; NULL if the model has none (see cpu/cpuid.c for the
 * SDM's rule on out-of-range leaves). */
const CpuidLeaf *cpu_model_leaf(const CpuModel *m, uint32_t leaf, uint32_t subleaf);
/* Find an MSR value; NULL if the model does not define it. */
const MsrValue *cpu_model_msr(const CpuModel *m, uint32_t index);
/* Recompute m->features, maxphyaddr and maxlinaddr from m->leaves. */
void cpu_model_derive(CpuModel *m);
/* Set or clear one feature bit in the leaves (for -cpu model,+f,-f). */
bool cpu_model_set_feature(CpuModel *m, CpuFeature f, bool on);
/* Look a feature up by its QEMU name; returns FEAT_COUNT if unknown. */
CpuFeature cpu_feature_by_name(const char *qemu_name);
const char *cpu_feature_name(CpuFeature f);

static inline bool cpu_model_has(const CpuModel *m, CpuFeature f)
{
    return (m->features[f / 64] >> (f % 64)) & 1;
}

#endif
