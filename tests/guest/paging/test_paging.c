/*
 * tests/guest/paging/test_paging.c: linear-address translation as SDM
 * Vol.3 chapter 4 "Paging" specifies it: 32-bit paging with 4 KiB and
 * 4 MiB pages (4.3), PAE paging (4.4), 4-level paging with 4 KiB, 2 MiB
 * and 1 GiB pages (4.5), accessed and dirty flags (4.8), access rights
 * U/S, R/W with CR0.WP, NX, SMEP, SMAP and protection keys (4.6),
 * reserved bits (4.5 Table 4-19 etc.), page-fault error codes and CR2
 * (4.7 "Page-Fault Exceptions"), INVLPG (4.10.4.1), and PCID basics
 * (4.10.1 "Process-Context Identifiers").
 */
#include "rt.h"

#define PF_P    0x1
#define PF_W    0x2
#define PF_U    0x4
#define PF_RSVD 0x8
#define PF_I    0x10

/* Test window for 4-level paging: one 2 MiB PDE of the boot tables
 * points to our page table, whose PTEs map our frames. */
#define WIN 0x08000000ULL
static volatile uint64_t pt[512] __attribute__((aligned(4096)));
static uint8_t frame[4][4096] __attribute__((aligned(4096)));

void pg_read(void *);
void pg_write(void *);
void pg_user_read(void *);
void pg_user_write(void *);
__asm__(
    ".text\n"
    "pg_read: mov (%rdi), %rax\n\t ret\n"
    "pg_write: movq $0x5a, (%rdi)\n\t ret\n"
    "pg_user_read: mov (%rdi), %rax\n\t ret\n"
    "pg_user_write: movq $0x5a, (%rdi)\n\t ret\n");

static void flush(void)
{
    write_cr3(read_cr3());
}

static uint64_t pa(const volatile void *p)
{
    return (uint64_t)p;     /* identity-mapped */
}

static void map(int i, int f, uint64_t flags)
{
    pt[i] = pa(frame[f]) | flags;
    flush();
}

/* Runs an access; returns the #PF error code, or -1 without a fault. */
static int64_t access_pf(void (*fn)(void *), uint64_t addr, uint64_t *cr2)
{
    RtExc e;
    if (!exc_catch(EXC_PF, fn, (void *)addr, &e))
        return -1;
    if (cr2)
        *cr2 = e.cr2;
    return (int64_t)e.error_code;
}

static void *user_target;
static void (*user_fn)(void *);
static void user_thunk(void *arg)
{
    run_user(user_fn, user_target);
}

static int64_t user_access_pf(void (*fn)(void *), uint64_t addr)
{
    RtExc e;
    user_fn = fn;
    user_target = (void *)addr;
    if (!exc_catch(EXC_PF, user_thunk, NULL, &e))
        return -1;
    return (int64_t)e.error_code;
}

