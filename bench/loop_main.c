/*
 * bench/loop_main.c: the loop benchmark image. Kernel command line
 * "iters=N" sets the iteration count (default 1,000,000); each iteration
 * retires 20 instructions (bench/loop_body.inc), so the simulator's
 * instruction count is 20 * N plus the runtime's boot and output.
 */
#include "rt.h"

uint32_t bench_loop(uint64_t iterations, void *buf);

static uint64_t iterations(const char *cmd)
{
    for (const char *p = cmd; *p; p++) {
        if ((p == cmd || p[-1] == ' ') && strncmp(p, "iters=", 6) == 0) {
            uint64_t n = 0;
            for (p += 6; *p >= '0' && *p <= '9'; p++)
                n = n * 10 + (uint64_t)(*p - '0');
            return n;
        }
    }
    return 1000000;
}

void test_main(void)
{
    static uint32_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    uint64_t n = iterations(rt_cmdline());
    uint32_t sum = n ? bench_loop(n, buf) : 0;
    rt_printf("# loop: %lu iterations of 20 instructions, checksum %08x\n", n, sum);
    report(n > 0, "loop ran");
}
