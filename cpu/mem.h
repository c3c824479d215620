/*
 * cpu/mem.h: memory accesses as instructions make them: segment checks
 * (SDM Vol.3 5.3 "Limit Checking", 5.4 "Type Checking", 3.4.4 64-bit
 * segmentation with canonical checks), linear-to-physical translation
 * through the TLB and the paging walk (mmu/paging.h), then RAM or MMIO.
 *
 * Every function that can fault returns ST_FAULT with cpu->fault filled
 * (#GP/#SS(0) for segment and canonical violations, #PF with CR2 and the
 * error code, #AC for alignment checks). A write that would fault on any
 * byte writes nothing (both pages are translated before the first byte is
 * stored).
 */
#ifndef CPU_MEM_H
#define CPU_MEM_H

#include <stdint.h>

#include "cpu/cpu.h"

/* Access kinds for translations and segment checks. */
enum {
    ACC_READ = 0,
    ACC_WRITE = 1,
    ACC_EXEC = 2,
    ACC_IMPLICIT_SUPERVISOR = 0x10,   /* GDT/LDT/IDT/TSS accesses: supervisor
                                         whatever CPL (SDM Vol.3 4.6) */
};

/* The fast path of every access: the TLB entry that lets an access of kind
 * ACC_READ, ACC_WRITE or ACC_EXEC to lin go without a walk at the current
 * CPL, or NULL (call cpu_translate). Tags carry the PCID (mmu/tlb.h), so
 * compare with tlb_key(lin, cr3), never with the bare page address. The
 * host address of lin is e->host + (lin & 0xfff); a hit is always RAM. */
static inline const TlbEntry *cpu_tlb_hit(const Cpu *cpu, uint64_t lin,
                                          unsigned kind)
{
    const TlbEntry *e = &cpu->tlb.e[cpu->cpl == 3 ? TLB_USER : TLB_SUPERVISOR]
                                   [tlb_index(lin)];
    uint64_t tag = kind == ACC_WRITE ? e->lin_write
                 : kind == ACC_EXEC ? e->lin_exec : e->lin_read;
    return tag == tlb_key(lin, cpu->cr3) ? e : NULL;
}

/*
 * The inline fast path of data accesses through a segment in 64-bit mode:
 * whether `size` bytes at seg:offset can go straight to RAM (else take
 * cpu_read/cpu_write, which apply every rule). It applies exactly the checks cpu_read/cpu_write make first: only
 * FS and GS bases count and every byte must be canonical (SDM Vol.3 3.4.4
 * "Segment Loading Instructions in IA-32e Mode", 3.3.7.1 "Canonical
 * Addressing"); the access stays within one page; no alignment check can
 * apply (#AC, SDM Vol.3 6.15, needs CPL 3 with CR0.AM and RFLAGS.AC); and
 * the TLB tag of each kind asked for (read, write, or both for a
 * read-modify-write) hits. True with the host address in *host; false
 * when the access must take the slow path. Addresses canonical only with 5-level paging
 * take the slow path (the fast test is the 48-bit one, and a 48-bit
 * canonical address is canonical in both).
 */
static inline __attribute__((always_inline)) bool
cpu_fast_host(const Cpu *cpu, unsigned seg, uint64_t offset, unsigned size,
              bool read, bool write, uint8_t **host)
{
    if (SIM_UNLIKELY(cpu->mode != MODE_LONG64))
        return false;
    uint64_t lin = offset;
    if (SIM_UNLIKELY(seg == SEG_FS || seg == SEG_GS))
        lin += cpu->seg[seg].base;
    if (SIM_UNLIKELY((uint64_t)((int64_t)lin >> 47) + 1 > 1))
        return false;
    unsigned pgoff = (unsigned)lin & 0xfffu;
    if (SIM_UNLIKELY(pgoff + size > 0x1000u))
        return false;
    const TlbEntry *e;
    if (SIM_UNLIKELY(cpu->cpl == 3)) {
        if ((cpu->cr0 & CR0_AM) && (cpu->rflags & RFLAGS_AC))
            return false;
        e = &cpu->tlb.e[TLB_USER][tlb_index(lin)];
    } else {
        e = &cpu->tlb.e[TLB_SUPERVISOR][tlb_index(lin)];
    }
    uint64_t key = tlb_key(lin, cpu->cr3);
    if (SIM_UNLIKELY((read && e->lin_read != key) || (write && e->lin_write != key)))
        return false;
    uint8_t *h = e->host;
    if (h == NULL)
        __builtin_unreachable();   /* a hit is always RAM (above) */
    *host = h + pgoff;
    return true;
}

