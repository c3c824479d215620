/*
 * tests/guest/segmentation/test_segmentation.c: segment-register loads
 * and segment-limit checks. Limit and type checks run in compatibility
 * mode, where segmentation works as in legacy protected mode (SDM Vol.3
 * 5.2 "Fields and Flags Used for Segment-Level and Page-Level
 * Protection", 5.3 "Limit Checking", 3.4.5.1 "Code- and Data-Segment
 * Descriptor Types"); exceptions still arrive through the 64-bit IDT.
 * Loads follow the checks of SDM Vol.2 MOV "Protected Mode Exceptions"
 * and Vol.3 5.7 "Privilege Level Checking When Accessing Data Segments",
 * 5.7.1 "Accessing Data in Code Segments", 5.8 "Privilege Level Checking
 * When Loading the SS Register". 64-bit mode ignores limits and base
 * except for FS and GS (3.2.4 "Segmentation in IA-32e Mode").
 *
 * QEMU's TCG does not check segment limits, segment writability or null
 * selectors on access, so the limit checks here fail under QEMU; they
 * follow the SDM.
 */
#include "rt.h"

#define SEL_LIMITED  (SEL_TEST0 + 0x00)
#define SEL_EXPDOWN  (SEL_TEST0 + 0x08)
#define SEL_RODATA   (SEL_TEST0 + 0x10)
#define SEL_NOTPRES  (SEL_TEST0 + 0x18)
#define SEL_XONLY    (SEL_TEST0 + 0x20)
#define SEL_XREAD    (SEL_TEST0 + 0x28)
#define SEL_SMALLSS  (SEL_TEST0 + 0x30)
#define SEL_DPL3DATA (SEL_TEST0 + 0x38)

typedef struct SegAccess { uint32_t sel, off, result; } SegAccess;
void sg_es_read(void);
void sg_es_write(void);
void sg_ds_read(void);
void sg_ss_read(void);
__asm__(
    ".text\n .code32\n"
    /* uint32_t f(SegAccess *a): load the selector, access at the offset */
    "sg_es_read: mov 4(%esp), %edx\n\t mov (%edx), %eax\n\t mov %eax, %es\n\t"
    " mov 4(%edx), %ecx\n\t mov %es:(%ecx), %eax\n\t mov %eax, 8(%edx)\n\t"
    " mov $0x10, %eax\n\t mov %eax, %es\n\t ret\n"
    "sg_es_write: mov 4(%esp), %edx\n\t mov (%edx), %eax\n\t mov %eax, %es\n\t"
    " mov 4(%edx), %ecx\n\t movl $0x77, %es:(%ecx)\n\t"
    " mov $0x10, %eax\n\t mov %eax, %es\n\t ret\n"
    "sg_ds_read: mov 4(%esp), %edx\n\t mov 4(%edx), %ecx\n\t mov (%edx), %eax\n\t mov %eax, %ds\n\t"
    " mov (%ecx), %eax\n\t mov $0x10, %ecx\n\t mov %ecx, %ds\n\t mov %eax, 8(%edx)\n\t ret\n"
    "sg_ss_read: mov 4(%esp), %edx\n\t mov 4(%edx), %ecx\n\t mov (%edx), %eax\n\t mov %eax, %ss\n\t"
    " mov %ss:(%ecx), %eax\n\t mov $0x10, %ecx\n\t mov %ecx, %ss\n\t mov %eax, 8(%edx)\n\t ret\n"
    ".code64\n");

static uint8_t seg_mem[0x3000] __attribute__((aligned(4096)));
static SegAccess acc;
static void (*compat_fn)(void);

static void in_compat(void *unused)
{
    rt_call_compat((uint32_t)(uint64_t)compat_fn, (uint32_t)(uint64_t)&acc);
}

/* Runs fn in compatibility mode on selector sel at offset off; returns
 * the exception vector (-1 for none) and its error code. */
static int seg_try(void (*fn)(void), uint16_t sel, uint32_t off, uint64_t *err)
{
    RtExc e;
    acc = (SegAccess){ .sel = sel, .off = off, .result = 0 };
    compat_fn = fn;
    exc_catch(EXC_ANY, in_compat, NULL, &e);
    if (err)
        *err = e.error_code;
    return e.vector;
}

