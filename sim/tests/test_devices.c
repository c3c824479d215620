/*
 * sim/tests/test_devices.c: the port I/O bus and the devices on it: 16550A
 * UART (PC16550D data sheet register descriptions), port E9H debug
 * console, isa-debug-exit (QEMU's exit-status convention) and the 8259A
 * register interface.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/devices/debugcon.h"
#include "sim/devices/debugexit.h"
#include "sim/devices/pic.h"
#include "sim/devices/uart16550.h"
#include "sim/ioport.h"

typedef struct Bench {
    IoPortMap io;
    Console console;
    char *buf;
    size_t len;
    Uart16550 uart;
    DebugCon dbg;
    DebugExit dexit;
    MachineExit exit;
    PicPair pic;
} Bench;

static int bench_setup(void **state)
{
    Bench *b = calloc(1, sizeof(*b));
    ioport_init(&b->io);
    b->console.kind = CONSOLE_STDIO;
    b->console.out = open_memstream(&b->buf, &b->len);
    uart16550_init(&b->uart, &b->console);
    b->dbg.console = &b->console;
    debugexit_init(&b->dexit, &b->exit, 0xf4, 4);
    pic_reset(&b->pic);
    const char *err = NULL;
    assert_true(ioport_register(&b->io, 0x3f8, 8, &uart16550_ops, &b->uart, "com1", &err));
    assert_true(ioport_register(&b->io, 0xe9, 1, &debugcon_ops, &b->dbg, "debugcon", &err));
    assert_true(ioport_register(&b->io, 0xf4, 4, &b->dexit.ops, &b->dexit, "exit", &err));
    assert_true(ioport_register(&b->io, 0x20, 2, &pic_ops, &b->pic.chip[0], "pic0", &err));
    assert_true(ioport_register(&b->io, 0xa0, 2, &pic_ops, &b->pic.chip[1], "pic1", &err));
    *state = b;
    return 0;
}

static int bench_teardown(void **state)
{
    Bench *b = *state;
    fclose(b->console.out);
    free(b->buf);
    free(b);
    return 0;
}

static const char *output(Bench *b)
{
    fflush(b->console.out);
    return b->buf;
}

static uint32_t in8(Bench *b, uint16_t port)
{
    uint32_t v = 0xdeadbeef;
    assert_int_equal(ioport_in(&b->io, port, 1, &v), ST_OK);
    return v;
}

static void out8(Bench *b, uint16_t port, uint8_t v)
{
    assert_int_equal(ioport_out(&b->io, port, 1, v), ST_OK);
}

/* Unclaimed ports: nothing drives the bus, reads are all ones. */
static void test_ioport_unclaimed_reads_all_ones(void **state)
{
    Bench *b = *state;
    uint32_t v;
    assert_int_equal(ioport_in(&b->io, 0x1234, 4, &v), ST_OK);
    assert_int_equal(v, 0xffffffffu);
    assert_int_equal(ioport_in(&b->io, 0x1234, 2, &v), ST_OK);
    assert_int_equal(v, 0xffffu);
    assert_int_equal(ioport_out(&b->io, 0x1234, 4, 0), ST_OK);
}

static void test_ioport_rejects_overlap(void **state)
{
    Bench *b = *state;
    const char *err = NULL;
    assert_false(ioport_register(&b->io, 0x3fc, 8, &uart16550_ops, &b->uart, "x", &err));
    assert_non_null(strstr(err, "overlaps"));
    assert_false(ioport_register(&b->io, 0xfffe, 8, &uart16550_ops, &b->uart, "x", &err));
    assert_string_equal(ioport_owner_name(&b->io, 0x3ff), "com1");
    assert_null(ioport_owner_name(&b->io, 0x400));
}