static void test_4level_basic(void)
{
    volatile uint64_t *pde = rt_pde_2m(WIN);
    uint64_t saved = *pde;
    *pde = pa(pt) | PTE_P | PTE_W | PTE_U;
    for (int i = 0; i < 512; i++)
        pt[i] = 0;
    map(0, 0, PTE_P | PTE_W);
    *(volatile uint64_t *)frame[0] = 0x1122334455667788ULL;
    report(*(volatile uint64_t *)WIN == 0x1122334455667788ULL, "4-level 4 KiB page maps its frame");

    /* Not present: error code 0 (read) or W (write); CR2 = the address. */
    uint64_t cr2 = 0;
    int64_t err = access_pf(pg_read, WIN + 0x1008, &cr2);
    report(err == 0 && cr2 == WIN + 0x1008, "read of a not-present page: #PF(0), CR2 = address (err %ld cr2 %lx)", err, cr2);
    err = access_pf(pg_write, WIN + 0x1010, &cr2);
    report(err == PF_W && cr2 == WIN + 0x1010, "write to a not-present page: #PF(W) (err %ld)", err);

    /* A/D flags: set by the processor on access / write (SDM 4.8). */
    map(1, 1, PTE_P | PTE_W);
    *pde &= ~PTE_A;
    flush();
    (void)*(volatile uint64_t *)(WIN + 0x1000);
    report((pt[1] & PTE_A) && !(pt[1] & PTE_D), "read sets A, not D, in the PTE");
    report((*pde & PTE_A) != 0, "read sets A in the PDE that references the page table");
    *(volatile uint64_t *)(WIN + 0x1000) = 1;
    report((pt[1] & PTE_D) != 0, "write sets D in the PTE");

    /* R/W = 0 with CR0.WP: supervisor writes fault only when WP = 1. */
    map(2, 2, PTE_P);
    write_cr0(read_cr0() & ~(uint64_t)CR0_WP);
    err = access_pf(pg_write, WIN + 0x2000, NULL);
    report(err == -1 && frame[2][0] == 0x5a, "supervisor write to a read-only page with WP = 0 succeeds");
    write_cr0(read_cr0() | CR0_WP);
    err = access_pf(pg_write, WIN + 0x2000, NULL);
    report(err == (PF_P | PF_W), "supervisor write to a read-only page with WP = 1: #PF(P|W) (err %ld)", err);
    write_cr0(read_cr0() & ~(uint64_t)CR0_WP);

    /* INVLPG makes a changed PTE take effect. */
    (void)*(volatile uint64_t *)WIN;
    pt[0] = pa(frame[3]) | PTE_P | PTE_W;
    *(volatile uint64_t *)frame[3] = 0xabcdef;
    invlpg((void *)WIN);
    report(*(volatile uint64_t *)WIN == 0xabcdef, "after INVLPG the new PTE is used");

    /* Reserved bit: a physical-address bit at or above MAXPHYADDR. A
     * reserved-bit fault reports P = 1 with RSVD (SDM 4.7: "bit 3 of the
     * error code can be set only if bit 0 is also set"); QEMU 7.2's TCG
     * reports RSVD alone. */
    unsigned maxphy = cpuid(0x80000000, 0).a >= 0x80000008 ? (cpuid(0x80000008, 0).a & 0xFF) : 36;
    if (maxphy < 52) {
        pt[4] = pa(frame[0]) | PTE_P | PTE_W | (1ULL << maxphy);
        flush();
        err = access_pf(pg_read, WIN + 0x4000, NULL);
        report(err == (PF_P | PF_RSVD), "PTE with bit %u (>= MAXPHYADDR) set: #PF(P|RSVD) (err %ld)", maxphy, err);
        pt[4] = 0;
    }

    /* U/S: user access to a supervisor page, user write to a read-only
     * user page. */
    volatile uint64_t *code_pde = rt_pde_2m((uint64_t)pg_user_read);
    *code_pde |= PTE_U;
    map(5, 0, PTE_P | PTE_W);
    map(6, 1, PTE_P | PTE_U);
    err = user_access_pf(pg_user_read, WIN + 0x5000);
    report(err == (PF_P | PF_U), "user read of a supervisor page: #PF(P|U) (err %ld)", err);
    err = user_access_pf(pg_user_read, WIN + 0x6000);
    report(err == -1, "user read of a user page succeeds");
    err = user_access_pf(pg_user_write, WIN + 0x6000);
    report(err == (PF_P | PF_W | PF_U), "user write to a read-only user page: #PF(P|W|U) (err %ld)", err);
    *code_pde &= ~PTE_U;
    flush();

    *pde = saved;
    flush();
}

