/*
 * cpu/cpu.h: the architectural state of one vCPU and the public entry points
 * of the interpreter.
 *
 * The state is laid out for the hot path first (GPRs, RIP, RFLAGS, segment
 * caches, mode) and keeps the SDM's names. Segment access rights are held in
 * the VMCS access-rights format (cpu/arch.h) so VM entry and exit copy them.
 *
 * Calls up to the platform (port I/O, interrupts, the local APIC) go through
 * CpuBus, a table of callbacks the machine (sim/) installs: the cpu layer
 * never includes sim/ headers (STYLE 1).
 */
#ifndef CPU_CPU_H
#define CPU_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "base/status.h"
#include "cpu/arch.h"
#include "cpu/cpu_model.h"
#include "mmu/ept.h"
#include "mmu/physmem.h"
#include "mmu/tlb.h"

enum {
    R_RAX, R_RCX, R_RDX, R_RBX, R_RSP, R_RBP, R_RSI, R_RDI,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
};

/* Segment registers in ModRM.reg / VMCS order, then LDTR and TR. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };

typedef struct SegReg {
    uint64_t base;
    uint32_t limit;        /* byte-granular limit (G already applied) */
    uint32_t ar;           /* VMCS access-rights format, AR_* */
    uint16_t sel;
} SegReg;

typedef struct DescTable {
    uint64_t base;
    uint16_t limit;
} DescTable;

typedef enum CpuMode {
    MODE_REAL,             /* CR0.PE = 0 */
    MODE_V86,              /* protected mode with RFLAGS.VM = 1 */
    MODE_PROT,             /* protected mode, legacy */
    MODE_COMPAT,           /* IA-32e mode, CS.L = 0 */
    MODE_LONG64,           /* IA-32e mode, CS.L = 1 */
} CpuMode;

/* x87, MMX and SSE state (SDM Vol.1 ch. 8, 10, 11; FXSAVE layout Vol.2A). */
typedef union Xmm {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t d[4];
    uint64_t q[2];
    float f[4];
    double df[2];
} Xmm;

typedef struct FpuState {
    long double st[8];     /* physical registers R0..R7; the host's x87
                              80-bit extended format is the architectural one */
    uint16_t fcw, fsw;     /* control word; status word (TOP in 13:11) */
    uint16_t ftw;          /* full tag word, 2 bits per register */
    uint16_t fop;
    uint64_t fip, fdp;
    uint16_t fcs, fds;
    uint32_t mxcsr;
    Xmm xmm[16];
} FpuState;

/* MSR state that lives in the CPU (cpu/msrs.def lists every MSR). */
typedef struct CpuMsrState {
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t star, lstar, cstar, fmask, kernel_gs_base;
    uint64_t tsc_aux, tsc_adjust, pat, misc_enable;
    uint64_t apic_base, feature_control, debugctl;
    uint64_t mtrr_def_type, mtrr_fixed[11], mtrr_var[20];
    uint64_t xss, spec_ctrl;
} CpuMsrState;

/* A pending exception, recorded by whoever detected it (STYLE 4). */
typedef struct CpuFault {
    uint8_t vector;        /* or CPU_FAULT_EPT */
    bool has_error;
    uint32_t error;
    uint64_t cr2;          /* #PF: faulting linear address */
    /* CPU_FAULT_EPT: an EPT violation or misconfiguration in VMX non-root
     * operation, which cpu/deliver.c turns into a VM exit (48 or 49). */
    uint8_t ept_status;    /* EptStatus */
    uint64_t ept_qualification;
    uint64_t ept_gpa;
    uint64_t ept_linear;
    bool ept_suppress_ve;  /* the EPT entry's suppress-#VE bit */
} CpuFault;

/* Not an exception vector: the fault is an EPT-induced VM exit. */
#define CPU_FAULT_EPT 0xff

typedef struct Cpu Cpu;

/* Callbacks into the platform, installed by sim/. */
typedef struct CpuBus {
    /* Port I/O. A device may ask the machine to stop (debug-exit): it
     * returns ST_STOP and the instruction still completes. */
    SimStatus (*io_in)(void *opaque, Cpu *cpu, uint16_t port, unsigned size,
                       uint32_t *value);
    SimStatus (*io_out)(void *opaque, Cpu *cpu, uint16_t port, unsigned size,
                        uint32_t value);
    /* Highest-priority deliverable external interrupt vector, or -1. Called
     * only when RFLAGS.IF = 1 and no interrupt shadow. acknowledge=true
     * makes it in-service (INTA cycle). */
    int (*intr_pending)(void *opaque, Cpu *cpu, bool acknowledge);
    /* MSRs the platform owns (x2APIC 0x800-0x8FF, APIC base moves, ...).
     * Return false when the platform does not own the MSR. */
    bool (*msr_read)(void *opaque, Cpu *cpu, uint32_t index, uint64_t *value);
    bool (*msr_write)(void *opaque, Cpu *cpu, uint32_t index, uint64_t value,
                      SimStatus *st);
} CpuBus;

