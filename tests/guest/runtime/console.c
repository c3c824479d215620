/*
 * tests/guest/runtime/console.c: text output of guest images through the
 * COM1 16550 UART (transmit holding register at 0x3F8, LSR bit 5 "THR
 * empty" at 0x3FD) and the port 0xE9 debug console, with a small printf.
 *
 * The Multiboot command line picks the console: "console=com1" (the
 * default), "console=e9" or "console=both".
 */
#include "rt.h"

#define COM1 0x3F8
#define COM1_LSR (COM1 + 5)
#define LSR_THRE 0x20
#define DEBUGCON 0xE9

enum { CONS_COM1 = 1, CONS_E9 = 2 };

static int rt_console = CONS_COM1;

static bool has_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = s; *p; p++) {
        if ((p == s || p[-1] == ' ') && strncmp(p, w, n) == 0 && (p[n] == ' ' || p[n] == 0))
            return true;
    }
    return false;
}

void rt_console_init(const char *cmdline)
{
    if (has_word(cmdline, "console=e9"))
        rt_console = CONS_E9;
    else if (has_word(cmdline, "console=both"))
        rt_console = CONS_COM1 | CONS_E9;
}

void rt_putc(char c)
{
    if (rt_console & CONS_COM1) {
        for (int spin = 0; spin < 100000 && !(inb(COM1_LSR) & LSR_THRE); spin++)
            ;
        outb(COM1, (uint8_t)c);
    }
    if (rt_console & CONS_E9)
        outb(DEBUGCON, (uint8_t)c);
}

void rt_puts(const char *s)
{
    while (*s)
        rt_putc(*s++);
}

static void put_repeat(char c, int n)
{
    while (n-- > 0)
        rt_putc(c);
}

static void put_field(const char *s, int len, int width, bool left, char pad)
{
    if (!left)
        put_repeat(pad, width - len);
    for (int i = 0; i < len; i++)
        rt_putc(s[i]);
    if (left)
        put_repeat(' ', width - len);
}

static void put_number(uint64_t v, bool neg, unsigned base, bool upper, int width, bool left, char pad)
{
    char buf[24];
    int n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        buf[sizeof buf - 1 - n++] = digits[v % base];
        v /= base;
    } while (v);
    if (neg) {
        if (pad == '0') {
            rt_putc('-');
            width--;
        } else {
            buf[sizeof buf - 1 - n++] = '-';
        }
    }
    put_field(buf + sizeof buf - n, n, width, left, pad);
}

/* Supports %[-][0][width][l|ll|z](d|i|u|x|X|p|s|c) and %%: what guest
 * tests and the workload print. */
void rt_vprintf(const char *fmt, va_list ap)
{
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            rt_putc(*p);
            continue;
        }
        p++;
        bool left = false;
        char pad = ' ';
        for (;; p++) {
            if (*p == '-')
                left = true;
            else if (*p == '0')
                pad = '0';
            else
                break;
        }
        int width = 0;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        int longs = 0;
        while (*p == 'l' || *p == 'z') {
            longs += *p == 'z' ? 2 : 1;
            p++;
        }
        switch (*p) {
        case 'd': case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_number(v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false, width, left, pad);
            break;
        }
        case 'u': case 'x': case 'X': {
            uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            put_number(v, false, *p == 'u' ? 10 : 16, *p == 'X', width, left, pad);
            break;
        }
        case 'p':
            rt_puts("0x");
            put_number((uint64_t)va_arg(ap, void *), false, 16, false, width, left, pad);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            put_field(s, (int)strlen(s), width, left, ' ');
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            put_field(&c, 1, width, left, ' ');
            break;
        }
        case '%':
            rt_putc('%');
            break;
        default:
            rt_putc('%');
            rt_putc(*p);
            if (!*p)
                return;
            break;
        }
    }
}

void rt_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rt_vprintf(fmt, ap);
    va_end(ap);
}
