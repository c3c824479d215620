/*
 * tests/guest/modes/test_modes.c: the operating modes of SDM Vol.3 2.2
 * "Modes of Operation" and the transitions between them: 64-bit mode,
 * compatibility mode (IA-32e with CS.L = 0), legacy 32-bit protected mode
 * (10.8.5.4 "Switching Out of IA-32e Mode Operation"), 16-bit protected
 * mode and real-address mode (10.9.2 "Switching Back to Real-Address
 * Mode", chapter 21 "8086 Emulation"), the way back to 64-bit mode, and
 * the control-register writes that may not change the mode (#GP).
 */
#include "rt.h"

void modes_low(void);
extern const uint8_t modes_blob[], modes_blob_end[];
extern const uint8_t modes_de_off[];

typedef struct __attribute__((packed)) ModesResult {
    uint16_t push16, pe16;
    uint32_t cr0_rm;
    uint16_t seg_ok, int_flag, int_sp_ok, de_ip, de_cs, de_count;
    uint32_t esp;
    uint8_t idtr[8];
    uint32_t opsize;
    uint32_t back_pe;
} ModesResult;
#define LOW_BLOB ((uint8_t *)0x2000)
#define LOW_RES ((volatile ModesResult *)0x3800)

/* 32-bit probes: 48H is DEC EAX outside 64-bit mode (a REX prefix in
 * 64-bit mode); EFER.LMA tells IA-32e mode (SDM Vol.4 IA32_EFER). */
typedef struct ModeProbe { uint32_t dec_result, efer_lo, cr0, push_delta; } ModeProbe;
void mp_probe32(void);
__asm__(
    ".text\n .code32\n"
    "mp_probe32: push %ebx\n\t mov 8(%esp), %ebx\n\t"
    " mov $5, %eax\n\t .byte 0x48\n\t mov %eax, (%ebx)\n\t"
    " mov $0xC0000080, %ecx\n\t rdmsr\n\t mov %eax, 4(%ebx)\n\t"
    " mov %cr0, %eax\n\t mov %eax, 8(%ebx)\n\t"
    " mov %esp, %ecx\n\t push %eax\n\t sub %esp, %ecx\n\t pop %eax\n\t mov %ecx, 12(%ebx)\n\t"
    " pop %ebx\n\t xor %eax, %eax\n\t ret\n"
    ".code64\n");

static ModeProbe probe;

static void test_64bit(void)
{
    uint64_t r = 5;
    /* REX.W DEC would be 48 FF C8; here 48 is only a prefix for INC. */
    __asm__ volatile(".byte 0x48, 0xff, 0xc0" : "+a"(r));            /* inc rax */
    report(r == 6, "64-bit mode: 48H is a REX prefix");
    report(rdmsr(MSR_EFER) & EFER_LMA, "64-bit mode: EFER.LMA = 1");
}

static void test_compat(void)
{
    probe = (ModeProbe){ 0 };
    rt_call_compat((uint32_t)(uint64_t)mp_probe32, (uint32_t)(uint64_t)&probe);
    report(probe.dec_result == 4, "compatibility mode: 48H is DEC EAX (got %u)", probe.dec_result);
    report(probe.efer_lo & EFER_LMA, "compatibility mode: EFER.LMA stays 1");
    report(probe.push_delta == 4, "compatibility mode: PUSH moves ESP by 4");
    report(read_cs() == SEL_CODE64, "back in 64-bit mode after compatibility mode");
}

static void test_legacy32(void)
{
    probe = (ModeProbe){ 0 };
    rt_call32((uint32_t)(uint64_t)mp_probe32, (uint32_t)(uint64_t)&probe);
    report(probe.dec_result == 4, "legacy protected mode: 48H is DEC EAX");
    report(!(probe.efer_lo & EFER_LMA) && !(probe.efer_lo & EFER_LME),
           "legacy protected mode: EFER.LME = LMA = 0 (efer %x)", probe.efer_lo);
    report((probe.cr0 & (CR0_PE | CR0_PG)) == CR0_PE, "legacy protected mode: CR0.PE = 1, PG = 0");
    report(rdmsr(MSR_EFER) & EFER_LMA, "back in IA-32e mode (EFER.LMA = 1)");
}

