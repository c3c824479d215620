/*
 * mmu/ept.h: the EPT translation of one guest-physical address, SDM Vol.3
 * 28.2 "The Extended Page Table Mechanism (EPT)": 28.2.1 "EPT Overview",
 * 28.2.2 "EPT Translation Mechanism", 28.2.3 "EPT-Induced VM Exits"
 * (misconfigurations and violations), 28.2.4 "Accessed and Dirty Flags for
 * EPT", 28.2.6 "EPT and Memory Typing" (the memory-type field checks).
 *
 * Independent of the Cpu: the caller passes the EPTP and the capability
 * bits that decide what is legal, and gets either the host-physical
 * address or the information a VM exit (reason 48 or 49) records.
 */
#ifndef MMU_EPT_H
#define MMU_EPT_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/physmem.h"

/* EPT paging-structure entry bits (SDM Vol.3 Tables 28-1 to 28-6). */
#define EPTE_R       (1ull << 0)
#define EPTE_W       (1ull << 1)
#define EPTE_X       (1ull << 2)      /* supervisor-mode execute with MBEC */
#define EPTE_MT_SHIFT 3               /* leaf: memory type, bits 5:3 */
#define EPTE_IPAT    (1ull << 6)
#define EPTE_PS      (1ull << 7)      /* PDPTE/PDE: maps a 1-GByte/2-MByte page */
#define EPTE_A       (1ull << 8)
#define EPTE_D       (1ull << 9)      /* leaf only */
#define EPTE_XU      (1ull << 10)     /* user-mode execute with MBEC */
#define EPTE_SVE     (1ull << 63)     /* suppress #VE */

/* EPTP bits (SDM Vol.3 24.6.11). */
#define EPTP_AD      (1ull << 6)

/* IA32_VMX_EPT_VPID_CAP bits (SDM Appendix A.10 "VPID and EPT
 * Capabilities"); the one definition for mmu/ and vmx/. */
#define EPT_CAP_EXEC_ONLY   (1ull << 0)
#define EPT_CAP_WALK4       (1ull << 6)
#define EPT_CAP_WALK5       (1ull << 7)
#define EPT_CAP_UC          (1ull << 8)
#define EPT_CAP_WB          (1ull << 14)
#define EPT_CAP_2M          (1ull << 16)
#define EPT_CAP_1G          (1ull << 17)
#define EPT_CAP_INVEPT      (1ull << 20)
#define EPT_CAP_AD          (1ull << 21)
#define EPT_CAP_ADVANCED_INFO (1ull << 22)
#define EPT_CAP_INVEPT_SINGLE (1ull << 25)
#define EPT_CAP_INVEPT_ALL  (1ull << 26)
#define VPID_CAP_INVVPID    (1ull << 32)
#define VPID_CAP_INVVPID_ADDRESS (1ull << 40)
#define VPID_CAP_INVVPID_SINGLE  (1ull << 41)
#define VPID_CAP_INVVPID_ALL     (1ull << 42)
#define VPID_CAP_INVVPID_SINGLE_NONGLOBAL (1ull << 43)

/* What the access is (SDM 28.2.3.2 "EPT Violations"). */
enum {
    EPT_ACC_READ = 1,
    EPT_ACC_WRITE = 2,
    EPT_ACC_FETCH = 4,
    EPT_ACC_USER = 8,             /* the linear address is a user-mode one
                                     (MBEC chooses XU for fetches) */
    EPT_ACC_PAGING = 16,          /* a guest paging-structure access (A/D
                                     treat it as a write when EPTP[6]) */
};

typedef struct EptCtx {
    PhysMap *pm;
    uint64_t eptp;
    uint64_t caps;                /* IA32_VMX_EPT_VPID_CAP */
    uint8_t maxphyaddr;
    bool mbec;                    /* mode-based execute control */
    /* Page-modification logging (SDM 28.2.6): when pml_index is not NULL
     * (enable PML with EPTP[6]), each dirty flag the walk sets from 0 to 1
     * logs the guest-physical page at pml_address + 8 * index. */
    uint64_t pml_address;
    uint64_t *pml_index;          /* the VMCS's PML-index field */
} EptCtx;

typedef enum EptStatus {
    EPT_OK = 0,
    EPT_VIOLATION,                /* exit reason 48 */
    EPT_MISCONFIG,                /* exit reason 49 */
    EPT_PML_FULL,                 /* exit reason 62: the log is full */
} EptStatus;

typedef struct EptResult {
    uint64_t hpa;                 /* valid with EPT_OK */
    uint64_t page_size;           /* 4 KiB, 2 MiB or 1 GiB */
    uint8_t mem_type;             /* leaf memory type (EPT_OK) */
    /* EPT_VIOLATION: bits 6:0 of the exit qualification (SDM 27.2.1 Table
     * 27-7): access type in 2:0, then the permissions of the translation,
     * the AND over every entry walked (3 readable, 4 writable, 5 executable,
     * 6 user-mode executable when MBEC), 0 where the walk stopped early. */
    uint64_t qualification;
    bool suppress_ve;             /* the leaf (or failing entry) has SVE */
} EptResult;

/* Translate gpa for an access (EPT_ACC_*). Sets A/D flags when EPTP[6]
 * allows and the translation succeeds. */
EptStatus ept_translate(const EptCtx *ctx, uint64_t gpa, unsigned access, EptResult *out);

#endif
