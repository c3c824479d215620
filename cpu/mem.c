/*
 * cpu/mem.c: memory accesses as instructions make them (see cpu/mem.h):
 * segment checks (SDM Vol.3 5.3 "Limit Checking", 5.4 "Type Checking",
 * 3.4.4 / 5.3.1 "Limit Checking in 64-bit Mode" with the canonical-address
 * checks of Vol.1 3.3.7.1 "Canonical Addressing"), alignment checks (Vol.3
 * 6.15 "Interrupt 17—Alignment Check Exception (#AC)"), translation through
 * the TLB (mmu/tlb.h) and the paging walk (mmu/paging.h), and the final
 * access to RAM or MMIO (mmu/physmem.h).
 *
 * A TLB hit for RAM is a tag compare and a memcpy; everything else (miss,
 * MMIO, page crossing, code pages) takes the slow path here, which walks,
 * fills the TLB and goes through physmem_read/physmem_write so devices and
 * the decoded-instruction cache see the access.
 */
#include "cpu/mem.h"

#include <string.h>

#include "cpu/fault.h"
#include "mmu/paging.h"

/* ---- paging state ---- */

static PagingMode paging_mode(const Cpu *cpu)
{
    /* SDM Vol.3 4.1.1 "Four Paging Modes", Table 4-1. */
    if (!(cpu->cr0 & CR0_PG))
        return PAGING_OFF;
    if (!(cpu->cr4 & CR4_PAE))
        return PAGING_32;
    if (!(cpu->efer & EFER_LMA))
        return PAGING_PAE;
    return (cpu->cr4 & CR4_LA57) ? PAGING_5LEVEL : PAGING_4LEVEL;
}

static uint8_t cpu_maxphyaddr(const Cpu *cpu)
{
    /* CPUID.80000008H:EAX[7:0]; 36 when the model does not report it
     * (SDM Vol.3 4.1.4 "Enumeration of Paging Features by CPUID"). */
    uint8_t m = cpu->model ? cpu->model->maxphyaddr : 0;
    return m ? m : 36;
}

/* EPT hook for the walk (mmu/paging.h ctx->phys): each guest-physical
 * reference is translated by EPT; a violation or misconfiguration is
 * recorded as CPU_FAULT_EPT with the exit qualification of SDM 27.2.1
 * Table 27-7: bit 7 (guest-linear address valid) always, bit 8 for the
 * final translation (0: a guest paging-structure access), and with
 * advanced information (IA32_VMX_EPT_VPID_CAP[22]) bits 9-11. */
static PagingStatus ept_phys(void *opaque, PagingPhysReq *req)
{
    Cpu *cpu = opaque;
    const EptCtx *ept = cpu->ept;
    unsigned acc;
    uint64_t qual = BIT(7);
    switch (req->op) {
    case PHYS_READ_ENTRY:
        acc = EPT_ACC_READ | EPT_ACC_PAGING;
        break;
    case PHYS_SET_BITS:
        acc = EPT_ACC_WRITE | EPT_ACC_PAGING;
        break;
    default:
        acc = (req->acc & PG_ACC_WRITE) ? EPT_ACC_WRITE
            : (req->acc & PG_ACC_EXEC) ? EPT_ACC_FETCH : EPT_ACC_READ;
        if (req->lin_perms & PHYS_LIN_USER)
            acc |= EPT_ACC_USER;
        qual |= BIT(8);
        if (ept->caps & EPT_CAP_ADVANCED_INFO)
            qual |= ((req->lin_perms & PHYS_LIN_USER) ? BIT(9) : 0) |
                    ((req->lin_perms & PHYS_LIN_WRITABLE) ? BIT(10) : 0) |
                    ((req->lin_perms & PHYS_LIN_XD) ? BIT(11) : 0);
        break;
    }
    EptResult r;
    EptStatus st = ept_translate(ept, req->gpa, acc, &r);
    if (st != EPT_OK) {
        cpu->fault = (CpuFault){
            .vector = CPU_FAULT_EPT, .ept_status = (uint8_t)st,
            .ept_qualification = r.qualification | qual,
            .ept_gpa = req->gpa, .ept_linear = req->lin, .ept_suppress_ve = r.suppress_ve,
        };
        return PAGING_PHYS_FAULT;
    }
    if (req->op == PHYS_FINAL) {
        req->gpa = r.hpa;
        return PAGING_OK;
    }
    PagingPhysReq host = *req;
    host.gpa = r.hpa;
    PagingStatus ps = paging_phys_direct(cpu->pm, &host);
    req->val = host.val;
    return ps;
}