static void test_nx(void)
{
    volatile uint64_t *pde = rt_pde_2m(WIN);
    uint64_t saved = *pde;
    *pde = pa(pt) | PTE_P | PTE_W | PTE_U;
    frame[0][0] = 0xC3;                                  /* RET */
    uint64_t efer = rdmsr(MSR_EFER);

    /* With EFER.NXE = 0, bit 63 is reserved (SDM 4.5 Table 4-19). */
    wrmsr(MSR_EFER, efer & ~(uint64_t)EFER_NXE);
    map(0, 0, PTE_P | PTE_W | PTE_NX);
    int64_t err = access_pf(pg_read, WIN, NULL);
    report(err == (PF_P | PF_RSVD), "XD bit with EFER.NXE = 0: reserved-bit #PF(P|RSVD) (err %ld)", err);

    wrmsr(MSR_EFER, efer | EFER_NXE);
    flush();
    err = access_pf(pg_read, WIN, NULL);
    report(err == -1, "XD page with NXE = 1 is readable");
    uint64_t cr2 = 0;
    err = access_pf((void (*)(void *))WIN, 0, &cr2);
    report(err == (PF_P | PF_I) && cr2 == WIN, "fetch from an XD page: #PF(P|I/D), CR2 = RIP (err %ld)", err);
    map(0, 0, PTE_P | PTE_W);
    err = access_pf((void (*)(void *))WIN, 0, NULL);
    report(err == -1, "fetch from a page without XD runs");
    pt[0] = 0;
    flush();
    err = access_pf((void (*)(void *))WIN, 0, &cr2);
    report(err == PF_I && cr2 == WIN, "fetch from a not-present page: #PF(I/D) (err %ld)", err);
    wrmsr(MSR_EFER, efer);
    *pde = saved;
    flush();
}

static void test_smep_smap(void)
{
    CpuidRegs l7 = cpuid(7, 0);
    volatile uint64_t *pde = rt_pde_2m(WIN);
    uint64_t saved = *pde;
    *pde = pa(pt) | PTE_P | PTE_W | PTE_U;
    frame[1][0] = 0xC3;
    map(1, 1, PTE_P | PTE_W | PTE_U);
    if (l7.b & (1u << 7)) {
        write_cr4(read_cr4() | CR4_SMEP);
        uint64_t cr2 = 0;
        int64_t err = access_pf((void (*)(void *))(WIN + 0x1000), 0, &cr2);
        report(err == (PF_P | PF_I) && cr2 == WIN + 0x1000,
               "SMEP: supervisor fetch from a user page: #PF(P|I/D) (err %ld)", err);
        write_cr4(read_cr4() & ~(uint64_t)CR4_SMEP);
        err = access_pf((void (*)(void *))(WIN + 0x1000), 0, NULL);
        report(err == -1, "without SMEP the fetch runs");
    } else {
        report_skip("SMEP not in CPUID.(EAX=7,ECX=0):EBX[7]");
    }
    if (l7.b & (1u << 20)) {
        write_cr4(read_cr4() | CR4_SMAP);
        int64_t err = access_pf(pg_read, WIN + 0x1000, NULL);
        report(err == PF_P, "SMAP: supervisor read of a user page with AC = 0: #PF(P) (err %ld)", err);
        err = access_pf(pg_write, WIN + 0x1000, NULL);
        report(err == (PF_P | PF_W), "SMAP: supervisor write with AC = 0: #PF(P|W) (err %ld)", err);
        __asm__ volatile("stac");
        err = access_pf(pg_read, WIN + 0x1000, NULL);
        __asm__ volatile("clac");
        report(err == -1, "SMAP: with RFLAGS.AC = 1 (STAC) the read succeeds");
        write_cr4(read_cr4() & ~(uint64_t)CR4_SMAP);
    } else {
        report_skip("SMAP not in CPUID.(EAX=7,ECX=0):EBX[20]");
    }
    *pde = saved;
    flush();
}

static void wrpkru(uint32_t v)
{
    __asm__ volatile("wrpkru" :: "a"(v), "c"(0), "d"(0) : "memory");
}

