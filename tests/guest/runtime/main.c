/*
 * tests/guest/runtime/main.c: the runtime's C entry (rt_main, called by
 * boot.S in 64-bit mode), the TAP-style report() counters, the summary
 * line and the exit through the isa-debug-exit port 0xF4 (the process
 * exits with status (value << 1) | 1).
 *
 * Multiboot information: flags bit 2 says the command line pointer at
 * offset 16 is valid (Multiboot Specification 0.6.96 section 3.3
 * "Boot information format").
 */
#include "rt.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002
#define MBI_FLAG_CMDLINE (1u << 2)
#define DEBUG_EXIT_PORT 0xF4

void rt_console_init(const char *cmdline);
void rt_desc_init(void);
void rt_main(uint32_t magic, uint32_t info);

static const char *rt_cmd = "";
static unsigned rt_passed, rt_failed;

const char *rt_cmdline(void)
{
    return rt_cmd;
}

void rt_exit(int code)
{
    for (;;) {
        outl(DEBUG_EXIT_PORT, (uint32_t)code);
        /* Without the device, stop here (interrupts are off). */
        __asm__ volatile("cli; hlt");
    }
}

void rt_panic(const char *fmt, ...)
{
    va_list ap;
    rt_puts("# PANIC: ");
    va_start(ap, fmt);
    rt_vprintf(fmt, ap);
    va_end(ap);
    rt_puts("\n");
    rt_printf("%u passed, %u failed\n", rt_passed, rt_failed + 1);
    rt_exit(1);
}

bool report(bool cond, const char *name, ...)
{
    va_list ap;
    if (cond)
        rt_passed++;
    else
        rt_failed++;
    rt_printf("%sok %u - ", cond ? "" : "not ", rt_passed + rt_failed);
    va_start(ap, name);
    rt_vprintf(name, ap);
    va_end(ap);
    rt_puts("\n");
    return cond;
}

void report_skip(const char *name, ...)
{
    va_list ap;
    rt_puts("# SKIP ");
    va_start(ap, name);
    rt_vprintf(name, ap);
    va_end(ap);
    rt_puts("\n");
}

volatile uint64_t *rt_pde_2m(uint64_t va)
{
    extern uint64_t rt_pd[4 * 512];
    return &rt_pd[va >> 21];
}

void rt_main(uint32_t magic, uint32_t info)
{
    if (magic == MULTIBOOT_BOOTLOADER_MAGIC && info) {
        const uint32_t *mbi = (const uint32_t *)(uint64_t)info;
        if ((mbi[0] & MBI_FLAG_CMDLINE) && mbi[4])
            rt_cmd = (const char *)(uint64_t)mbi[4];
    }
    rt_console_init(rt_cmd);
    rt_desc_init();
    test_main();
    rt_printf("%u passed, %u failed\n", rt_passed, rt_failed);
    rt_exit(rt_failed ? 1 : 0);
}
