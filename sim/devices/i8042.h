/*
 * sim/devices/i8042.h: the PC's 8042 keyboard controller at 60H/64H as
 * far as firmware interfaces need it: status register, controller
 * command byte, self test, output port, and the reset line. No keyboard
 * or mouse is attached: no scan codes ever arrive.
 */
#ifndef SIM_DEVICES_I8042_H
#define SIM_DEVICES_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/devices/reset.h"
#include "sim/ioport.h"

typedef struct I8042 {
    uint8_t status;
    uint8_t cmd_byte;          /* controller command byte ("RAM byte 0") */
    uint8_t outport;
    uint8_t out_buf;           /* output buffer, valid when status.OBF */
    uint8_t pending;           /* command waiting for its data byte, or 0 */
    ResetLine reset;
} I8042;

/* Ports 60H and 64H: two ranges of one port each, opaque the I8042;
 * i8042_data_ops at 60H, i8042_cmd_ops at 64H. */
extern const IoPortOps i8042_data_ops;
extern const IoPortOps i8042_cmd_ops;

void i8042_init(I8042 *k, ResetLine reset);
void i8042_reset(I8042 *k);

#endif
