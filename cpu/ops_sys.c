/*
 * cpu/ops_sys.c: system instructions other than descriptor-table and segment
 * ones (those are cpu/ops_desc.c), per their SDM Vol.2 pages cited at each
 * handler and SDM Vol.3 ch.2 "System Architecture Overview" (2.5 "Control
 * Registers", 2.8 "System Instruction Summary"):
 * - control and debug registers: MOV CRn, MOV DRn, LMSW, SMSW, CLTS
 * - flags and interrupts: CLI, STI, PUSHF, POPF, CLAC, STAC
 * - TLBs and caches: INVLPG, INVPCID, WBINVD, INVD, CLFLUSH, CLFLUSHOPT,
 *   CLWB, PREFETCHW
 * - time, identification, MSRs: RDTSC, RDTSCP, RDPID, RDPMC, CPUID, RDMSR,
 *   WRMSR
 * - processor state: XGETBV, XSETBV, RDPKRU, WRPKRU, HLT, MONITOR, MWAIT,
 *   RSM, UD0/UD1/UD2
 *
 * Sleeping: HLT (and MWAIT) set cpu->activity = CPU_HLT and return ST_HALT;
 * the run loop commits RIP (the return address is the next instruction,
 * SDM Vol.2A HLT) and stops running the vCPU until an event wakes it.
 *
 * Every check that can fault runs before any register is written (STYLE 4).
 */
#include "cpu/cpuid.h"
#include "cpu/fault.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/msr.h"
#include "cpu/ops_sys.h"
#include "mmu/paging.h"
#include "vmx/vmx.h"

/* CR0 bits that exist (SDM Vol.3 2.5); others are reserved. */
#define CR0_DEFINED (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | \
                     CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG)
/* DR6/DR7 fixed bits (SDM Vol.3 18.2.3 "Debug Status Register (DR6)",
 * 18.2.4 "Debug Control Register (DR7)"), for a part without RTM. */
#define DR6_WRITABLE 0xe00full            /* B0-B3, BD, BS, BT */
#define DR6_FIXED1   0xffff0ff0ull
#define DR6_BD       BIT(13)
#define DR7_WRITABLE 0xffff23ffull        /* L/G0-3, LE, GE, GD, R/W, LEN */
#define DR7_FIXED1   0x400ull
#define DR7_GD       BIT(13)
#define MISC_ENABLE_MONITOR BIT(18)

static unsigned iopl(const Cpu *cpu)
{
    return (unsigned)((cpu->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT);
}

/* ---------------------------------------------------------------------
 * Control registers
 * ------------------------------------------------------------------- */

/* PAE paging in use after a control-register change: the PDPTEs must be
 * loaded from CR3 and checked (SDM Vol.3 4.4.1 "PDPTE Registers": MOV to
 * CR0 or CR4 that modifies CD, NW, PG, PAE, PGE, PSE or SMEP while PAE
 * paging would be in use, and every MOV to CR3 with PAE paging in use). */
static SimStatus load_pdptes(Cpu *cpu, uint64_t cr3, uint64_t out[4])
{
    PagingCtx ctx = {
        .mode = PAGING_PAE,
        .cr3 = cr3,
        .maxphyaddr = cpu->model->maxphyaddr,
        .pm = cpu->pm,
    };
    if (!paging_read_pdptes(&ctx, cr3, out))
        return cpu_gp(cpu, 0);
    return ST_OK;
}

static bool pae_paging(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
    return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LME);
}

/* CR4 bits this model supports; the rest are reserved (#GP(0) when set,
 * SDM Vol.3 2.5 and Vol.2B MOV CR). */
static uint64_t cr4_valid(const Cpu *cpu)
{
    uint64_t v = CR4_PCE;
    if (cpu_has(cpu, FEAT_VME))
        v |= CR4_VME | CR4_PVI;
    if (cpu_has(cpu, FEAT_TSC))
        v |= CR4_TSD;
    if (cpu_has(cpu, FEAT_DE))
        v |= CR4_DE;
    if (cpu_has(cpu, FEAT_PSE))
        v |= CR4_PSE;
    if (cpu_has(cpu, FEAT_PAE))
        v |= CR4_PAE;
    if (cpu_has(cpu, FEAT_MCE))
        v |= CR4_MCE;
    if (cpu_has(cpu, FEAT_PGE))
        v |= CR4_PGE;
    if (cpu_has(cpu, FEAT_FXSR))
        v |= CR4_OSFXSR;
    if (cpu_has(cpu, FEAT_SSE))
        v |= CR4_OSXMMEXCPT;
    if (cpu_has(cpu, FEAT_UMIP))
        v |= CR4_UMIP;
    if (cpu_has(cpu, FEAT_LA57))
        v |= CR4_LA57;
    if (cpu_has(cpu, FEAT_VMX))
        v |= CR4_VMXE;
    if (cpu_has(cpu, FEAT_FSGSBASE))
        v |= CR4_FSGSBASE;
    if (cpu_has(cpu, FEAT_PCID))
        v |= CR4_PCIDE;
    if (cpu_has(cpu, FEAT_XSAVE))
        v |= CR4_OSXSAVE;
    if (cpu_has(cpu, FEAT_SMEP))
        v |= CR4_SMEP;
    if (cpu_has(cpu, FEAT_SMAP))
        v |= CR4_SMAP;
    if (cpu_has(cpu, FEAT_PKU))
        v |= CR4_PKE;
    return v;
}

