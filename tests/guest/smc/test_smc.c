/*
 * tests/guest/smc/test_smc.c: self-modifying code (SDM Vol.3 11.6
 * "Self-Modifying Code": a write to a code location takes effect for
 * later execution; on P6 and later processors even an instruction already
 * prefetched is re-fetched) and instructions that span a page boundary
 * (SDM Vol.3 4.7: a fetch fault on the second page is reported for the
 * instruction, with CR2 the address on the second page that faulted).
 * vmxsim caches decoded instructions by physical address, so these also
 * test its invalidation: same address, alias address, next instruction,
 * the second page of a straddling instruction.
 */
#include "rt.h"

#define WIN 0x08000000ULL
static uint8_t code[2][4096] __attribute__((aligned(4096)));
static volatile uint64_t pt[512] __attribute__((aligned(4096)));

typedef uint32_t (*Fn)(void);

static void emit_mov_eax_ret(uint8_t *p, uint32_t v)
{
    p[0] = 0xB8;                                  /* MOV EAX, imm32 */
    memcpy(p + 1, &v, 4);
    p[5] = 0xC3;                                  /* RET */
}

static void test_rewrite_executed(void)
{
    uint8_t *p = code[0];
    emit_mov_eax_ret(p, 1);
    uint32_t a = ((Fn)p)();
    ((volatile uint8_t *)p)[1] = 2;
    uint32_t b = ((Fn)p)();
    report(a == 1 && b == 2, "rewritten immediate of an executed instruction takes effect (%u, %u)", a, b);
    for (uint32_t i = 3; i < 50; i++)
        ((volatile uint8_t *)p)[1] = (uint8_t)i;
    report(((Fn)p)() == 49, "the last of many rewrites takes effect");
    /* Replace the instruction itself: XOR EAX,EAX; DEC EAX; RET */
    static const uint8_t other[] = { 0x31, 0xC0, 0xFF, 0xC8, 0xC3 };
    memcpy(p, other, sizeof other);
    report(((Fn)p)() == 0xFFFFFFFFu, "a different instruction at the same address runs");
}

static void test_next_instruction(void)
{
    /* MOVB $2, 1(%rip) writes the immediate of the very next
     * instruction: MOV EAX, 1 -> MOV EAX, 2. */
    static const uint8_t prog[] = {
        0xC6, 0x05, 0x01, 0x00, 0x00, 0x00, 0x02,   /* movb $2, 1(%rip) */
        0xB8, 0x01, 0x00, 0x00, 0x00,               /* mov $1, %eax */
        0xC3,
    };
    uint8_t *p = code[0] + 64;
    memcpy(p, prog, sizeof prog);
    uint32_t first = ((Fn)p)();
    report(first == 2, "a store to the next instruction is seen when it executes (eax %u)", first);
    report(p[8] == 2, "the store reached memory");
}

static void test_alias_write(void)
{
    /* Write through a second linear address of the same page (4-level
     * PTE in a window), execute through the first. */
    volatile uint64_t *pde = rt_pde_2m(WIN);
    uint64_t saved = *pde;
    for (int i = 0; i < 512; i++)
        pt[i] = 0;
    *pde = (uint64_t)pt | PTE_P | PTE_W;
    pt[0] = (uint64_t)code[1] | PTE_P | PTE_W;
    write_cr3(read_cr3());
    uint8_t *p = code[1] + 128;
    emit_mov_eax_ret(p, 7);
    uint32_t a = ((Fn)p)();
    ((volatile uint8_t *)(WIN + 128))[1] = 8;
    uint32_t b = ((Fn)p)();
    report(a == 7 && b == 8, "a write through an alias linear address takes effect (%u, %u)", a, b);
    *pde = saved;
    write_cr3(read_cr3());
}

static void test_cross_page(void)
{
    /* MOV EAX, imm32 starting 2 bytes before the page end: opcode and
     * one immediate byte on page 0, three bytes and RET on page 1. */
    uint8_t *p = code[1] - 2;
    emit_mov_eax_ret(p, 0x11223344);
    report(((Fn)p)() == 0x11223344, "an instruction spanning two pages executes");
    ((volatile uint8_t *)code[1])[2] = 0x55;     /* top immediate byte, on page 1 */
    report(((Fn)p)() == 0x55223344, "rewriting its part on the second page takes effect");

    /* Second page not present: #PF for the instruction (RIP = its
     * start), CR2 = the second page, I/D set with NXE = 1. */
    volatile uint64_t *pde = rt_pde_2m(WIN);
    uint64_t saved = *pde;
    for (int i = 0; i < 512; i++)
        pt[i] = 0;
    *pde = (uint64_t)pt | PTE_P | PTE_W;
    pt[0] = (uint64_t)code[0] | PTE_P | PTE_W;
    uint64_t efer = rdmsr(MSR_EFER);
    wrmsr(MSR_EFER, efer | EFER_NXE);
    write_cr3(read_cr3());
    RtExc e;
    bool caught = exc_catch(EXC_PF, (void (*)(void *))(WIN + 4096 - 2), NULL, &e);
    report(caught && e.rip == WIN + 4096 - 2 && e.cr2 == WIN + 4096 && e.error_code == 0x10,
           "second page not present: #PF at the instruction, CR2 = page 2 (rip %lx cr2 %lx err %lx)",
           e.rip, e.cr2, e.error_code);
    /* Map the second page: the same instruction now runs. */
    pt[1] = (uint64_t)code[1] | PTE_P | PTE_W;
    invlpg((void *)(WIN + 4096));
    uint32_t v = ((Fn)(WIN + 4096 - 2))();
    report(v == 0x55223344, "after mapping the second page the instruction runs");
    wrmsr(MSR_EFER, efer);
    *pde = saved;
    write_cr3(read_cr3());
}

void test_main(void)
{
    test_rewrite_executed();
    test_next_instruction();
    test_alias_write();
    test_cross_page();
}
