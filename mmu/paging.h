/*
 * mmu/paging.h: the linear-to-physical walk of SDM Vol.3 chapter 4
 * "Paging": 32-bit paging (4.3), PAE paging (4.4), 4-level and 5-level
 * paging (4.5), access rights (4.6), page-fault error codes (4.7) and the
 * accessed and dirty flags (4.8).
 *
 * The walk knows nothing of Cpu: the caller describes the paging state in a
 * PagingCtx. Every guest-physical reference the walk makes (each
 * paging-structure read, each accessed/dirty update, and the final
 * translated address) goes through one function, ctx->phys, so that EPT
 * can later translate each of them (SDM Vol.3 29.3.1 "EPT Overview": guest
 * paging-structure addresses are guest-physical).
 */
#ifndef MMU_PAGING_H
#define MMU_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/physmem.h"

/* SDM Vol.3 4.1.1 "Four Paging Modes" (plus paging off). */
typedef enum PagingMode {
    PAGING_OFF,        /* CR0.PG = 0: linear = physical */
    PAGING_32,         /* CR0.PG = 1, CR4.PAE = 0 */
    PAGING_PAE,        /* CR4.PAE = 1, IA32_EFER.LMA = 0 */
    PAGING_4LEVEL,     /* IA32_EFER.LMA = 1, CR4.LA57 = 0 */
    PAGING_5LEVEL,     /* IA32_EFER.LMA = 1, CR4.LA57 = 1 */
} PagingMode;

/* Access kind of a translation. */
enum {
    PG_ACC_WRITE    = 1u << 0,   /* data write (otherwise read) */
    PG_ACC_EXEC     = 1u << 1,   /* instruction fetch */
    PG_ACC_USER     = 1u << 2,   /* user-mode access: CPL = 3, not implicit */
    PG_ACC_IMPLICIT = 1u << 3,   /* implicit supervisor-mode access */
};

typedef enum PagingStatus {
    PAGING_OK = 0,
    PAGING_PF,          /* page fault; error code in PagingResult.error */
    PAGING_PHYS_FAULT,  /* ctx->phys refused a reference (later: EPT) */
} PagingStatus;

/* The guest-physical references of a walk. */
typedef enum PagingPhysOp {
    PHYS_READ_ENTRY,    /* read a paging-structure entry of `size` bytes */
    PHYS_SET_BITS,      /* atomically OR `val` into the entry at gpa */
    PHYS_FINAL,         /* the translated address of the access; the hook
                           may replace gpa (EPT: guest- to host-physical) */
} PagingPhysOp;

typedef struct PagingPhysReq {
    PagingPhysOp op;
    uint64_t gpa;
    unsigned size;      /* entry size: 4 (32-bit paging) or 8 */
    uint64_t val;
    uint64_t lin;       /* the linear address being translated */
    unsigned acc;       /* PG_ACC_* of the translation */
    uint8_t lin_perms;  /* PHYS_FINAL: PHYS_LIN_* of the translation (EPT's
                           mode-based execute and advanced exit information) */
} PagingPhysReq;

#define PHYS_LIN_USER     1u   /* U/S = 1 at every level */
#define PHYS_LIN_WRITABLE 2u   /* R/W = 1 at every level */
#define PHYS_LIN_XD       4u   /* execute-disable */

typedef PagingStatus (*PagingPhysFn)(void *opaque, PagingPhysReq *req);

typedef struct PagingCtx {
    PagingMode mode;
    uint64_t cr3;
    const uint64_t *pdpte;  /* PAE: the four PDPTE registers (SDM 4.4.1) */
    bool wp;                /* CR0.WP */
    bool pse;               /* CR4.PSE (32-bit paging 4 MiB pages) */
    bool pge;               /* CR4.PGE */
    bool smep, smap, pke;   /* CR4.SMEP, CR4.SMAP, CR4.PKE */
    bool nxe;               /* IA32_EFER.NXE */
    bool page1g;            /* CPUID.80000001H:EDX.Page1GB */
    bool ac;                /* RFLAGS.AC */
    uint32_t pkru;
    uint8_t maxphyaddr;
    PagingPhysFn phys;      /* NULL: direct access to pm */
    void *phys_opaque;
    PhysMap *pm;
} PagingCtx;

/* What a successful walk found. */
typedef struct PagingResult {
    uint64_t gpa;           /* translated address of the access */
    uint64_t page_size;     /* 4 KiB, 2 MiB, 4 MiB or 1 GiB */
    bool user;              /* U/S = 1 at every level */
    bool writable;          /* R/W = 1 at every level */
    bool nx;                /* XD = 1 at some level with NXE = 1 */
    bool global;            /* G = 1 in the leaf and CR4.PGE = 1 */
    bool dirty;             /* D of the leaf after this access */
    uint8_t pkey;           /* protection key (IA-32e paging) or 0 */
    uint32_t error;         /* PAGING_PF: the #PF error code */
} PagingResult;

/* Translate lin for an access (PG_ACC_*). On success sets the accessed
 * flags of every entry used and, for a write, the dirty flag of the leaf.
 * On PAGING_PF, nothing in guest memory has changed. */
PagingStatus paging_walk(const PagingCtx *ctx, uint64_t lin, unsigned acc,
                         PagingResult *res);

/* The access-rights check of SDM 4.6 for a completed translation: 0 when
 * acc is allowed, else the #PF error code (P = 1). */
uint32_t paging_check_access(const PagingCtx *ctx, const PagingResult *res,
                             unsigned acc);

/* Read the four PAE PDPTEs from CR3 (SDM Vol.3 4.4.1 "PDPTE Registers");
 * false when a present PDPTE has a reserved bit set (the caller raises
 * #GP(0) and loads nothing). */
bool paging_read_pdptes(const PagingCtx *ctx, uint64_t cr3, uint64_t out[4]);

/* The default ctx->phys: guest-physical = host RAM/MMIO of ctx->pm. */
PagingStatus paging_phys_direct(void *pm, PagingPhysReq *req);

#endif
