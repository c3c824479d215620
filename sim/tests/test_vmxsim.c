/*
 * sim/tests/test_vmxsim.c: the vmxsim program end to end (path in
 * $VMXSIM_BIN): exit statuses, messages for bad input (each names the file
 * and what was expected, nothing half-written), and tiny Multiboot images
 * that print through COM1 and port E9H and leave through isa-debug-exit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

typedef struct Run {
    int status;
    char *out, *err;
} Run;

typedef struct Fx {
    char *dir;
} Fx;

static int fx_setup(void **state)
{
    Fx *f = g_new0(Fx, 1);
    f->dir = g_dir_make_tmp("vmxsim-e2e-XXXXXX", NULL);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    Fx *f = *state;
    GDir *d = g_dir_open(f->dir, 0, NULL);
    for (const char *n; d && (n = g_dir_read_name(d));) {
        g_autofree char *p = g_build_filename(f->dir, n, NULL);
        g_remove(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(f->dir);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static Run run_vmxsim(const char *first, ...)
{
    const char *bin = g_getenv("VMXSIM_BIN");
    assert_non_null(bin);
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)bin);
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *))
        g_ptr_array_add(argv, (char *)a);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    Run r = { 0 };
    GError *err = NULL;
    int wait = 0;
    assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, 0, NULL, NULL,
                             &r.out, &r.err, &wait, &err));
    g_ptr_array_free(argv, TRUE);
    assert_true(WIFEXITED(wait));
    r.status = WEXITSTATUS(wait);
    return r;
}

static void run_clear(Run *r)
{
    g_free(r->out);
    g_free(r->err);
}

/* A Multiboot a.out-kludge image (spec 3.1.3) loaded at 1 MiB whose code
 * follows the 32-byte header. */
static char *mb_image(Fx *f, const char *name, const uint8_t *code, size_t len)
{
    uint32_t flags = 0x00010000, magic = 0x1badb002;
    uint32_t hdr[8] = { magic, flags, 0u - magic - flags, 0x100000, 0x100000,
                        0, 0, 0x100020 };
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, (const uint8_t *)hdr, sizeof(hdr));
    g_byte_array_append(b, code, (guint)len);
    char *p = g_build_filename(f->dir, name, NULL);
    assert_true(g_file_set_contents(p, (const char *)b->data, b->len, NULL));
    g_byte_array_unref(b);
    return p;
}

/* mov dx,3F8h; "Hi\n" to COM1; "E9" to port E9H; mov dx,0F4h;
 * mov eax,10h; out dx,eax; hlt */
static const uint8_t hello_code[] = {
    0x66, 0xba, 0xf8, 0x03, 0xb0, 'H', 0xee, 0xb0, 'i', 0xee, 0xb0, '\n', 0xee,
    0xb0, 'E', 0xe6, 0xe9, 0xb0, '9', 0xe6, 0xe9,
    0x66, 0xba, 0xf4, 0x00, 0xb8, 0x10, 0x00, 0x00, 0x00, 0xef, 0xf4,
};

static void test_e2e_hello_exits_through_debug_exit(void **state)
{
    Fx *f = *state;
    g_autofree char *k = mb_image(f, "hello.bin", hello_code, sizeof(hello_code));
    Run r = run_vmxsim("-kernel", k, "-device",
                       "isa-debug-exit,iobase=0xf4,iosize=4", "-nographic",
                       "--stats", NULL);
    assert_int_equal(r.status, (0x10 << 1) | 1);
    assert_string_equal(r.out, "Hi\nE9");
    /* 14 instructions: the OUT that stops the machine completes. */
    assert_non_null(strstr(r.err, "vmxsim: stats: vCPU 0: 14 instructions retired"));
    assert_non_null(strstr(r.err, "vmxsim: stats: total:"));
    run_clear(&r);
}