static void paging_ctx(const Cpu *cpu, PagingCtx *ctx)
{
    bool on = (cpu->cr0 & CR0_PG) != 0;
    *ctx = (PagingCtx){
        .mode = paging_mode(cpu),
        .cr3 = cpu->cr3,
        .pdpte = cpu->pdpte,
        .wp = (cpu->cr0 & CR0_WP) != 0,
        .pse = (cpu->cr4 & CR4_PSE) != 0,
        .pge = (cpu->cr4 & CR4_PGE) != 0,
        .smep = on && (cpu->cr4 & CR4_SMEP),
        .smap = on && (cpu->cr4 & CR4_SMAP),
        .pke = on && (cpu->cr4 & CR4_PKE),
        .nxe = (cpu->efer & EFER_NXE) != 0,
        .page1g = cpu->model && cpu_has(cpu, FEAT_PDPE1GB),
        .ac = (cpu->rflags & RFLAGS_AC) != 0,
        .pkru = cpu->pkru,
        .maxphyaddr = cpu_maxphyaddr(cpu),
        .pm = cpu->pm,
        .phys = cpu->ept ? ept_phys : NULL,
        .phys_opaque = (void *)cpu,
    };
}

SimStatus cpu_load_pdptes(Cpu *cpu)
{
    PagingCtx ctx;
    paging_ctx(cpu, &ctx);
    if (!paging_read_pdptes(&ctx, cpu->cr3, cpu->pdpte))
        return cpu_gp(cpu, 0);
    return ST_OK;
}

/* SDM Vol.1 3.3.7.1: bits 63:47 (or 63:56 with 5-level paging) equal. */
static inline bool canonical(const Cpu *cpu, uint64_t lin)
{
    if (!(cpu->efer & EFER_LMA))
        return true;
    unsigned bits = (cpu->cr4 & CR4_LA57) ? 57 : 48;
    return (uint64_t)sext(lin, bits) == lin;
}

bool cpu_is_canonical(const Cpu *cpu, uint64_t lin)
{
    return canonical(cpu, lin);
}

/* ---- translation ---- */

static unsigned tlb_half(const Cpu *cpu, unsigned acc)
{
    return (cpu->cpl == 3 && !(acc & ACC_IMPLICIT_SUPERVISOR)) ? TLB_USER
                                                               : TLB_SUPERVISOR;
}

static uint64_t entry_tag(const TlbEntry *e, unsigned kind)
{
    return kind == ACC_WRITE ? e->lin_write
         : kind == ACC_EXEC ? e->lin_exec : e->lin_read;
}

/* Which TLB tags a walked translation may carry for the privilege half it
 * was walked in. A tag must stay right until the next TLB invalidation
 * whatever RFLAGS.AC does (STAC/CLAC do not flush): supervisor data tags
 * for user pages under SMAP are never installed. CR0/CR4/EFER changes
 * flush the TLB (cpu.c), and so must any write of PKRU. */
static unsigned fill_perms(const Cpu *cpu, const PagingCtx *ctx,
                           const PagingResult *res, unsigned half)
{
    unsigned u = half == TLB_USER ? PG_ACC_USER : 0;
    unsigned perms = 0;
    bool smap_blocks = half == TLB_SUPERVISOR && res->user && ctx->smap;
    if (!smap_blocks && !paging_check_access(ctx, res, u))
        perms |= TLB_PERM_READ;
    if (!smap_blocks && res->dirty && !paging_check_access(ctx, res, u | PG_ACC_WRITE) &&
        !physmem_is_code_page(cpu->pm, res->gpa))
        perms |= TLB_PERM_WRITE;
    if (!paging_check_access(ctx, res, u | PG_ACC_EXEC))
        perms |= TLB_PERM_EXEC;
    return perms;
}

static unsigned page_shift_of(uint64_t size)
{
    return (unsigned)__builtin_ctzll(size);
}