/* SDM Vol.2B MOV - Move to/from Control Registers, "Operation" and the
 * exception lists of each mode. */
static SimStatus write_cr0(Cpu *cpu, uint64_t v)
{
    /* Bits 63:32 reserved: #GP(0); reserved bits in 31:0 are ignored and
     * stay clear. */
    if (v >> 32)
        return cpu_gp(cpu, 0);
    v &= CR0_DEFINED;
    if ((v & CR0_PG) && !(v & CR0_PE))
        return cpu_gp(cpu, 0);
    if ((v & CR0_NW) && !(v & CR0_CD))
        return cpu_gp(cpu, 0);
    /* SDM Vol.3 2.5: CR0.WP cannot be cleared while CR4.CET = 1. */
    if (!(v & CR0_WP) && (cpu->cr4 & CR4_CET))
        return cpu_gp(cpu, 0);
    /* In VMX operation the IA32_VMX_CR0_FIXED bits hold (SDM Vol.3 23.8). */
    if ((v & cpu->cr0_must1) != cpu->cr0_must1 || (v & ~cpu->cr0_may1))
        return cpu_gp(cpu, 0);
    bool pg_off = (cpu->cr0 & CR0_PG) && !(v & CR0_PG);
    bool pg_on = !(cpu->cr0 & CR0_PG) && (v & CR0_PG);
    if (pg_off) {
        /* 64-bit mode: "Attempting to clear CR0.PG" is #GP(0); IA-32e
         * mode is left from compatibility mode (SDM Vol.3 10.8.5.4). */
        if (cpu->mode == MODE_LONG64)
            return cpu_gp(cpu, 0);
        /* Clearing PG while CR4.PCIDE = 1 is #GP(0). */
        if (cpu->cr4 & CR4_PCIDE)
            return cpu_gp(cpu, 0);
    }
    /* Paging with EFER.LME = 1 needs CR4.PAE = 1 (SDM Vol.3 4.1.2
     * "Paging-Mode Enabling"). */
    if (pg_on && (cpu->efer & EFER_LME) && !(cpu->cr4 & CR4_PAE))
        return cpu_gp(cpu, 0);
    uint64_t pdpte[4];
    bool load = pae_paging(v, cpu->cr4, cpu->efer)
                && ((v ^ cpu->cr0) & (CR0_PG | CR0_CD | CR0_NW));
    if (load) {
        SimStatus st = load_pdptes(cpu, cpu->cr3, pdpte);
        if (st)
            return st;
    }
    cpu_set_cr0(cpu, v);
    if (load)
        for (unsigned i = 0; i < 4; i++)
            cpu->pdpte[i] = pdpte[i];
    return ST_OK;
}

static SimStatus write_cr3(Cpu *cpu, uint64_t v)
{
    if (sys_ia32e(cpu)) {
        /* Bits 63:MAXPHYADDR reserved, except bit 63 with CR4.PCIDE = 1
         * (no-invalidate flag, SDM Vol.3 4.10.4.1). */
        uint64_t rsvd = ~BITS(cpu->model->maxphyaddr - 1, 0);
        if (cpu->cr4 & CR4_PCIDE)
            rsvd &= ~BIT(63);
        if (v & rsvd)
            return cpu_gp(cpu, 0);
        cpu_set_cr3(cpu, v);
        return ST_OK;
    }
    /* Outside IA-32e mode CR3 is 32 bits and its reserved bits are
     * ignored. */
    v &= 0xffffffffu;
    uint64_t pdpte[4];
    bool load = pae_paging(cpu->cr0, cpu->cr4, cpu->efer);
    if (load) {
        SimStatus st = load_pdptes(cpu, v, pdpte);
        if (st)
            return st;
    }
    cpu_set_cr3(cpu, v);
    if (load)
        for (unsigned i = 0; i < 4; i++)
            cpu->pdpte[i] = pdpte[i];
    return ST_OK;
}

