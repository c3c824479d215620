/*
 * mmu/paging.c: the guest paging walk (see paging.h). SDM Vol.3 chapter 4
 * "Paging": 4.3 "32-Bit Paging", 4.4 "PAE Paging", 4.5 "4-Level Paging and
 * 5-Level Paging", 4.6 "Access Rights", 4.6.2 "Protection Keys", 4.7
 * "Page-Fault Exceptions", 4.8 "Accessed and Dirty Flags".
 *
 * The walk first reads every entry down to the leaf (stopping at the first
 * entry that is not present or has a reserved bit set), then checks access
 * rights, and only when the access is allowed sets the accessed flags and
 * the dirty flag. SIMPLIFICATION: a walk that ends in a fault sets no
 * flag at all, so a fault has no side effect in memory; hardware may
 * already have set the accessed flags of the upper-level entries it used
 * (SDM 4.8 sets A on every entry "used" for a translation), which software
 * cannot rely on either way.
 */
#include "mmu/paging.h"

#include "base/bits.h"

/* Paging-structure entry bits (SDM Vol.3 4.3, 4.4.2, 4.5.4 tables). */
#define PTE_P    BIT(0)
#define PTE_RW   BIT(1)
#define PTE_US   BIT(2)
#define PTE_A    BIT(5)
#define PTE_D    BIT(6)
#define PTE_PS   BIT(7)
#define PTE_G    BIT(8)
#define PTE_XD   BIT(63)
#define PTE_PKEY_SHIFT 59

/* #PF error code bits (SDM Vol.3 4.7), as in cpu/arch.h PFEC_*. */
#define PF_P    BIT(0)
#define PF_WR   BIT(1)
#define PF_US   BIT(2)
#define PF_RSVD BIT(3)
#define PF_ID   BIT(4)
#define PF_PK   BIT(5)

#define WALK_MAX_LEVELS 5

typedef struct WalkStep {
    uint64_t gpa;      /* where the entry lives */
    uint64_t entry;
} WalkStep;

static PagingStatus phys_ref(const PagingCtx *ctx, PagingPhysReq *req)
{
    if (ctx->phys)
        return ctx->phys(ctx->phys_opaque, req);
    return paging_phys_direct(ctx->pm, req);
}

PagingStatus paging_phys_direct(void *opaque, PagingPhysReq *req)
{
    PhysMap *pm = opaque;
    switch (req->op) {
    case PHYS_READ_ENTRY:
        req->val = physmem_read(pm, req->gpa, req->size);
        break;
    case PHYS_SET_BITS: {
        /* SDM Vol.3 4.8: the processor updates A/D flags with locked
         * operations; entries are naturally aligned, so one atomic OR. */
        uint8_t *p = physmem_ram_ptr(pm, req->gpa);
        if (!p) {
            uint64_t v = physmem_read(pm, req->gpa, req->size);
            physmem_write(pm, req->gpa, req->size, v | req->val);
            break;
        }
        if (req->size == 4)
            __atomic_fetch_or((uint32_t *)p, (uint32_t)req->val, __ATOMIC_SEQ_CST);
        else
            __atomic_fetch_or((uint64_t *)p, req->val, __ATOMIC_SEQ_CST);
        if (pm->code_written && physmem_is_code_page(pm, req->gpa))
            pm->code_written(pm->code_opaque, req->gpa, req->size);
        break;
    }
    case PHYS_FINAL:
        break;
    }
    return PAGING_OK;
}

/* MAXPHYADDR; 36 when the caller left it 0 (SDM Vol.3 4.1.4: processors
 * without CPUID leaf 80000008H have 36 bits), at most 52 (4.1.4). */
static unsigned maxphy(const PagingCtx *ctx)
{
    if (!ctx->maxphyaddr)
        return 36;
    return ctx->maxphyaddr < 52 ? ctx->maxphyaddr : 52;
}

/* Physical-address bits M-1:lo of an entry (MAXPHYADDR = M). */
static uint64_t addr_bits(const PagingCtx *ctx, unsigned lo)
{
    return BITS(maxphy(ctx) - 1, lo);
}

/* Error-code bits that describe the access itself (SDM Vol.3 4.7). */
static uint32_t access_bits(const PagingCtx *ctx, unsigned acc)
{
    uint32_t e = 0;
    if (acc & PG_ACC_WRITE)
        e |= PF_WR;
    if (acc & PG_ACC_USER)
        e |= PF_US;
    /* I/D is reported only when CR4.SMEP = 1 or (CR4.PAE = 1 and
     * IA32_EFER.NXE = 1). */
    if ((acc & PG_ACC_EXEC) &&
        (ctx->smep || (ctx->mode >= PAGING_PAE && ctx->nxe)))
        e |= PF_ID;
    return e;
}

