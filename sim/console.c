/*
 * sim/console.c: the guest text sink (see sim/console.h).
 */
#include "sim/console.h"

bool console_open(Console *c, ConsoleKind kind, const char *path,
                  const char **err)
{
    c->kind = kind;
    c->out = NULL;
    c->owned = false;
    switch (kind) {
    case CONSOLE_STDIO:
        c->out = stdout;
        break;
    case CONSOLE_FILE:
        c->out = fopen(path, "w");
        if (!c->out) {
            *err = "cannot create the serial output file";
            return false;
        }
        c->owned = true;
        break;
    case CONSOLE_NONE:
        return true;
    }
    /* Line buffering: a guest's line reaches the file as soon as it is
     * complete, even if the host process is killed afterwards. (main sets
     * the same for stdout before anything is written to it.) */
    if (c->owned)
        setvbuf(c->out, NULL, _IOLBF, 0);
    return true;
}

void console_putc(Console *c, uint8_t ch)
{
    if (c->out)
        fputc(ch, c->out);
}

void console_flush(Console *c)
{
    if (c->out)
        fflush(c->out);
}

void console_close(Console *c)
{
    console_flush(c);
    if (c->owned)
        fclose(c->out);
    c->out = NULL;
    c->owned = false;
}
