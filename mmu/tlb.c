/*
 * mmu/tlb.c: the translation cache (see tlb.h): filling, PCID switching and
 * the invalidations of SDM Vol.3 4.10.4 "Invalidation of TLBs and
 * Paging-Structure Caches". Invalidating more than required is always
 * permitted (4.10.4.3), so the PCID-specific flushes compare the PCID only
 * and the large-page flush drops every fragment of the page.
 */
#include "mmu/tlb.h"

#include <glib.h>

static void entry_clear(TlbEntry *e)
{
    *e = (TlbEntry){ .lin_read = TLB_INVALID, .lin_write = TLB_INVALID,
                     .lin_exec = TLB_INVALID, .lin = TLB_INVALID };
}

/* Rebuild the three tags from perms under the entry's PCID. */
static void entry_tag(TlbEntry *e)
{
    uint64_t tag = e->lin | e->pcid;
    e->lin_read = (e->perms & TLB_PERM_READ) ? tag : TLB_INVALID;
    e->lin_write = (e->perms & TLB_PERM_WRITE) ? tag : TLB_INVALID;
    e->lin_exec = (e->perms & TLB_PERM_EXEC) ? tag : TLB_INVALID;
}

void tlb_flush_all(Tlb *tlb)
{
    if (tlb->swept && tlb->nfilled < G_N_ELEMENTS(tlb->filled)) {
        for (unsigned i = 0; i < tlb->nfilled; i++)
            entry_clear(&tlb->e[0][0] + tlb->filled[i]);
    } else {
        for (unsigned h = 0; h < 2; h++)
            for (unsigned i = 0; i < TLB_SETS; i++)
                entry_clear(&tlb->e[h][i]);
        tlb->swept = true;
    }
    tlb->nfilled = 0;
}

/* Does entry e translate (part of) the page holding lin? */
static bool entry_covers(const TlbEntry *e, uint64_t lin)
{
    if (e->lin == TLB_INVALID)
        return false;
    uint64_t mask = ~((1ull << e->page_shift) - 1);
    return ((e->lin ^ lin) & mask) == 0;
}

void tlb_flush_page(Tlb *tlb, uint64_t lin)
{
    /* SDM Vol.3 4.10.4.1 INVLPG: entries for the page of lin, whatever its
     * size, including global ones. Fragments of a large page sit in other
     * sets, so every entry is checked. */
    for (unsigned h = 0; h < 2; h++)
        for (unsigned i = 0; i < TLB_SETS; i++)
            if (entry_covers(&tlb->e[h][i], lin))
                entry_clear(&tlb->e[h][i]);
}

void tlb_flush_nonglobal(Tlb *tlb)
{
    for (unsigned h = 0; h < 2; h++)
        for (unsigned i = 0; i < TLB_SETS; i++)
            if (!tlb->e[h][i].global)
                entry_clear(&tlb->e[h][i]);
}

void tlb_flush_write_gpa(Tlb *tlb, uint64_t gpa_page)
{
    for (unsigned h = 0; h < 2; h++)
        for (unsigned i = 0; i < TLB_SETS; i++) {
            TlbEntry *e = &tlb->e[h][i];
            if (e->lin != TLB_INVALID && e->gpa == gpa_page) {
                e->perms &= (uint8_t)~TLB_PERM_WRITE;
                e->lin_write = TLB_INVALID;
            }
        }
}

void tlb_set_pcid(Tlb *tlb, uint16_t pcid)
{
    pcid &= TLB_PCID_MASK;
    if (pcid == tlb->pcid)
        return;
    tlb->pcid = pcid;
    for (unsigned h = 0; h < 2; h++)
        for (unsigned i = 0; i < TLB_SETS; i++) {
            TlbEntry *e = &tlb->e[h][i];
            if (e->lin != TLB_INVALID && e->global) {
                e->pcid = pcid;
                entry_tag(e);
            }
        }
}

void tlb_flush_pcid(Tlb *tlb, uint16_t pcid)
{
    for (unsigned h = 0; h < 2; h++)
        for (unsigned i = 0; i < TLB_SETS; i++) {
            TlbEntry *e = &tlb->e[h][i];
            if (!e->global && e->pcid == (pcid & TLB_PCID_MASK))
                entry_clear(e);
        }
}

void tlb_flush_page_pcid(Tlb *tlb, uint64_t lin, uint16_t pcid)
{
    for (unsigned h = 0; h < 2; h++)
        for (unsigned i = 0; i < TLB_SETS; i++) {
            TlbEntry *e = &tlb->e[h][i];
            if (!e->global && e->pcid == (pcid & TLB_PCID_MASK) &&
                entry_covers(e, lin))
                entry_clear(e);
        }
}

void tlb_fill(Tlb *tlb, unsigned half, uint64_t lin, uint64_t gpa_page,
              uint8_t *host, unsigned perms, bool global, unsigned page_shift)
{
    g_assert(half < 2 && page_shift >= 12 && page_shift <= 30);
    TlbEntry *e = &tlb->e[half][tlb_index(lin)];
    /* Remember the slot for tlb_flush_all; past the list's size the next
     * flush sweeps everything. */
    if (tlb->nfilled < G_N_ELEMENTS(tlb->filled))
        tlb->filled[tlb->nfilled++] = (uint16_t)(half * TLB_SETS + tlb_index(lin));
    else
        tlb->swept = false;
    /* No tag for memory without a host backing: MMIO and holes always
     * go through physmem_read/physmem_write. */
    if (!host)
        perms = 0;
    *e = (TlbEntry){
        .gpa = gpa_page & ~0xfffull,
        .host = host,
        .lin = lin & ~0xfffull,
        .pcid = tlb->pcid,
        .global = global,
        .perms = (uint8_t)perms,
        .page_shift = (uint8_t)page_shift,
    };
    entry_tag(e);
}