/* Reserved bits of a present entry at `level` (1 = PTE, 2 = PDE, 3 = PDPTE,
 * 4 = PML4E, 5 = PML5E). SDM Vol.3 4.3 Table 4-4..4-6, 4.4.2 Table
 * 4-9..4-11, 4.5.4 Table 4-15..4-20, and 4.5.4 "Reserved bits". */
static uint64_t reserved_bits(const PagingCtx *ctx, unsigned level, uint64_t e)
{
    uint64_t r = 0;
    bool ps = (e & PTE_PS) != 0;
    switch (ctx->mode) {
    case PAGING_32:
        /* 4-MByte page: bit 21, and address bits 39:32 at 20:13 above
         * MAXPHYADDR (at most 40 bits, PSE-36). */
        if (level == 2 && ps && ctx->pse) {
            unsigned m = maxphy(ctx) < 40 ? maxphy(ctx) : 40;
            r = BITS(21, m - 19);
        }
        return r;
    case PAGING_PAE:
        /* Bits 62:M are reserved; XD is reserved when NXE = 0. */
        r = BITS(62, maxphy(ctx));
        if (!ctx->nxe)
            r |= PTE_XD;
        if (level == 2 && ps)
            r |= BITS(20, 13);
        return r;
    default:
        if (maxphy(ctx) < 52)
            r = BITS(51, maxphy(ctx));
        if (!ctx->nxe)
            r |= PTE_XD;
        if (level >= 4)
            r |= PTE_PS;
        else if (level == 3 && ps)
            r |= ctx->page1g ? BITS(29, 13) : PTE_PS;
        else if (level == 2 && ps)
            r |= BITS(20, 13);
        return r;
    }
}

uint32_t paging_check_access(const PagingCtx *ctx, const PagingResult *res,
                             unsigned acc)
{
    bool write = acc & PG_ACC_WRITE;
    bool user_access = acc & PG_ACC_USER;
    bool ok;

    /* SDM Vol.3 4.6.1 "Determination of Access Rights". */
    if (acc & PG_ACC_EXEC) {
        if (res->nx)
            ok = false;
        else if (user_access)
            ok = res->user;
        else
            ok = !(res->user && ctx->smep);
    } else if (user_access) {
        ok = res->user && (!write || res->writable);
    } else if (res->user && ctx->smap &&
               ((acc & PG_ACC_IMPLICIT) || !ctx->ac)) {
        /* SMAP: supervisor data accesses to user-mode addresses are
         * allowed only when explicit and EFLAGS.AC = 1. */
        ok = false;
    } else {
        ok = !write || res->writable || !ctx->wp;
    }

    /* SDM Vol.3 4.6.2 "Protection Keys" and 4.7 PK flag: IA-32e paging,
     * CR4.PKE = 1, data access to a user-mode address. */
    bool pk = false;
    if (!(acc & PG_ACC_EXEC) && ctx->pke && res->user &&
        ctx->mode >= PAGING_4LEVEL) {
        bool ad = (ctx->pkru >> (2 * res->pkey)) & 1;
        bool wd = (ctx->pkru >> (2 * res->pkey + 1)) & 1;
        pk = ad || (wd && write && (ctx->wp || user_access));
    }
    if (ok && !pk)
        return 0;
    return PF_P | access_bits(ctx, acc) | (pk ? PF_PK : 0);
}

/* Mark the translation's entries accessed and, for a write, the leaf
 * dirty (SDM Vol.3 4.8). */
static PagingStatus set_ad_flags(const PagingCtx *ctx, WalkStep *steps,
                                 unsigned n, unsigned esize, uint64_t lin,
                                 unsigned acc)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t set = 0;
        if (!(steps[i].entry & PTE_A))
            set |= PTE_A;
        if (i == n - 1 && (acc & PG_ACC_WRITE) && !(steps[i].entry & PTE_D))
            set |= PTE_D;
        if (!set)
            continue;
        PagingPhysReq req = { PHYS_SET_BITS, steps[i].gpa, esize, set, lin, acc, 0 };
        PagingStatus st = phys_ref(ctx, &req);
        if (st)
            return st;
        steps[i].entry |= set;
    }
    return PAGING_OK;
}

