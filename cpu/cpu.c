/*
 * cpu/cpu.c: the life of a vCPU's architectural state: initialisation, the
 * power-on/RESET state (SDM Vol.3 10.1.1 "Processor State After Reset",
 * Table 10-1 "IA-32 and Intel 64 Processor States Following Power-up,
 * Reset, or INIT"), the operating mode derived from CR0, EFER, RFLAGS and
 * the segment caches (SDM Vol.3 2.2 "Modes of Operation", 10.8.5
 * "Initializing IA-32e Mode"), and control-register writes with their
 * side effects on the TLB (SDM Vol.3 4.10.4 "Invalidation of TLBs and
 * Paging-Structure Caches").
 *
 * The checks that make a control-register write fault (reserved bits,
 * PG without PE, LME while paging, ...) belong to the instructions that
 * write them (MOV CR, WRMSR, VM entry); the setters here only apply.
 */
#include "cpu/cpu.h"

#include "cpu/msr.h"

#include <string.h>

/* IA32_APIC_BASE fields (SDM Vol.3 11.4.4 "Local APIC Status and Location"). */
#define APIC_BASE_BSP     BIT(8)

/* DR6 and DR7 after reset (SDM Vol.3 Table 10-1). */
#define DR6_RESET 0xffff0ff0ull
#define DR7_RESET 0x400ull

void cpu_init(Cpu *cpu, uint32_t index, const CpuModel *model, PhysMap *pm,
              Icache *icache, const CpuBus *bus, void *bus_opaque)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->index = index;
    cpu->apic_id = index;
    cpu->model = model;
    cpu->pm = pm;
    cpu->icache = icache;
    cpu->bus = bus;
    cpu->bus_opaque = bus_opaque;
    cpu->delivering = -1;
    /* RDRAND/RDSEED: a fixed, per-vCPU seed keeps runs reproducible
     * (STYLE 5); the odd constant keeps the state nonzero for index 0. */
    cpu->rng_state = 0x9e3779b97f4a7c15ull * ((uint64_t)index + 1);
    tlb_flush_all(&cpu->tlb);
}

static SegReg reset_seg(uint16_t sel, uint64_t base, uint32_t ar)
{
    return (SegReg){ .base = base, .limit = 0xffff, .ar = ar, .sel = sel };
}

/* The state RESET and INIT share (SDM Vol.3 Table 10-1): registers,
 * segments, descriptor tables, CR2-CR4, EFER, debug registers, events. */
static void reset_common(Cpu *cpu)
{
    /* SDM Vol.3 Table 10-1: general registers 0 except EDX, which holds
     * the processor signature (CPUID.01H:EAX: type, family, model,
     * stepping). EAX is 0 (BIST not requested, SDM Vol.3 10.1.2). */
    memset(cpu->gpr, 0, sizeof(cpu->gpr));
    const CpuidLeaf *l1 = cpu_model_leaf(cpu->model, 1, 0);
    cpu->gpr[R_RDX] = l1 ? l1->reg[CPUID_EAX] : 0;

    cpu->rip = 0xfff0;
    cpu->next_rip = 0xfff0;
    cpu->rflags = RFLAGS_FIXED1;

    /* SDM Vol.3 10.1.4 "First Instruction Executed": CS selector F000H
     * with base FFFF0000H, so the first fetch is at FFFFFFF0H. Every
     * segment, CS included, is "present, R/W, accessed" (93H) per Table
     * 10-1; real-address mode does not look at the type. */
    const uint32_t ar_data = 0x3u | AR_S | AR_P;
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        cpu->seg[s] = reset_seg(0, 0, ar_data);
    cpu->seg[SEG_CS] = reset_seg(0xf000, 0xffff0000ull, ar_data);
    /* LDTR: present LDT (82H). TR: present busy 32-bit TSS (8BH), the
     * type VM entry requires of TR (SDM Vol.3 27.3.1.2). */
    cpu->seg[SEG_LDTR] = reset_seg(0, 0, 0x2u | AR_P);
    cpu->seg[SEG_TR] = reset_seg(0, 0, 0xbu | AR_P);
    cpu->gdtr = (DescTable){ 0, 0xffff };
    cpu->idtr = (DescTable){ 0, 0xffff };

    cpu->cr2 = cpu->cr3 = cpu->cr4 = cpu->cr8 = 0;
    cpu->efer = 0;
    memset(cpu->pdpte, 0, sizeof(cpu->pdpte));
    memset(cpu->dr, 0, sizeof(cpu->dr));
    cpu->dr[6] = DR6_RESET;
    cpu->dr[7] = DR7_RESET;

    memset(&cpu->fault, 0, sizeof(cpu->fault));
    cpu->sti_shadow = false;
    cpu->movss_shadow = false;
    cpu->nmi_blocked = false;
    cpu->nmi_pending = false;
    cpu->delivering = -1;
    /* Outside VMX operation no CR0/CR4 bit is fixed by VMX (SDM 23.8). */
    cpu->cr0_must1 = cpu->cr4_must1 = 0;
    cpu->cr0_may1 = cpu->cr4_may1 = ~0ull;
    cpu->rf_set_by_fault = false;
    cpu->stop_reason = NULL;

    /* RESET and INIT invalidate the TLBs (SDM Vol.3 10.1). */
    tlb_flush_all(&cpu->tlb);
    tlb_set_pcid(&cpu->tlb, 0);
}

