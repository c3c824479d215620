/*
 * tests/guest/runtime/exc.c: what happens when an interrupt or exception
 * reaches the runtime: a hook installed by the test, the return from
 * run_user(), an expected exception caught by exc_catch(), or a fatal
 * unexpected exception. Also the entry to CPL 3 by IRETQ (SDM Vol.3 6.14.3
 * "IRET in IA-32e Mode").
 */
#include "rt.h"

/* Code that runs inside an interrupt handler must leave the SSE registers
 * of the interrupted code alone (isr.S saves only the GPRs). */
#pragma GCC target("general-regs-only")

typedef struct RtJmpBuf { uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags; } RtJmpBuf;
int rt_setjmp(RtJmpBuf *b) __attribute__((returns_twice));
__attribute__((noreturn)) void rt_longjmp(RtJmpBuf *b, int v);
void rt_exception(RtFrame *f);
void rt_user_entry(void);

typedef struct RtCatch {
    int vec;
    RtExc *rec;
    RtJmpBuf buf;
    int start_count;
} RtCatch;

static RtHook rt_hooks[256];
static RtCatch *rt_catch;
static RtJmpBuf *rt_user_return;
static int rt_exc_count;
static uint8_t rt_user_stack[16384] __attribute__((aligned(16)));

void exc_set_hook(int vec, RtHook hook)
{
    rt_hooks[vec] = hook;
}

static void dump_frame(const RtFrame *f)
{
    rt_printf("# vector %u error code 0x%lx at %lx:%lx rflags %lx rsp %lx:%lx cr2 %lx\n",
              (unsigned)f->vector, f->error_code, f->cs, f->rip, f->rflags, f->ss, f->rsp,
              read_cr2());
    rt_printf("# rax %lx rbx %lx rcx %lx rdx %lx rsi %lx rdi %lx rbp %lx\n",
              f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rbp);
}

void rt_exception(RtFrame *f)
{
    rt_exc_count++;
    int v = (int)f->vector;
    if (rt_hooks[v]) {
        rt_hooks[v](f);
        return;
    }
    if (v == RT_VEC_USER_EXIT && rt_user_return)
        rt_longjmp(rt_user_return, 1);
    RtCatch *c = rt_catch;
    if (c && (c->vec == EXC_ANY || c->vec == v)) {
        RtExc *r = c->rec;
        r->vector = v;
        r->error_code = f->error_code;
        r->rip = f->rip;
        r->cs = f->cs;
        r->rflags = f->rflags;
        r->rsp = f->rsp;
        r->ss = f->ss;
        r->cr2 = read_cr2();
        r->count = rt_exc_count - c->start_count;
        rt_longjmp(&c->buf, 1);
    }
    rt_printf("# unexpected exception %d\n", v);
    dump_frame(f);
    rt_exit(1);
}

bool exc_catch(int vec, void (*fn)(void *), void *arg, RtExc *rec)
{
    RtCatch c = { .vec = vec, .rec = rec, .start_count = rt_exc_count };
    RtCatch *prev = rt_catch;
    *rec = (RtExc){ .vector = -1 };
    if (rt_setjmp(&c.buf) == 0) {
        rt_catch = &c;
        fn(arg);
        rt_catch = prev;
        return false;
    }
    rt_catch = prev;
    return true;
}

void run_user(void (*fn)(void *), void *arg)
{
    RtJmpBuf b;
    RtJmpBuf *prev = rt_user_return;
    if (rt_setjmp(&b) == 0) {
        rt_user_return = &b;
        /* IRETQ to CPL 3: pops RIP, CS, RFLAGS, RSP, SS (SDM Vol.2 IRET). */
        __asm__ volatile(
            "pushq %[ss]\n\t"
            "pushq %[rsp]\n\t"
            "pushq $2\n\t"
            "pushq %[cs]\n\t"
            "pushq %[rip]\n\t"
            "iretq"
            :: [ss] "i"(SEL_UDATA | 3), [rsp] "r"((uint64_t)&rt_user_stack[sizeof rt_user_stack]),
               [cs] "i"(SEL_UCODE64 | 3), [rip] "r"((uint64_t)rt_user_entry),
               "D"(fn), "S"(arg)
            : "memory");
        __builtin_unreachable();
    }
    rt_user_return = prev;
    __asm__ volatile("mov %0, %%ds; mov %0, %%es" :: "r"(SEL_DATA));
}

__asm__(
    ".text\n"
    "rt_user_entry:\n\t"
    "mov %rdi, %rax\n\t"
    "mov %rsi, %rdi\n\t"
    "call *%rax\n\t"
    "int $0x81\n\t"
    "ud2\n");
