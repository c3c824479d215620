/*
 * sim/devices/i8042.c: the 8042 controller subset (see i8042.h), after
 * the IBM PC AT Technical Reference "Keyboard Controller" commands:
 * 20H read / 60H write the command byte, AAH self test (55H), ABH
 * interface test (00H), ADH/AEH disable/enable the keyboard, A7H/A8H
 * the auxiliary port, D0H/D1H read/write the output port, F0H-FFH pulse
 * output port bits low for 6 us. Output-port bit 0 is the system reset
 * line: a pulse of it (FEH) or a write clearing it resets the machine.
 */
#include "sim/devices/i8042.h"

#define ST_OBF   0x01u     /* output buffer full */
#define ST_SYS   0x04u     /* system flag: self test passed */
#define ST_CMD   0x08u     /* last write was to port 64H */
#define ST_UNLOCKED 0x10u  /* keyboard not inhibited */
#define OUT_RESET 0x01u    /* output port bit 0: 0 = reset the CPU */
#define OUT_A20   0x02u
#define CB_KBD_DISABLE 0x10u
#define CB_AUX_DISABLE 0x20u

void i8042_reset(I8042 *k)
{
    k->status = ST_SYS | ST_UNLOCKED;
    k->cmd_byte = 0x45;        /* IRQ1 enabled, system flag, translation */
    k->outport = OUT_RESET | OUT_A20;
    k->out_buf = 0;
    k->pending = 0;
}

void i8042_init(I8042 *k, ResetLine reset)
{
    k->reset = reset;
    i8042_reset(k);
}

static void reply(I8042 *k, uint8_t v)
{
    k->out_buf = v;
    k->status |= ST_OBF;
}

static void pull_reset(I8042 *k)
{
    if (k->reset.request)
        k->reset.request(k->reset.opaque, "i8042 reset line (port 0x64)");
}

static SimStatus data_in(void *opaque, uint16_t off, unsigned size,
                         uint32_t *value)
{
    I8042 *k = opaque;
    *value = k->out_buf;
    k->status &= (uint8_t)~ST_OBF;
    return ST_OK;
}

static SimStatus data_out(void *opaque, uint16_t off, unsigned size,
                          uint32_t value)
{
    I8042 *k = opaque;
    uint8_t v = (uint8_t)value;
    k->status &= (uint8_t)~ST_CMD;
    switch (k->pending) {
    case 0x60:
        k->cmd_byte = v;
        break;
    case 0xd1:
        k->outport = v;
        if (!(v & OUT_RESET))
            pull_reset(k);
        break;
    default:
        break;                 /* to the (absent) keyboard */
    }
    k->pending = 0;
    return ST_OK;
}

static SimStatus cmd_in(void *opaque, uint16_t off, unsigned size,
                        uint32_t *value)
{
    I8042 *k = opaque;
    *value = k->status;
    return ST_OK;
}

static SimStatus cmd_out(void *opaque, uint16_t off, unsigned size,
                         uint32_t value)
{
    I8042 *k = opaque;
    uint8_t v = (uint8_t)value;
    k->status |= ST_CMD;
    k->pending = 0;
    switch (v) {
    case 0x20:
        reply(k, k->cmd_byte);
        break;
    case 0x60:
    case 0xd1:
        k->pending = v;
        break;
    case 0xa7:
        k->cmd_byte |= CB_AUX_DISABLE;
        break;
    case 0xa8:
        k->cmd_byte &= (uint8_t)~CB_AUX_DISABLE;
        break;
    case 0xaa:
        k->status |= ST_SYS;
        reply(k, 0x55);
        break;
    case 0xab:
        reply(k, 0x00);
        break;
    case 0xad:
        k->cmd_byte |= CB_KBD_DISABLE;
        break;
    case 0xae:
        k->cmd_byte &= (uint8_t)~CB_KBD_DISABLE;
        break;
    case 0xd0:
        reply(k, k->outport);
        break;
    default:
        /* F0H-FFH: pulse the output-port bits whose command bit is 0. */
        if (v >= 0xf0 && !(v & OUT_RESET))
            pull_reset(k);
        break;
    }
    return ST_OK;
}

const IoPortOps i8042_data_ops = { data_in, data_out, 1 };
const IoPortOps i8042_cmd_ops = { cmd_in, cmd_out, 1 };