void cpu_reset(Cpu *cpu)
{
    reset_common(cpu);
    /* Control registers: CR0 = 60000010H (CD, NW, ET). */
    cpu->cr0 = CR0_CD | CR0_NW | CR0_ET;
    cpu->xcr0 = 1;                 /* x87 state always enabled (SDM Vol.1 13.3) */
    cpu->pkru = 0;

    /* x87/SSE: FCW 037FH (all exceptions masked, 64-bit precision, round
     * to nearest: the FINIT state; Table 10-1 gives 0040H for some older
     * parts), FSW 0, all registers empty (tag 11b each), MXCSR 1F80H (SDM
     * Vol.3 Table 10-1; Vol.1 10.2.3.1 "MXCSR Control and Status
     * Register"). */
    memset(&cpu->fpu, 0, sizeof(cpu->fpu));
    cpu->fpu.fcw = 0x037f;
    cpu->fpu.ftw = 0xffff;
    cpu->fpu.mxcsr = 0x1f80;

    /* MSRs: reset values of cpu/msrs.def, or the CPU model's where it
     * gives one (PAT, APIC base with the BSP bit, MISC_ENABLE, ...). */
    memset(&cpu->msr, 0, sizeof(cpu->msr));
    msr_reset(cpu);

    /* After RESET the bootstrap processor runs and the others wait for a
     * startup IPI (SDM Vol.3 9.4.1 "BSP and AP Processors"); vCPU 0 is
     * the BSP. */
    cpu->activity = cpu->index == 0 ? CPU_ACTIVE : CPU_WAIT_SIPI;
    cpu_update_mode(cpu);
}

void cpu_init_signal(Cpu *cpu)
{
    /* SDM Vol.3 10.1 and Table 10-1, "after INIT": as RESET, except that
     * the x87/SSE state, the MSRs (PAT, MTRRs, SYSENTER, STAR, APIC base,
     * ...), XCR0 and PKRU keep their values and CR0.CD/NW are unchanged.
     * The processor that is the BSP (IA32_APIC_BASE.BSP) restarts at the
     * reset vector; the others wait for a startup IPI. */
    uint64_t keep = cpu->cr0 & (CR0_CD | CR0_NW);
    reset_common(cpu);
    cpu->cr0 = keep | CR0_ET;
    cpu->activity = (cpu->msr.apic_base & APIC_BASE_BSP) ? CPU_ACTIVE : CPU_WAIT_SIPI;
    cpu_update_mode(cpu);
}

void cpu_startup_ipi(Cpu *cpu, uint8_t vector)
{
    /* SDM Vol.3 9.4.3 "MP Initialization Protocol Algorithm": a processor
     * in wait-for-SIPI starts in real mode at VV00:0000, CS base VV000H;
     * a SIPI in any other state is ignored (SDM Vol.3 11.6.1, "Start-Up"
     * delivery mode). */
    if (cpu->activity != CPU_WAIT_SIPI)
        return;
    cpu->seg[SEG_CS].sel = (uint16_t)(vector << 8);
    cpu->seg[SEG_CS].base = (uint64_t)vector << 12;
    cpu->rip = 0;
    cpu->next_rip = 0;
    cpu->activity = CPU_ACTIVE;
    cpu_update_mode(cpu);
}

static unsigned seg_dpl(const SegReg *s)
{
    return (s->ar & AR_DPL_MASK) >> AR_DPL_SHIFT;
}

void cpu_update_mode(Cpu *cpu)
{
    const SegReg *cs = &cpu->seg[SEG_CS];
    const SegReg *ss = &cpu->seg[SEG_SS];

    if (!(cpu->cr0 & CR0_PE)) {
        /* Real-address mode: CPL 0; sizes follow the cached D/B bits,
         * which are 0 unless loaded in protected mode ("unreal" mode). */
        cpu->mode = MODE_REAL;
        cpu->cpl = 0;
        cpu->code_size = (cs->ar & AR_DB) ? 4 : 2;
        cpu->stack_size = (ss->ar & AR_DB) ? 4 : 2;
        return;
    }
    if (cpu->efer & EFER_LMA) {
        /* IA-32e mode (SDM Vol.3 5.2.1 "Code-Segment Descriptor in 64-bit
         * Mode"): CS.L selects 64-bit mode, else compatibility mode. */
        if (cs->ar & AR_L) {
            cpu->mode = MODE_LONG64;
            cpu->code_size = 8;
            cpu->stack_size = 8;
        } else {
            cpu->mode = MODE_COMPAT;
            cpu->code_size = (cs->ar & AR_DB) ? 4 : 2;
            cpu->stack_size = (ss->ar & AR_DB) ? 4 : 2;
        }
    } else if (cpu->rflags & RFLAGS_VM) {
        /* Virtual-8086 mode runs at CPL 3 with 16-bit segments (SDM Vol.3
         * 21.2.1 "Enabling Virtual-8086 Mode"). */
        cpu->mode = MODE_V86;
        cpu->cpl = 3;
        cpu->code_size = 2;
        cpu->stack_size = 2;
        return;
    } else {
        cpu->mode = MODE_PROT;
        cpu->code_size = (cs->ar & AR_DB) ? 4 : 2;
        cpu->stack_size = (ss->ar & AR_DB) ? 4 : 2;
    }
    /* CPL is SS.DPL: the two agree except in a conforming code segment,
     * where CS.DPL may be lower than CPL; VMX saves and checks CPL as
     * SS.DPL (SDM Vol.3 25.4.1 "Guest Register State", access rights). */
    cpu->cpl = (uint8_t)seg_dpl(ss);
}