/* Translate lin for one access kind (ACC_READ/WRITE/EXEC, possibly with
 * ACC_IMPLICIT_SUPERVISOR). *host is the host address of lin when the
 * access may go straight to RAM (NULL: use physmem). */
static SimStatus SIM_MUST_CHECK xlate(Cpu *cpu, uint64_t lin, unsigned acc,
                                      uint64_t *gpa, uint8_t **host)
{
    unsigned kind = acc & 3;
    unsigned half = tlb_half(cpu, acc);
    TlbEntry *e = &cpu->tlb.e[half][tlb_index(lin)];
    uint64_t key = tlb_key(lin, cpu->cr3);
    uint64_t off = lin & (PAGE_SIZE - 1);
    if (SIM_LIKELY(entry_tag(e, kind) == key)) {
        *gpa = e->gpa | off;
        *host = e->host + off;
        return ST_OK;
    }

    cpu->tlb.misses++;
    tlb_set_pcid(&cpu->tlb, (uint16_t)(cpu->cr3 & TLB_PCID_MASK));
    PagingCtx ctx;
    paging_ctx(cpu, &ctx);
    cpu->cycles += cpu->costs.walk[cpu->ept != NULL][ctx.mode];   /* timing model */
    unsigned pacc = (kind == ACC_WRITE ? PG_ACC_WRITE : 0) |
                    (kind == ACC_EXEC ? PG_ACC_EXEC : 0) |
                    (half == TLB_USER ? PG_ACC_USER : 0) |
                    ((acc & ACC_IMPLICIT_SUPERVISOR) ? PG_ACC_IMPLICIT : 0);
    PagingResult res;
    PagingStatus ps = paging_walk(&ctx, lin, pacc, &res);
    if (ps == PAGING_PF)
        return cpu_pf(cpu, lin, res.error);
    if (ps == PAGING_PHYS_FAULT)
        return ST_FAULT;                     /* CPU_FAULT_EPT, recorded by ept_phys */
    if (ps != PAGING_OK)
        return cpu_unsupported(cpu, "guest-physical reference refused during a paging walk");

    uint64_t gpa_page = res.gpa & PAGE_MASK;
    uint8_t *page_host = physmem_ram_ptr(cpu->pm, gpa_page);
    tlb_fill(&cpu->tlb, half, lin, gpa_page, page_host,
             fill_perms(cpu, &ctx, &res, half), res.global,
             page_shift_of(res.page_size));
    *gpa = res.gpa;
    /* The access itself was allowed by the walk; it may use the host
     * pointer only when the TLB would (never for code-page writes, MMIO
     * or SMAP-dependent accesses). */
    *host = entry_tag(e, kind) == key ? page_host + off : NULL;
    return ST_OK;
}

SimStatus cpu_translate(Cpu *cpu, uint64_t lin, unsigned acc, uint64_t *gpa)
{
    uint8_t *host;
    return xlate(cpu, lin, acc, gpa, &host);
}

/* ---- checks ---- */

/* Linear addresses outside IA-32e mode are 32 bits wide (SDM Vol.3 3.4
 * "Logical and Linear Addresses"). */
static uint64_t lin_wrap(const Cpu *cpu, uint64_t lin)
{
    return (cpu->efer & EFER_LMA) ? lin : (lin & 0xffffffffull);
}

/* The fault a segment violation raises: #SS(0) for SS, #GP(0) otherwise. */
static __attribute__((noinline)) SimStatus SIM_MUST_CHECK seg_fault(Cpu *cpu, unsigned seg)
{
    return seg == SEG_SS ? cpu_ss_fault(cpu, 0) : cpu_gp(cpu, 0);
}

/* Segment checks for an access of `size` bytes at seg:offset; the linear
 * address of the first byte in *lin. */