static void test_e2e_serial_file_gets_output(void **state)
{
    Fx *f = *state;
    g_autofree char *k = mb_image(f, "hello.bin", hello_code, sizeof(hello_code));
    g_autofree char *out = g_build_filename(f->dir, "serial.txt", NULL);
    g_autofree char *spec = g_strconcat("file:", out, NULL);
    Run r = run_vmxsim("-kernel", k, "-serial", spec, "-device",
                       "isa-debug-exit,iobase=0xf4,iosize=4", NULL);
    assert_int_equal(r.status, 0x21);
    g_autofree char *text = NULL;
    assert_true(g_file_get_contents(out, &text, NULL, NULL));
    assert_string_equal(text, "Hi\nE9");
    assert_string_equal(r.out, "");
    run_clear(&r);
}

/* No serial port: COM1 reads as an empty bus, port E9H still prints. */
static void test_e2e_serial_none_keeps_debugcon(void **state)
{
    Fx *f = *state;
    g_autofree char *k = mb_image(f, "hello.bin", hello_code, sizeof(hello_code));
    Run r = run_vmxsim("-kernel", k, "-serial", "none", "-device",
                       "isa-debug-exit,iobase=0xf4,iosize=4", NULL);
    assert_int_equal(r.status, 0x21);
    assert_string_equal(r.out, "E9");
    run_clear(&r);
}

static void test_e2e_cli_hlt_stops_with_message(void **state)
{
    Fx *f = *state;
    static const uint8_t code[] = { 0xfa, 0xf4 };
    g_autofree char *k = mb_image(f, "clihlt.bin", code, sizeof(code));
    Run r = run_vmxsim("-kernel", k, "-smp", "2", NULL);
    assert_int_equal(r.status, 8);
    assert_non_null(strstr(r.err, "every vCPU is halted with interrupts "
                           "disabled"));
    run_clear(&r);
}

/* STI; HLT: interrupts are enabled but no source exists yet (timers and
 * device IRQs are later issues): a clear stop instead of hanging. */
static void test_e2e_sti_hlt_without_sources_stops(void **state)
{
    Fx *f = *state;
    static const uint8_t code[] = { 0xfb, 0xf4 };
    g_autofree char *k = mb_image(f, "stihlt.bin", code, sizeof(code));
    Run r = run_vmxsim("-kernel", k, NULL);
    assert_int_equal(r.status, 8);
    assert_non_null(strstr(r.err, "no interrupt source exists yet"));
    run_clear(&r);
}

/* LIDT with limit 0, then INT3: #GP, #DF, shutdown (SDM Vol.3 6.15,
 * Interrupt 8). */
static void test_e2e_triple_fault_reports_state(void **state)
{
    Fx *f = *state;
    uint8_t code[0x40] = { 0xb8, 0x30, 0x00, 0x10, 0x00, 0x0f, 0x01, 0x18, 0xcc };
    g_autofree char *k = mb_image(f, "triple.bin", code, sizeof(code));
    Run r = run_vmxsim("-kernel", k, "-no-reboot", NULL);
    assert_int_equal(r.status, 6);
    assert_non_null(strstr(r.err, "vmxsim: vCPU 0: triple fault: "));
    assert_non_null(strstr(r.err, "CR0 0000000000000011"));
    assert_null(strstr(r.err, "resetting"));
    run_clear(&r);
    Run r2 = run_vmxsim("-kernel", k, NULL);
    assert_int_equal(r2.status, 6);
    assert_non_null(strstr(r2.err, "reset 3 of at most 3"));
    assert_non_null(strstr(r2.err, "stopping after 3 resets"));
    run_clear(&r2);
}

static void test_e2e_usage_errors_exit_2(void **state)
{
    Run r = run_vmxsim("-hda", "disk.img", NULL);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "vmxsim: option '-hda' is not supported (yet)\n");
    run_clear(&r);
    Run r2 = run_vmxsim(NULL);
    assert_int_equal(r2.status, 2);
    assert_non_null(strstr(r2.err, "expected -kernel FILE"));
    run_clear(&r2);
    Run r3 = run_vmxsim("-enable-kvm", NULL);
    assert_int_equal(r3.status, 2);
    run_clear(&r3);
}

