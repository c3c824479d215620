/*
 * mmu/physmem.h: the guest-physical address space: RAM, MMIO regions and
 * unbacked holes (reads return all ones, writes are dropped, as on a PC bus
 * with nothing decoding the address).
 *
 * Layout of RAM (the QEMU "pc" convention, so images see the same map):
 * RAM [0, ram_below_4g) sits at GPA 0, the rest [ram_below_4g, ram_size)
 * at GPA 4 GiB. The host backing is one contiguous allocation.
 *
 * Self-modifying code: pages that hold decoded instructions are marked in
 * code_bitmap; a write to such a page calls code_written so the
 * decoded-instruction cache can drop what it holds for the page.
 */
#ifndef MMU_PHYSMEM_H
#define MMU_PHYSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  4096ull
#define PAGE_MASK  (~(PAGE_SIZE - 1))
#define GPA_4G     0x100000000ull
#define PHYSMEM_DEFAULT_BELOW_4G 0xc0000000ull /* 3 GiB, like QEMU pc */

typedef struct MmioOps {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, unsigned size, uint64_t value);
} MmioOps;

typedef struct MmioRegion {
    uint64_t base, size;
    const MmioOps *ops;
    void *opaque;
    const char *name;
} MmioRegion;

#define PHYSMAP_MAX_MMIO 32

typedef struct PhysMap {
    uint8_t *ram;
    uint64_t ram_size;
    uint64_t ram_below_4g;
    MmioRegion mmio[PHYSMAP_MAX_MMIO];
    unsigned nmmio;
    uint8_t *code_bitmap;     /* one bit per 4 KiB page of ram[] */
    /* Called when a page first becomes code, so fast write paths that
     * bypass physmem_write can be shot down for it. */
    void (*code_marked)(void *opaque, uint64_t gpa_page);
    /* Called when a write touches a code page. */
    void (*code_written)(void *opaque, uint64_t gpa, unsigned len);
    void *code_opaque;
} PhysMap;

/* Allocate RAM; false with *err set (a static string) on failure. */
bool physmem_init(PhysMap *pm, uint64_t ram_size, const char **err);
void physmem_destroy(PhysMap *pm);
bool physmem_add_mmio(PhysMap *pm, uint64_t base, uint64_t size,
                      const MmioOps *ops, void *opaque, const char *name);

/* Index of gpa in pm->ram, or UINT64_MAX when gpa is not RAM. */
static inline uint64_t physmem_ram_offset(const PhysMap *pm, uint64_t gpa)
{
    if (gpa < pm->ram_below_4g)
        return gpa;
    if (gpa >= GPA_4G && gpa - GPA_4G < pm->ram_size - pm->ram_below_4g)
        return gpa - GPA_4G + pm->ram_below_4g;
    return UINT64_MAX;
}

/* Host pointer for a RAM GPA, NULL for MMIO and holes. */
static inline uint8_t *physmem_ram_ptr(const PhysMap *pm, uint64_t gpa)
{
    uint64_t off = physmem_ram_offset(pm, gpa);
    return off == UINT64_MAX ? NULL : pm->ram + off;
}

static inline bool physmem_is_code_page(const PhysMap *pm, uint64_t gpa)
{
    uint64_t off = physmem_ram_offset(pm, gpa);
    if (off == UINT64_MAX)
        return false;
    uint64_t pfn = off >> PAGE_SHIFT;
    return (pm->code_bitmap[pfn >> 3] >> (pfn & 7)) & 1;
}

void physmem_mark_code(PhysMap *pm, uint64_t gpa);
void physmem_clear_code(PhysMap *pm, uint64_t gpa);

/* Sized accesses (1, 2, 4, 8 bytes) that may cross into MMIO or holes.
 * An access must not cross a page boundary (callers split). */
uint64_t physmem_read(PhysMap *pm, uint64_t gpa, unsigned size);
void physmem_write(PhysMap *pm, uint64_t gpa, unsigned size, uint64_t value);
/* Byte-buffer accesses of any length, split at page boundaries. */
void physmem_read_buf(PhysMap *pm, uint64_t gpa, void *buf, size_t len);
void physmem_write_buf(PhysMap *pm, uint64_t gpa, const void *buf, size_t len);

#endif