void cpu_set_cr0(Cpu *cpu, uint64_t v)
{
    uint64_t old = cpu->cr0;
    /* CR0.ET is hardwired to 1 on P6 and later (SDM Vol.3 2.5). */
    cpu->cr0 = v | CR0_ET;
    uint64_t changed = old ^ cpu->cr0;

    /* SDM Vol.3 10.8.5 "Initializing IA-32e Mode": setting CR0.PG with
     * EFER.LME = 1 activates IA-32e mode (EFER.LMA = 1); clearing PG
     * deactivates it. */
    if ((cpu->cr0 & CR0_PG) && (cpu->efer & EFER_LME))
        cpu->efer |= EFER_LMA;
    else
        cpu->efer &= ~EFER_LMA;

    /* SDM Vol.3 4.10.4.1 "Operations that Invalidate TLBs and
     * Paging-Structure Caches": changing CR0.PG invalidates all entries,
     * global ones included. Our TLB also folds CR0.WP and the mode into
     * its cached permissions, so a change of WP or PE flushes too (more
     * invalidation than required is always permitted, 4.10.4.3). */
    if (changed & (CR0_PG | CR0_WP | CR0_PE))
        tlb_flush_all(&cpu->tlb);
    /* Loading the PAE PDPTE registers (SDM Vol.3 4.4.1) can fault, so the
     * instruction calls cpu_load_pdptes (cpu/mem.h) before this setter. */
    cpu_update_mode(cpu);
}

void cpu_set_cr3(Cpu *cpu, uint64_t v)
{
    /* SDM Vol.3 4.10.4.1, MOV to CR3: with CR4.PCIDE = 1 and bit 63 of the
     * source set, no TLB entry is invalidated; bit 63 is not stored
     * (4.10.1 "Process-Context Identifiers"); with bit 63 clear the
     * non-global entries of the new PCID go. With PCIDE = 0 all
     * non-global entries are invalidated. */
    bool pcide = cpu->cr4 & CR4_PCIDE;
    cpu->cr3 = v & ~BIT(63);
    /* TLB tags carry CR3[11:0] (mmu/tlb.h): make it current first. */
    tlb_set_pcid(&cpu->tlb, (uint16_t)(cpu->cr3 & TLB_PCID_MASK));
    if (!pcide)
        tlb_flush_nonglobal(&cpu->tlb);
    else if (!(v & BIT(63)))
        tlb_flush_pcid(&cpu->tlb, (uint16_t)(cpu->cr3 & TLB_PCID_MASK));
}

void cpu_set_cr4(Cpu *cpu, uint64_t v)
{
    uint64_t changed = cpu->cr4 ^ v;
    cpu->cr4 = v;
    /* SDM Vol.3 4.10.4.1, MOV to CR4: changing PGE, clearing PCIDE,
     * changing PAE or setting SMEP invalidates the TLB. Our TLB folds
     * every paging-control bit (PSE, SMEP, SMAP, PKE, PKS, LA57) into
     * its entries, so any change to one of them flushes everything. */
    if (changed & (CR4_PGE | CR4_PCIDE | CR4_PAE | CR4_PSE | CR4_SMEP |
                   CR4_SMAP | CR4_PKE | CR4_PKS | CR4_LA57))
        tlb_flush_all(&cpu->tlb);
    cpu_update_mode(cpu);
}

void cpu_set_efer(Cpu *cpu, uint64_t v)
{
    uint64_t changed = cpu->efer ^ v;
    /* EFER.LMA is not written: it follows LME and CR0.PG (SDM Vol.3
     * 10.8.5; WRMSR ignores writes to LMA, Vol.4 Table 2-2). */
    cpu->efer = v & ~EFER_LMA;
    if ((cpu->cr0 & CR0_PG) && (cpu->efer & EFER_LME))
        cpu->efer |= EFER_LMA;
    /* Our TLB folds the NX permission into its entries. */
    if (changed & EFER_NXE)
        tlb_flush_all(&cpu->tlb);
    cpu_update_mode(cpu);
}