static void test_protection_keys(void)
{
    /* CR4.PKE: PTE bits 62:59 hold the key; PKRU bit 2k (AD) forbids data
     * access, bit 2k+1 (WD) writes, to user-mode pages with key k; the
     * #PF error code has PK (bit 5) (SDM 4.6.2 "Protection Keys"). */
    if (!(cpuid(7, 0).c & (1u << 3))) {
        report_skip("PKU not in CPUID.(EAX=7,ECX=0):ECX[3]");
        return;
    }
    volatile uint64_t *pde = rt_pde_2m(WIN);
    uint64_t saved = *pde;
    *pde = pa(pt) | PTE_P | PTE_W | PTE_U;
    volatile uint64_t *code_pde = rt_pde_2m((uint64_t)pg_user_read);
    *code_pde |= PTE_U;
    map(7, 2, PTE_P | PTE_W | PTE_U | (1ULL << 59));      /* key 1 */
    write_cr4(read_cr4() | (1ULL << 22));
    wrpkru(1u << 2);                                        /* AD1 */
    int64_t err = user_access_pf(pg_user_read, WIN + 0x7000);
    report(err == (PF_P | PF_U | 0x20), "PKRU.AD for the page's key: user read #PF(P|U|PK) (err %ld)", err);
    wrpkru(1u << 3);                                        /* WD1 */
    err = user_access_pf(pg_user_read, WIN + 0x7000);
    report(err == -1, "PKRU.WD alone: user read succeeds");
    err = user_access_pf(pg_user_write, WIN + 0x7000);
    report(err == (PF_P | PF_W | PF_U | 0x20), "PKRU.WD: user write #PF(P|W|U|PK) (err %ld)", err);
    wrpkru(0);
    err = user_access_pf(pg_user_write, WIN + 0x7000);
    report(err == -1, "PKRU = 0: user write succeeds");
    write_cr4(read_cr4() & ~(1ULL << 22));
    *code_pde &= ~PTE_U;
    *pde = saved;
    flush();
}

typedef struct CrValue { uint64_t v; } CrValue;
static void set_cr4(void *a) { write_cr4(((CrValue *)a)->v); }
typedef struct InvpcidArgs { uint64_t type; uint64_t desc[2]; } InvpcidArgs;
static void do_invpcid(void *a)
{
    InvpcidArgs *i = a;
    __asm__ volatile("invpcid %0, %1" :: "m"(i->desc), "r"(i->type) : "memory");
}

static void test_pcid(void)
{
    /* SDM Vol.2 MOV CR4: setting PCIDE with CR3[11:0] != 0 is #GP(0);
     * 4.10.1: with PCIDE = 1, CR3[11:0] is the PCID and bit 63 of a MOV
     * to CR3 ("do not invalidate") is not stored. */
    if (!(cpuid(1, 0).c & (1u << 17))) {
        report_skip("PCID not in CPUID.1:ECX[17]");
        return;
    }
    RtExc e;
    uint64_t cr3 = read_cr3(), cr4 = read_cr4();
    write_cr3(cr3 | 0x8);                                   /* PWT */
    CrValue v = { cr4 | (1ULL << 17) };
    bool gp = exc_catch(EXC_GP, set_cr4, &v, &e) && e.error_code == 0;
    write_cr3(cr3);
    report(gp && !(read_cr4() & (1ULL << 17)), "setting CR4.PCIDE with CR3[11:0] != 0: #GP(0)");
    write_cr4(cr4 | (1ULL << 17));
    write_cr3(cr3 | 5);
    report((read_cr3() & 0xFFF) == 5, "PCIDE = 1: CR3[11:0] holds PCID 5");
    write_cr3(cr3 | 5 | (1ULL << 63));
    report(read_cr3() == (cr3 | 5), "MOV to CR3 with bit 63 set: bit 63 is not stored");
    if (cpuid(7, 0).b & (1u << 10)) {
        InvpcidArgs a = { .type = 4 };
        report(exc_catch(EXC_GP, do_invpcid, &a, &e) && e.error_code == 0, "INVPCID type 4: #GP(0)");
        a = (InvpcidArgs){ .type = 0, .desc = { 4096, 0 } };
        report(exc_catch(EXC_GP, do_invpcid, &a, &e) && e.error_code == 0,
               "INVPCID type 0 with PCID 4096: #GP(0)");
        a = (InvpcidArgs){ .type = 2 };
        report(!exc_catch(EXC_ANY, do_invpcid, &a, &e), "INVPCID type 2 (all contexts) runs");
    } else {
        report_skip("INVPCID not in CPUID.(EAX=7,ECX=0):EBX[10]");
    }
    write_cr3(cr3);
    write_cr4(cr4);
}

