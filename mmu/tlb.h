/*
 * mmu/tlb.h: the translation cache that sits in front of the paging walk.
 *
 * Each vCPU has one. An entry maps one linear 4 KiB page to a guest-physical
 * page and, for RAM, to the host address of its backing, so a hit is a tag
 * compare and a memcpy. Permissions are folded into three tags (read, write,
 * execute): a tag equals the page's linear address only while that access
 * is allowed without a walk; a write to a page whose dirty bit is not yet
 * set, or to a page holding decoded code, keeps the write tag invalid so it
 * takes the slow path. Entries are split by privilege (supervisor, user)
 * because permissions differ.
 *
 * Tags carry the PCID (SDM Vol.3 4.10.1 "Process-Context Identifiers") in
 * their low 12 bits: tag = linear page | CR3[11:0]. An entry filled under
 * one PCID therefore never hits under another, yet survives a CR3 switch
 * that does not flush and hits again when that PCID comes back. Global
 * entries (4.10.2.4) match every PCID: tlb_set_pcid retags them. With
 * CR4.PCIDE = 0 every MOV to CR3 flushes non-global entries, so the low
 * bits then only keep stale entries from hitting.
 *
 * Pages larger than 4 KiB are cached as 4 KiB fragments that remember the
 * size of their page, so INVLPG of any address in the page drops them all
 * (4.10.2.3 "Details of TLB Use").
 *
 * SDM Vol.3 4.10 "Caching Translation Information" permits all of this:
 * hardware may cache any translation it has walked until an invalidation,
 * and may drop entries at any time.
 */
#ifndef MMU_TLB_H
#define MMU_TLB_H

#include <stdbool.h>
#include <stdint.h>

#define TLB_SETS 256
/* Never equal to a tag: bit 63 set with bit 47 and 56 clear is not
 * canonical, and 32-bit linear addresses have bit 63 clear. */
#define TLB_INVALID (1ull << 63)
#define TLB_PCID_MASK 0xfffull

enum { TLB_SUPERVISOR = 0, TLB_USER = 1 };

/* Which tags an entry may carry (TlbEntry.perms). */
enum { TLB_PERM_READ = 1, TLB_PERM_WRITE = 2, TLB_PERM_EXEC = 4 };

typedef struct TlbEntry {
    uint64_t lin_read;    /* linear page | PCID, or TLB_INVALID */
    uint64_t lin_write;
    uint64_t lin_exec;
    uint64_t gpa;         /* guest-physical page address */
    uint8_t *host;        /* host address of the page, NULL if not RAM */
    uint64_t lin;         /* linear page address (TLB_INVALID when empty) */
    uint16_t pcid;
    bool global;
    uint8_t perms;        /* TLB_PERM_* the tags were built from */
    uint8_t page_shift;   /* log2 of the size of the page it came from */
} TlbEntry;

typedef struct Tlb {
    TlbEntry e[2][TLB_SETS];
    uint16_t pcid;        /* tag bits of the current CR3[11:0] */
    uint64_t misses;      /* paging walks done for this vCPU (timing model) */
    /* Entries filled since the last full flush, so that tlb_flush_all (on
     * every VM entry and exit until the TLB is VPID-tagged) costs what was
     * filled, not the whole array. `swept` is false until the first full
     * sweep: only then are the entries outside the list known invalid. */
    uint16_t filled[2 * TLB_SETS];
    uint16_t nfilled;
    bool swept;
} Tlb;

static inline unsigned tlb_index(uint64_t lin)
{
    return (unsigned)(lin >> 12) & (TLB_SETS - 1);
}

/* The tag an access to lin must match under CR3 value cr3. */
static inline uint64_t tlb_key(uint64_t lin, uint64_t cr3)
{
    return (lin & ~0xfffull) | (cr3 & TLB_PCID_MASK);
}

void tlb_flush_all(Tlb *tlb);
/* Flush entries for one linear page (INVLPG), both privilege halves. */
void tlb_flush_page(Tlb *tlb, uint64_t lin);
/* Flush non-global entries (MOV CR3 without PCID-preserve). */
void tlb_flush_nonglobal(Tlb *tlb);
/* Drop the write tag of every entry that maps gpa_page (it became code). */
void tlb_flush_write_gpa(Tlb *tlb, uint64_t gpa_page);

/* Make pcid (CR3[11:0]) current: global entries follow it, others keep
 * their own PCID and stop hitting. */
void tlb_set_pcid(Tlb *tlb, uint16_t pcid);
/* INVPCID single-context / MOV CR3 with PCIDE = 1: non-global entries of
 * one PCID (SDM Vol.3 4.10.4.1). */
void tlb_flush_pcid(Tlb *tlb, uint16_t pcid);
/* INVPCID individual-address: non-global entries of (pcid, lin). */
void tlb_flush_page_pcid(Tlb *tlb, uint64_t lin, uint16_t pcid);

/* Install a translation of lin (in half TLB_SUPERVISOR or TLB_USER) for
 * the current PCID with the given TLB_PERM_* (the caller has already
 * dropped WRITE for clean or code pages and everything for MMIO). */
void tlb_fill(Tlb *tlb, unsigned half, uint64_t lin, uint64_t gpa_page,
              uint8_t *host, unsigned perms, bool global, unsigned page_shift);

#endif