static SimStatus write_cr4(Cpu *cpu, uint64_t v)
{
    uint64_t changed = v ^ cpu->cr4;
    if (v & ~cr4_valid(cpu))
        return cpu_gp(cpu, 0);
    /* In VMX operation the IA32_VMX_CR4_FIXED bits hold, CR4.VMXE among
     * them (SDM Vol.3 23.8). */
    if ((v & cpu->cr4_must1) != cpu->cr4_must1 || (v & ~cpu->cr4_may1))
        return cpu_gp(cpu, 0);
    /* Clearing CR4.PAE while IA-32e paging is active is #GP(0); so is
     * changing CR4.LA57 then (SDM Vol.3 4.1.2 "Paging-Mode Enabling"). */
    if (sys_ia32e(cpu) && !(v & CR4_PAE))
        return cpu_gp(cpu, 0);
    if (sys_ia32e(cpu) && (changed & CR4_LA57))
        return cpu_gp(cpu, 0);
    /* CR4.PCIDE 0 -> 1 needs IA-32e mode and CR3[11:0] = 0 (SDM Vol.3
     * 4.10.1 "Process-Context Identifiers"). */
    if ((v & CR4_PCIDE) && !(cpu->cr4 & CR4_PCIDE)
        && (!sys_ia32e(cpu) || (cpu->cr3 & 0xfff)))
        return cpu_gp(cpu, 0);
    /* CR4.CET needs CR0.WP = 1 (SDM Vol.3 2.5). */
    if ((v & CR4_CET) && !(cpu->cr0 & CR0_WP))
        return cpu_gp(cpu, 0);
    uint64_t pdpte[4];
    bool load = pae_paging(cpu->cr0, v, cpu->efer)
                && (changed & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP));
    if (load) {
        SimStatus st = load_pdptes(cpu, cpu->cr3, pdpte);
        if (st)
            return st;
    }
    cpu_set_cr4(cpu, v);
    if (load)
        for (unsigned i = 0; i < 4; i++)
            cpu->pdpte[i] = pdpte[i];
    return ST_OK;
}

/* Operand size of MOV CR/DR: 64 bits in 64-bit mode, else 32 whatever the
 * operand-size attribute; ModRM.mod is ignored (SDM Vol.2B MOV CR). */
static unsigned crdr_size(const Cpu *cpu)
{
    return cpu->mode == MODE_LONG64 ? 8 : 4;
}

static bool cr_exists(unsigned n)
{
    return n == 0 || n == 2 || n == 3 || n == 4 || n == 8;
}

SimStatus op_mov_Ry_Cy(Cpu *cpu, const DecodedInsn *d)
{
    if (!cr_exists(d->reg))
        return cpu_ud(cpu);
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    uint64_t v;
    switch (d->reg) {
    case 0: v = cpu->cr0; break;
    case 2: v = cpu->cr2; break;
    case 3: v = cpu->cr3; break;
    case 4: v = cpu->cr4; break;
    default: v = cpu->cr8; break;
    }
    /* VMX non-root operation: read shadows and the TPR shadow (SDM Vol.3
     * 25.3 "Changes to Instruction Behavior in VMX Non-Root Operation"). */
    if (SIM_UNLIKELY(cpu->vmx_non_root)) {
        if (d->reg == 0 || d->reg == 4)
            v = vmx_cr_guest_read(cpu, d->reg, v);
        else if (d->reg == 8 && vmx_tpr_shadow(cpu))
            v = vmx_cr8_read(cpu);
    }
    cpu_reg_write(cpu, d->rm, crdr_size(cpu), true, v);
    return ST_OK;
}

SimStatus op_mov_Cy_Ry(Cpu *cpu, const DecodedInsn *d)
{
    if (!cr_exists(d->reg))
        return cpu_ud(cpu);
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    uint64_t v = cpu_reg_read(cpu, d->rm, crdr_size(cpu), true);
    /* VMX non-root operation: bits the guest/host mask owns stay as they
     * are (SDM Vol.3 25.3, MOV to CR0/CR4). */
    if (SIM_UNLIKELY(cpu->vmx_non_root) && (d->reg == 0 || d->reg == 4))
        v = vmx_cr_guest_write(cpu, d->reg, v);
    switch (d->reg) {
    case 0:
        return write_cr0(cpu, v);
    case 2:
        cpu->cr2 = v;
        return ST_OK;
    case 3:
        return write_cr3(cpu, v);
    case 4:
        return write_cr4(cpu, v);
    default:
        /* CR8 = TPR[7:4]; bits 63:4 reserved (SDM Vol.3 11.8.6.1
         * "Interaction of Task Priorities between CR8 and APIC"). */
        if (v & ~0xfull)
            return cpu_gp(cpu, 0);
        /* With "use TPR shadow" the write goes to VTPR (SDM Vol.3 29.3). */
        if (SIM_UNLIKELY(cpu->vmx_non_root) && vmx_tpr_shadow(cpu))
            return vmx_cr8_write(cpu, v);
        cpu->cr8 = v;
        return ST_OK;
    }
}

/* LMSW (SDM Vol.2A LMSW): loads CR0[3:0]; can set but not clear PE. */
SimStatus op_lmsw_Ew(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    uint16_t msw;
    SimStatus st = sys_read_Ew(cpu, d, &msw);
    if (st)
        return st;
    uint64_t v = (cpu->cr0 & ~(uint64_t)(CR0_MP | CR0_EM | CR0_TS))
                 | (msw & (CR0_PE | CR0_MP | CR0_EM | CR0_TS));
    /* VMX non-root: host-owned bits unmodified (SDM Vol.3 25.3 LMSW). */
    if (SIM_UNLIKELY(cpu->vmx_non_root))
        v = vmx_cr_guest_write(cpu, 0, v);
    cpu_set_cr0(cpu, v);
    return ST_OK;
}

/* SMSW (SDM Vol.2B SMSW): CR0 bits as wide as the destination register;
 * 16 bits to memory. */