/* Data accesses through a segment: size 1, 2, 4, 8, 10 or 16 bytes. */
SimStatus SIM_MUST_CHECK cpu_read(Cpu *cpu, unsigned seg, uint64_t offset,
                                  unsigned size, void *out);
SimStatus SIM_MUST_CHECK cpu_write(Cpu *cpu, unsigned seg, uint64_t offset,
                                   unsigned size, const void *in);
/* Check that a later write of `size` bytes at seg:offset would not fault
 * (used by read-modify-write instructions before they commit registers). */
SimStatus SIM_MUST_CHECK cpu_check_write(Cpu *cpu, unsigned seg, uint64_t offset,
                                         unsigned size);

/* Integer conveniences (zero-extended into *v). */
SimStatus SIM_MUST_CHECK cpu_read_u(Cpu *cpu, unsigned seg, uint64_t offset,
                                    unsigned size, uint64_t *v);
SimStatus SIM_MUST_CHECK cpu_write_u(Cpu *cpu, unsigned seg, uint64_t offset,
                                     unsigned size, uint64_t v);

/* Linear accesses with no segmentation (descriptor tables, TSS, IDT with
 * ACC_IMPLICIT_SUPERVISOR; paging and permission checks still apply). */
SimStatus SIM_MUST_CHECK cpu_read_lin(Cpu *cpu, uint64_t lin, unsigned size,
                                      void *out, unsigned acc_flags);
SimStatus SIM_MUST_CHECK cpu_write_lin(Cpu *cpu, uint64_t lin, unsigned size,
                                       const void *in, unsigned acc_flags);

/* Translate a linear address for an access (ACC_*), filling the TLB. */
SimStatus SIM_MUST_CHECK cpu_translate(Cpu *cpu, uint64_t lin, unsigned acc,
                                       uint64_t *gpa);

/* Instruction fetch of up to 15 bytes at linear address `lin` (CS checks
 * done by the caller). Returns how many bytes could be fetched before a
 * fault in *got; ST_FAULT only if zero bytes could be. */
SimStatus SIM_MUST_CHECK cpu_fetch(Cpu *cpu, uint64_t lin, uint8_t *buf,
                                   unsigned want, unsigned *got);

/* Stack: push/pop with the current stack size (SS.B or 64-bit) and the
 * given operand size (2, 4, 8); RSP updated only on success. */
SimStatus SIM_MUST_CHECK cpu_push(Cpu *cpu, uint64_t value, unsigned size);
SimStatus SIM_MUST_CHECK cpu_pop(Cpu *cpu, unsigned size, uint64_t *value);
/* Read the stack at RSP + offset without moving RSP. */
SimStatus SIM_MUST_CHECK cpu_stack_peek(Cpu *cpu, uint64_t offset,
                                        unsigned size, uint64_t *value);

/* Is lin canonical for the current paging mode (48 or 57 bits)? */
bool cpu_is_canonical(const Cpu *cpu, uint64_t lin);

/* Load the four PAE PDPTE registers (cpu->pdpte) from the table CR3 points
 * to (SDM Vol.3 4.4.1 "PDPTE Registers"): MOV to CR0/CR3/CR4 call it when
 * PAE paging is (or stays) active. #GP(0), nothing loaded, when a present
 * PDPTE has a reserved bit set. */
SimStatus SIM_MUST_CHECK cpu_load_pdptes(Cpu *cpu);

/* The TLB folds CR0.WP, CR4.SMEP/SMAP/PKE, EFER.NXE and PKRU into its
 * cached permissions: whoever changes one of them (MOV CR0/CR4, WRMSR EFER,
 * WRPKRU, XRSTOR of PKRU) must call tlb_flush_all(&cpu->tlb). */

#endif
