/*
 * mmu/ept.c: EPT translation (see ept.h). SDM Vol.3 28.2.2 "EPT
 * Translation Mechanism", 28.2.3.1 "EPT Misconfigurations", 28.2.3.2 "EPT
 * Violations", 28.2.4 "Accessed and Dirty Flags for EPT", 28.2.6.1
 * "Memory Type Used for Accessing EPT Paging Structures" (leaf types).
 */
#include "mmu/ept.h"

#include "base/bits.h"

/* Bits of the translation's permissions in the exit qualification
 * (SDM 27.2.1, Table 27-7). */
#define QUAL_READABLE    BIT(3)
#define QUAL_WRITABLE    BIT(4)
#define QUAL_EXECUTABLE  BIT(5)
#define QUAL_USER_EXEC   BIT(6)

static bool entry_present(const EptCtx *ctx, uint64_t e)
{
    /* Not present: bits 2:0 clear, and bit 10 too with mode-based
     * execute control (SDM 28.2.2). */
    return (e & (EPTE_R | EPTE_W | EPTE_X)) || (ctx->mbec && (e & EPTE_XU));
}

/* SDM 28.2.3.1: conditions that make a present entry misconfigured. */
static bool entry_misconfigured(const EptCtx *ctx, uint64_t e, unsigned level, bool leaf)
{
    if (!(e & EPTE_R) && (e & EPTE_W))
        return true;                              /* write without read */
    bool exec = (e & EPTE_X) || (ctx->mbec && (e & EPTE_XU));
    if (!(e & (EPTE_R | EPTE_W)) && exec && !(ctx->caps & EPT_CAP_EXEC_ONLY))
        return true;                              /* execute-only unsupported */
    if (ctx->maxphyaddr < 52 && (e & BITS(51, ctx->maxphyaddr)))
        return true;                              /* beyond MAXPHYADDR */
    if (level >= 4)
        return (e & BITS(7, 3)) != 0;             /* PML5E/PML4E: 7:3 reserved */
    if (!leaf)
        return (e & BITS(6, 3)) != 0;             /* non-leaf PDPTE/PDE: 6:3 */
    if (level == 3 && (!(ctx->caps & EPT_CAP_1G) || (e & BITS(29, 12))))
        return true;                              /* 1-GByte page */
    if (level == 2 && (!(ctx->caps & EPT_CAP_2M) || (e & BITS(20, 12))))
        return true;                              /* 2-MByte page */
    unsigned mt = (e >> EPTE_MT_SHIFT) & 7;
    return mt == 2 || mt == 3 || mt == 7;         /* reserved memory types */
}

EptStatus ept_translate(const EptCtx *ctx, uint64_t gpa, unsigned access, EptResult *out)
{
    bool ad = ctx->eptp & EPTP_AD;
    /* With EPT A/D on, guest paging-structure accesses are treated as
     * writes (SDM 28.2.4). */
    if ((access & EPT_ACC_PAGING) && ad)
        access |= EPT_ACC_WRITE;
    unsigned levels = (unsigned)((ctx->eptp >> 3) & 7) + 1;
    uint64_t frame_mask = BITS(ctx->maxphyaddr - 1, 12);
    uint64_t table = ctx->eptp & frame_mask;
    uint64_t perms = QUAL_READABLE | QUAL_WRITABLE | QUAL_EXECUTABLE | QUAL_USER_EXEC;
    uint64_t entry_addr[5];
    uint64_t entries[5];
    unsigned walked = 0;
    uint64_t leaf = 0;
    unsigned leaf_level = 1;

    *out = (EptResult){ 0 };
    out->qualification = access & (EPT_ACC_READ | EPT_ACC_WRITE | EPT_ACC_FETCH);
    for (unsigned level = levels; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t addr = table + 8 * ((gpa >> shift) & 511);
        uint64_t e = physmem_read(ctx->pm, addr, 8);
        entry_addr[walked] = addr;
        entries[walked++] = e;
        /* The AND of the permissions of every entry used, including a
         * not-present one (SDM 27.2.1, Table 27-7 bits 3-6). */
        if (!(e & EPTE_R)) perms &= ~QUAL_READABLE;
        if (!(e & EPTE_W)) perms &= ~QUAL_WRITABLE;
        if (!(e & EPTE_X)) perms &= ~QUAL_EXECUTABLE;
        if (!(e & EPTE_XU)) perms &= ~QUAL_USER_EXEC;
        if (!entry_present(ctx, e)) {
            out->suppress_ve = e & EPTE_SVE;
            out->qualification |= perms & (ctx->mbec ? 0x78u : 0x38u);
            return EPT_VIOLATION;
        }
        bool is_leaf = level == 1 || ((level == 2 || level == 3) && (e & EPTE_PS));
        if (entry_misconfigured(ctx, e, level, is_leaf))
            return EPT_MISCONFIG;
        if (is_leaf) {
            leaf = e;
            leaf_level = level;
            break;
        }
        table = e & frame_mask;
    }
    out->suppress_ve = leaf & EPTE_SVE;
    out->qualification |= perms & (ctx->mbec ? 0x78u : 0x38u);
    bool allowed = true;
    if ((access & EPT_ACC_READ) && !(perms & QUAL_READABLE))
        allowed = false;
    if ((access & EPT_ACC_WRITE) && !(perms & QUAL_WRITABLE))
        allowed = false;
    if (access & EPT_ACC_FETCH) {
        /* Mode-based execute control: XU governs user-mode linear
         * addresses, X supervisor-mode ones (SDM 28.2.3.2). */
        uint64_t need = (ctx->mbec && (access & EPT_ACC_USER)) ? QUAL_USER_EXEC : QUAL_EXECUTABLE;
        if (!(perms & need))
            allowed = false;
    }
    if (!allowed)
        return EPT_VIOLATION;

    if (ad && ctx->pml_index && (access & EPT_ACC_WRITE) && !(leaf & EPTE_D)) {
        /* SDM 28.2.6.1: before the dirty flag goes from 0 to 1, log the
         * guest-physical page; an index outside 0-511 is a log-full event
         * and the access does not complete. */
        uint64_t index = *ctx->pml_index & 0xffff;
        if (index > 511)
            return EPT_PML_FULL;
        physmem_write(ctx->pm, ctx->pml_address + 8 * index, 8, gpa & ~0xfffull);
        *ctx->pml_index = (index - 1) & 0xffff;
    }
    if (ad) {
        /* SDM 28.2.4: set A in every entry used, D in the leaf for writes.
         * Only entries that change are written back. */
        for (unsigned i = 0; i < walked; i++) {
            uint64_t want = entries[i] | EPTE_A;
            if (i == walked - 1 && (access & EPT_ACC_WRITE))
                want |= EPTE_D;
            if (want != entries[i])
                physmem_write(ctx->pm, entry_addr[i], 8, want);
        }
    }
    out->page_size = 1ull << (12 + 9 * (leaf_level - 1));
    out->hpa = (leaf & frame_mask & ~(out->page_size - 1)) | (gpa & (out->page_size - 1));
    out->mem_type = (uint8_t)((leaf >> EPTE_MT_SHIFT) & 7);
    return EPT_OK;
}