SimStatus op_smsw_Ev(Cpu *cpu, const DecodedInsn *d)
{
    if (sys_umip_blocks(cpu))
        return cpu_gp(cpu, 0);
    uint64_t cr0 = cpu->cr0;
    /* VMX non-root: host-owned bits from the read shadow (SDM Vol.3 25.3
     * SMSW). */
    if (SIM_UNLIKELY(cpu->vmx_non_root))
        cr0 = vmx_cr_guest_read(cpu, 0, cr0);
    return sys_store_Ew(cpu, d, cr0);
}

/* CLTS (SDM Vol.2A CLTS). */
SimStatus op_clts(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    uint64_t v = cpu->cr0 & ~(uint64_t)CR0_TS;
    /* VMX non-root: a TS bit the host owns stays (SDM Vol.3 25.3 CLTS). */
    if (SIM_UNLIKELY(cpu->vmx_non_root))
        v = vmx_cr_guest_write(cpu, 0, v);
    cpu_set_cr0(cpu, v);
    return ST_OK;
}

/* ---------------------------------------------------------------------
 * Debug registers (SDM Vol.2B MOV - Move to/from Debug Registers; Vol.3
 * 18.2 "Debug Registers")
 * ------------------------------------------------------------------- */

static SimStatus dr_access(Cpu *cpu, const DecodedInsn *d, unsigned *n)
{
    if (d->reg > 7)
        return cpu_ud(cpu);
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    unsigned r = d->reg;
    /* DR4/DR5: #UD with CR4.DE = 1, else aliases of DR6/DR7 (18.2.2). */
    if (r == 4 || r == 5) {
        if (cpu->cr4 & CR4_DE)
            return cpu_ud(cpu);
        r += 2;
    }
    /* General detect (18.2.4): DR7.GD makes any MOV DR a debug-exception
     * fault with DR6.BD set; the processor clears GD so the handler can
     * use the debug registers. */
    if (cpu->dr[7] & DR7_GD) {
        cpu->dr[6] |= DR6_BD;
        cpu->dr[7] &= ~DR7_GD;
        return cpu_raise(cpu, EXC_DB);
    }
    *n = r;
    return ST_OK;
}

SimStatus op_mov_Ry_Dy(Cpu *cpu, const DecodedInsn *d)
{
    unsigned n;
    SimStatus st = dr_access(cpu, d, &n);
    if (st)
        return st;
    cpu_reg_write(cpu, d->rm, crdr_size(cpu), true, cpu->dr[n]);
    return ST_OK;
}

SimStatus op_mov_Dy_Ry(Cpu *cpu, const DecodedInsn *d)
{
    unsigned n;
    SimStatus st = dr_access(cpu, d, &n);
    if (st)
        return st;
    uint64_t v = cpu_reg_read(cpu, d->rm, crdr_size(cpu), true);
    /* 64-bit mode: bits 63:32 of DR6 and DR7 are reserved, #GP(0). */
    if (n >= 6 && (v >> 32))
        return cpu_gp(cpu, 0);
    if (n == 6)
        cpu->dr[6] = (v & DR6_WRITABLE) | DR6_FIXED1;
    else if (n == 7)
        cpu->dr[7] = (v & DR7_WRITABLE) | DR7_FIXED1;
    else
        cpu->dr[n] = v;
    return ST_OK;
}

/* ---------------------------------------------------------------------
 * Interrupt flag and RFLAGS (SDM Vol.2A CLI, Vol.2B STI, PUSHF, POPF;
 * Vol.3 21.3 "Interrupt and Exception Handling in Virtual-8086 Mode" and
 * 21.4 "Protected-Mode Virtual Interrupts" for VIF/VIP)
 * ------------------------------------------------------------------- */

SimStatus op_cli(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->mode == MODE_REAL) {
        cpu->rflags &= ~(uint64_t)RFLAGS_IF;
        return ST_OK;
    }
    if (cpu->mode != MODE_V86) {
        if (iopl(cpu) >= cpu->cpl)
            cpu->rflags &= ~(uint64_t)RFLAGS_IF;
        else if (cpu->cpl == 3 && (cpu->cr4 & CR4_PVI))
            cpu->rflags &= ~(uint64_t)RFLAGS_VIF;
        else
            return cpu_gp(cpu, 0);
        return ST_OK;
    }
    if (iopl(cpu) == 3)
        cpu->rflags &= ~(uint64_t)RFLAGS_IF;
    else if (cpu->cr4 & CR4_VME)
        cpu->rflags &= ~(uint64_t)RFLAGS_VIF;
    else
        return cpu_gp(cpu, 0);
    return ST_OK;
}

/* Setting IF blocks interrupts for one instruction only when IF was 0
 * (SDM Vol.2B STI; Vol.3 6.8.3). VIF gets no shadow. */
static void sti_set_if(Cpu *cpu)
{
    if (!(cpu->rflags & RFLAGS_IF))
        cpu->sti_shadow = true;
    cpu->rflags |= RFLAGS_IF;
}

