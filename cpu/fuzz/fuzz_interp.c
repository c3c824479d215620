/*
 * cpu/fuzz/fuzz_interp.c: libFuzzer target for the whole interpreter:
 * decoder (SDM Vol.2A ch.2), decoded-instruction cache, run loop, handlers
 * and event delivery. An input is a list of records
 *   [mode byte] [length byte] [length bytes of code]
 * (the last record takes what is left). Each record puts a fixture CPU in
 * the mode the byte picks (real, 32-bit protected, 64-bit, compatibility),
 * loads the code at FX_CODE and runs it under a cycle budget, so every input
 * ends. The records share one fixture, created per input: the run is a pure
 * function of the input, and the fixture's cost is spread over several runs.
 * Anything a guest does must become architectural behaviour or a clean stop
 * (STYLE 4): a crash, sanitizer report or hang is a bug.
 *
 * Built only with meson -Dfuzz=true and clang; scripts/fuzz.sh runs it.
 */
#include <stddef.h>
#include <stdint.h>

#include "cpu/tests/fixture.h"

#define FUZZ_MAX_RECORDS 8
#define FUZZ_BUDGET      2000    /* instructions (cycles) per record */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static void (*const modes[])(Fixture *) = {
        fixture_mode_real, fixture_mode_prot32, fixture_mode_long64, fixture_mode_compat32,
    };
    if (size < 2)
        return 0;
    Fixture *fx = fixture_new();
    size_t pos = 0;
    for (int rec = 0; rec < FUZZ_MAX_RECORDS && size - pos >= 2; rec++) {
        uint8_t mode = data[pos], want = data[pos + 1];
        pos += 2;
        size_t len = rec == FUZZ_MAX_RECORDS - 1 || want > size - pos ? size - pos : want;
        modes[mode % 4](fx);
        fx->cpu.activity = CPU_ACTIVE;
        fixture_load_code(fx, data + pos, len);
        pos += len;
        /* Resume after a HLT so one record can exercise several paths;
         * each cpu_run is bounded by the budget. */
        for (int round = 0; round < 4; round++) {
            SimStatus st = cpu_run(&fx->cpu, fx->cpu.cycles + FUZZ_BUDGET / 4);
            if (st == ST_SHUTDOWN || st == ST_STOP || st == ST_VMEXIT)
                break;
            if (st == ST_HALT)
                fx->cpu.activity = CPU_ACTIVE;
        }
    }
    fixture_free(fx);
    return 0;
}