static void setup_descriptors(void)
{
    uint32_t base = (uint32_t)(uint64_t)seg_mem;
    /* access byte: P | DPL | S | type; flags: G D/B L AVL */
    gdt_set(SEL_LIMITED, gdt_desc(base, 0xFFF, 0x93, 0x4));   /* data RW, 4 KiB */
    gdt_set(SEL_EXPDOWN, gdt_desc(base, 0xFFF, 0x97, 0x0));   /* data RW expand-down, B = 0 */
    gdt_set(SEL_RODATA, gdt_desc(base, 0xFFFF, 0x91, 0x4));   /* data read-only */
    gdt_set(SEL_NOTPRES, gdt_desc(base, 0xFFFF, 0x13, 0x4));  /* P = 0 */
    gdt_set(SEL_XONLY, gdt_desc(0, 0xFFFFF, 0x99, 0xC));      /* code execute-only */
    gdt_set(SEL_XREAD, gdt_desc(0, 0xFFFFF, 0x9B, 0xC));      /* code execute/read */
    gdt_set(SEL_SMALLSS, gdt_desc(base, 0xFFF, 0x93, 0x4));
    gdt_set(SEL_DPL3DATA, gdt_desc(0, 0xFFFFF, 0xF3, 0xC));
}

static void test_limits(void)
{
    uint64_t err = 0;
    *(volatile uint32_t *)(seg_mem + 0x10) = 0xba5eba5e;
    report(seg_try(sg_es_read, SEL_LIMITED, 0x10, NULL) == -1 && acc.result == 0xba5eba5e,
           "compat mode: ES base applies to the offset");
    report(seg_try(sg_es_read, SEL_LIMITED, 0xFFC, NULL) == -1, "dword read ending at the limit is allowed");
    int v = seg_try(sg_es_read, SEL_LIMITED, 0xFFD, &err);
    report(v == EXC_GP && err == 0, "dword read crossing the limit: #GP(0) (vector %d err %lx)", v, err);
    v = seg_try(sg_es_read, SEL_LIMITED, 0x1000, &err);
    report(v == EXC_GP && err == 0, "read beyond the limit: #GP(0)");

    /* Expand-down, B = 0: valid offsets are limit+1 .. FFFFH (SDM 3.4.5.1). */
    v = seg_try(sg_es_read, SEL_EXPDOWN, 0x800, &err);
    report(v == EXC_GP && err == 0, "expand-down: offset at or below the limit: #GP(0) (vector %d)", v);
    v = seg_try(sg_es_read, SEL_EXPDOWN, 0x1000, NULL);
    report(v == -1, "expand-down: offset above the limit is allowed");
    v = seg_try(sg_es_read, SEL_EXPDOWN, 0xFFFE, &err);
    report(v == EXC_GP, "expand-down with B = 0: dword crossing FFFFH: #GP(0) (vector %d)", v);

    v = seg_try(sg_es_write, SEL_RODATA, 0x20, &err);
    report(v == EXC_GP && err == 0, "write to a read-only data segment: #GP(0)");
    v = seg_try(sg_es_read, SEL_RODATA, 0x20, NULL);
    report(v == -1, "read from a read-only data segment is allowed");

    /* The stack segment: a limit violation is #SS(0) (SDM 6.15
     * "Interrupt 12-Stack Fault Exception"). The #SS gate uses IST 2 so
     * the handler does not depend on the limited SS. */
    idt_set(EXC_SS, NULL, SEL_CODE64, 0xE, 0, 2);
    v = seg_try(sg_ss_read, SEL_SMALLSS, 0x2000, &err);
    report(v == EXC_SS && err == 0, "SS limit violation: #SS(0) (vector %d err %lx)", v, err);
    v = seg_try(sg_ss_read, SEL_SMALLSS, 0x100, NULL);
    report(v == -1, "SS access within the limit is allowed");
    idt_set(EXC_SS, NULL, SEL_CODE64, 0xE, 0, 0);
}