static void test_e2e_help_version_cpu_help(void **state)
{
    Run r = run_vmxsim("--version", NULL);
    assert_int_equal(r.status, 0);
    assert_true(g_str_has_prefix(r.out, "vmxsim "));
    run_clear(&r);
    Run r2 = run_vmxsim("--help", NULL);
    assert_int_equal(r2.status, 0);
    assert_non_null(strstr(r2.out, "-kernel FILE"));
    run_clear(&r2);
    Run r3 = run_vmxsim("-cpu", "help", NULL);
    assert_int_equal(r3.status, 0);
    assert_non_null(strstr(r3.out, "skylake-server"));
    assert_non_null(strstr(r3.out, "Recognized CPUID flags"));
    run_clear(&r3);
}

/* Bad input: exit status 1, a message naming the file, and no -serial
 * output file created. */
static void test_e2e_bad_inputs_exit_1_and_write_nothing(void **state)
{
    Fx *f = *state;
    g_autofree char *out = g_build_filename(f->dir, "never.txt", NULL);
    g_autofree char *spec = g_strconcat("file:", out, NULL);
    g_autofree char *k = mb_image(f, "hello.bin", hello_code, sizeof(hello_code));

    Run r = run_vmxsim("-kernel", k, "-cpu", "pentium9", "-serial", spec, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "unknown CPU model 'pentium9'"));
    run_clear(&r);

    g_autofree char *junk = g_build_filename(f->dir, "junk.bin", NULL);
    assert_true(g_file_set_contents(junk, "\x7f" "ELF\2\1\1", 7, NULL));
    Run r2 = run_vmxsim("-kernel", junk, "-serial", spec, NULL);
    assert_int_equal(r2.status, 1);
    assert_non_null(strstr(r2.err, junk));
    assert_non_null(strstr(r2.err, "not a bootable image"));
    run_clear(&r2);

    g_autofree char *xml = g_build_filename(f->dir, "m.xml", NULL);
    assert_true(g_file_set_contents(xml, "<machine name=\"x\">\n<memory\n", -1, NULL));
    Run r3 = run_vmxsim("-kernel", k, "--machine", xml, "-serial", spec, NULL);
    assert_int_equal(r3.status, 1);
    g_autofree char *where = g_strconcat("vmxsim: ", xml, ":", NULL);
    assert_true(g_str_has_prefix(r3.err, where));
    run_clear(&r3);

    Run r4 = run_vmxsim("-kernel", "/nonexistent/k", "-serial", spec, NULL);
    assert_int_equal(r4.status, 1);
    assert_non_null(strstr(r4.err, "/nonexistent/k: cannot read the kernel"));
    run_clear(&r4);

    /* The image at 1 MiB with 2 MiB of BSS does not fit in 2 MiB of RAM. */
    uint32_t flags = 0x00010000, magic = 0x1badb002;
    uint32_t hdr[8] = { magic, flags, 0u - magic - flags, 0x100000, 0x100000,
                        0, 0x300000, 0x100020 };
    g_autofree char *big = g_build_filename(f->dir, "big.bin", NULL);
    assert_true(g_file_set_contents(big, (const char *)hdr, sizeof(hdr), NULL));
    Run r5 = run_vmxsim("-kernel", big, "-m", "2M", "-serial", spec, NULL);
    assert_int_equal(r5.status, 1);
    assert_non_null(strstr(r5.err, "lies beyond the end of RAM"));
    run_clear(&r5);

    assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
}

static void test_e2e_device_port_conflict_is_an_error(void **state)
{
    Fx *f = *state;
    g_autofree char *k = mb_image(f, "hello.bin", hello_code, sizeof(hello_code));
    Run r = run_vmxsim("-kernel", k, "-device", "isa-debug-exit,iobase=0x3f8",
                       NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "isa-debug-exit at I/O port 0x3f8"));
    assert_non_null(strstr(r.err, "com1"));
    run_clear(&r);
}

/* Unmask x87 #Z, divide by zero, FWAIT: with CR0.NE = 0 (the multiboot
 * state) the error would be reported through FERR#, which vmxsim does not
 * model: a clean "unsupported" stop (SDM Vol.1 8.7). */
