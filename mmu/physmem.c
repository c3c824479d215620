/*
 * mmu/physmem.c: the guest-physical address space (see physmem.h): RAM in
 * one host allocation split around the 4 GiB boundary, MMIO regions that
 * dispatch sized accesses to devices, unbacked holes (reads return all
 * ones, writes are dropped), and the code-page bitmap that lets the
 * decoded-instruction cache see self-modifying code (SDM Vol.3 11.6
 * "Self-Modifying Code": a write to a code page must be seen by the next
 * fetch of that code).
 */
#include "mmu/physmem.h"

#include <glib.h>
#include <string.h>

#include "base/bits.h"

bool physmem_init(PhysMap *pm, uint64_t ram_size, const char **err)
{
    memset(pm, 0, sizeof(*pm));
    if (ram_size == 0 || (ram_size & (PAGE_SIZE - 1))) {
        *err = "RAM size must be a non-zero multiple of 4 KiB";
        return false;
    }
    pm->ram = g_try_malloc0(ram_size);
    if (!pm->ram) {
        *err = "cannot allocate guest RAM";
        return false;
    }
    uint64_t pages = ram_size >> PAGE_SHIFT;
    pm->code_bitmap = g_try_malloc0((pages + 7) / 8);
    if (!pm->code_bitmap) {
        g_free(pm->ram);
        pm->ram = NULL;
        *err = "cannot allocate the code-page bitmap";
        return false;
    }
    pm->ram_size = ram_size;
    pm->ram_below_4g = MIN(ram_size, PHYSMEM_DEFAULT_BELOW_4G);
    return true;
}

void physmem_destroy(PhysMap *pm)
{
    g_free(pm->ram);
    g_free(pm->code_bitmap);
    memset(pm, 0, sizeof(*pm));
}

/* Does [a, a + an) overlap [b, b + bn)? Sizes are non-zero. */
static bool ranges_overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
    return a <= b + (bn - 1) && b <= a + (an - 1);
}

bool physmem_add_mmio(PhysMap *pm, uint64_t base, uint64_t size,
                      const MmioOps *ops, void *opaque, const char *name)
{
    if (size == 0 || base + (size - 1) < base || pm->nmmio >= PHYSMAP_MAX_MMIO)
        return false;
    /* A region may not shadow RAM or another region: one owner per byte. */
    if (pm->ram_below_4g && ranges_overlap(base, size, 0, pm->ram_below_4g))
        return false;
    if (pm->ram_size > pm->ram_below_4g &&
        ranges_overlap(base, size, GPA_4G, pm->ram_size - pm->ram_below_4g))
        return false;
    for (unsigned i = 0; i < pm->nmmio; i++)
        if (ranges_overlap(base, size, pm->mmio[i].base, pm->mmio[i].size))
            return false;
    pm->mmio[pm->nmmio++] = (MmioRegion){ base, size, ops, opaque, name };
    return true;
}

/* The MMIO region holding gpa, or NULL. A linear scan: MMIO accesses are
 * rare next to RAM accesses and PHYSMAP_MAX_MMIO is small. */
static const MmioRegion *mmio_find(const PhysMap *pm, uint64_t gpa)
{
    for (unsigned i = 0; i < pm->nmmio; i++)
        if (gpa - pm->mmio[i].base < pm->mmio[i].size)
            return &pm->mmio[i];
    return NULL;
}

void physmem_mark_code(PhysMap *pm, uint64_t gpa)
{
    uint64_t off = physmem_ram_offset(pm, gpa);
    if (off == UINT64_MAX)
        return;
    uint64_t pfn = off >> PAGE_SHIFT;
    uint8_t bit = (uint8_t)(1u << (pfn & 7));
    if (pm->code_bitmap[pfn >> 3] & bit)
        return;
    pm->code_bitmap[pfn >> 3] |= bit;
    if (pm->code_marked)
        pm->code_marked(pm->code_opaque, gpa & PAGE_MASK);
}

void physmem_clear_code(PhysMap *pm, uint64_t gpa)
{
    uint64_t off = physmem_ram_offset(pm, gpa);
    if (off == UINT64_MAX)
        return;
    uint64_t pfn = off >> PAGE_SHIFT;
    pm->code_bitmap[pfn >> 3] &= (uint8_t)~(1u << (pfn & 7));
}

/* Tell the code-cache owner that [gpa, gpa + len) (within one page) changed. */
static void note_ram_write(PhysMap *pm, uint64_t gpa, unsigned len)
{
    if (pm->code_written && physmem_is_code_page(pm, gpa))
        pm->code_written(pm->code_opaque, gpa, len);
}

