/*
 * sim/devices/uart16550.h: a National Semiconductor PC16550D UART (the
 * "16550A" of PC COM ports), transmit side, on eight I/O ports.
 */
#ifndef SIM_DEVICES_UART16550_H
#define SIM_DEVICES_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/console.h"
#include "sim/ioport.h"

/* Register offsets (PC16550D data sheet, Table II "Register Summary"). */
enum {
    UART_RBR_THR = 0,      /* DLAB=0: receiver buffer / transmitter holding */
    UART_IER = 1,          /* DLAB=0: interrupt enable */
    UART_DLL = 0,          /* DLAB=1: divisor latch LSB */
    UART_DLM = 1,          /* DLAB=1: divisor latch MSB */
    UART_IIR_FCR = 2,      /* read: interrupt identification; write: FIFO ctl */
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
    UART_NPORTS = 8,
};

#define UART_LCR_DLAB 0x80u
#define UART_IER_ETBEI 0x02u   /* enable transmitter holding register empty int. */
#define UART_LSR_DR   0x01u
#define UART_LSR_THRE 0x20u
#define UART_LSR_TEMT 0x40u
#define UART_MCR_LOOP 0x10u
#define UART_FCR_FIFOE 0x01u

typedef struct Uart16550 {
    Console *console;
    uint8_t ier, lcr, mcr, scr, fcr;
    uint16_t divisor;
    uint8_t rbr;           /* last byte received (loopback only) */
    bool rx_ready;
    bool thre_pending;     /* THR-empty interrupt condition (IIR = 0x02) */
} Uart16550;

extern const IoPortOps uart16550_ops;

void uart16550_init(Uart16550 *u, Console *console);
void uart16550_reset(Uart16550 *u);

#endif
