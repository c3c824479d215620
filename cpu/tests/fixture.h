/*
 * cpu/tests/fixture.h: a bare CPU on RAM for unit tests: no devices, a bus
 * that records port I/O, and helpers to put the CPU in each operating mode
 * with flat segments and (for long mode) identity paging.
 *
 * Memory layout of the fixture (16 MiB RAM):
 *   0x0000_1000  code (fixture_load_code)
 *   0x0000_8000  GDT built by fixture_mode_*()
 *   0x0001_0000  page tables for long mode (identity map of the first 1 GiB
 *                with 2 MiB pages)
 *   0x0020_0000  data area, free for tests
 *   0x0080_0000  stack top (RSP)
 */
#ifndef CPU_TESTS_FIXTURE_H
#define CPU_TESTS_FIXTURE_H

#include "cpu/cpu.h"
#include "cpu/icache.h"

#define FX_RAM_SIZE   (16u << 20)
#define FX_CODE       0x1000u
#define FX_GDT        0x8000u
#define FX_PAGING     0x10000u
#define FX_DATA       0x200000u
#define FX_STACK_TOP  0x800000u

typedef struct FxIo {
    uint16_t port;
    uint8_t size;
    bool is_out;
    uint32_t value;
} FxIo;

typedef struct Fixture {
    PhysMap pm;
    Icache *icache;
    CpuModel model;
    Cpu cpu;
    FxIo io_log[64];
    unsigned nio;
    uint32_t io_in_value;      /* what IN returns */
} Fixture;

/* A fixture with a model that reports every feature in cpu/features.def
 * (tests that need a feature off clear it in fx->model). */
Fixture *fixture_new(void);
void fixture_free(Fixture *fx);

/* Operating modes with flat 4 GiB segments, CPL 0. */
void fixture_mode_real(Fixture *fx);
void fixture_mode_prot32(Fixture *fx);
void fixture_mode_long64(Fixture *fx);
void fixture_mode_compat32(Fixture *fx);

/* Copy code to FX_CODE and point RIP at it. */
void fixture_load_code(Fixture *fx, const void *code, size_t len);
/* Step until RIP leaves [FX_CODE, FX_CODE + len) or `max` instructions ran
 * or a step returns something other than ST_OK; returns the last status. */
SimStatus fixture_run(Fixture *fx, size_t len, unsigned max);

uint64_t fixture_read_phys(Fixture *fx, uint64_t gpa, unsigned size);
void fixture_write_phys(Fixture *fx, uint64_t gpa, unsigned size, uint64_t v);

#endif