static void test_real(void)
{
    memcpy(LOW_BLOB, modes_blob, (size_t)(modes_blob_end - modes_blob));
    memset((void *)LOW_RES, 0, sizeof(ModesResult));
    rt_call32((uint32_t)(uint64_t)modes_low, 0);
    volatile ModesResult *r = LOW_RES;
    report(r->pe16 == 1 && r->push16 == 2, "16-bit protected mode: PE = 1, PUSH moves SP by 2 (%u)", r->push16);
    report(!(r->cr0_rm & CR0_PE), "real mode: CR0.PE = 0 (cr0 %x)", r->cr0_rm);
    report(r->seg_ok == 1, "real mode: linear address = segment * 16 + offset");
    report(r->opsize == 0x12345678, "real mode: operand-size prefix gives 32-bit operands");
    report(r->int_flag == 1 && r->int_sp_ok == 1, "real mode: INT 50H through the IVT and IRET");
    report(r->de_count == 1 && r->de_ip == (uint16_t)(uint64_t)modes_de_off && r->de_cs == 0,
           "real mode: #DE through IVT entry 0 with IP of the DIV (ip %x)", r->de_ip);
    report(r->back_pe == 1, "back to 32-bit protected mode from real mode");
    report(rdmsr(MSR_EFER) & EFER_LMA, "back in 64-bit mode after real mode");
}

/* MOV to CR0/CR4 and WRMSR IA32_EFER that would break IA-32e mode or
 * set an invalid combination fault #GP(0) (SDM Vol.2 MOV "Move to/from
 * Control Registers" Protected Mode Exceptions; Vol.3 10.8.5; Vol.4
 * IA32_EFER: LME cannot change while paging is on). */
typedef struct CrWrite { int reg; uint64_t value; } CrWrite;
static void cr_write(void *a)
{
    const CrWrite *w = a;
    if (w->reg == 0)
        write_cr0(w->value);
    else if (w->reg == 4)
        write_cr4(w->value);
    else
        wrmsr(MSR_EFER, w->value);
}

static bool cr_gp(int reg, uint64_t value)
{
    RtExc e;
    CrWrite w = { reg, value };
    return exc_catch(EXC_GP, cr_write, &w, &e) && e.error_code == 0;
}

static void test_control_register_checks(void)
{
    uint64_t cr0 = read_cr0(), cr4 = read_cr4(), efer = rdmsr(MSR_EFER);
    report(cr_gp(0, cr0 & ~(uint64_t)CR0_PE), "CR0.PG = 1 with PE = 0: #GP(0)");
    report(cr_gp(0, cr0 | (1ULL << 29)), "CR0.NW = 1 with CD = 0: #GP(0)");
    report(cr_gp(0, cr0 | (1ULL << 32)), "CR0 bit 32 (reserved): #GP(0)");
    report(cr_gp(4, cr4 & ~(uint64_t)CR4_PAE), "IA-32e mode: clearing CR4.PAE: #GP(0)");
    report(cr_gp(4, cr4 | (1ULL << 15)), "CR4 bit 15 (reserved): #GP(0)");
    if (cpuid(7, 0).c & (1u << 16))
        report(cr_gp(4, cr4 | (1ULL << 12)), "IA-32e mode: setting CR4.LA57: #GP(0)");
    else
        report_skip("LA57 not in CPUID.(EAX=7,ECX=0):ECX[16]");
    report(cr_gp(8, efer & ~(uint64_t)EFER_LME), "clearing EFER.LME with paging on: #GP(0)");
    /* Last: an implementation that lacks this check leaves IA-32e mode
     * under the running 64-bit code (QEMU 7.2's TCG does, and hangs). */
    report(cr_gp(0, cr0 & ~(uint64_t)CR0_PG), "64-bit mode: clearing CR0.PG: #GP(0)");
    report(read_cr0() == cr0 && read_cr4() == cr4 && rdmsr(MSR_EFER) == efer,
           "the faulting writes changed nothing");
}

void test_main(void)
{
    test_64bit();
    test_compat();
    test_legacy32();
    test_real();
    test_control_register_checks();
}
