/*
 * vmx/nonroot.c: VMX non-root operation: which instructions and events cause
 * VM exits, and the exit information each records. SDM Vol.3 25.1.1
 * "Relative Priority of Faults and VM Exits", 25.1.2 and 25.1.3
 * (instructions), 25.2 "Other Causes of VM Exits" (exceptions, external
 * interrupts, NMIs, triple fault, task switches; the between-instruction
 * events and windows are in vmx/nonroot_events.c), 27.2.1 "Basic VM-Exit
 * Information" (exit qualifications), 27.2.2 (interruption information),
 * 27.2.4 (instruction information).
 *
 * The per-instruction decision is precomputed (ARCHITECTURE "The path of
 * one instruction", step 3): at vCPU creation each instruction-table row
 * gets its rule from vmx/insn_exits.def; at VM entry the rules are
 * evaluated against the controls into one byte per row; the run loop reads
 * that byte before each instruction in non-root operation.
 */
#include "vmx/vmx.h"

#include <glib.h>
#include <string.h>

#include "cpu/deliver.h"
#include "cpu/fault.h"
#include "cpu/mem.h"
#include "vmx/internal.h"

typedef struct InsnExitRule {
    const char *name;
    uint8_t map;
    int16_t opcode;
    uint8_t reason;
    uint8_t rule;
    uint8_t control;
} InsnExitRule;