/* The number of rows in the instruction table (cpu/insn_all.def), for
 * tables indexed by DecodedInsn.desc. */
enum {
    CPU_INSN_ROWS = 0
#define INSN(name, map, opcode, constraint, operands, handler, feature, flags) + 1
#include "cpu/insn_all.def"
};

/* The timing model's per-vCPU costs (ARCHITECTURE "Timing model"),
 * precomputed once from a cost model (sim/costs.c) so that charging is one
 * add. All zero, as cpu_init leaves them: one cycle per instruction and
 * nothing else. */
typedef struct CpuCosts {
    /* Cycles beyond the first that an instruction of row DecodedInsn.desc
     * retires with, by DecodedInsn.mod: 0-2 memory-operand forms, 3 the
     * register form (and rows without ModRM). */
    uint16_t insn[CPU_INSN_ROWS][4];
    uint32_t walk[2][8];   /* a TLB miss, by [EPT in force][PagingMode]:
                              penalty plus the paging-structure (and EPT)
                              references of the walk */
    uint32_t event;        /* delivering an exception or interrupt */
    uint32_t vmexit;       /* VM-exit transition */
    uint32_t vmentry;      /* VM-entry transition */
} CpuCosts;

struct Profiler;

typedef struct Icache Icache;
struct Machine;
struct VmxCpu;

struct Cpu {
    /* --- hot: touched by nearly every instruction --- */
    uint64_t gpr[16];
    uint64_t rip;
    uint64_t next_rip;     /* set before a handler runs: rip + length;
                              branches overwrite it; committed on ST_OK */
    uint64_t rflags;
    SegReg seg[SEG_COUNT];
    uint8_t mode;          /* CpuMode */
    uint8_t cpl;
    uint8_t code_size;     /* default operand/address size: 2, 4 or 8 */
    uint8_t stack_size;    /* SS.B / 64-bit: 2, 4 or 8 */
    Tlb tlb;
    PhysMap *pm;
    Icache *icache;

    /* --- control and system registers --- */
    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t efer;
    uint64_t xcr0;
    uint32_t pkru;         /* protection-key rights (SDM Vol.3 4.6.2) */
    uint64_t pdpte[4];     /* PAE PDPTE registers (SDM Vol.3 4.4.1) */
    uint64_t dr[8];
    DescTable gdtr, idtr;
    CpuMsrState msr;
    FpuState fpu;

    /* --- events and activity --- */
    CpuFault fault;
    uint8_t activity;      /* CPU_ACTIVE, CPU_HLT, CPU_SHUTDOWN, CPU_WAIT_SIPI */
    bool sti_shadow;       /* blocking by STI (SDM Vol.3 6.8.3) */
    bool movss_shadow;     /* blocking by MOV SS / POP SS */
    bool nmi_blocked;
    bool nmi_pending;
    int16_t delivering;    /* vector being delivered, -1 if none (for #DF) */
    uint8_t delivering_kind;   /* its EventKind (cpu/deliver.h), for VMX
                                  IDT-vectoring information */
    bool delivering_has_error;
    uint32_t delivering_error;
    bool rf_set_by_fault;

    /* --- counters (simulated time: never the host clock) --- */
    uint64_t icount;       /* retired instructions */
    uint64_t cycles;       /* this vCPU's clock */
    uint64_t rng_state;    /* RDRAND/RDSEED: deterministic, seeded from id */
    CpuCosts costs;        /* timing model (sim/costs.c) */
    struct Profiler *profiler; /* exit profiler (traces/profile.h), or NULL */

