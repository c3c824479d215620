/*
 * sim/devices/uart16550.c: the COM1 UART (PC16550D data sheet, "Register
 * Description" section), transmit side.
 *
 * Transmission is instantaneous: the transmitter holding register is always
 * empty, so LSR reports THRE and TEMT and polled drivers never wait.
 * SIMPLIFICATION: there is no receive side (the host's stdin is not read),
 * the modem lines are those of a connected terminal (DCD, DSR, CTS), and the
 * interrupt output is not wired to the PIC yet (the 8259 is a later issue);
 * IIR still reports the THR-empty condition so drivers that poll IIR work.
 * Loopback mode (MCR bit 4) is modelled because drivers probe the port with
 * it: bytes written then come back in RBR and never reach the console.
 */
#include "sim/devices/uart16550.h"

#define UART_MSR_CTS 0x10u
#define UART_MSR_DSR 0x20u
#define UART_MSR_RI  0x40u
#define UART_MSR_DCD 0x80u

void uart16550_init(Uart16550 *u, Console *console)
{
    u->console = console;
    uart16550_reset(u);
}

/* Data sheet Table IV "UART Reset Configuration": IER, IIR=01H, FCR, LCR,
 * MCR cleared, LSR = 60H. The divisor is not reset by the part; 12 (9600
 * baud from 1.8432 MHz) is what firmware leaves. */
void uart16550_reset(Uart16550 *u)
{
    u->ier = u->lcr = u->mcr = u->scr = u->fcr = 0;
    u->divisor = 12;
    u->rbr = 0;
    u->rx_ready = false;
    u->thre_pending = false;
}

static uint8_t uart_msr(const Uart16550 *u)
{
    if (u->mcr & UART_MCR_LOOP) {
        /* Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
        uint8_t m = 0;
        if (u->mcr & 0x01) m |= UART_MSR_DSR;
        if (u->mcr & 0x02) m |= UART_MSR_CTS;
        if (u->mcr & 0x04) m |= UART_MSR_RI;
        if (u->mcr & 0x08) m |= UART_MSR_DCD;
        return m;
    }
    return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
}

static uint8_t uart_iir(Uart16550 *u)
{
    uint8_t fifo = (u->fcr & UART_FCR_FIFOE) ? 0xc0 : 0x00;
    if ((u->ier & 0x01) && u->rx_ready)
        return fifo | 0x04;                /* received data available */
    if ((u->ier & UART_IER_ETBEI) && u->thre_pending) {
        u->thre_pending = false;           /* reading IIR clears THRE source */
        return fifo | 0x02;
    }
    return fifo | 0x01;                    /* no interrupt pending */
}

static SimStatus uart_in(void *opaque, uint16_t off, unsigned size,
                         uint32_t *value)
{
    Uart16550 *u = opaque;
    bool dlab = u->lcr & UART_LCR_DLAB;
    uint8_t v = 0;
    switch (off) {
    case UART_RBR_THR:
        if (dlab) {
            v = u->divisor & 0xff;
        } else {
            v = u->rbr;
            u->rx_ready = false;
        }
        break;
    case UART_IER:
        v = dlab ? u->divisor >> 8 : u->ier;
        break;
    case UART_IIR_FCR: v = uart_iir(u); break;
    case UART_LCR: v = u->lcr; break;
    case UART_MCR: v = u->mcr; break;
    case UART_LSR:
        v = UART_LSR_THRE | UART_LSR_TEMT | (u->rx_ready ? UART_LSR_DR : 0);
        break;
    case UART_MSR: v = uart_msr(u); break;
    case UART_SCR: v = u->scr; break;
    }
    *value = v;
    return ST_OK;
}

static SimStatus uart_out(void *opaque, uint16_t off, unsigned size,
                          uint32_t value)
{
    Uart16550 *u = opaque;
    bool dlab = u->lcr & UART_LCR_DLAB;
    uint8_t v = (uint8_t)value;
    switch (off) {
    case UART_RBR_THR:
        if (dlab) {
            u->divisor = (uint16_t)((u->divisor & 0xff00) | v);
            break;
        }
        if (u->mcr & UART_MCR_LOOP) {
            u->rbr = v;
            u->rx_ready = true;
        } else {
            console_putc(u->console, v);
        }
        u->thre_pending = true;            /* THR empties at once */
        break;
    case UART_IER:
        if (dlab) {
            u->divisor = (uint16_t)((u->divisor & 0x00ff) | (v << 8));
        } else {
            /* Enabling ETBEI with THR empty raises the THRE condition. */
            if ((v & UART_IER_ETBEI) && !(u->ier & UART_IER_ETBEI))
                u->thre_pending = true;
            u->ier = v & 0x0f;
        }
        break;
    case UART_IIR_FCR:
        u->fcr = v & 0xc9;                 /* bits 1, 2 (FIFO resets) self-clear */
        break;
    case UART_LCR: u->lcr = v; break;
    case UART_MCR: u->mcr = v & 0x1f; break;
    case UART_LSR: break;                  /* factory test only: ignored */
    case UART_MSR: break;
    case UART_SCR: u->scr = v; break;
    }
    return ST_OK;
}

const IoPortOps uart16550_ops = { uart_in, uart_out, 1 };
