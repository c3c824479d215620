/*
 * sim/loader_elf.c: ELF executables (System V ABI, "Object Files": ELF
 * Header, Program Header; ELF-64 Object File Format 1.5) as the loaders
 * need them: checked headers, the PT_LOAD segments, the entry point; and
 * the boot structures of a plain ELF64 image (identity page tables for the
 * first 4 GiB, a stack).
 *
 * Every offset and size read from the file is checked against the file's
 * length before use, with overflow-safe arithmetic: a truncated or corrupt
 * file is an error that names the file and what was expected.
 */
#include "sim/loader.h"

#include <string.h>

#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1

#define EHDR32_SIZE 52u
#define EHDR64_SIZE 64u
#define PHDR32_SIZE 32u
#define PHDR64_SIZE 56u

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static bool elf_magic(const uint8_t *d, size_t len)
{
    return len >= EI_NIDENT && d[0] == 0x7f && d[1] == 'E' && d[2] == 'L' &&
           d[3] == 'F';
}

bool elf_is_elf64_x86_64(const uint8_t *data, size_t len)
{
    return elf_magic(data, len) && len >= EHDR64_SIZE &&
           data[EI_CLASS] == ELFCLASS64 && data[EI_DATA] == ELFDATA2LSB &&
           rd16(data + 18) == EM_X86_64;
}

void elf_image_clear(ElfImage *img)
{
    if (img->segs)
        g_array_free(img->segs, TRUE);
    memset(img, 0, sizeof(*img));
}

static bool elf_fail(GError **err, const char *path, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static bool elf_fail(GError **err, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, LOADER_ERROR, 0, "%s: %s", path, msg);
    return false;
}

bool elf_parse(const char *path, const uint8_t *d, size_t len, ElfImage *img,
               GError **err)
{
    memset(img, 0, sizeof(*img));
    if (!elf_magic(d, len))
        return elf_fail(err, path, "not an ELF file (expected \\x7fELF)");
    if (d[EI_CLASS] != ELFCLASS32 && d[EI_CLASS] != ELFCLASS64)
        return elf_fail(err, path, "ELF class %u: expected 1 (ELF32) or 2 "
                        "(ELF64)", d[EI_CLASS]);
    if (d[EI_DATA] != ELFDATA2LSB)
        return elf_fail(err, path, "expected a little-endian ELF file");
    bool is64 = d[EI_CLASS] == ELFCLASS64;
    size_t ehsize = is64 ? EHDR64_SIZE : EHDR32_SIZE;
    if (len < ehsize)
        return elf_fail(err, path, "truncated: the ELF header needs %zu bytes, "
                        "the file has %zu", ehsize, len);
    uint16_t type = rd16(d + 16), machine = rd16(d + 18);
    if (type != ET_EXEC)
        return elf_fail(err, path, "ELF type %u: expected an executable "
                        "(ET_EXEC)", type);
    if (is64 ? machine != EM_X86_64 : machine != EM_386)
        return elf_fail(err, path, "ELF machine %u: expected %s", machine,
                        is64 ? "x86-64 (62)" : "i386 (3)");
    uint64_t entry = is64 ? rd64(d + 24) : rd32(d + 24);
    uint64_t phoff = is64 ? rd64(d + 32) : rd32(d + 28);
    uint16_t phentsize = rd16(d + (is64 ? 54 : 42));
    uint16_t phnum = rd16(d + (is64 ? 56 : 44));
    unsigned want = is64 ? PHDR64_SIZE : PHDR32_SIZE;
    if (phnum == 0)
        return elf_fail(err, path, "no program headers: expected PT_LOAD "
                        "segments");
    if (phentsize != want)
        return elf_fail(err, path, "program header size %u: expected %u",
                        phentsize, want);
    if (phoff > len || (uint64_t)phnum * phentsize > len - phoff)
        return elf_fail(err, path, "truncated or corrupt: program headers at "
                        "0x%llx (%u x %u bytes) extend past the end of the "
                        "file (%zu bytes)", (unsigned long long)phoff, phnum,
                        phentsize, len);

    img->is64 = is64;
    img->machine = machine;
    img->entry = entry;
    img->segs = g_array_new(FALSE, TRUE, sizeof(LoadSeg));
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = d + phoff + (uint64_t)i * phentsize;
        if (rd32(ph) != PT_LOAD)
            continue;
        LoadSeg s;
        if (is64) {
            s.offset = rd64(ph + 8);
            s.vaddr = rd64(ph + 16);
            s.paddr = rd64(ph + 24);
            s.filesz = rd64(ph + 32);
            s.memsz = rd64(ph + 40);
        } else {
            s.offset = rd32(ph + 4);
            s.vaddr = rd32(ph + 8);
            s.paddr = rd32(ph + 12);
            s.filesz = rd32(ph + 16);
            s.memsz = rd32(ph + 20);
        }
        if (s.memsz == 0)
            continue;
        if (s.filesz > s.memsz) {
            elf_image_clear(img);
            return elf_fail(err, path, "program header %u: p_filesz 0x%llx "
                            "exceeds p_memsz 0x%llx", i,
                            (unsigned long long)s.filesz,
                            (unsigned long long)s.memsz);
        }
        if (s.offset > len || s.filesz > len - s.offset) {
            elf_image_clear(img);
            return elf_fail(err, path, "truncated or corrupt: program header "
                            "%u: segment data at 0x%llx + 0x%llx extends past "
                            "the end of the file (%zu bytes)", i,
                            (unsigned long long)s.offset,
                            (unsigned long long)s.filesz, len);
        }
        if (s.paddr + s.memsz < s.paddr) {
            elf_image_clear(img);
            return elf_fail(err, path, "program header %u: the segment wraps "
                            "around the address space", i);
        }
        g_array_append_val(img->segs, s);
    }
    if (img->segs->len == 0) {
        elf_image_clear(img);
        return elf_fail(err, path, "no loadable segment: expected at least one "
                        "PT_LOAD with p_memsz > 0");
    }
    return true;
}