static const InsnExitRule insn_exit_rules[] = {
#define ALWAYS VMX_RULE_ALWAYS, 0
#define SPECIAL VMX_RULE_SPECIAL, 0
#define CTL(id) VMX_RULE_CONTROL, VMXC_##id
#define INSN_EXIT(name, map, opcode, reason, rule) \
    { #name, map, opcode, EXIT_REASON_##reason, rule },
#include "vmx/insn_exits.def"
#undef ALWAYS
#undef SPECIAL
#undef CTL
};

void vmx_nonroot_init(VmxCpu *v)
{
    v->row_rule = g_new0(uint8_t, insn_table_size);
    v->row_reason = g_new0(uint8_t, insn_table_size);
    v->row_control = g_new0(uint8_t, insn_table_size);
    v->row_action = g_new0(uint8_t, insn_table_size);
    for (unsigned i = 0; i < insn_table_size; i++) {
        const InsnDesc *row = &insn_table[i];
        for (unsigned r = 0; r < G_N_ELEMENTS(insn_exit_rules); r++) {
            const InsnExitRule *e = &insn_exit_rules[r];
            if (e->map == row->map && (e->opcode < 0 || e->opcode == row->opcode) &&
                strcmp(e->name, row->name) == 0) {
                v->row_rule[i] = e->rule;
                v->row_reason[i] = e->reason;
                v->row_control[i] = e->control;
            }
        }
    }
}

/* The control words of the current VMCS, by VmxControlKind (the VM-function
 * controls decide no instruction exit of vmx/insn_exits.def: 0 here). */
static void control_words(const VmxCpu *v, uint32_t out[VMX_CONTROL_KIND_COUNT])
{
    out[VMXK_PIN] = v->pin;
    out[VMXK_PROC] = v->proc;
    out[VMXK_PROC2] = v->proc2;
    out[VMXK_EXIT] = v->exit_ctls;
    out[VMXK_ENTRY] = v->entry_ctls;
    out[VMXK_VMFUNC] = 0;
}

void vmx_nonroot_on_entry(VmxCpu *v)
{
    /* Only the control words decide the actions (vmx/insn_exits.def rules
     * name controls); recompute them only when one changed. */
    uint32_t ctls[VMX_CONTROL_KIND_COUNT];
    control_words(v, ctls);
    if (v->action_valid && memcmp(ctls, v->action_ctls, sizeof(ctls)) == 0)
        return;
    memcpy(v->action_ctls, ctls, sizeof(ctls));
    v->action_valid = true;
    for (unsigned i = 0; i < insn_table_size; i++) {
        switch (v->row_rule[i]) {
        case VMX_RULE_ALWAYS: v->row_action[i] = VMX_ACT_EXIT; break;
        case VMX_RULE_CONTROL:
            v->row_action[i] = (ctls[vmx_controls[v->row_control[i]].kind] >>
                                vmx_controls[v->row_control[i]].bit) & 1 ? VMX_ACT_EXIT : VMX_ACT_NONE;
            break;
        case VMX_RULE_SPECIAL: v->row_action[i] = VMX_ACT_SPECIAL; break;
        default: v->row_action[i] = VMX_ACT_NONE; break;
        }
    }
}

/* Rows whose #GP for CPL > 0 comes before the VM exit (SDM 25.1.1: "faults
 * based on privilege level" have priority). */
static bool cpl0_only(const Cpu *cpu, unsigned reason)
{
    switch (reason) {
    case EXIT_REASON_HLT: case EXIT_REASON_INVD: case EXIT_REASON_WBINVD:
    case EXIT_REASON_INVLPG: case EXIT_REASON_INVPCID: case EXIT_REASON_CR_ACCESS:
    case EXIT_REASON_DR_ACCESS: case EXIT_REASON_MSR_READ: case EXIT_REASON_MSR_WRITE:
    case EXIT_REASON_XSETBV: case EXIT_REASON_MWAIT_INSTRUCTION:
    case EXIT_REASON_MONITOR_INSTRUCTION:
        return true;
    case EXIT_REASON_RDTSC: case EXIT_REASON_RDTSCP:
        return cpu->cr4 & CR4_TSD;
    case EXIT_REASON_RDPMC:
        return !(cpu->cr4 & CR4_PCE);
    default:
        return false;
    }
}

/* Exit qualification for control-register accesses (SDM 27.2.1, Table
 * 27-3): CR number 3:0, access type 5:4, LMSW operand type 6, GPR 11:8,
 * LMSW source data 31:16. */
enum { CR_MOV_TO = 0, CR_MOV_FROM = 1, CR_CLTS = 2, CR_LMSW = 3 };

static uint64_t cr_qual(unsigned cr, unsigned type, unsigned gpr)
{
    return cr | (type << 4) | ((uint64_t)gpr << 8);
}

/* MOV to CR0/CR4: a VM exit when a bit the guest/host mask owns would
 * change relative to the read shadow (SDM 25.1.3, MOV to CR0/CR4). */
static bool masked_change(const VmxCpu *v, unsigned cr, uint64_t value)
{
    VmcsField mask = cr == 0 ? VF_CR0_GUEST_HOST_MASK : VF_CR4_GUEST_HOST_MASK;
    VmcsField shadow = cr == 0 ? VF_CR0_READ_SHADOW : VF_CR4_READ_SHADOW;
    return ((value ^ vmcs_read(&v->vmcs, shadow)) & vmcs_read(&v->vmcs, mask)) != 0;
}

static SimStatus cr_access(Cpu *cpu, const DecodedInsn *d)
{
    VmxCpu *v = cpu->vmx;
    const InsnDesc *row = &insn_table[d->desc];
    unsigned cr = d->reg, gpr = d->rm;
    if (row->opcode == 0x22) {             /* MOV to CR */
        uint64_t value = cpu_reg_read(cpu, gpr, d->opsize, true);
        bool exits = false;
        if (cr == 0 || cr == 4)
            exits = masked_change(v, cr, value);
        else if (cr == 3 && (v->proc & VMXM_PROC_CR3_LOAD_EXITING)) {
            uint64_t n = vmcs_read(&v->vmcs, VF_CR3_TARGET_COUNT);
            exits = true;
            for (uint64_t i = 0; i < n && i < 4; i++)
                exits &= vmcs_read(&v->vmcs, VF_CR3_TARGET_VALUE0 + i) != value;
        } else if (cr == 8)
            exits = v->proc & VMXM_PROC_CR8_LOAD_EXITING;
        return exits ? vmx_exit_for_insn(cpu, EXIT_REASON_CR_ACCESS, cr_qual(cr, CR_MOV_TO, gpr), 0)
                     : ST_OK;
    }
    if (row->opcode == 0x20) {             /* MOV from CR */
        bool exits = (cr == 3 && (v->proc & VMXM_PROC_CR3_STORE_EXITING)) ||
                     (cr == 8 && (v->proc & VMXM_PROC_CR8_STORE_EXITING));
        return exits ? vmx_exit_for_insn(cpu, EXIT_REASON_CR_ACCESS, cr_qual(cr, CR_MOV_FROM, gpr), 0)
                     : ST_OK;
    }
    if (row->opcode == 0x06) {             /* CLTS: mask and shadow both have TS */
        bool exits = (vmcs_read(&v->vmcs, VF_CR0_GUEST_HOST_MASK) & CR0_TS) &&
                     (vmcs_read(&v->vmcs, VF_CR0_READ_SHADOW) & CR0_TS);
        return exits ? vmx_exit_for_insn(cpu, EXIT_REASON_CR_ACCESS, cr_qual(0, CR_CLTS, 0), 0) : ST_OK;
    }
    /* LMSW: exits if it would set PE where the mask owns PE and the shadow
     * has it clear, or change MP/EM/TS the mask owns (SDM 25.1.3). */
    uint64_t src;
    bool mem = d->mod != 3;
    uint64_t lin = 0;
    if (mem) {
        lin = cpu->seg[d->seg].base + insn_ea(cpu, d);
        SimStatus st = cpu_read_u(cpu, d->seg, insn_ea(cpu, d), 2, &src);
        if (st)
            return st;
    } else {
        src = cpu_reg_read(cpu, d->rm, 2, true);
    }
    uint64_t mask = vmcs_read(&v->vmcs, VF_CR0_GUEST_HOST_MASK), shadow = vmcs_read(&v->vmcs, VF_CR0_READ_SHADOW);
    bool exits = ((mask & CR0_PE) && (src & CR0_PE) && !(shadow & CR0_PE)) ||
                 (((src ^ shadow) & mask & (CR0_MP | CR0_EM | CR0_TS)) != 0);
    if (!exits)
        return ST_OK;
    VmxExitInfo info = {
        .reason = EXIT_REASON_CR_ACCESS,
        .qualification = cr_qual(0, CR_LMSW, 0) | (mem ? BIT(6) : 0) | ((src & 0xffff) << 16),
        .guest_linear = lin, .has_guest_linear = mem,
        .instruction_len = (uint8_t)(cpu->next_rip - cpu->rip),
    };
    return vmx_vmexit(cpu, &info);
}

/* I/O instructions (SDM 25.1.3): the I/O bitmaps, when used, decide alone;
 * otherwise "unconditional I/O exiting" does. An access whose ports wrap
 * past FFFFH exits. Qualification: SDM 27.2.1 Table 27-5. */
static SimStatus io_access(Cpu *cpu, const DecodedInsn *d)
{
    VmxCpu *v = cpu->vmx;
    const InsnDesc *row = &insn_table[d->desc];
    unsigned size = d->opsize > 4 ? 4 : d->opsize;
    bool imm = row->opcode >= 0xe4 && row->opcode <= 0xe7;
    bool string = row->opcode >= 0x6c && row->opcode <= 0x6f;
    bool in = row->opcode == 0xe4 || row->opcode == 0xe5 || row->opcode == 0xec ||
              row->opcode == 0xed || row->opcode == 0x6c || row->opcode == 0x6d;
    uint32_t port = imm ? (uint32_t)(d->imm & 0xff) : (uint32_t)(cpu->gpr[R_RDX] & 0xffff);
    bool exits;
    if (v->proc & VMXM_PROC_USE_IO_BITMAPS) {
        exits = port + size > 0x10000;
        for (uint32_t p = port; !exits && p < port + size; p++) {
            uint64_t bitmap = vmcs_read(&v->vmcs, p < 0x8000 ? VF_IO_BITMAP_A : VF_IO_BITMAP_B);
            uint8_t byte = (uint8_t)physmem_read(cpu->pm, bitmap + ((p & 0x7fff) >> 3), 1);
            exits = (byte >> (p & 7)) & 1;
        }
    } else {
        exits = v->proc & VMXM_PROC_UNCOND_IO_EXITING;
    }
    if (!exits)
        return ST_OK;
    bool rep = string && (d->pfx & (D_REP | D_REPNE));
    VmxExitInfo info = {
        .reason = EXIT_REASON_IO_INSTRUCTION,
        .qualification = (size - 1) | (in ? BIT(3) : 0) | (string ? BIT(4) : 0) | (rep ? BIT(5) : 0) |
                         (imm ? BIT(6) : 0) | ((uint64_t)port << 16),
        .instruction_len = (uint8_t)(cpu->next_rip - cpu->rip),
    };
    if (string) {
        /* The linear address of the memory operand (SDM 27.2.1) and the
         * address size and segment (Table 27-8). */
        unsigned seg = in ? SEG_ES : d->seg;
        uint64_t off = cpu->gpr[in ? R_RDI : R_RSI] & size_mask(d->addrsize);
        info.guest_linear = cpu->seg[seg].base + off;
        info.has_guest_linear = true;
        uint32_t asz = d->addrsize == 2 ? 0 : d->addrsize == 4 ? 1 : 2;
        info.instruction_info = (asz << 7) | ((uint32_t)seg << 15);
    }
    return vmx_vmexit(cpu, &info);
}

/* RDMSR/WRMSR and the MSR bitmaps (SDM 24.6.9 "MSR-Bitmap Address"): read
 * bitmaps for low and high MSRs at 0 and 1024, write bitmaps at 2048 and
 * 3072; MSRs outside both ranges always exit. */
static SimStatus msr_access(Cpu *cpu, bool write)
{
    VmxCpu *v = cpu->vmx;
    uint32_t index = (uint32_t)cpu->gpr[R_RCX];
    bool exits = true;
    if (v->proc & VMXM_PROC_USE_MSR_BITMAPS) {
        uint64_t base = vmcs_read(&v->vmcs, VF_MSR_BITMAP) + (write ? 2048 : 0);
        if (index <= 0x1fff || (index >= 0xc0000000u && index <= 0xc0001fffu)) {
            uint64_t off = index >= 0xc0000000u ? 1024 : 0;
            uint32_t bit = index & 0x1fff;
            uint8_t byte = (uint8_t)physmem_read(cpu->pm, base + off + (bit >> 3), 1);
            exits = (byte >> (bit & 7)) & 1;
        }
    }
    return exits ? vmx_exit_for_insn(cpu, write ? EXIT_REASON_MSR_WRITE : EXIT_REASON_MSR_READ, 0, 0)
                 : ST_OK;
}

/* Instruction information for LGDT/LIDT/SGDT/SIDT (Table 27-10) and
 * LLDT/LTR/SLDT/STR (Table 27-11): identity in bits 29:28. */
static SimStatus descriptor_table(Cpu *cpu, const DecodedInsn *d, unsigned reason)
{
    VmxCpu *v = cpu->vmx;
    if (!(v->proc2 & VMXM_PROC2_DESC_TABLE_EXITING))
        return ST_OK;
    const char *name = insn_table[d->desc].name;
    static const char *const gdt_ids[] = { "SGDT", "SIDT", "LGDT", "LIDT" };
    static const char *const ldt_ids[] = { "SLDT", "STR", "LLDT", "LTR" };
    const char *const *ids = reason == EXIT_REASON_GDTR_IDTR_ACCESS ? gdt_ids : ldt_ids;
    uint32_t identity = 0;
    for (uint32_t i = 0; i < 4; i++)
        if (strcmp(ids[i], name) == 0)
            identity = i;
    uint32_t info;
    uint64_t qual = 0;
    if (d->mod == 3) {
        uint32_t asz = d->addrsize == 2 ? 0 : d->addrsize == 4 ? 1 : 2;
        info = BIT(10) | ((uint32_t)(d->rm & 0xf) << 3) | (asz << 7);
    } else {
        info = vmx_insn_info_mem(d, 0);
        qual = vmx_mem_qualification(cpu, d);
    }
    if (reason == EXIT_REASON_GDTR_IDTR_ACCESS && d->opsize != 2)
        info |= BIT(11);                   /* 32-bit operand size */
    return vmx_exit_for_insn(cpu, reason, qual, info | (identity << 28));
}

/* RDRAND/RDSEED instruction information (Table 27-12): register in 6:3,
 * operand size in 12:11. */
static uint32_t rand_info(const DecodedInsn *d)
{
    uint32_t osz = d->opsize == 2 ? 0 : d->opsize == 4 ? 1 : 2;
    return ((uint32_t)(d->rm & 0xf) << 3) | (osz << 11);
}

SimStatus vmx_insn_exit_slow(Cpu *cpu, const DecodedInsn *d)
{
    VmxCpu *v = cpu->vmx;
    unsigned row = d->desc, reason = v->row_reason[row];
    if (cpl0_only(cpu, reason) && cpu->cpl > 0)
        return ST_OK;                      /* the handler raises #GP(0) */
    if (v->row_action[row] == VMX_ACT_EXIT) {
        uint64_t qual = 0;
        if (reason == EXIT_REASON_INVLPG)
            qual = cpu->seg[d->seg].base + insn_ea(cpu, d);
        return vmx_exit_for_insn(cpu, reason, qual, 0);
    }
    switch (reason) {
    case EXIT_REASON_EXCEPTION_NMI:        /* IRET */
        v->iret_step = true;
        v->iret_nmi_blocked = cpu->nmi_blocked;
        return ST_OK;
    case EXIT_REASON_CR_ACCESS:
        return cr_access(cpu, d);
    case EXIT_REASON_DR_ACCESS: {
        if (!(v->proc & VMXM_PROC_MOV_DR_EXITING))
            return ST_OK;
        bool from = insn_table[row].opcode == 0x21;
        return vmx_exit_for_insn(cpu, reason, (d->reg & 7) | (from ? BIT(4) : 0) | ((uint64_t)d->rm << 8), 0);
    }
    case EXIT_REASON_IO_INSTRUCTION:
        return io_access(cpu, d);
    case EXIT_REASON_MSR_READ:
        return msr_access(cpu, false);
    case EXIT_REASON_MSR_WRITE:
        return msr_access(cpu, true);
    case EXIT_REASON_GDTR_IDTR_ACCESS:
    case EXIT_REASON_LDTR_TR_ACCESS:
        return descriptor_table(cpu, d, reason);
    case EXIT_REASON_INVLPG:
        return (v->proc & VMXM_PROC_INVLPG_EXITING)
                   ? vmx_exit_for_insn(cpu, reason, cpu->seg[d->seg].base + insn_ea(cpu, d), 0) : ST_OK;
    case EXIT_REASON_MWAIT_INSTRUCTION:
        /* Qualification bit 0: monitoring hardware armed; vmxsim's MONITOR
         * does not arm anything that MWAIT waits on. */
        return (v->proc & VMXM_PROC_MWAIT_EXITING) ? vmx_exit_for_insn(cpu, reason, 0, 0) : ST_OK;
    case EXIT_REASON_RDTSCP:
        /* Without "enable RDTSCP", RDTSCP is #UD in non-root operation. */
        if (!(v->proc2 & VMXM_PROC2_ENABLE_RDTSCP))
            return cpu_ud(cpu);
        return (v->proc & VMXM_PROC_RDTSC_EXITING) ? vmx_exit_for_insn(cpu, reason, 0, 0) : ST_OK;
    case EXIT_REASON_INVPCID:
        if (!(v->proc2 & VMXM_PROC2_ENABLE_INVPCID))
            return cpu_ud(cpu);
        if (cpu->cpl > 0)
            return ST_OK;
        return (v->proc & VMXM_PROC_INVLPG_EXITING)
                   ? vmx_exit_for_insn(cpu, reason, vmx_mem_qualification(cpu, d), vmx_insn_info_inv(d)) : ST_OK;
    case EXIT_REASON_RDRAND:
        return (v->proc2 & VMXM_PROC2_RDRAND_EXITING) ? vmx_exit_for_insn(cpu, reason, 0, rand_info(d)) : ST_OK;
    case EXIT_REASON_RDSEED:
        return (v->proc2 & VMXM_PROC2_RDSEED_EXITING) ? vmx_exit_for_insn(cpu, reason, 0, rand_info(d)) : ST_OK;
    case EXIT_REASON_XSAVES:
    case EXIT_REASON_XRSTORS: {
        /* SDM 25.3: without "enable XSAVES/XRSTORS" both are #UD. SDM
         * 25.1.3: with it, a VM exit when EDX:EAX AND IA32_XSS AND the
         * XSS-exiting bitmap is not 0; privilege faults come first. The
         * instruction information has the memory-operand format of
         * Table 27-13 and the qualification is the displacement. */
        if (!(v->proc2 & VMXM_PROC2_ENABLE_XSAVES))
            return cpu_ud(cpu);
        if (cpu->cpl > 0)
            return ST_OK;
        uint64_t rfbm = ((cpu->gpr[R_RDX] & 0xffffffffu) << 32) | (cpu->gpr[R_RAX] & 0xffffffffu);
        if (!(rfbm & cpu->msr.xss & vmcs_read(&v->vmcs, VF_XSS_EXITING_BITMAP)))
            return ST_OK;
        return vmx_exit_for_insn(cpu, reason, vmx_mem_qualification(cpu, d), vmx_insn_info_mem(d, 0));
    }
    case EXIT_REASON_PAUSE_INSTRUCTION:
        /* F3 90 without REX.B is PAUSE. SIMPLIFICATION: PAUSE-loop exiting
         * (PLE gap/window) is not modelled; "PAUSE exiting" is. */
        if (!(d->pfx & D_REP) || d->reg != 0)
            return ST_OK;
        return (v->proc & VMXM_PROC_PAUSE_EXITING) ? vmx_exit_for_insn(cpu, reason, 0, 0) : ST_OK;
    default:
        return ST_OK;
    }
}

/* VM-exit interruption information (SDM 27.2.2, Table 27-15 old 24-15):
 * vector 7:0, type 10:8, error code valid 11, NMI unblocking 12, valid 31. */
static uint32_t intr_info(uint8_t vector, unsigned type, bool has_error)
{
    return vector | (type << 8) | (has_error ? BIT(11) : 0) | BIT(31);
}

SimStatus vmx_exception_exit(Cpu *cpu, uint8_t vector, bool has_error, uint32_t error,
                             unsigned intr_type)
{
    VmxCpu *v = cpu->vmx;
    /* An event injected by VM entry is delivered whatever the exception
     * bitmap says; exceptions raised while delivering it are not (SDM
     * 26.5.1.2). cpu->delivering is -1 until the first event's delivery
     * has begun. */
    if (v->injecting && cpu->delivering < 0)
        return ST_OK;
    uint32_t bitmap = (uint32_t)vmcs_read(&v->vmcs, VF_EXCEPTION_BITMAP);
    bool exits = (bitmap >> vector) & 1;
    if (vector == EXC_PF) {
        /* SDM 25.2: a #PF exits iff (error & mask) == match equals bit 14. */
        uint32_t mask = (uint32_t)vmcs_read(&v->vmcs, VF_PAGE_FAULT_ERROR_CODE_MASK);
        uint32_t match = (uint32_t)vmcs_read(&v->vmcs, VF_PAGE_FAULT_ERROR_CODE_MATCH);
        exits = ((error & mask) == match) == exits;
    }
    if (!exits)
        return ST_OK;
    VmxExitInfo info = {
        .reason = EXIT_REASON_EXCEPTION_NMI,
        .intr_info = intr_info(vector, intr_type, has_error),
        .intr_error = has_error ? error : 0,
    };
    /* A fault of IRET itself (not of a later event delivery): SDM 27.2.2
     * bit 12 "NMI unblocking due to IRET" when IRET had removed (virtual-)
     * NMI blocking; the state saved shows the blocking cleared (SDM 27.1).
     * With "NMI exiting" and no virtual NMIs IRET leaves blocking alone
     * (25.3), so the blocking is restored and bit 12 stays 0. */
    if (v->iret_step && cpu->delivering < 0) {
        bool nmi_exiting_only = (v->pin & VMXM_PIN_NMI_EXITING) && !(v->pin & VMXM_PIN_VIRTUAL_NMIS);
        if (nmi_exiting_only)
            cpu->nmi_blocked = v->iret_nmi_blocked;
        else if (v->iret_nmi_blocked)
            info.intr_info |= BIT(12);
    }
    /* #PF: the faulting linear address is the qualification and CR2 is not
     * written (SDM 27.1 "Architectural State Before a VM Exit"). */
    if (vector == EXC_PF)
        info.qualification = cpu->fault.cr2;
    /* Software exceptions (INT3, INTO) save the instruction length. */
    if (intr_type == 6 || intr_type == 5)
        info.instruction_len = (uint8_t)(cpu->next_rip - cpu->rip);
    return vmx_vmexit(cpu, &info);
}

SimStatus vmx_external_interrupt_exit(Cpu *cpu)
{
    VmxCpu *v = cpu->vmx;
    if (!(v->pin & VMXM_PIN_EXTINT_EXITING))
        return ST_OK;
    VmxExitInfo info = { .reason = EXIT_REASON_EXTERNAL_INTERRUPT };
    /* "Acknowledge interrupt on exit": the vector is taken from the
     * interrupt controller and recorded (SDM 27.2.2). */
    if (v->exit_ctls & VMXM_EXIT_ACK_INTR_ON_EXIT) {
        int vector = cpu->bus->intr_pending(cpu->bus_opaque, cpu, true);
        if (vector >= 0)
            info.intr_info = intr_info((uint8_t)vector, 0, false);
    }
    return vmx_vmexit(cpu, &info);
}

SimStatus vmx_nmi_exit(Cpu *cpu)
{
    VmxCpu *v = cpu->vmx;
    if (!(v->pin & VMXM_PIN_NMI_EXITING))
        return ST_OK;
    cpu->nmi_pending = false;
    VmxExitInfo info = { .reason = EXIT_REASON_EXCEPTION_NMI, .intr_info = intr_info(2, 2, false) };
    return vmx_vmexit(cpu, &info);
}

/* SDM 28.2.3: exit 48 with the qualification of Table 27-7, the
 * guest-physical address and (bit 7 set) the guest-linear address; exit 49
 * with the guest-physical address only. */
/* SDM 25.5.6 "Virtualization Exceptions": with "EPT-violation #VE", an
 * EPT violation whose entry has suppress-#VE clear becomes a #VE in the
 * guest when the information area's word at offset 4 is 0; the processor
 * then fills the area (25.5.6.2) and sets that word to FFFFFFFFH. */
static bool convert_to_ve(Cpu *cpu, const CpuFault *f)
{
    VmxCpu *v = cpu->vmx;
    if (!(v->proc2 & VMXM_PROC2_EPT_VIOLATION_VE) || f->ept_status != EPT_VIOLATION ||
        f->ept_suppress_ve)
        return false;
    uint64_t area = vmcs_read(&v->vmcs, VF_VE_INFORMATION_ADDRESS);
    if ((uint32_t)physmem_read(cpu->pm, area + 4, 4) != 0)
        return false;
    physmem_write(cpu->pm, area + 0, 4, EXIT_REASON_EPT_VIOLATION);
    physmem_write(cpu->pm, area + 4, 4, 0xffffffffu);
    physmem_write(cpu->pm, area + 8, 8, f->ept_qualification);
    physmem_write(cpu->pm, area + 16, 8, f->ept_linear);
    physmem_write(cpu->pm, area + 24, 8, f->ept_gpa);
    physmem_write(cpu->pm, area + 32, 2, vmcs_read(&v->vmcs, VF_EPTP_INDEX));
    return true;
}

SimStatus vmx_ept_exit(Cpu *cpu)
{
    const CpuFault *f = &cpu->fault;
    if (convert_to_ve(cpu, f)) {
        /* #VE is a fault-class exception without an error code, delivered
         * through the guest IDT (it can itself exit through the exception
         * bitmap, bit 20). */
        SimStatus st = cpu_deliver_event(cpu, EV_EXCEPTION, EXC_VE, false, 0);
        return st == ST_OK ? ST_VMEXIT : st;
    }
    VmxExitInfo info = { .guest_physical = f->ept_gpa, .has_guest_physical = true };
    if (f->ept_status == EPT_MISCONFIG) {
        info.reason = EXIT_REASON_EPT_MISCONFIG;
    } else if (f->ept_status == EPT_PML_FULL) {
        /* SDM 28.2.6.2: a log-full event is exit 62, no address saved. */
        info = (VmxExitInfo){ .reason = EXIT_REASON_PML_FULL };
    } else {
        info.reason = EXIT_REASON_EPT_VIOLATION;
        info.qualification = f->ept_qualification;
        info.guest_linear = f->ept_linear;
        info.has_guest_linear = (f->ept_qualification & BIT(7)) != 0;
    }
    return vmx_vmexit(cpu, &info);
}

SimStatus vmx_triple_fault_exit(Cpu *cpu)
{
    VmxExitInfo info = { .reason = EXIT_REASON_TRIPLE_FAULT };
    cpu->activity = CPU_ACTIVE;
    return vmx_vmexit(cpu, &info);
}

/* Qualification (SDM 27.2.1, Table 27-2): selector in 15:0, source in
 * 31:30. A task switch through a task gate in the IDT happens during the
 * event's delivery, so vmx_vmexit records that event as IDT-vectoring
 * information (SDM 27.2.3). */
SimStatus vmx_task_switch_exit(Cpu *cpu, uint16_t selector, unsigned source)
{
    VmxExitInfo info = {
        .reason = EXIT_REASON_TASK_SWITCH,
        .qualification = selector | ((uint64_t)source << 30),
        .instruction_len = source == 3 ? 0 : (uint8_t)(cpu->next_rip - cpu->rip),
    };
    return vmx_vmexit(cpu, &info);
}