PagingStatus paging_walk(const PagingCtx *ctx, uint64_t lin, unsigned acc,
                         PagingResult *res)
{
    *res = (PagingResult){ .page_size = PAGE_SIZE, .user = true,
                           .writable = true, .dirty = true };
    if (ctx->mode == PAGING_OFF) {
        res->gpa = lin;
        PagingPhysReq req = { PHYS_FINAL, lin, 0, 0, lin, acc, 0 };
        PagingStatus st = phys_ref(ctx, &req);
        res->gpa = req.gpa;
        return st;
    }

    WalkStep steps[WALK_MAX_LEVELS];
    unsigned n = 0;
    unsigned esize = ctx->mode == PAGING_32 ? 4 : 8;
    unsigned level;
    uint64_t table;

    switch (ctx->mode) {
    case PAGING_32:
        lin &= 0xffffffffull;
        level = 2;
        table = ctx->cr3 & BITS(31, 12);
        break;
    case PAGING_PAE: {
        /* SDM Vol.3 4.4.2: the PDPTE comes from the PDPTE registers. */
        lin &= 0xffffffffull;
        uint64_t pdpte = ctx->pdpte[(lin >> 30) & 3];
        if (!(pdpte & PTE_P)) {
            res->error = access_bits(ctx, acc);
            return PAGING_PF;
        }
        level = 2;
        table = pdpte & addr_bits(ctx, 12);
        break;
    }
    case PAGING_4LEVEL:
        level = 4;
        table = ctx->cr3 & addr_bits(ctx, 12);
        break;
    default:
        level = 5;
        table = ctx->cr3 & addr_bits(ctx, 12);
        break;
    }

    uint64_t leaf = 0;
    for (;; level--) {
        unsigned shift = 12 + (level - 1) * (esize == 4 ? 10 : 9);
        unsigned idx_mask = esize == 4 ? 0x3ff : 0x1ff;
        uint64_t gpa = table + ((lin >> shift) & idx_mask) * esize;
        PagingPhysReq req = { PHYS_READ_ENTRY, gpa, esize, 0, lin, acc, 0 };
        PagingStatus st = phys_ref(ctx, &req);
        if (st)
            return st;
        uint64_t e = req.val;
        if (!(e & PTE_P)) {
            res->error = access_bits(ctx, acc);
            return PAGING_PF;
        }
        if (e & reserved_bits(ctx, level, e)) {
            res->error = PF_P | PF_RSVD | access_bits(ctx, acc);
            return PAGING_PF;
        }
        steps[n++] = (WalkStep){ gpa, e };
        res->user &= (e & PTE_US) != 0;
        res->writable &= (e & PTE_RW) != 0;
        if (ctx->nxe && ctx->mode != PAGING_32 && (e & PTE_XD))
            res->nx = true;

        bool large = (e & PTE_PS) &&
                     ((level == 2 && (ctx->mode != PAGING_32 || ctx->pse)) ||
                      level == 3);
        if (level == 1 || large) {
            leaf = e;
            res->page_size = 1ull << shift;
            break;
        }
        table = e & (esize == 4 ? BITS(31, 12) : addr_bits(ctx, 12));
    }

    uint64_t off = lin & (res->page_size - 1);
    if (ctx->mode == PAGING_32 && res->page_size == (4u << 20)) {
        /* PSE-36: bits 39:32 of the address are in PDE bits 20:13. */
        uint64_t hi = ((leaf >> 13) & 0xff) << 32;
        res->gpa = (leaf & BITS(31, 22)) | hi | off;
    } else if (ctx->mode == PAGING_32) {
        res->gpa = (leaf & BITS(31, 12)) | off;
    } else {
        res->gpa = (leaf & addr_bits(ctx, 12) & ~(res->page_size - 1)) | off;
    }
    res->global = ctx->pge && (leaf & PTE_G);
    if (ctx->mode >= PAGING_4LEVEL)
        res->pkey = (uint8_t)((leaf >> PTE_PKEY_SHIFT) & 0xf);

    res->error = paging_check_access(ctx, res, acc);
    if (res->error)
        return PAGING_PF;

    PagingStatus st = set_ad_flags(ctx, steps, n, esize, lin, acc);
    if (st)
        return st;
    res->dirty = (steps[n - 1].entry & PTE_D) != 0;

    PagingPhysReq req = { PHYS_FINAL, res->gpa, 0, 0, lin, acc,
                          (uint8_t)((res->user ? PHYS_LIN_USER : 0) |
                                    (res->writable ? PHYS_LIN_WRITABLE : 0) |
                                    (res->nx ? PHYS_LIN_XD : 0)) };
    st = phys_ref(ctx, &req);
    res->gpa = req.gpa;
    return st;
}

bool paging_read_pdptes(const PagingCtx *ctx, uint64_t cr3, uint64_t out[4])
{
    /* SDM Vol.3 4.4.1 "PDPTE Registers": CR3 bits 31:5 locate the table;
     * a present PDPTE with bits 2:1, 8:5 or 63:MAXPHYADDR set is a #GP. */
    uint64_t base = cr3 & BITS(31, 5);
    uint64_t rsvd = BITS(2, 1) | BITS(8, 5) | BITS(63, maxphy(ctx));
    uint64_t tmp[4];
    for (unsigned i = 0; i < 4; i++) {
        PagingPhysReq req = { PHYS_READ_ENTRY, base + 8 * i, 8, 0, 0, 0, 0 };
        if (phys_ref(ctx, &req))
            return false;
        tmp[i] = req.val;
        if ((tmp[i] & PTE_P) && (tmp[i] & rsvd))
            return false;
    }
    for (unsigned i = 0; i < 4; i++)
        out[i] = tmp[i];
    return true;
}