static void test_loads(void)
{
    uint64_t err = 0;
    /* Null selector: loading DS is allowed, using it faults #GP(0) in
     * compatibility (protected) mode. */
    int v = seg_try(sg_ds_read, 0, 0x100000, &err);
    report(v == EXC_GP && err == 0, "compat mode: access through a null DS: #GP(0) (vector %d)", v);
    v = seg_try(sg_ss_read, 0, 0, &err);
    report(v == EXC_GP && err == 0, "compat mode: loading SS with a null selector: #GP(0) (vector %d)", v);

    v = seg_try(sg_es_read, 0x1000, 0, &err);
    report(v == EXC_GP && err == 0x1000, "selector beyond the GDT limit: #GP(selector) (err %lx)", err);
    v = seg_try(sg_es_read, SEL_NOTPRES, 0, &err);
    report(v == EXC_NP && err == SEL_NOTPRES, "not-present data segment: #NP(selector) (vector %d err %lx)", v, err);
    v = seg_try(sg_es_read, SEL_XONLY, 0, &err);
    report(v == EXC_GP && err == SEL_XONLY, "execute-only code segment into ES: #GP(selector)");
    v = seg_try(sg_es_read, SEL_XREAD, (uint32_t)(uint64_t)seg_mem + 0x10, NULL);
    report(v == -1 && acc.result == 0xba5eba5e, "readable code segment into ES is allowed");
    v = seg_try(sg_es_read, SEL_LIMITED | 3, 0, &err);
    report(v == EXC_GP && err == SEL_LIMITED, "RPL 3 selector for a DPL-0 data segment: #GP(selector)");
    v = seg_try(sg_ss_read, SEL_RODATA, 0, &err);
    report(v == EXC_GP && err == SEL_RODATA, "read-only segment into SS: #GP(selector) (vector %d err %lx)", v, err);
    v = seg_try(sg_ss_read, SEL_DPL3DATA, 0, &err);
    report(v == EXC_GP && err == SEL_DPL3DATA, "DPL-3 segment into SS at CPL 0: #GP(selector)");
    v = seg_try(sg_es_read, SEL_DPL3DATA, (uint32_t)(uint64_t)seg_mem + 0x10, NULL);
    report(v == -1, "DPL-3 data segment into ES at CPL 0 is allowed");
}

static void test_64bit(void)
{
    /* In 64-bit mode, limits are not checked and DS/ES bases are 0. */
    uint32_t val = 0;
    __asm__ volatile("mov %w1, %%es\n\t mov %%es:(%2), %0\n\t mov %w3, %%es"
                     : "=&r"(val) : "r"(SEL_LIMITED), "r"(seg_mem + 0x10), "r"(SEL_DATA));
    report(val == 0xba5eba5e, "64-bit mode: ES base and limit are ignored (read %x)", val);
    uint64_t v2 = 0;
    __asm__ volatile("mov %w1, %%ds\n\t mov (%2), %0\n\t mov %w3, %%ds"
                     : "=&r"(v2) : "r"(0), "r"(seg_mem + 0x10), "r"(SEL_DATA));
    report((uint32_t)v2 == 0xba5eba5e, "64-bit mode: a null DS can be used");

    /* FS base from IA32_FS_BASE (C000_0100H). */
    wrmsr(0xC0000100, (uint64_t)seg_mem);
    uint32_t fsval = 0;
    __asm__ volatile("mov %%fs:0x10, %0" : "=r"(fsval));
    report(fsval == 0xba5eba5e, "64-bit mode: FS base from IA32_FS_BASE");
    wrmsr(0xC0000100, 0);

    /* LSL gives the byte-granular limit; LAR the access rights. */
    uint32_t limit = 0, ar = 0;
    uint64_t fl;
    __asm__ volatile("lsl %2, %0\n\t pushfq\n\t pop %1" : "=r"(limit), "=r"(fl) : "r"((uint32_t)SEL_LIMITED));
    report(limit == 0xFFF && (fl & RFLAGS_ZF), "LSL returns the limit (%x) and sets ZF", limit);
    __asm__ volatile("lar %1, %0" : "=r"(ar) : "r"((uint32_t)SEL_LIMITED));
    report((ar & 0x00F0FF00) == 0x00409300, "LAR returns the access rights (%x)", ar);
    __asm__ volatile("lsl %2, %0\n\t pushfq\n\t pop %1" : "=r"(limit), "=r"(fl) : "r"((uint32_t)0x1000));
    report(!(fl & RFLAGS_ZF), "LSL on a selector beyond the GDT clears ZF");
}

void test_main(void)
{
    setup_descriptors();
    test_limits();
    test_loads();
    test_64bit();
}
