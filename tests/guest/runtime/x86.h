/*
 * tests/guest/runtime/x86.h: inline wrappers for the privileged and
 * system instructions guest tests use (port I/O, control registers, MSRs,
 * CPUID, descriptor tables, TLB invalidation), SDM Vol.2 instruction
 * pages of the same names.
 */
#ifndef RT_X86_H
#define RT_X86_H

#include <stdint.h>
#include "rt_layout.h"

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

#define RT_CR(n) \
    static inline uint64_t read_cr##n(void) { uint64_t v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_cr##n(uint64_t v) { __asm__ volatile("mov %0, %%cr" #n :: "r"(v) : "memory"); }
RT_CR(0)
RT_CR(2)
RT_CR(3)
RT_CR(4)
#undef RT_CR

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

typedef struct CpuidRegs { uint32_t a, b, c, d; } CpuidRegs;

static inline CpuidRegs cpuid(uint32_t leaf, uint32_t sub)
{
    CpuidRegs r;
    __asm__ volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "a"(leaf), "c"(sub));
    return r;
}

static inline void invlpg(const volatile void *p) { __asm__ volatile("invlpg (%0)" :: "r"(p) : "memory"); }

static inline uint64_t read_rflags(void)
{
    uint64_t v;
    __asm__ volatile("pushfq; pop %0" : "=r"(v));
    return v;
}

static inline void write_rflags(uint64_t v) { __asm__ volatile("push %0; popfq" :: "r"(v) : "memory", "cc"); }

static inline uint16_t read_cs(void) { uint16_t v; __asm__ volatile("mov %%cs, %0" : "=r"(v)); return v; }
static inline uint16_t read_ss(void) { uint16_t v; __asm__ volatile("mov %%ss, %0" : "=r"(v)); return v; }

#define RFLAGS_CF 0x1
#define RFLAGS_ZF 0x40
#define RFLAGS_TF 0x100
#define RFLAGS_IF 0x200
#define RFLAGS_AC 0x40000
#define RFLAGS_ID 0x200000

#endif
