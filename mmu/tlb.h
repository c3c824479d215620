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
 * SDM Vol.3 4.10 "Caching Translation Information" permits all of this:
 * hardware may cache any translation it has walked until an invalidation.
 */
#ifndef MMU_TLB_H
#define MMU_TLB_H

#include <stdbool.h>
#include <stdint.h>

#define TLB_SETS 256
#define TLB_INVALID (~0ull)

enum { TLB_SUPERVISOR = 0, TLB_USER = 1 };

typedef struct TlbEntry {
    uint64_t lin_read;    /* linear page address, or TLB_INVALID */
    uint64_t lin_write;
    uint64_t lin_exec;
    uint64_t gpa;         /* guest-physical page address */
    uint8_t *host;        /* host address of the page, NULL if not RAM */
    uint16_t pcid;
    bool global;
} TlbEntry;

typedef struct Tlb {
    TlbEntry e[2][TLB_SETS];
} Tlb;

static inline unsigned tlb_index(uint64_t lin)
{
    return (unsigned)(lin >> 12) & (TLB_SETS - 1);
}

void tlb_flush_all(Tlb *tlb);
/* Flush entries for one linear page (INVLPG), both privilege halves. */
void tlb_flush_page(Tlb *tlb, uint64_t lin);
/* Flush non-global entries (MOV CR3 without PCID-preserve). */
void tlb_flush_nonglobal(Tlb *tlb);
/* Drop the write tag of every entry that maps gpa_page (it became code). */
void tlb_flush_write_gpa(Tlb *tlb, uint64_t gpa_page);

#endif
