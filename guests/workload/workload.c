/*
 * guests/workload/workload.c: a small freestanding C workload: sorting,
 * CRC-32, a prime sieve, a bytecode interpreter and string handling.
 * Everything is integer arithmetic on data generated from a fixed seed,
 * so the host build and every guest build must print the same text; the
 * checks compare against values known independently (the CRC-32 check
 * value of "123456789", the number of primes below one million) or
 * computed a second way.
 */
#include "wl.h"

/* xorshift32 (Marsaglia, 2003) with a fixed seed: deterministic data. */
static uint32_t rng_next(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* ---- sort ---------------------------------------------------------- */
#define SORT_N 20000
static uint32_t sort_buf[SORT_N];

static void quicksort(uint32_t *a, long lo, long hi)
{
    while (lo < hi) {
        uint32_t pivot = a[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                uint32_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        /* Recurse into the smaller half to bound the stack depth. */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

static void part_sort(unsigned round)
{
    uint32_t seed = 2463534242u + round;
    uint32_t sum_before = 0, sum_after = 0, weighted = 0;
    for (int i = 0; i < SORT_N; i++) {
        sort_buf[i] = rng_next(&seed);
        sum_before += sort_buf[i];
    }
    quicksort(sort_buf, 0, SORT_N - 1);
    bool ordered = true;
    for (int i = 0; i < SORT_N; i++) {
        if (i && sort_buf[i - 1] > sort_buf[i])
            ordered = false;
        sum_after += sort_buf[i];
        weighted = weighted * 31u + sort_buf[i];
    }
    wl_printf("  sort      %d random numbers: smallest %08x, median %08x, largest %08x, digest %08x\n",
              SORT_N, sort_buf[0], sort_buf[SORT_N / 2], sort_buf[SORT_N - 1], weighted);
    wl_check(ordered && sum_before == sum_after, "sort: result is ordered and a permutation");
}

/* ---- CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) ----------- */
#define CRC_LEN 65536
static uint8_t crc_data[CRC_LEN];

static void crc32_table(uint32_t t[256])
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
}

static uint32_t crc32(const uint32_t t[256], const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    while (n--)
        c = t[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* Bit-at-a-time CRC: the second way, to cross-check the table. */
static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & -(c & 1));
    }
    return c ^ 0xFFFFFFFFu;
}

static void part_crc(unsigned round)
{
    uint32_t t[256];
    uint32_t seed = 0x9E3779B9u + round;
    crc32_table(t);
    for (int i = 0; i < CRC_LEN; i++)
        crc_data[i] = (uint8_t)rng_next(&seed);
    static const uint8_t check[] = "123456789";
    uint32_t c9 = crc32(t, check, 9);
    uint32_t big = crc32(t, crc_data, CRC_LEN);
    uint32_t big2 = crc32_bitwise(crc_data, 4096);
    wl_printf("  crc32     \"123456789\" -> %08x, %d KiB of data -> %08x\n", c9, CRC_LEN / 1024, big);
    wl_check(c9 == 0xCBF43926u, "crc32: check value of \"123456789\" is cbf43926");
    wl_check(big2 == crc32(t, crc_data, 4096), "crc32: table and bitwise forms agree");
}

/* ---- sieve of Eratosthenes ------------------------------------------- */
#define SIEVE_N 1000000
static uint8_t composite[SIEVE_N];

static void part_sieve(unsigned round)
{
    (void)round;                 /* the same primes every round */
    for (int i = 0; i < SIEVE_N; i++)
        composite[i] = 0;
    for (long i = 2; i * i < SIEVE_N; i++) {
        if (!composite[i]) {
            for (long j = i * i; j < SIEVE_N; j += i)
                composite[j] = 1;
        }
    }
    int count = 0, last = 0;
    for (int i = 2; i < SIEVE_N; i++) {
        if (!composite[i]) {
            count++;
            last = i;
        }
    }
    wl_printf("  sieve     %d primes below %d, the largest is %d\n", count, SIEVE_N, last);
    wl_check(count == 78498 && last == 999983, "sieve: 78498 primes below one million");
}

/* ---- bytecode interpreter -------------------------------------------- */
/* A stack machine with a few registers. The program below computes the
 * total number of Collatz steps for 1..n, which the C code also does. */
enum { OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_DIV2, OP_ODD,
       OP_JZ, OP_JMP, OP_LT, OP_EQ, OP_HALT };

typedef struct Vm {
    int64_t stack[32];
    int sp;
    int64_t reg[8];
    long steps;
} Vm;

static int64_t vm_pop(Vm *vm) { return vm->stack[--vm->sp]; }
static void vm_push(Vm *vm, int64_t v) { vm->stack[vm->sp++] = v; }

static void vm_run(Vm *vm, const int32_t *code)
{
    int pc = 0;
    for (;;) {
        vm->steps++;
        int32_t op = code[pc++];
        int64_t a, b;
        switch (op) {
        case OP_PUSH: vm_push(vm, code[pc++]); break;
        case OP_LOAD: vm_push(vm, vm->reg[code[pc++]]); break;
        case OP_STORE: vm->reg[code[pc++]] = vm_pop(vm); break;
        case OP_ADD: b = vm_pop(vm); a = vm_pop(vm); vm_push(vm, a + b); break;
        case OP_SUB: b = vm_pop(vm); a = vm_pop(vm); vm_push(vm, a - b); break;
        case OP_MUL: b = vm_pop(vm); a = vm_pop(vm); vm_push(vm, a * b); break;
        case OP_DIV2: vm_push(vm, vm_pop(vm) / 2); break;
        case OP_ODD: vm_push(vm, vm_pop(vm) & 1); break;
        case OP_LT: b = vm_pop(vm); a = vm_pop(vm); vm_push(vm, a < b); break;
        case OP_EQ: b = vm_pop(vm); a = vm_pop(vm); vm_push(vm, a == b); break;
        case OP_JZ: a = vm_pop(vm); if (!a) pc = code[pc]; else pc++; break;
        case OP_JMP: pc = code[pc]; break;
        default: return;
        }
    }
}

/* r0 = i (1..n), r1 = x, r2 = total steps, r3 = n; the number before
 * each line is the index of its first cell (jump targets). */
static const int32_t collatz_prog[] = {
    /*  0 */ OP_PUSH, 1, OP_STORE, 0,                           /* i = 1 */
    /*  4 */ OP_PUSH, 0, OP_STORE, 2,                           /* total = 0 */
    /*  8 */ OP_LOAD, 3, OP_LOAD, 0, OP_LT, OP_JZ, 16, OP_HALT, /* while i <= n */
    /* 16 */ OP_LOAD, 0, OP_STORE, 1,                           /* x = i */
    /* 20 */ OP_LOAD, 1, OP_PUSH, 1, OP_EQ, OP_JZ, 29, OP_JMP, 60, /* x == 1? */
    /* 29 */ OP_LOAD, 1, OP_ODD, OP_JZ, 46,
    /* 34 */ OP_LOAD, 1, OP_PUSH, 3, OP_MUL, OP_PUSH, 1, OP_ADD, OP_STORE, 1, OP_JMP, 51,
    /* 46 */ OP_LOAD, 1, OP_DIV2, OP_STORE, 1,
    /* 51 */ OP_LOAD, 2, OP_PUSH, 1, OP_ADD, OP_STORE, 2, OP_JMP, 20, /* total++ */
    /* 60 */ OP_LOAD, 0, OP_PUSH, 1, OP_ADD, OP_STORE, 0, OP_JMP, 8,  /* i++ */
};

static void part_vm(unsigned round)
{
    int n = 600 + (int)round;
    Vm vm = { .sp = 0 };
    vm.reg[3] = n;
    vm_run(&vm, collatz_prog);

    int64_t total = 0;
    for (int64_t i = 1; i <= n; i++) {
        for (int64_t x = i; x != 1; total++)
            x = (x & 1) ? 3 * x + 1 : x / 2;
    }
    wl_printf("  bytecode  Collatz steps for 1..%d: %ld (%ld bytecode instructions)\n",
              n, (long)vm.reg[2], vm.steps);
    wl_check(vm.reg[2] == total, "bytecode: interpreter agrees with compiled C");
}

/* ---- strings ------------------------------------------------------- */
static size_t wl_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static void reverse(char *s, size_t n)
{
    for (size_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
        char t = s[i];
        s[i] = s[j];
        s[j] = t;
    }
}

static size_t utoa(uint32_t v, char *out)
{
    size_t n = 0;
    do {
        out[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    reverse(out, n);
    out[n] = 0;
    return n;
}

static long find(const char *hay, size_t hn, const char *needle, size_t nn)
{
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t k = 0;
        while (k < nn && hay[i + k] == needle[k])
            k++;
        if (k == nn)
            return (long)i;
    }
    return -1;
}

static char text[16384];

static void part_strings(unsigned round)
{
    static const char *const words[] = { "virtual", "machine", "extensions", "page", "table",
                                         "exit", "entry", "guest", "host", "nested" };
    uint32_t seed = 12345u + round;
    size_t len = 0, nwords = 0;
    while (len + 32 < sizeof text) {
        const char *w = words[rng_next(&seed) % 10];
        size_t wn = wl_strlen(w);
        for (size_t i = 0; i < wn; i++)
            text[len++] = w[i];
        len += utoa(rng_next(&seed) % 1000, text + len);
        text[len++] = ' ';
        nwords++;
    }
    text[len] = 0;
    size_t counted = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == ' ')
            counted++;
    }
    long pos = find(text, len, "nested7", 7);
    uint32_t h = 2166136261u;                 /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)text[i]) * 16777619u;
    reverse(text, len);
    reverse(text, len);
    uint32_t h2 = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h2 = (h2 ^ (uint8_t)text[i]) * 16777619u;
    wl_printf("  strings   %zu words in %zu bytes, \"nested7\" first at %ld, FNV-1a %08x\n",
              nwords, len, pos, h);
    wl_check(counted == nwords && h == h2, "strings: word count and double reverse hold");
}

unsigned workload_rounds(const char *cmdline)
{
    for (const char *p = cmdline; *p; p++) {
        if ((p == cmdline || p[-1] == ' ') && p[0] == 'r' && p[1] == 'o' && p[2] == 'u' &&
            p[3] == 'n' && p[4] == 'd' && p[5] == 's' && p[6] == '=') {
            unsigned n = 0;
            for (p += 7; *p >= '0' && *p <= '9'; p++)
                n = n * 10 + (unsigned)(*p - '0');
            return n ? n : 1;
        }
    }
    return 1;
}

void workload_run(unsigned rounds)
{
    wl_printf("vmxsim demo workload: five small freestanding C programs (sorting,\n"
              "CRC-32, a prime sieve, a bytecode interpreter, string handling),\n"
              "booted as a Multiboot guest and run on the simulated CPU. Built for\n"
              "the host, the same code prints exactly the same lines.\n");
    for (unsigned r = 0; r < rounds; r++) {
        wl_printf("round %u of %u\n", r + 1, rounds);
        part_sort(r);
        part_crc(r);
        part_sieve(r);
        part_vm(r);
        part_strings(r);
    }
}