SimStatus op_sti(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->mode == MODE_REAL) {
        sti_set_if(cpu);
        return ST_OK;
    }
    bool virt;
    if (cpu->mode != MODE_V86) {
        if (iopl(cpu) >= cpu->cpl) {
            sti_set_if(cpu);
            return ST_OK;
        }
        virt = cpu->cpl == 3 && (cpu->cr4 & CR4_PVI);
    } else {
        if (iopl(cpu) == 3) {
            sti_set_if(cpu);
            return ST_OK;
        }
        virt = (cpu->cr4 & CR4_VME) != 0;
    }
    /* A pending virtual interrupt (VIP) makes STI fault so the monitor
     * can deliver it. */
    if (!virt || (cpu->rflags & RFLAGS_VIP))
        return cpu_gp(cpu, 0);
    cpu->rflags |= RFLAGS_VIF;
    return ST_OK;
}

SimStatus op_pushf(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t v;
    if (cpu->mode == MODE_V86 && iopl(cpu) < 3) {
        /* VME with a 16-bit operand: IF is replaced by VIF and IOPL reads
         * 3 in the image; otherwise #GP(0). */
        if (!(cpu->cr4 & CR4_VME) || size != 2)
            return cpu_gp(cpu, 0);
        v = cpu->rflags & 0xffff & ~(uint64_t)(RFLAGS_IF | RFLAGS_IOPL);
        v |= RFLAGS_IOPL;
        if (cpu->rflags & RFLAGS_VIF)
            v |= RFLAGS_IF;
    } else {
        /* VM and RF are cleared in the image. */
        v = cpu->rflags & ~(uint64_t)(RFLAGS_VM | RFLAGS_RF);
    }
    return cpu_push(cpu, v & size_mask(size), size);
}

SimStatus op_popf(Cpu *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t v;
    SimStatus st = cpu_stack_peek(cpu, 0, size, &v);
    if (st)
        return st;
    uint64_t old = cpu->rflags;
    uint64_t mask = RFLAGS_ARITH | RFLAGS_TF | RFLAGS_DF | RFLAGS_NT | RFLAGS_AC
                    | RFLAGS_ID;
    uint64_t nv;
    if (cpu->mode != MODE_V86) {
        if (cpu->cpl == 0)
            mask |= RFLAGS_IOPL | RFLAGS_IF;
        else if (cpu->cpl <= iopl(cpu))
            mask |= RFLAGS_IF;
    } else if (iopl(cpu) == 3) {
        mask |= RFLAGS_IF;
    } else {
        /* V86 with IOPL < 3: only a 16-bit POPF under VME, and not one
         * that would enable interrupts with a virtual interrupt pending
         * or set TF. IF goes to VIF; IF and IOPL are unchanged. */
        if (!(cpu->cr4 & CR4_VME) || size != 2)
            return cpu_gp(cpu, 0);
        if (((v & RFLAGS_IF) && (old & RFLAGS_VIP)) || (v & RFLAGS_TF))
            return cpu_gp(cpu, 0);
        mask &= 0xffff;
        nv = (old & ~mask) | (v & mask);
        nv = (nv & ~(uint64_t)RFLAGS_VIF) | ((v & RFLAGS_IF) ? RFLAGS_VIF : 0);
        st = cpu_pop(cpu, size, &v);
        if (st)
            return st;
        cpu->rflags = nv | RFLAGS_FIXED1;
        return ST_OK;
    }
    if (size == 2)
        mask &= 0xffff;
    nv = (old & ~mask) | (v & mask);
    /* 32- and 64-bit POPF clear RF; VM, VIP and VIF are unchanged. */
    if (size != 2)
        nv &= ~(uint64_t)RFLAGS_RF;
    st = cpu_pop(cpu, size, &v);
    if (st)
        return st;
    cpu->rflags = nv | RFLAGS_FIXED1;
    return ST_OK;
}

/* CLAC/STAC (SDM Vol.2A CLAC, Vol.2B STAC): #UD outside CPL 0 and in
 * real/V86 mode. */
static SimStatus set_ac(Cpu *cpu, bool on)
{
    if (cpu->cpl || cpu->mode == MODE_V86)
        return cpu_ud(cpu);
    if (on)
        cpu->rflags |= RFLAGS_AC;
    else
        cpu->rflags &= ~(uint64_t)RFLAGS_AC;
    return ST_OK;
}

SimStatus op_clac(Cpu *cpu, const DecodedInsn *d) { return set_ac(cpu, false); }
SimStatus op_stac(Cpu *cpu, const DecodedInsn *d) { return set_ac(cpu, true); }

/* ---------------------------------------------------------------------
 * TLBs and caches
 * ------------------------------------------------------------------- */

/* INVLPG (SDM Vol.2A INVLPG): no segment checks; a non-canonical address
 * in 64-bit mode makes it a NOP. Invalidating the page for every PCID is
 * more than required, which SDM Vol.3 4.10.4.3 permits. */
SimStatus op_invlpg_Mb(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    uint64_t ea = insn_ea(cpu, d);
    uint64_t lin;
    if (cpu->mode == MODE_LONG64) {
        lin = ea + ((d->seg == SEG_FS || d->seg == SEG_GS) ? cpu->seg[d->seg].base : 0);
        if (!cpu_is_canonical(cpu, lin))
            return ST_OK;
    } else {
        lin = (cpu->seg[d->seg].base + ea) & 0xffffffffu;
    }
    tlb_flush_page(&cpu->tlb, lin);
    return ST_OK;
}