/* Is [gpa, gpa + size) entirely RAM (and in one piece of it)? */
static uint8_t *ram_range(const PhysMap *pm, uint64_t gpa, uint64_t size)
{
    uint64_t first = physmem_ram_offset(pm, gpa);
    if (first == UINT64_MAX)
        return NULL;
    uint64_t last = physmem_ram_offset(pm, gpa + size - 1);
    if (last != first + size - 1)
        return NULL;
    return pm->ram + first;
}

static uint64_t mmio_read(const MmioRegion *r, uint64_t gpa, unsigned size)
{
    if (!r->ops || !r->ops->read)
        return size_mask(size);
    return r->ops->read(r->opaque, gpa - r->base, size) & size_mask(size);
}

static void mmio_write(const MmioRegion *r, uint64_t gpa, unsigned size, uint64_t v)
{
    if (r->ops && r->ops->write)
        r->ops->write(r->opaque, gpa - r->base, size, v & size_mask(size));
}

uint64_t physmem_read(PhysMap *pm, uint64_t gpa, unsigned size)
{
    g_assert(size == 1 || size == 2 || size == 4 || size == 8);
    uint8_t *p = ram_range(pm, gpa, size);
    if (p) {
        uint64_t v = 0;
        memcpy(&v, p, size);    /* little-endian host, as x86 */
        return v;
    }
    const MmioRegion *r = mmio_find(pm, gpa);
    if (r && gpa + size - 1 - r->base < r->size)
        return mmio_read(r, gpa, size);
    if (!r && !mmio_find(pm, gpa + size - 1) &&
        physmem_ram_offset(pm, gpa) == UINT64_MAX &&
        physmem_ram_offset(pm, gpa + size - 1) == UINT64_MAX)
        return size_mask(size);          /* all in a hole */
    /* The access straddles two kinds of memory: byte by byte. */
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= physmem_read(pm, gpa + i, 1) << (8 * i);
    return v;
}

void physmem_write(PhysMap *pm, uint64_t gpa, unsigned size, uint64_t value)
{
    g_assert(size == 1 || size == 2 || size == 4 || size == 8);
    uint8_t *p = ram_range(pm, gpa, size);
    if (p) {
        memcpy(p, &value, size);
        if ((gpa & PAGE_MASK) == ((gpa + size - 1) & PAGE_MASK)) {
            note_ram_write(pm, gpa, size);
        } else {
            unsigned first = (unsigned)(PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
            note_ram_write(pm, gpa, first);
            note_ram_write(pm, gpa + first, size - first);
        }
        return;
    }
    const MmioRegion *r = mmio_find(pm, gpa);
    if (r && gpa + size - 1 - r->base < r->size) {
        mmio_write(r, gpa, size, value);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        uint64_t b = gpa + i;
        if (physmem_ram_offset(pm, b) != UINT64_MAX || mmio_find(pm, b))
            physmem_write(pm, b, 1, value >> (8 * i));
    }
}

/* Largest naturally aligned size (8, 4, 2, 1) that fits at gpa in len. */
static unsigned chunk_size(uint64_t gpa, size_t len)
{
    for (unsigned s = 8; s > 1; s >>= 1)
        if (len >= s && !(gpa & (s - 1)))
            return s;
    return 1;
}

/* One piece within a page: RAM by memcpy, anything else as sized accesses
 * so a device sees the widths a CPU would use. */
static void read_piece(PhysMap *pm, uint64_t gpa, uint8_t *buf, size_t len)
{
    uint8_t *p = ram_range(pm, gpa, len);
    if (p) {
        memcpy(buf, p, len);
        return;
    }
    while (len) {
        unsigned s = chunk_size(gpa, len);
        uint64_t v = physmem_read(pm, gpa, s);
        memcpy(buf, &v, s);
        gpa += s, buf += s, len -= s;
    }
}

static void write_piece(PhysMap *pm, uint64_t gpa, const uint8_t *buf, size_t len)
{
    uint8_t *p = ram_range(pm, gpa, len);
    if (p) {
        memcpy(p, buf, len);
        note_ram_write(pm, gpa, (unsigned)len);
        return;
    }
    while (len) {
        unsigned s = chunk_size(gpa, len);
        uint64_t v = 0;
        memcpy(&v, buf, s);
        physmem_write(pm, gpa, s, v);
        gpa += s, buf += s, len -= s;
    }
}

void physmem_read_buf(PhysMap *pm, uint64_t gpa, void *buf, size_t len)
{
    uint8_t *b = buf;
    while (len) {
        size_t n = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
        read_piece(pm, gpa, b, n);
        gpa += n, b += n, len -= n;
    }
}

void physmem_write_buf(PhysMap *pm, uint64_t gpa, const void *buf, size_t len)
{
    const uint8_t *b = buf;
    while (len) {
        size_t n = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
        write_piece(pm, gpa, b, n);
        gpa += n, b += n, len -= n;
    }
}