static inline __attribute__((always_inline)) SimStatus SIM_MUST_CHECK
seg_check(Cpu *cpu, unsigned seg, uint64_t offset, unsigned size,
          unsigned kind, uint64_t *lin)
{
    const SegReg *s = &cpu->seg[seg];
    if (cpu->mode == MODE_LONG64) {
        /* SDM Vol.3 3.4.4 / 5.3.1: no limit or type checks; only FS and GS
         * bases apply; every byte must be canonical. */
        uint64_t a = offset + ((seg == SEG_FS || seg == SEG_GS) ? s->base : 0);
        if (SIM_UNLIKELY(!canonical(cpu, a) || !canonical(cpu, a + size - 1)))
            return seg_fault(cpu, seg);
        *lin = a;
        return ST_OK;
    }

    bool protected_mode = cpu->mode != MODE_REAL && cpu->mode != MODE_V86;
    if (protected_mode) {
        /* SDM Vol.3 5.4 "Type Checking": no access through a null
         * (unusable) segment; no writes to code or read-only data
         * segments; no reads from execute-only code segments. */
        if (s->ar & AR_UNUSABLE)
            return seg_fault(cpu, seg);
        bool code = (s->ar & AR_TYPE_CODE) != 0;
        bool rw = (s->ar & AR_TYPE_RW) != 0;
        if (kind == ACC_WRITE ? (code || !rw) : (code && !rw))
            return seg_fault(cpu, seg);
    }

    /* SDM Vol.3 5.3 "Limit Checking": expand-up segments allow offsets
     * 0..limit; expand-down data segments allow limit+1 up to FFFFH or
     * FFFFFFFFH (by the B flag). */
    uint64_t last = offset + size - 1;
    bool expand_down = !(s->ar & AR_TYPE_CODE) && (s->ar & AR_TYPE_DC) &&
                       protected_mode;
    if (expand_down) {
        uint64_t upper = (s->ar & AR_DB) ? 0xffffffffull : 0xffffull;
        if (offset <= s->limit || last > upper)
            return seg_fault(cpu, seg);
    } else if (last > s->limit) {
        return seg_fault(cpu, seg);
    }
    *lin = (s->base + offset) & 0xffffffffull;
    return ST_OK;
}

/* Alignment a data type needs for #AC (SDM Vol.3 6.15, Table 6-7
 * "Alignment Requirements by Data Type"); 0 when none applies. */
static unsigned ac_alignment(unsigned size)
{
    switch (size) {
    case 2: case 4: case 8: case 16: return size;
    case 6: return 4;     /* 48-bit far pointer */
    case 10: return 8;    /* 80-bit extended real, m16:64 */
    default: return 0;
    }
}

/* SDM Vol.3 6.15: #AC(0) for a misaligned data access at CPL 3 with
 * CR0.AM = 1 and RFLAGS.AC = 1. */
static bool ac_fault(const Cpu *cpu, uint64_t lin, unsigned size)
{
    if (cpu->cpl != 3 || !(cpu->cr0 & CR0_AM) || !(cpu->rflags & RFLAGS_AC))
        return false;
    unsigned align = ac_alignment(size);
    return align && (lin & (align - 1));
}

/* ---- linear accesses ---- */

/* memcpy with the common operand sizes as constants, so each becomes one
 * load and one store instead of a variable-length copy. */
static inline void copy_small(void *dst, const void *src, unsigned size)
{
    switch (size) {
    case 1: memcpy(dst, src, 1); break;
    case 2: memcpy(dst, src, 2); break;
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    case 16: memcpy(dst, src, 16); break;
    default: memcpy(dst, src, size); break;
    }
}

/* Read or write `size` bytes at linear address lin. Both pages of a
 * crossing access are translated before any byte moves. */
static SimStatus SIM_MUST_CHECK access_lin(Cpu *cpu, uint64_t lin, unsigned size,
                                           void *buf, unsigned acc, bool check_ac)
{
    unsigned kind = acc & 3;
    uint64_t gpa;
    uint8_t *host;
    unsigned first = (unsigned)(PAGE_SIZE - (lin & (PAGE_SIZE - 1)));

    if (SIM_LIKELY(size <= first)) {
        SimStatus st = xlate(cpu, lin, acc, &gpa, &host);
        if (st)
            return st;
        if (check_ac && ac_fault(cpu, lin, size))
            return cpu_raise_err(cpu, EXC_AC, 0);
        if (host) {
            if (kind == ACC_WRITE)
                copy_small(host, buf, size);
            else
                copy_small(buf, host, size);
        } else if (size == 1 || size == 2 || size == 4 || size == 8) {
            if (kind == ACC_WRITE) {
                uint64_t v = 0;
                memcpy(&v, buf, size);
                physmem_write(cpu->pm, gpa, size, v);
            } else {
                uint64_t v = physmem_read(cpu->pm, gpa, size);
                memcpy(buf, &v, size);
            }
        } else if (kind == ACC_WRITE) {
            physmem_write_buf(cpu->pm, gpa, buf, size);
        } else {
            physmem_read_buf(cpu->pm, gpa, buf, size);
        }
        return ST_OK;
    }

    uint64_t gpa2;
    uint8_t *host2;
    SimStatus st = xlate(cpu, lin, acc, &gpa, &host);
    if (st)
        return st;
    st = xlate(cpu, lin_wrap(cpu, lin + first), acc, &gpa2, &host2);
    if (st)
        return st;
    if (check_ac && ac_fault(cpu, lin, size))
        return cpu_raise_err(cpu, EXC_AC, 0);
    uint8_t *b = buf;
    if (kind == ACC_WRITE) {
        physmem_write_buf(cpu->pm, gpa, b, first);
        physmem_write_buf(cpu->pm, gpa2, b + first, size - first);
    } else {
        physmem_read_buf(cpu->pm, gpa, b, first);
        physmem_read_buf(cpu->pm, gpa2, b + first, size - first);
    }
    return ST_OK;
}