/* A 16-bit access to an 8-bit device is two byte accesses (SDM Vol.1 18.2). */
static void test_ioport_wide_access_split_for_byte_device(void **state)
{
    Bench *b = *state;
    out8(b, 0x3f8 + UART_SCR, 0x5a);
    uint32_t v;
    /* LSR (0x3fd) and MSR (0x3fe) in one 16-bit read. */
    assert_int_equal(ioport_in(&b->io, 0x3fd, 2, &v), ST_OK);
    assert_int_equal(v & 0xff, UART_LSR_THRE | UART_LSR_TEMT);
    assert_int_equal(v >> 8, 0xb0);
    /* Debug console: a 16-bit OUT to E9H is a byte to E9H (printed) and a
     * byte to EAH, which nothing decodes. */
    assert_int_equal(ioport_out(&b->io, 0xe9, 2, 'a' | 'b' << 8), ST_OK);
    assert_string_equal(output(b), "a");
}

static void test_uart_thr_write_reaches_console(void **state)
{
    Bench *b = *state;
    const char *s = "hello\n";
    for (const char *p = s; *p; p++)
        out8(b, 0x3f8, (uint8_t)*p);
    assert_string_equal(output(b), "hello\n");
}

/* LSR: the transmitter is always empty (THRE and TEMT), nothing received. */
static void test_uart_lsr_always_ready(void **state)
{
    Bench *b = *state;
    assert_int_equal(in8(b, 0x3fd), 0x60);
    out8(b, 0x3f8, 'x');
    assert_int_equal(in8(b, 0x3fd), 0x60);
}

/* DLAB = 1 makes offsets 0 and 1 the divisor latch; THR writes do not
 * reach the console. */
static void test_uart_dlab_selects_divisor_latch(void **state)
{
    Bench *b = *state;
    out8(b, 0x3fb, 0x80);
    out8(b, 0x3f8, 0x01);
    out8(b, 0x3f9, 0x00);
    assert_int_equal(in8(b, 0x3f8), 0x01);
    assert_int_equal(in8(b, 0x3f9), 0x00);
    out8(b, 0x3fb, 0x03);
    assert_int_equal(in8(b, 0x3fb), 0x03);
    assert_int_equal(in8(b, 0x3f9), 0x00);      /* IER again */
    out8(b, 0x3f9, 0x0f);
    assert_int_equal(in8(b, 0x3f9), 0x0f);
    assert_string_equal(output(b) ? output(b) : "", "");
}

static void test_uart_scratch_register_holds_value(void **state)
{
    Bench *b = *state;
    out8(b, 0x3ff, 0xa5);
    assert_int_equal(in8(b, 0x3ff), 0xa5);
}

/* IIR: 01H with nothing pending; FIFO-enable sets bits 7:6; THR-empty
 * (02H) appears when ETBEI is enabled and reading IIR clears it. */
static void test_uart_iir_reports_thre_and_fifo(void **state)
{
    Bench *b = *state;
    assert_int_equal(in8(b, 0x3fa), 0x01);
    out8(b, 0x3fa, 0x07);
    assert_int_equal(in8(b, 0x3fa), 0xc1);
    out8(b, 0x3f9, UART_IER_ETBEI);
    assert_int_equal(in8(b, 0x3fa), 0xc2);
    assert_int_equal(in8(b, 0x3fa), 0xc1);
    out8(b, 0x3f8, 'z');
    assert_int_equal(in8(b, 0x3fa), 0xc2);
}

/* Loopback (MCR bit 4): output returns in RBR with DR set, modem outputs
 * appear on the modem-status inputs, nothing is printed. */
static void test_uart_loopback_returns_bytes(void **state)
{
    Bench *b = *state;
    out8(b, 0x3fc, 0x1f);
    out8(b, 0x3f8, 0xae);
    assert_int_equal(in8(b, 0x3fd), 0x61);
    assert_int_equal(in8(b, 0x3f8), 0xae);
    assert_int_equal(in8(b, 0x3fd), 0x60);
    assert_int_equal(in8(b, 0x3fe), 0xf0);
    assert_string_equal(output(b) ? output(b) : "", "");
}

static void test_debugcon_prints_and_reads_back_e9(void **state)
{
    Bench *b = *state;
    out8(b, 0xe9, 'O');
    out8(b, 0xe9, 'K');
    assert_string_equal(output(b), "OK");
    assert_int_equal(in8(b, 0xe9), DEBUGCON_READBACK);
}