    /* --- links --- */
    const CpuModel *model;
    const CpuBus *bus;
    void *bus_opaque;
    struct Machine *machine;
    struct VmxCpu *vmx;    /* VMX state (vmx/vmx.h); NULL without VMX */
    /* CR0/CR4 bits fixed while in VMX operation (SDM Vol.3 23.8
     * "Restrictions on VMX Operation"): vmx/ sets them from
     * IA32_VMX_CR0/CR4_FIXED0/1 on VMXON and VM entry; outside VMX
     * operation must1 = 0 and may1 = all ones. */
    uint64_t cr0_must1, cr0_may1, cr4_must1, cr4_may1;
    /* EPT in force (VMX non-root operation with "enable EPT"), set by vmx/
     * at VM entry, NULL otherwise: every guest-physical reference then goes
     * through ept_translate (SDM Vol.3 28.2). */
    const EptCtx *ept;
    bool vmx_non_root;     /* in VMX non-root operation: the run loop asks
                              vmx/ before instructions and events */
    uint32_t index;        /* vCPU number */
    uint32_t apic_id;
    const char *stop_reason; /* set with ST_STOP / ST_SHUTDOWN: what happened */
};

enum { CPU_ACTIVE, CPU_HLT, CPU_SHUTDOWN, CPU_WAIT_SIPI };

/* Lifecycle (cpu/cpu.c). */
void cpu_init(Cpu *cpu, uint32_t index, const CpuModel *model, PhysMap *pm,
              Icache *icache, const CpuBus *bus, void *bus_opaque);
/* Power-on/RESET state per SDM Vol.3 10.1.1 "Processor State After Reset". */
void cpu_reset(Cpu *cpu);
/* INIT signal (SDM Vol.3 Table 10-1, "after INIT"): RESET's register state
 * with x87/SSE, MSRs and CR0.CD/NW kept; the BSP restarts at the reset
 * vector, the others wait for SIPI. (VMX blocks INIT in root operation;
 * vmx/ decides before calling.) */
void cpu_init_signal(Cpu *cpu);
/* Startup IPI: a vCPU in CPU_WAIT_SIPI starts in real mode at
 * vector:0000 (CS base vector << 12); otherwise ignored. */
void cpu_startup_ipi(Cpu *cpu, uint8_t vector);
/* Recompute mode, cpl, code_size and stack_size from CR0, EFER, RFLAGS, CS
 * and SS. Call after any change to one of them. */
void cpu_update_mode(Cpu *cpu);
/* Write CR0/CR3/CR4/EFER with the TLB and mode side effects (no checks:
 * callers validate first). */
void cpu_set_cr0(Cpu *cpu, uint64_t v);
void cpu_set_cr3(Cpu *cpu, uint64_t v);
void cpu_set_cr4(Cpu *cpu, uint64_t v);
void cpu_set_efer(Cpu *cpu, uint64_t v);

/* Execution (cpu/exec.c): run until the cycle budget is reached or a status
 * other than ST_OK arises (ST_BUDGET when the budget ran out). */
SimStatus cpu_run(Cpu *cpu, uint64_t cycle_limit);
/* Execute exactly one instruction (or deliver one pending event). */
SimStatus cpu_step(Cpu *cpu);

static inline bool cpu_has(const Cpu *cpu, CpuFeature f)
{
    return cpu_model_has(cpu->model, f);
}

/* Register access by operand size. Byte registers 4-7 without REX are
 * AH, CH, DH, BH (SDM Vol.2A 2.1.5, Table 2-2 note). */
static inline uint64_t cpu_reg_read(const Cpu *cpu, unsigned reg, unsigned size,
                                    bool rex)
{
    if (size == 1 && !rex && reg >= 4 && reg < 8)
        return (cpu->gpr[reg - 4] >> 8) & 0xff;
    switch (size) {
    case 1: return cpu->gpr[reg] & 0xff;
    case 2: return cpu->gpr[reg] & 0xffff;
    case 4: return cpu->gpr[reg] & 0xffffffff;
    default: return cpu->gpr[reg];
    }
}

/* A 32-bit write zero-extends to 64 bits; 8- and 16-bit writes merge. */
static inline void cpu_reg_write(Cpu *cpu, unsigned reg, unsigned size,
                                 bool rex, uint64_t v)
{
    if (size == 1 && !rex && reg >= 4 && reg < 8) {
        uint64_t *r = &cpu->gpr[reg - 4];
        *r = (*r & ~0xff00ull) | ((v & 0xff) << 8);
        return;
    }
    switch (size) {
    case 1: cpu->gpr[reg] = (cpu->gpr[reg] & ~0xffull) | (v & 0xff); break;
    case 2: cpu->gpr[reg] = (cpu->gpr[reg] & ~0xffffull) | (v & 0xffff); break;
    case 4: cpu->gpr[reg] = v & 0xffffffff; break;
    default: cpu->gpr[reg] = v; break;
    }
}

#endif