/* Translate (for a write) without storing: both pages and #AC. */
static SimStatus SIM_MUST_CHECK probe_write(Cpu *cpu, uint64_t lin, unsigned size)
{
    uint64_t gpa;
    uint8_t *host;
    unsigned first = (unsigned)(PAGE_SIZE - (lin & (PAGE_SIZE - 1)));
    SimStatus st = xlate(cpu, lin, ACC_WRITE, &gpa, &host);
    if (st)
        return st;
    if (size > first) {
        st = xlate(cpu, lin_wrap(cpu, lin + first), ACC_WRITE, &gpa, &host);
        if (st)
            return st;
    }
    if (ac_fault(cpu, lin, size))
        return cpu_raise_err(cpu, EXC_AC, 0);
    return ST_OK;
}

/* ---- segment-relative data accesses ---- */

/* The hot path: a TLB hit on RAM within one page, no #AC possible.
 * Returns the host address for the access or NULL (take the slow path). */
static inline uint8_t *fast_host(Cpu *cpu, uint64_t lin, unsigned size,
                                 unsigned kind)
{
    if (SIM_UNLIKELY((lin & (PAGE_SIZE - 1)) + size > PAGE_SIZE))
        return NULL;
    if (SIM_UNLIKELY(cpu->cpl == 3 && (cpu->cr0 & CR0_AM) &&
                     (cpu->rflags & RFLAGS_AC)))
        return NULL;
    const TlbEntry *e = cpu_tlb_hit(cpu, lin, kind);
    return SIM_LIKELY(e != NULL) ? e->host + (lin & (PAGE_SIZE - 1)) : NULL;
}

SimStatus cpu_read(Cpu *cpu, unsigned seg, uint64_t offset, unsigned size,
                   void *out)
{
    uint64_t lin = 0;
    SimStatus st = seg_check(cpu, seg, offset, size, ACC_READ, &lin);
    if (st)
        return st;
    uint8_t *host = fast_host(cpu, lin, size, ACC_READ);
    if (SIM_LIKELY(host != NULL)) {
        copy_small(out, host, size);
        return ST_OK;
    }
    return access_lin(cpu, lin, size, out, ACC_READ, true);
}

SimStatus cpu_write(Cpu *cpu, unsigned seg, uint64_t offset, unsigned size,
                    const void *in)
{
    uint64_t lin = 0;
    SimStatus st = seg_check(cpu, seg, offset, size, ACC_WRITE, &lin);
    if (st)
        return st;
    uint8_t *host = fast_host(cpu, lin, size, ACC_WRITE);
    if (SIM_LIKELY(host != NULL)) {
        copy_small(host, in, size);
        return ST_OK;
    }
    return access_lin(cpu, lin, size, (void *)in, ACC_WRITE, true);
}

SimStatus cpu_check_write(Cpu *cpu, unsigned seg, uint64_t offset, unsigned size)
{
    uint64_t lin = 0;
    SimStatus st = seg_check(cpu, seg, offset, size, ACC_WRITE, &lin);
    if (st)
        return st;
    return probe_write(cpu, lin, size);
}