/* INVPCID (SDM Vol.2A INVPCID): type in a register (64 bits in 64-bit
 * mode), 16-byte descriptor {PCID[11:0], reserved[63:12], address}. */
SimStatus op_invpcid_Gy_Mdq(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    uint64_t type = cpu_reg_read(cpu, d->reg, cpu->mode == MODE_LONG64 ? 8 : 4, true);
    uint64_t ea = insn_ea(cpu, d);
    uint64_t desc[2];
    SimStatus st = cpu_read(cpu, d->seg, ea, 16, desc);
    if (st)
        return st;
    if (type > 3)
        return cpu_gp(cpu, 0);
    if (desc[0] & ~0xfffull)
        return cpu_gp(cpu, 0);
    uint16_t pcid = desc[0] & 0xfff;
    if (type <= 1 && pcid && !(cpu->cr4 & CR4_PCIDE))
        return cpu_gp(cpu, 0);
    if (type == 0 && !cpu_is_canonical(cpu, desc[1]))
        return cpu_gp(cpu, 0);
    /* SIMPLIFICATION (permitted over-invalidation, SDM Vol.3 4.10.4.3):
     * type 0 drops the page for every PCID; type 1 and 3 drop every
     * non-global entry; type 2 drops everything. */
    switch (type) {
    case 0: tlb_flush_page(&cpu->tlb, desc[1]); break;
    case 2: tlb_flush_all(&cpu->tlb); break;
    default: tlb_flush_nonglobal(&cpu->tlb); break;
    }
    return ST_OK;
}

/* WBINVD/INVD (SDM Vol.2B WBINVD, Vol.2A INVD): CPL 0. There are no
 * caches to write back: memory is always coherent here. */
SimStatus op_wbinvd(Cpu *cpu, const DecodedInsn *d)
{
    return cpu->cpl ? cpu_gp(cpu, 0) : ST_OK;
}

SimStatus op_invd(Cpu *cpu, const DecodedInsn *d)
{
    return cpu->cpl ? cpu_gp(cpu, 0) : ST_OK;
}

/* CLFLUSH/CLFLUSHOPT/CLWB (SDM Vol.2A): no architectural effect here, but
 * the address is checked like a byte load (segment limit, paging), so a
 * fault is raised where hardware raises one. SIMPLIFICATION: the check is
 * a real 1-byte read, which an MMIO device observes. */
SimStatus op_clflush_Mb(Cpu *cpu, const DecodedInsn *d)
{
    uint8_t b;
    return cpu_read(cpu, d->seg, insn_ea(cpu, d), 1, &b);
}

/* PREFETCHW: a hint with no architectural effect; prefetches never fault
 * (SDM Vol.2B PREFETCHW). */
SimStatus op_nop_hint(Cpu *cpu, const DecodedInsn *d)
{
    return ST_OK;
}

/* ---------------------------------------------------------------------
 * Time stamp, identification, MSRs
 * ------------------------------------------------------------------- */

static void set_edx_eax(Cpu *cpu, uint64_t v)
{
    cpu_reg_write(cpu, R_RAX, 4, true, v & 0xffffffffu);
    cpu_reg_write(cpu, R_RDX, 4, true, v >> 32);
}

/* The TSC as RDTSC, RDTSCP and RDMSR read it: in VMX non-root operation
 * with TSC offsetting and scaling applied (SDM Vol.3 25.3 RDTSC). */
static uint64_t guest_tsc(const Cpu *cpu)
{
    uint64_t tsc = msr_tsc(cpu);
    return SIM_UNLIKELY(cpu->vmx_non_root) ? vmx_guest_tsc(cpu, tsc) : tsc;
}

/* RDTSC/RDTSCP (SDM Vol.2B): CR4.TSD restricts them to CPL 0 in
 * protected mode. */
SimStatus op_rdtsc(Cpu *cpu, const DecodedInsn *d)
{
    if ((cpu->cr4 & CR4_TSD) && cpu->cpl)
        return cpu_gp(cpu, 0);
    set_edx_eax(cpu, guest_tsc(cpu));
    return ST_OK;
}

SimStatus op_rdtscp(Cpu *cpu, const DecodedInsn *d)
{
    if ((cpu->cr4 & CR4_TSD) && cpu->cpl)
        return cpu_gp(cpu, 0);
    set_edx_eax(cpu, guest_tsc(cpu));
    cpu_reg_write(cpu, R_RCX, 4, true, cpu->msr.tsc_aux & 0xffffffffu);
    return ST_OK;
}

/* RDPID (SDM Vol.2B RDPID): IA32_TSC_AUX into r32 (r64 in 64-bit mode). */
SimStatus op_rdpid_Ry(Cpu *cpu, const DecodedInsn *d)
{
    cpu_reg_write(cpu, d->rm, cpu->mode == MODE_LONG64 ? 8 : 4, true,
                  cpu->msr.tsc_aux);
    return ST_OK;
}