static void test_large_pages(void)
{
    static volatile uint64_t marker = 0x600dcafe;
    /* 2 MiB page: a second alias of physical 0..2 MiB at WIN. */
    volatile uint64_t *pde = rt_pde_2m(WIN);
    uint64_t saved = *pde;
    *pde = 0 | PTE_P | PTE_W | PTE_PS;
    flush();
    report(*(volatile uint64_t *)(WIN + (uint64_t)&marker) == 0x600dcafe, "2 MiB page maps physical 0 at 128 MiB");
    report((*pde & PTE_A) != 0, "2 MiB PDE gets its A flag");
    *pde = saved;

    /* 1 GiB page in PDPT entry 4 (linear 4 GiB), when supported. */
    if (cpuid(0x80000001, 0).d & (1u << 26)) {
        extern volatile uint64_t rt_pdpt[512];
        rt_pdpt[4] = 0 | PTE_P | PTE_W | PTE_PS;
        flush();
        report(*(volatile uint64_t *)(0x100000000ULL + (uint64_t)&marker) == 0x600dcafe,
               "1 GiB page maps physical 0 at 4 GiB");
        rt_pdpt[4] = 0;
    } else {
        report_skip("1 GiB pages not in CPUID.80000001H:EDX[26]");
    }
    flush();
}

/* Legacy-mode paging through probe32.S */
typedef struct ProbeOp { uint32_t addr, write, wval, result, vec, err, cr2; } ProbeOp;
typedef struct Probe32 { uint32_t cr3, cr4, cr0, n; ProbeOp ops[8]; } Probe32;
uint32_t paging_probe32(uint32_t probe);

static volatile uint32_t pd32[1024] __attribute__((aligned(4096)));
static volatile uint32_t pt32[1024] __attribute__((aligned(4096)));
static volatile uint64_t pdpt_pae[4] __attribute__((aligned(32)));
static volatile uint64_t pd_pae[2][512] __attribute__((aligned(4096)));
static volatile uint64_t pt_pae[512] __attribute__((aligned(4096)));
static volatile Probe32 probe;

#define LIN32 0x40000000u

static void probe_op(int i, uint32_t addr, int write, uint32_t wval)
{
    probe.ops[i] = (ProbeOp){ .addr = addr, .write = (uint32_t)write, .wval = wval };
    probe.n = (uint32_t)i + 1;
}

static void run_probe(void)
{
    rt_call32((uint32_t)(uint64_t)paging_probe32, (uint32_t)(uint64_t)&probe);
}

