/*
 * sim/devices/reset.c: the reset control register at CF9H (see reset.h).
 * PIIX3/ICH "RST_CNT": bit 3 FULL_RST (also cycle power), bit 2 RST_CPU
 * (a 0-to-1 write starts the reset; the bit reads back 0), bit 1 SYS_RST
 * (hard rather than soft reset). vmxsim performs every kind as one
 * platform reset (SIMPLIFICATION: a soft reset, INIT only, is not
 * distinguished).
 */
#include "sim/devices/reset.h"

#define RST_SYS  0x02u
#define RST_CPU  0x04u
#define RST_FULL 0x08u

void reset_ctl_init(ResetCtl *r, ResetLine line)
{
    r->rst_cnt = 0;
    r->line = line;
}

uint8_t reset_ctl_read(const ResetCtl *r)
{
    return r->rst_cnt;
}

void reset_ctl_write(ResetCtl *r, uint8_t v)
{
    r->rst_cnt = v & (RST_SYS | RST_FULL);
    if ((v & RST_CPU) && r->line.request)
        r->line.request(r->line.opaque, "reset control register (port 0xCF9)");
}