/* RDPMC (SDM Vol.2B RDPMC): ECX[30] selects the fixed counters. The counter
 * counts come from CPUID.0AH (EAX[15:8] general-purpose, EDX[4:0] fixed).
 * SIMPLIFICATION: no performance events are counted; counters read 0. */
SimStatus op_rdpmc(Cpu *cpu, const DecodedInsn *d)
{
    if (!(cpu->cr4 & CR4_PCE) && cpu->cpl)
        return cpu_gp(cpu, 0);
    uint32_t ecx = (uint32_t)cpu->gpr[R_RCX];
    const CpuidLeaf *l = cpu_model_leaf(cpu->model, 0xa, 0);
    unsigned ngp = l ? (l->reg[CPUID_EAX] >> 8) & 0xff : 0;
    unsigned nfixed = l ? l->reg[CPUID_EDX] & 0x1f : 0;
    unsigned idx = ecx & 0x3fffffffu;
    bool ok = (ecx & BIT(30)) ? idx < nfixed : idx < ngp;
    if ((ecx & BIT(31)) || !ok)
        return cpu_gp(cpu, 0);
    set_edx_eax(cpu, 0);
    return ST_OK;
}

SimStatus op_cpuid(Cpu *cpu, const DecodedInsn *d)
{
    uint32_t r[4];
    cpu_cpuid(cpu, (uint32_t)cpu->gpr[R_RAX], (uint32_t)cpu->gpr[R_RCX], r);
    cpu_reg_write(cpu, R_RAX, 4, true, r[CPUID_EAX]);
    cpu_reg_write(cpu, R_RBX, 4, true, r[CPUID_EBX]);
    cpu_reg_write(cpu, R_RCX, 4, true, r[CPUID_ECX]);
    cpu_reg_write(cpu, R_RDX, 4, true, r[CPUID_EDX]);
    return ST_OK;
}

/* RDMSR/WRMSR (SDM Vol.2B): CPL 0 (V86 is CPL 3), then the MSR's rules in
 * cpu/msr.c. */
SimStatus op_rdmsr(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    uint64_t v;
    SimStatus st = msr_read(cpu, (uint32_t)cpu->gpr[R_RCX], &v);
    if (st)
        return st;
    /* RDMSR of IA32_TSC sees TSC offsetting and scaling too (SDM Vol.3
     * 25.3 RDMSR). */
    if (SIM_UNLIKELY(cpu->vmx_non_root) && (uint32_t)cpu->gpr[R_RCX] == MSR_IA32_TSC)
        v = vmx_guest_tsc(cpu, v);
    set_edx_eax(cpu, v);
    return ST_OK;
}

SimStatus op_wrmsr(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    uint64_t v = (cpu->gpr[R_RDX] << 32) | (cpu->gpr[R_RAX] & 0xffffffffu);
    return msr_write(cpu, (uint32_t)cpu->gpr[R_RCX], v);
}

/* ---------------------------------------------------------------------
 * XCR0 and PKRU
 * ------------------------------------------------------------------- */

/* XGETBV (SDM Vol.2B XGETBV): ECX = 1 reads XINUSE when CPUID.(EAX=0DH,
 * ECX=1):EAX[2] says so. SIMPLIFICATION: every enabled component counts as
 * in use (XINUSE = XCR0), which the SDM allows (a component "may" be in
 * its initial configuration with its bit set). */
SimStatus op_xgetbv(Cpu *cpu, const DecodedInsn *d)
{
    if (!(cpu->cr4 & CR4_OSXSAVE))
        return cpu_ud(cpu);
    uint32_t ecx = (uint32_t)cpu->gpr[R_RCX];
    const CpuidLeaf *l = cpu_model_leaf(cpu->model, 0xd, 1);
    if (ecx == 1 && l && (l->reg[CPUID_EAX] & BIT(2))) {
        set_edx_eax(cpu, cpu->xcr0);
        return ST_OK;
    }
    if (ecx != 0)
        return cpu_gp(cpu, 0);
    set_edx_eax(cpu, cpu->xcr0);
    return ST_OK;
}

/* XSETBV (SDM Vol.2B XSETBV; Vol.1 13.3 "Enabling the XSAVE Feature Set
 * and XSAVE-Enabled Features"). */
