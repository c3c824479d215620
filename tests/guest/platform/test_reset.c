/*
 * tests/guest/platform/test_reset.c: the PC's reset sources. Without
 * options it checks what can be checked without resetting: the reset
 * control register at CF9H (PIIX3/ICH RST_CNT: bits 3 and 1 read back,
 * bit 2 starts a reset) and the 8042's self test and status. With
 * -append doreset (run without -no-reboot) it resets the machine twice and
 * follows itself across the resets with a CMOS NVRAM byte, which a
 * platform reset keeps:
 *   boot 1: write 06H to CF9H            -> the machine resets
 *   boot 2: devices are in reset state; 8042 command FEH -> reset again
 *   boot 3: report and finish.
 */
#include "rt.h"
#include "chipset.h"

#define STAGE 0x50             /* NVRAM byte that survives resets */
#define STAGE_CF9 0xa1
#define STAGE_KBC 0xa2

static void no_reset_checks(void)
{
    report(inb(0xcf9) == 0x00, "CF9H reads 00H after power-on");
    outb(0xcf9, 0x0a);                    /* FULL_RST | SYS_RST, no RST_CPU */
    report(inb(0xcf9) == 0x0a, "CF9H: bits 3 and 1 read back, no reset without bit 2");
    outb(0xcf9, 0x00);
    report(inb(0x64) & 0x04, "8042 status: system flag set");
    outb(0x64, 0xaa);
    report((inb(0x64) & 1) && inb(0x60) == 0x55, "8042 self test answers 55H");
}

/* Boots 1 and 2 print comments only and leave their findings in NVRAM;
 * boot 3 reports them, so the TAP numbering runs once. */
#define FINDINGS 0x51
enum { F_PIC_MASKED = 1, F_CF9_CLEAR = 2 };

static void stage_cf9(void)
{
    rt_printf("# boot 1: resetting through CF9H\n");
    cmos_wr(STAGE, STAGE_CF9);
    outb(0x21, 0x5a);                     /* state the reset must undo */
    outb(0xcf9, 0x02);
    outb(0xcf9, 0x06);
    report(false, "CF9H = 06H did not reset the machine");
}

static void stage_kbc(void)
{
    rt_printf("# boot 2: resetting through the 8042 (command FEH)\n");
    uint8_t f = 0;
    if (inb(0x21) == 0xff && inb(0xa1) == 0xff)
        f |= F_PIC_MASKED;
    if (inb(0xcf9) == 0x00)
        f |= F_CF9_CLEAR;
    cmos_wr(FINDINGS, f);
    cmos_wr(STAGE, STAGE_KBC);
    outb(0x64, 0xfe);
    report(false, "8042 command FEH did not reset the machine");
}

static void stage_done(void)
{
    uint8_t f = cmos_rd(FINDINGS);
    report(true, "CF9H = 06H reset the machine: the kernel started again (boot 2)");
    report(f & F_PIC_MASKED, "after that reset the 8259A masks were back to all masked");
    report(f & F_CF9_CLEAR, "after that reset CF9H read 00H");
    report(true, "8042 command FEH reset the machine: the kernel started again (boot 3)");
    cmos_wr(STAGE, 0);
    cmos_wr(FINDINGS, 0);
}

void test_main(void)
{
    if (!cmdline_has(rt_cmdline(), "doreset")) {
        no_reset_checks();
        return;
    }
    switch (cmos_rd(STAGE)) {
    case STAGE_CF9:
        stage_kbc();
        break;
    case STAGE_KBC:
        stage_done();
        break;
    default:
        stage_cf9();
        break;
    }
}
