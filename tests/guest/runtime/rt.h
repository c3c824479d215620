/*
 * tests/guest/runtime/rt.h: the guest test runtime's API. An image
 * defines `void test_main(void)`; the runtime boots it in 64-bit mode at
 * CPL 0 with the first 4 GiB identity-mapped (2 MiB pages, supervisor,
 * writable), a GDT (selectors in rt_layout.h), a 64-bit TSS with RSP0 and
 * IST1..IST7 stacks, and an IDT whose 256 gates all lead to
 * rt_exception(). When test_main returns it prints "N passed, M failed"
 * and leaves through the isa-debug-exit port 0xF4 with 0 (all passed) or
 * 1 (some failed), so the simulator or QEMU exits with status 1 or 3.
 *
 * The runtime runs on one CPU with interrupts off; its state (console
 * selection, counters, the active catch) is ordinary file-scope data of
 * the guest, not of the simulator.
 */
#ifndef RT_H
#define RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "x86.h"

/* Exception vectors, SDM Vol.3 Table 6-1 */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
    EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12,
    EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18,
    EXC_XM = 19, EXC_VE = 20, EXC_CP = 21,
    EXC_ANY = -1,
};

/* Interrupt frame as rt_isr_common leaves it: saved GPRs, then the
 * vector and error code (zero when the processor pushes none), then the
 * processor's 64-bit frame (SDM Vol.3 6.14.2). */
typedef struct RtFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
} RtFrame;

/* Console and test reporting */
void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rt_vprintf(const char *fmt, va_list ap);
void rt_puts(const char *s);
void rt_putc(char c);
/* Records one TAP line "ok N - name" or "not ok N - name"; returns cond. */
bool report(bool cond, const char *name, ...) __attribute__((format(printf, 2, 3)));
/* Prints "# SKIP name" without counting. */
void report_skip(const char *name, ...) __attribute__((format(printf, 1, 2)));
/* Leaves through port 0xF4 (status (code << 1) | 1); never returns. */
__attribute__((noreturn)) void rt_exit(int code);
/* Prints the message and state and fails the image. */
__attribute__((noreturn)) void rt_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The Multiboot command line (empty string when there is none). */
const char *rt_cmdline(void);

/* Descriptor tables */
extern uint64_t rt_gdt[GDT_ENTRIES];
void gdt_set(uint16_t sel, uint64_t desc);
/* Builds a code/data descriptor: base, limit (20-bit field), access byte
 * (P DPL S type), flags nibble (G D/B L AVL). SDM Vol.3 3.4.5. */
uint64_t gdt_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags);
/* Sets IDT gate `vec` to `handler` (type 0xE interrupt / 0xF trap
 * gate, SDM Vol.3 6.14.1); handler NULL means the runtime's stub. */
void idt_set(int vec, void *handler, uint16_t sel, int type, int dpl, int ist);
void *rt_idt_stub(int vec);
/* TSS fields (SDM Vol.3 8.7 "Task Management in 64-bit Mode") */
void tss_set_rsp0(uint64_t rsp);
void tss_set_ist(int n, uint64_t rsp);
uint64_t tss_ist_top(int n);            /* the runtime's stack for IST n */

/* Exceptions. A hook runs on the interrupt frame and returns; IRETQ then
 * resumes at frame->rip (it may change the frame). */
typedef void (*RtHook)(RtFrame *f);
void exc_set_hook(int vec, RtHook hook);

typedef struct RtExc {
    int vector;          /* -1 when no exception happened */
    uint64_t error_code;
    uint64_t rip, cs, rflags, rsp, ss;
    uint64_t cr2;        /* CR2 at delivery, for #PF */
    int count;           /* how many exceptions were delivered (nested: #DF) */
} RtExc;

/* Runs fn(arg). When an exception with vector `vec` (or any, for EXC_ANY)
 * is delivered before fn returns, execution continues here: the record
 * says what was delivered and the call returns true. Any other exception
 * is fatal (rt_panic). Returns false when fn returned normally. */
bool exc_catch(int vec, void (*fn)(void *), void *arg, RtExc *rec);

/* Runs fn(arg) at CPL 3 in 64-bit mode (user code selector, its own
 * stack) entered by IRETQ; returns when fn returns (through INT
 * RT_VEC_USER_EXIT, a DPL-3 interrupt gate). The pages fn and its stack
 * touch must be user pages: see rt_pde_2m(). */
#define RT_VEC_USER_EXIT 0x81
void run_user(void (*fn)(void *), void *arg);

/* 32-bit code (cdecl, uint32_t fn(uint32_t), written in .code32
 * assembly): rt_call_compat runs it in compatibility mode (64-bit IDT,
 * paging on); rt_call32 in legacy 32-bit protected mode with paging off,
 * CR4 as before, and a 32-bit IDT whose handlers fill rt_exc32 and resume
 * at rt_exc32.fixup (set it before each expected fault). */
typedef struct RtExc32 { uint32_t vector, error_code, eip, cr2, fixup, count; } RtExc32;
extern volatile RtExc32 rt_exc32;
uint32_t rt_call32(uint32_t fn, uint32_t arg);
uint32_t rt_call_compat(uint32_t fn, uint32_t arg);

/* Paging: the 2 MiB PDE mapping address `va` in the boot tables. */
volatile uint64_t *rt_pde_2m(uint64_t va);
#define PTE_P   0x1ULL
#define PTE_W   0x2ULL
#define PTE_U   0x4ULL
#define PTE_A   0x20ULL
#define PTE_D   0x40ULL
#define PTE_PS  0x80ULL
#define PTE_G   0x100ULL
#define PTE_NX  (1ULL << 63)
extern uint64_t rt_pml4[512];

/* Freestanding string helpers (the compiler may call these) */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* Provided by each image. */
void test_main(void);

#endif