SimStatus op_xsetbv(Cpu *cpu, const DecodedInsn *d)
{
    if (!(cpu->cr4 & CR4_OSXSAVE))
        return cpu_ud(cpu);
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    if ((uint32_t)cpu->gpr[R_RCX] != 0)
        return cpu_gp(cpu, 0);
    uint64_t v = (cpu->gpr[R_RDX] << 32) | (cpu->gpr[R_RAX] & 0xffffffffu);
    const CpuidLeaf *l = cpu_model_leaf(cpu->model, 0xd, 0);
    uint64_t supported = l ? ((uint64_t)l->reg[CPUID_EDX] << 32) | l->reg[CPUID_EAX] : 1;
    if (v & ~supported)
        return cpu_gp(cpu, 0);
    if (!(v & BIT(0)))                          /* x87 must stay enabled */
        return cpu_gp(cpu, 0);
    if ((v & BIT(2)) && !(v & BIT(1)))          /* AVX needs SSE */
        return cpu_gp(cpu, 0);
    if (((v >> 3) & 1) != ((v >> 4) & 1))       /* MPX BNDREGS == BNDCSR */
        return cpu_gp(cpu, 0);
    uint64_t avx512 = v & BITS(7, 5);           /* opmask, ZMM_Hi256, Hi16_ZMM */
    if (avx512 && (avx512 != BITS(7, 5) || !(v & BIT(2))))
        return cpu_gp(cpu, 0);
    if (((v >> 17) & 1) != ((v >> 18) & 1))    /* AMX TILECFG == TILEDATA */
        return cpu_gp(cpu, 0);
    cpu->xcr0 = v;
    return ST_OK;
}

/* RDPKRU/WRPKRU (SDM Vol.2B): CR4.PKE, ECX (and EDX for WRPKRU) zero. */
SimStatus op_rdpkru(Cpu *cpu, const DecodedInsn *d)
{
    if (!(cpu->cr4 & CR4_PKE))
        return cpu_ud(cpu);
    if ((uint32_t)cpu->gpr[R_RCX] != 0)
        return cpu_gp(cpu, 0);
    set_edx_eax(cpu, cpu->pkru);
    return ST_OK;
}

SimStatus op_wrpkru(Cpu *cpu, const DecodedInsn *d)
{
    if (!(cpu->cr4 & CR4_PKE))
        return cpu_ud(cpu);
    if ((uint32_t)cpu->gpr[R_RCX] != 0 || (uint32_t)cpu->gpr[R_RDX] != 0)
        return cpu_gp(cpu, 0);
    cpu->pkru = (uint32_t)cpu->gpr[R_RAX];
    /* Our TLB may fold protection-key rights into cached permissions. */
    tlb_flush_all(&cpu->tlb);
    return ST_OK;
}

/* ---------------------------------------------------------------------
 * Halting, waiting, invalid opcodes
 * ------------------------------------------------------------------- */

/* HLT (SDM Vol.2A HLT): CPL 0. RIP advances past HLT; the vCPU sleeps
 * until an NMI, an unmasked interrupt, INIT or RESET (Vol.3 6.7, 10.6). */
SimStatus op_hlt(Cpu *cpu, const DecodedInsn *d)
{
    if (cpu->cpl)
        return cpu_gp(cpu, 0);
    cpu->activity = CPU_HLT;
    return ST_HALT;
}

/* MONITOR/MWAIT (SDM Vol.2B): #UD at CPL > 0 or while IA32_MISC_ENABLE
 * [18] (ENABLE MONITOR FSM) is 0 (then CPUID reports MONITOR = 0). */
static bool monitor_usable(const Cpu *cpu)
{
    return cpu->cpl == 0 && cpu->mode != MODE_V86
           && (cpu->msr.misc_enable & MISC_ENABLE_MONITOR);
}

/* MONITOR arms address monitoring at DS:rAX (segment override allowed).
 * The address is checked like a byte read. SIMPLIFICATION: nothing is
 * armed (see MWAIT). */
SimStatus op_monitor(Cpu *cpu, const DecodedInsn *d)
{
    if (!monitor_usable(cpu))
        return cpu_ud(cpu);
    if ((uint32_t)cpu->gpr[R_RCX] != 0)          /* no extensions */
        return cpu_gp(cpu, 0);
    uint8_t b;
    return cpu_read(cpu, d->seg, cpu->gpr[R_RAX] & sys_addr_mask(d), 1, &b);
}

/* MWAIT enters an implementation-dependent sleep state left on an
 * interrupt, NMI or a store to the monitored range, and may be left early
 * for any reason (SDM Vol.3 9.10.4 "MONITOR/MWAIT Instruction").
 * SIMPLIFICATION: with RFLAGS.IF = 1 it sleeps like HLT (woken by an
 * interrupt, not by a store to the monitored range); with IF = 0 it
 * returns at once (an early exit), since interrupts masked by IF would not
 * wake a halted vCPU here. */
SimStatus op_mwait(Cpu *cpu, const DecodedInsn *d)
{
    if (!monitor_usable(cpu))
        return cpu_ud(cpu);
    uint32_t ecx = (uint32_t)cpu->gpr[R_RCX];
    const CpuidLeaf *l = cpu_model_leaf(cpu->model, 0x5, 0);
    bool intr_break = l && (l->reg[CPUID_ECX] & BIT(1));
    if ((ecx & ~1u) || ((ecx & 1) && !intr_break))
        return cpu_gp(cpu, 0);
    if (!(cpu->rflags & RFLAGS_IF))
        return ST_OK;
    cpu->activity = CPU_HLT;
    return ST_HALT;
}

/* UD0, UD1, UD2 (SDM Vol.2B UD), and RSM outside SMM, which vmxsim does
 * not model (SDM Vol.2B RSM: #UD when not in SMM). */
SimStatus op_ud(Cpu *cpu, const DecodedInsn *d)
{
    return cpu_ud(cpu);
}