/* isa-debug-exit: writing v stops with status (v << 1) | 1. */
static void test_debugexit_status_is_value_shifted_or_one(void **state)
{
    Bench *b = *state;
    assert_int_equal(debugexit_status(0), 1);
    assert_int_equal(debugexit_status(0x10), 0x21);
    assert_int_equal(debugexit_status(0x7f), 0xff);
    assert_false(b->exit.requested);
    assert_int_equal(ioport_out(&b->io, 0xf4, 4, 0x31), ST_STOP);
    assert_true(b->exit.requested);
    assert_int_equal(b->exit.status, 0x63);
    /* The first request wins. */
    assert_int_equal(ioport_out(&b->io, 0xf4, 1, 0), ST_STOP);
    assert_int_equal(b->exit.status, 0x63);
}

static void test_debugexit_iosize_limits_access_width(void **state)
{
    DebugExit d;
    MachineExit e = { 0 };
    debugexit_init(&d, &e, 0x501, 2);
    assert_int_equal(d.ops.max_size, 2);
    debugexit_init(&d, &e, 0x501, 1);
    assert_int_equal(d.ops.max_size, 1);
}

/* 8259A: IMR all masked after reset; ICW1-ICW4 sequence; OCW1 sets the
 * mask; OCW3 selects IRR or ISR for command-port reads. */
static void test_pic_init_sequence_and_masks(void **state)
{
    Bench *b = *state;
    assert_int_equal(in8(b, 0x21), 0xff);
    assert_int_equal(in8(b, 0xa1), 0xff);
    out8(b, 0x20, 0x11);                 /* ICW1: edge, cascade, ICW4 */
    assert_int_equal(in8(b, 0x21), 0x00); /* ICW1 clears the IMR */
    out8(b, 0x21, 0x20);                 /* ICW2: vectors 20H-27H */
    out8(b, 0x21, 0x04);                 /* ICW3: slave on IR2 */
    out8(b, 0x21, 0x01);                 /* ICW4: 8086 mode */
    assert_int_equal(b->pic.chip[0].vector_base, 0x20);
    assert_int_equal(b->pic.chip[0].icw3, 0x04);
    assert_int_equal(b->pic.chip[0].icw4, 0x01);
    out8(b, 0x21, 0xfb);                 /* OCW1 */
    assert_int_equal(in8(b, 0x21), 0xfb);
    out8(b, 0x20, 0x0b);                 /* OCW3: read ISR */
    assert_int_equal(in8(b, 0x20), 0x00);
    out8(b, 0x20, 0x20);                 /* OCW2: non-specific EOI */
    /* Single mode without ICW4: ICW2 is the last word. */
    out8(b, 0xa0, 0x12);
    out8(b, 0xa1, 0x70);
    out8(b, 0xa1, 0xff);
    assert_int_equal(in8(b, 0xa1), 0xff);
    assert_int_equal(b->pic.chip[1].vector_base, 0x70);
    assert_int_equal(pic_intr_pending(&b->pic, false), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, bench_setup, bench_teardown)
        T(test_ioport_unclaimed_reads_all_ones),
        T(test_ioport_rejects_overlap),
        T(test_ioport_wide_access_split_for_byte_device),
        T(test_uart_thr_write_reaches_console),
        T(test_uart_lsr_always_ready),
        T(test_uart_dlab_selects_divisor_latch),
        T(test_uart_scratch_register_holds_value),
        T(test_uart_iir_reports_thre_and_fifo),
        T(test_uart_loopback_returns_bytes),
        T(test_debugcon_prints_and_reads_back_e9),
        T(test_debugexit_status_is_value_shifted_or_one),
        T(test_debugexit_iosize_limits_access_width),
        T(test_pic_init_sequence_and_masks),
#undef T
    };
    return cmocka_run_group_tests_name("sim_devices", tests, NULL, NULL);
}
