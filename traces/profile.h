/*
 * traces/profile.h: the exit profiler (ARCHITECTURE "Output", issue 6):
 * one record per VM exit (level, exit reason, qualification, VMCS pointer,
 * guest RIP, the cycles of the transitions and the root-mode cycles until
 * the next VM entry), summarised at the end of a run per (level, exit
 * reason) like `perf kvm stat`, in simulated cycles, as an aligned text
 * table, CSV or JSON.
 *
 * vmx/ calls profile_vmexit and profile_vmentry at every VM exit and VM
 * entry. They also charge the transition costs of the timing model
 * (CpuCosts.vmexit/vmentry) whether or not a profiler is attached, so the
 * clock never depends on profiling. With no profiler (cpu->profiler NULL)
 * that is all they do: one add and one branch.
 *
 * Levels: the simulated hardware has one VMX level, so every exit is level
 * 1 for now; each record keeps its VMCS pointer so a later pass can
 * attribute exits of a nested hypervisor to L1/L2 (ARCHITECTURE "Nesting
 * and attribution").
 *
 * Records are kept in fixed-size chunks: an exit appends a record without
 * allocating, except once per PROFILE_CHUNK exits. Reports are sorted by a
 * total order (level, cycles, reason), so they are byte-identical from run
 * to run.
 */
#ifndef TRACES_PROFILE_H
#define TRACES_PROFILE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct Cpu;

#define PROFILE_CHUNK 65536u
#define PROFILE_MAX_CPUS 64u

typedef struct ProfileExit {
    uint64_t at;           /* the vCPU clock when the exit happened */
    uint64_t vmcs;         /* current-VMCS pointer of the exit */
    uint64_t rip;          /* guest RIP at the exit */
    uint64_t qual;         /* exit qualification */
    uint64_t handler;      /* root-mode cycles from the end of the exit to
                              the next VM entry (or the end of the run) */
    uint64_t transition;   /* VM-exit plus the next VM-entry cycles */
    uint32_t reason;       /* exit-reason field; bit 31: VM-entry failure */
    uint32_t cpu;          /* vCPU index */
    uint8_t level;         /* 1: exits of the hardware VMX level */
} ProfileExit;

typedef struct ProfileCpu {
    uint64_t open;         /* 1 + index of the exit whose handler runs, or 0 */
    uint64_t handler_start;
} ProfileCpu;

typedef enum ProfileFormat {
    PROFILE_TEXT,
    PROFILE_CSV,
    PROFILE_JSON,
} ProfileFormat;

typedef struct Profiler {
    ProfileExit **chunks;
    size_t nchunks;
    uint64_t count;        /* exits recorded */
    ProfileCpu cpu[PROFILE_MAX_CPUS];
    char *model;           /* cost model name, for the report header */
    uint32_t mhz;          /* its core frequency */
} Profiler;

void profile_init(Profiler *p, const char *model, uint32_t mhz);
void profile_destroy(Profiler *p);

/* Hooks for vmx/ (one call each at VM exit and at VM entry). */
void profile_vmexit(struct Cpu *cpu, uint32_t reason, uint64_t qual, uint64_t vmcs);
void profile_vmentry(struct Cpu *cpu);

/* The same, on plain values (the hooks call these; tests may too). `at` is
 * the clock before the transition, `cost` the transition's cycles. */
void profile_record_exit(Profiler *p, uint32_t cpu, uint64_t at, uint32_t cost,
                         uint32_t reason, uint64_t qual, uint64_t vmcs,
                         uint64_t rip);
void profile_record_entry(Profiler *p, uint32_t cpu, uint64_t at, uint32_t cost);
/* The run ended with vCPU `cpu`'s clock at `now`: an exit handler still
 * running ends there. */
void profile_finish_cpu(Profiler *p, uint32_t cpu, uint64_t now);

const ProfileExit *profile_exit(const Profiler *p, uint64_t i);

/* Format by file name: .csv, .json, anything else text. */
ProfileFormat profile_format_for(const char *path);
bool profile_format_parse(const char *s, ProfileFormat *f);
/* The per-(level, reason) summary. */
void profile_report(const Profiler *p, ProfileFormat f, GString *out);
/* Write the report to path; false with *err if it cannot be written. */
bool profile_write(const Profiler *p, ProfileFormat f, const char *path,
                   GError **err);

#endif
