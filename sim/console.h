/*
 * sim/console.h: where guest text goes: the host's stdout, a file, or
 * nowhere. COM1 and the port E9H debug console write to the same console
 * (ARCHITECTURE "Output").
 *
 * Output is line-buffered and flushed whenever the machine stops, so text
 * the guest wrote before an exit, a triple fault or an unsupported stop is
 * never lost. A file console is created only when console_open runs, which
 * main does after every input was checked (nothing half-written).
 */
#ifndef SIM_CONSOLE_H
#define SIM_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum ConsoleKind {
    CONSOLE_STDIO,
    CONSOLE_FILE,
    CONSOLE_NONE,
} ConsoleKind;

typedef struct Console {
    ConsoleKind kind;
    FILE *out;             /* NULL while closed or for CONSOLE_NONE */
    bool owned;            /* out was opened by console_open */
} Console;

/* Open the sink; path only for CONSOLE_FILE. False with *err (a static
 * string; errno tells why) when the file cannot be created. */
bool console_open(Console *c, ConsoleKind kind, const char *path,
                  const char **err);
void console_close(Console *c);
void console_putc(Console *c, uint8_t ch);
void console_flush(Console *c);

#endif
