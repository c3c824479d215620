/*
 * sim/loader.h: loading a kernel image into guest RAM and the register
 * state it starts in.
 *
 * Loading is two steps so that bad input never leaves anything
 * half-written: loader_prepare() reads and checks every file (kernel,
 * modules) and produces a BootPlan -- a list of byte ranges to copy into
 * guest-physical memory and the entry state -- without touching the
 * machine; loader_apply() then writes the plan into RAM and sets up the
 * boot vCPU. The plan is kept, so a machine reset (triple fault without
 * -no-reboot) boots the same image again, as QEMU's firmware does.
 *
 * Formats (sim/loader_multiboot.c, sim/loader_elf.c):
 *  - Multiboot 1 (Multiboot Specification 0.6.96, 3.1 "OS image format"):
 *    the header within the first 8 KiB; ELF32 or ELF64 program headers
 *    loaded at p_paddr, or the a.out kludge when header flag 16 is set.
 *    Entry per 3.2 "Machine state": 32-bit protected mode, flat segments,
 *    paging off, IF=0, EAX=0x2BADB002, EBX=multiboot information.
 *  - Plain ELF64 (EM_X86_64, no multiboot header): vmxsim enters 64-bit
 *    mode itself (boot_state.c documents the state).
 *
 * Low-memory layout chosen by the loader (all inside the e820 "available"
 * range 0 - 0x9FC00, never overlapping the image): one boot area holding
 * the multiboot information, module list, memory map and strings, and for
 * ELF64 a GDT, identity page tables for 4 GiB and a 16 KiB stack. The
 * firmware data the machine writes before loading (BDA words, EBDA, ACPI
 * and MP tables in 0xF0000-0xFFFFF) is listed in sim/firmware.h.
 */
#ifndef SIM_LOADER_H
#define SIM_LOADER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "mmu/physmem.h"

/* e820-style map the loaders report and enforce (like QEMU's pc). */
#define LOW_RAM_END      0x9fc00ull   /* 639 KiB of conventional memory */
#define EBDA_END         0xa0000ull   /* 0x9FC00-0x9FFFF reserved (EBDA) */
#define BIOS_AREA_START  0xf0000ull   /* 0xF0000-0xFFFFF reserved (BIOS) */
#define HIGH_RAM_START   0x100000ull  /* 1 MiB */

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u

/* One range of the e820-style memory map (types as the ACPI address
 * range types: 1 memory, 2 reserved). */
#define E820_RAM 1u
#define E820_RESERVED 2u
#define E820_MAX_ENTRIES 5u
typedef struct E820Entry {
    uint64_t base, len;
    uint32_t type;
} E820Entry;

typedef struct BootChunk {
    uint64_t gpa;
    uint64_t len;              /* bytes at gpa; past data_len they are zero */
    uint64_t data_len;
    const uint8_t *data;       /* into a buffer owned by the plan */
    char *what;                /* for error messages: "segment 1", ... */
} BootChunk;

typedef enum BootEntryKind {
    BOOT_PROT32,               /* Multiboot 1 machine state */
    BOOT_LONG64,               /* plain ELF64: 64-bit mode, identity paging */
} BootEntryKind;

typedef struct BootPlan {
    GArray *chunks;            /* BootChunk, in load order */
    GPtrArray *buffers;        /* owned file contents and built structures */
    BootEntryKind kind;
    uint64_t entry;            /* physical entry address */
    uint32_t info_addr;        /* multiboot information structure */
    uint64_t gdt_addr;         /* boot GDT (both kinds) */
    uint64_t cr3;              /* BOOT_LONG64: PML4 */
    uint64_t stack_top;        /* BOOT_LONG64: initial RSP */
    uint64_t image_end;        /* first byte after the kernel (page-aligned) */
    char *append;              /* -append ("" when none), for fw_cfg */
} BootPlan;

typedef struct BootRequest {
    const char *kernel;        /* path */
    const char *append;        /* -append, may be NULL */
    const char *initrd;        /* -initrd "file args,file args", may be NULL */
} BootRequest;

/* The RAM layout the plan must fit: ram_size and ram_below_4g as the
 * PhysMap will have them. */
typedef struct BootRam {
    uint64_t ram_size;
    uint64_t ram_below_4g;
} BootRam;

#define LOADER_ERROR loader_error_quark()
GQuark loader_error_quark(void);

void boot_plan_init(BootPlan *p);
void boot_plan_clear(BootPlan *p);

/* Read and check everything; fill *plan. Errors name the file and what
 * was expected. */
bool loader_prepare(const BootRequest *req, const BootRam *ram,
                    BootPlan *plan, GError **err);
/* Copy the plan into RAM (chunks only). */
void loader_apply(const BootPlan *plan, PhysMap *pm);
/* Put the boot vCPU into the plan's entry state (sim/boot_state.c). */
void loader_enter(const BootPlan *plan, Cpu *cpu);
/* The boot GDT, 32 bytes: null, 08H 32-bit code, 10H data, 18H 64-bit code
 * (sim/boot_state.c). */
#define BOOT_GDT_SIZE 32u
void boot_gdt_build(uint8_t *gdt);

/* The memory map the multiboot information reports (and fw_cfg's
 * etc/e820): fills e[] (E820_MAX_ENTRIES) and returns the count. */
unsigned loader_e820_map(const BootRam *ram, E820Entry *e);

/* ---- shared by the loaders (sim/loader_*.c) ---- */

/* One program segment, as found in an image. */
typedef struct LoadSeg {
    uint64_t paddr, vaddr, memsz, filesz, offset;
} LoadSeg;

typedef struct ElfImage {
    bool is64;
    uint16_t machine;
    uint64_t entry;            /* e_entry, virtual */
    GArray *segs;              /* LoadSeg of PT_LOAD with p_memsz > 0 */
} ElfImage;

/* Parse and check ELF headers (loader_elf.c). */
bool elf_parse(const char *path, const uint8_t *data, size_t len,
               ElfImage *img, GError **err);
void elf_image_clear(ElfImage *img);
bool elf_is_elf64_x86_64(const uint8_t *data, size_t len);
/* e_entry converted to a physical address through the segment holding it
 * (vaddr -> paddr); the entry itself when no segment holds it. */
uint64_t elf_entry_phys(const ElfImage *img);

/* Check that [gpa, gpa+len) is RAM the e820 map calls available: not past
 * the end of RAM, not in the 0x9FC00-0xFFFFF hole, not between the end of
 * low RAM and 4 GiB. */
bool loader_check_range(const BootRam *ram, const char *path, const char *what,
                        uint64_t gpa, uint64_t len, GError **err);
/* Add a chunk (data may be NULL for all zeroes). */
void boot_plan_add(BootPlan *p, uint64_t gpa, uint64_t len, const uint8_t *data,
                   uint64_t data_len, const char *what);
/* Build the ELF64 boot structures (GDT, page tables, stack) in the boot
 * area at base; returns the bytes written to area (loader_elf.c). */
size_t elf64_boot_area_size(void);
void elf64_boot_area_build(uint8_t *area, uint64_t base, BootPlan *plan);

#endif