SimStatus cpu_read_u(Cpu *cpu, unsigned seg, uint64_t offset, unsigned size,
                     uint64_t *v)
{
    uint64_t x = 0;
    SimStatus st = cpu_read(cpu, seg, offset, size, &x);
    if (st)
        return st;
    *v = x & size_mask(size);
    return ST_OK;
}

SimStatus cpu_write_u(Cpu *cpu, unsigned seg, uint64_t offset, unsigned size,
                      uint64_t v)
{
    return cpu_write(cpu, seg, offset, size, &v);
}

/* ---- linear accesses without segmentation ---- */

static SimStatus SIM_MUST_CHECK lin_check(Cpu *cpu, uint64_t *lin, unsigned size)
{
    if ((cpu->efer & EFER_LMA) &&
        (!canonical(cpu, *lin) || !canonical(cpu, *lin + size - 1)))
        return cpu_gp(cpu, 0);
    *lin = lin_wrap(cpu, *lin);
    return ST_OK;
}

SimStatus cpu_read_lin(Cpu *cpu, uint64_t lin, unsigned size, void *out,
                       unsigned acc_flags)
{
    SimStatus st = lin_check(cpu, &lin, size);
    if (st)
        return st;
    unsigned acc = ACC_READ | (acc_flags & ACC_IMPLICIT_SUPERVISOR);
    return access_lin(cpu, lin, size, out, acc, !(acc & ACC_IMPLICIT_SUPERVISOR));
}

SimStatus cpu_write_lin(Cpu *cpu, uint64_t lin, unsigned size, const void *in,
                        unsigned acc_flags)
{
    SimStatus st = lin_check(cpu, &lin, size);
    if (st)
        return st;
    unsigned acc = ACC_WRITE | (acc_flags & ACC_IMPLICIT_SUPERVISOR);
    return access_lin(cpu, lin, size, (void *)in, acc,
                      !(acc & ACC_IMPLICIT_SUPERVISOR));
}

/* ---- instruction fetch ---- */

SimStatus cpu_fetch(Cpu *cpu, uint64_t lin, uint8_t *buf, unsigned want,
                    unsigned *got)
{
    *got = 0;
    while (*got < want) {
        uint64_t a = lin_wrap(cpu, lin + *got);
        unsigned n = (unsigned)(PAGE_SIZE - (a & (PAGE_SIZE - 1)));
        if (n > want - *got)
            n = want - *got;
        uint64_t gpa;
        uint8_t *host;
        SimStatus st = xlate(cpu, a, ACC_EXEC, &gpa, &host);
        if (st)
            return *got ? ST_OK : st;   /* cpu->fault describes byte *got */
        if (host)
            memcpy(buf + *got, host, n);
        else
            physmem_read_buf(cpu->pm, gpa, buf + *got, n);
        *got += n;
    }
    return ST_OK;
}

/* ---- stack ---- */

static uint64_t stack_mask(const Cpu *cpu)
{
    return size_mask(cpu->stack_size);
}

SimStatus cpu_push(Cpu *cpu, uint64_t value, unsigned size)
{
    /* SDM Vol.1 6.2.2 "Stack Alignment" / PUSH: the stack pointer wraps
     * within the stack-address size (SS.B, or 64 bits). */
    uint64_t sp = (cpu->gpr[R_RSP] - size) & stack_mask(cpu);
    SimStatus st = cpu_write(cpu, SEG_SS, sp, size, &value);
    if (st)
        return st;
    cpu_reg_write(cpu, R_RSP, cpu->stack_size, false, sp);
    return ST_OK;
}

SimStatus cpu_pop(Cpu *cpu, unsigned size, uint64_t *value)
{
    uint64_t sp = cpu->gpr[R_RSP] & stack_mask(cpu);
    SimStatus st = cpu_read_u(cpu, SEG_SS, sp, size, value);
    if (st)
        return st;
    cpu_reg_write(cpu, R_RSP, cpu->stack_size, false,
                  (sp + size) & stack_mask(cpu));
    return ST_OK;
}

SimStatus cpu_stack_peek(Cpu *cpu, uint64_t offset, unsigned size,
                         uint64_t *value)
{
    uint64_t sp = (cpu->gpr[R_RSP] + offset) & stack_mask(cpu);
    return cpu_read_u(cpu, SEG_SS, sp, size, value);
}