static void test_32bit_paging(void)
{
    /* PDEs 0..255: 4 MiB pages identity-mapping 1 GiB (CR4.PSE = 1);
     * PDE 256 (linear 1 GiB) -> a page table (SDM 4.3). */
    for (uint32_t i = 0; i < 256; i++)
        pd32[i] = (i << 22) | 0x83;
    pd32[256] = (uint32_t)pa(pt32) | 0x7;
    for (int i = 0; i < 1024; i++)
        pt32[i] = 0;
    pt32[0] = (uint32_t)pa(frame[0]) | 0x3;
    pt32[1] = (uint32_t)pa(frame[1]) | 0x1;                /* read-only */
    pd32[300] = (uint32_t)pa(frame[2]) | 0x3 | 0x80 | (1u << 21); /* PSE: bit 21 reserved */
    *(volatile uint32_t *)frame[0] = 0x32323232;
    probe = (Probe32){ .cr3 = (uint32_t)pa(pd32), .cr4 = CR4_PSE, .cr0 = CR0_WP };
    probe_op(0, LIN32, 0, 0);
    probe_op(1, LIN32 + 0x2004, 0, 0);
    probe_op(2, LIN32 + 0x1000, 1, 7);
    probe_op(3, LIN32 + 0x8, 1, 9);
    probe_op(4, 300u << 22, 0, 0);
    run_probe();
    report(probe.ops[0].vec == (uint32_t)-1 && probe.ops[0].result == 0x32323232, "32-bit paging: 4 KiB page maps its frame");
    report(probe.ops[1].vec == EXC_PF && probe.ops[1].err == 0 && probe.ops[1].cr2 == LIN32 + 0x2004,
           "32-bit paging: not-present read: #PF(0), CR2 (err %x cr2 %x)", probe.ops[1].err, probe.ops[1].cr2);
    report(probe.ops[2].vec == EXC_PF && probe.ops[2].err == (PF_P | PF_W),
           "32-bit paging: write to read-only with WP: #PF(P|W) (err %x)", probe.ops[2].err);
    report((pt32[0] & 0x60) == 0x60 && (pd32[256] & 0x20), "32-bit paging: A and D set in PTE, A in PDE");
    report(probe.ops[4].vec == EXC_PF && probe.ops[4].err == (PF_P | PF_RSVD),
           "32-bit paging: 4 MiB PDE with bit 21 set: #PF(P|RSVD) (err %x)", probe.ops[4].err);
    report((pd32[0] & 0x20) != 0, "32-bit paging: 4 MiB PDE gets its A flag");
}

static void test_pae_paging(void)
{
    /* PDPTE 0 -> PD of 2 MiB pages for 0..1 GiB; PDPTE 1 -> PD whose
     * PDE 0 -> PT for linear 1 GiB (SDM 4.4). */
    for (uint64_t i = 0; i < 512; i++)
        pd_pae[0][i] = (i << 21) | 0x83;
    for (int i = 0; i < 512; i++) {
        pd_pae[1][i] = 0;
        pt_pae[i] = 0;
    }
    pd_pae[1][0] = pa(pt_pae) | 0x7;
    pdpt_pae[0] = pa(pd_pae[0]) | 1;
    pdpt_pae[1] = pa(pd_pae[1]) | 1;
    pdpt_pae[2] = 0;
    pdpt_pae[3] = 0;
    pt_pae[0] = pa(frame[1]) | 0x3;
    pt_pae[1] = pa(frame[2]) | 0x1;
    *(volatile uint32_t *)frame[1] = 0xAEAEAEAE;
    probe = (Probe32){ .cr3 = (uint32_t)pa(pdpt_pae), .cr4 = CR4_PAE, .cr0 = CR0_WP };
    probe_op(0, LIN32, 0, 0);
    probe_op(1, LIN32 + 0x3000, 1, 1);
    probe_op(2, LIN32 + 0x1000, 1, 2);
    probe_op(3, LIN32 + 4, 1, 3);
    run_probe();
    report(probe.ops[0].vec == (uint32_t)-1 && probe.ops[0].result == 0xAEAEAEAE, "PAE paging: 4 KiB page maps its frame");
    report(probe.ops[1].vec == EXC_PF && probe.ops[1].err == PF_W && probe.ops[1].cr2 == LIN32 + 0x3000,
           "PAE paging: not-present write: #PF(W), CR2 (err %x)", probe.ops[1].err);
    report(probe.ops[2].vec == EXC_PF && probe.ops[2].err == (PF_P | PF_W),
           "PAE paging: write to read-only with WP: #PF(P|W) (err %x)", probe.ops[2].err);
    report((pt_pae[0] & 0x60) == 0x60 && (pd_pae[1][0] & 0x20), "PAE paging: A and D set in PTE, A in PDE");
}

void test_main(void)
{
    test_4level_basic();
    test_nx();
    test_smep_smap();
    test_protection_keys();
    test_pcid();
    test_large_pages();
    test_32bit_paging();
    test_pae_paging();
}