static void test_e2e_unsupported_stop_names_what(void **state)
{
    Fx *f = *state;
    uint8_t code[0xe2] = {
        0xdb, 0xe3,                               /* fninit */
        0xd9, 0x2d, 0x00, 0x01, 0x10, 0x00,       /* fldcw [0x100100] */
        0xd9, 0xee, 0xd9, 0xe8,                   /* fldz; fld1 */
        0xd8, 0xf1,                               /* fdiv st, st(1) */
        0x9b,                                     /* fwait */
    };
    code[0xe0] = 0x7b;                            /* FCW 037BH: ZM = 0 */
    code[0xe1] = 0x03;
    g_autofree char *k = mb_image(f, "x87.bin", code, sizeof(code));
    Run r = run_vmxsim("-kernel", k, NULL);
    assert_int_equal(r.status, 4);
    assert_non_null(strstr(r.err, ": unsupported: x87 FERR# reporting with "
                           "CR0.NE=0"));
    run_clear(&r);
}

/* Plain ELF64: vmxsim enters 64-bit mode with identity paging, a stack,
 * RDI = 2BADB002H (sim/boot_state.c). The image prints "L" on port E9H,
 * pushes and pops through the stack, and exits with EDI as the value. */
static void test_e2e_plain_elf64_runs_in_long_mode(void **state)
{
    Fx *f = *state;
    static const uint8_t code[] = {
        0x66, 0xba, 0xe9, 0x00, 0xb0, 'L', 0xee,  /* E9H <- 'L' */
        0x50, 0x58,                               /* push rax; pop rax */
        0x66, 0xba, 0xf4, 0x00, 0x89, 0xf8, 0xef, /* out 0F4H, edi */
        0xf4,
    };
    GByteArray *b = g_byte_array_new();
    g_byte_array_set_size(b, 0x1000 + sizeof(code));
    memset(b->data, 0, b->len);
    uint8_t *d = b->data;
    memcpy(d, "\x7f" "ELF", 4);
    d[4] = 2; d[5] = 1; d[6] = 1;
    uint16_t h16[] = { 2, 62 };
    memcpy(d + 16, h16, 4);
    uint64_t entry = 0x200000, phoff = 64;
    memcpy(d + 24, &entry, 8);
    memcpy(d + 32, &phoff, 8);
    uint16_t sizes[] = { 64, 56, 1 };
    memcpy(d + 52, sizes, 6);
    uint32_t ph32[] = { 1, 5 };
    uint64_t ph64[] = { 0x1000, 0x200000, 0x200000, sizeof(code), sizeof(code),
                        0x1000 };
    memcpy(d + 64, ph32, 8);
    memcpy(d + 72, ph64, sizeof(ph64));
    memcpy(d + 0x1000, code, sizeof(code));
    g_autofree char *k = g_build_filename(f->dir, "plain64.elf", NULL);
    assert_true(g_file_set_contents(k, (const char *)b->data, b->len, NULL));
    g_byte_array_unref(b);
    Run r = run_vmxsim("-kernel", k, "-device",
                       "isa-debug-exit,iobase=0xf4,iosize=4", NULL);
    assert_string_equal(r.out, "L");
    assert_int_equal(r.status, ((0x2badb002u << 1) | 1) & 0xff);
    run_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
        T(test_e2e_hello_exits_through_debug_exit),
        T(test_e2e_serial_file_gets_output),
        T(test_e2e_serial_none_keeps_debugcon),
        T(test_e2e_cli_hlt_stops_with_message),
        T(test_e2e_sti_hlt_without_sources_stops),
        T(test_e2e_triple_fault_reports_state),
        T(test_e2e_usage_errors_exit_2),
        T(test_e2e_help_version_cpu_help),
        T(test_e2e_bad_inputs_exit_1_and_write_nothing),
        T(test_e2e_device_port_conflict_is_an_error),
        T(test_e2e_unsupported_stop_names_what),
        T(test_e2e_plain_elf64_runs_in_long_mode),
#undef T
    };
    return cmocka_run_group_tests_name("sim_vmxsim", tests, NULL, NULL);
}