uint64_t elf_entry_phys(const ElfImage *img)
{
    for (unsigned i = 0; i < img->segs->len; i++) {
        const LoadSeg *s = &g_array_index(img->segs, LoadSeg, i);
        if (img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
            return img->entry - s->vaddr + s->paddr;
    }
    return img->entry;
}

/* ---- plain ELF64 boot structures ---- */

/* 4-level paging entries (SDM Vol.3 4.5 "4-Level Paging and 5-Level
 * Paging", Tables 4-15 to 4-18): P, R/W, and PS for 2-MByte pages. */
#define PTE_P  0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull

enum {
    ELF64_PML4 = 0,            /* page index in the area */
    ELF64_PDPT = 1,
    ELF64_PD0 = 2,             /* four page directories: 4 GiB */
    ELF64_STACK = 6,
    ELF64_STACK_PAGES = 4,
    ELF64_AREA_PAGES = ELF64_STACK + ELF64_STACK_PAGES,
};

size_t elf64_boot_area_size(void)
{
    return (size_t)ELF64_AREA_PAGES * PAGE_SIZE;
}

static void wr64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void elf64_boot_area_build(uint8_t *area, uint64_t base, BootPlan *plan)
{
    memset(area, 0, elf64_boot_area_size());
    uint8_t *pml4 = area + ELF64_PML4 * PAGE_SIZE;
    uint8_t *pdpt = area + ELF64_PDPT * PAGE_SIZE;
    wr64(pml4, (base + ELF64_PDPT * PAGE_SIZE) | PTE_P | PTE_RW);
    for (unsigned g = 0; g < 4; g++) {
        uint8_t *pd = area + (ELF64_PD0 + g) * PAGE_SIZE;
        wr64(pdpt + 8 * g, (base + (ELF64_PD0 + g) * PAGE_SIZE) | PTE_P | PTE_RW);
        for (unsigned j = 0; j < 512; j++)
            wr64(pd + 8 * j, ((uint64_t)g << 30 | (uint64_t)j << 21) |
                             PTE_P | PTE_RW | PTE_PS);
    }
    plan->cr3 = base + ELF64_PML4 * PAGE_SIZE;
    plan->stack_top = base + ELF64_AREA_PAGES * PAGE_SIZE;
}
