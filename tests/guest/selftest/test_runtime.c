/*
 * tests/guest/selftest/test_runtime.c: checks the guest runtime's own
 * mechanisms every other image relies on: we are in 64-bit mode at CPL 0
 * with paging (SDM Vol.3 10.8.5 "Initializing IA-32e Mode"), exc_catch()
 * reports the faulting RIP of a fault, a hook can resume after a trap, and
 * run_user() enters CPL 3 and comes back.
 */
#include "rt.h"

void st_ud2(void *);
void st_int3(void *);
void st_int3_after(void);
void st_read_cs(void *);
__asm__(
    ".text\n"
    "st_ud2: ud2\n\t ret\n"
    "st_int3: int3\n"
    "st_int3_after: ret\n"
    "st_read_cs: mov %cs, %eax\n\t mov %eax, (%rdi)\n\t ret\n");

static void nothing(void *arg) { (void)arg; }

static int hook_hits;
static void bp_hook(RtFrame *f)
{
    hook_hits++;
    (void)f;
}

void test_main(void)
{
    RtExc e;
    uint64_t efer = rdmsr(MSR_EFER);
    report((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA), "IA32_EFER.LME and LMA set");
    report((read_cr0() & (CR0_PE | CR0_PG)) == (CR0_PE | CR0_PG), "CR0.PE and CR0.PG set");
    report(read_cs() == SEL_CODE64, "running in the 64-bit code segment at CPL 0");

    report(!exc_catch(EXC_ANY, nothing, NULL, &e) && e.vector == -1, "exc_catch without exception");
    report(exc_catch(EXC_UD, st_ud2, NULL, &e) && e.vector == EXC_UD, "exc_catch catches #UD");
    /* A fault reports the address of the faulting instruction (SDM Vol.3
     * 6.5 "Exception Classifications"). */
    report(e.rip == (uint64_t)st_ud2 && e.cs == SEL_CODE64, "#UD saved RIP is the UD2");

    /* A trap reports the next instruction; returning from the hook
     * resumes there (SDM Vol.3 6.5). */
    exc_set_hook(EXC_BP, bp_hook);
    st_int3(NULL);
    exc_set_hook(EXC_BP, NULL);
    report(hook_hits == 1, "hook on #BP runs and execution resumes after INT3");
    report(exc_catch(EXC_BP, st_int3, NULL, &e) && e.rip == (uint64_t)st_int3_after,
           "#BP saved RIP is the instruction after INT3");

    /* CPL 3: the image's 2 MiB page becomes a user page. */
    volatile uint64_t *pde = rt_pde_2m((uint64_t)st_read_cs);
    *pde |= PTE_U;
    invlpg((void *)st_read_cs);
    static uint32_t user_cs;
    run_user(st_read_cs, &user_cs);
    *pde &= ~PTE_U;
    invlpg((void *)st_read_cs);
    report(user_cs == (SEL_UCODE64 | 3), "run_user runs at CPL 3 (CS 0x%x)", user_cs);
    report(read_cs() == SEL_CODE64 && read_ss() == SEL_DATA, "back at CPL 0 after run_user");
}
