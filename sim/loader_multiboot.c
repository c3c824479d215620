/*
 * sim/loader_multiboot.c: the boot plan for a kernel image (see
 * sim/loader.h): Multiboot 1 per the Multiboot Specification version
 * 0.6.96 -- 3.1.1 "The layout of Multiboot header", 3.1.2 "The magic fields
 * of Multiboot header", 3.1.3 "The address fields" (a.out kludge), 3.2
 * "Machine state", 3.3 "Boot information format" -- and, for an image
 * without a multiboot header, the plain ELF64 entry.
 *
 * Where the specification leaves a choice, vmxsim does what QEMU's
 * multiboot loader does, so images behave the same: the cmdline is
 * "KERNEL APPEND", modules are "-initrd file1 args,file2 args" placed
 * page-aligned after the kernel, and a header with flag 16 (address fields
 * valid) is loaded through the a.out kludge even when the file is ELF.
 */
#include "sim/loader.h"

#include <string.h>

G_DEFINE_QUARK(vmxsim-loader-error-quark, loader_error)

#define MULTIBOOT_HEADER_MAGIC 0x1badb002u
#define MULTIBOOT_SEARCH 8192u           /* 3.1.1: within the first 8192 bytes */
#define MB_FLAG_PAGE_ALIGN  0x00000001u  /* modules page-aligned */
#define MB_FLAG_MEMORY_INFO 0x00000002u  /* mem_* fields required */
#define MB_FLAG_VIDEO_MODE  0x00000004u  /* video mode table wanted */
#define MB_FLAG_AOUT_KLUDGE 0x00010000u  /* address fields valid */
#define MB_FLAGS_KNOWN_REQUIRED \
    (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE)

/* 3.3 "Boot information format": flags bits and field offsets. */
#define MBI_FLAG_MEM      (1u << 0)
#define MBI_FLAG_CMDLINE  (1u << 2)
#define MBI_FLAG_MODS     (1u << 3)
#define MBI_FLAG_MMAP     (1u << 6)
#define MBI_FLAG_LOADER   (1u << 9)
#define MBI_FLAGS 0
#define MBI_MEM_LOWER 4
#define MBI_MEM_UPPER 8
#define MBI_CMDLINE 16
#define MBI_MODS_COUNT 20
#define MBI_MODS_ADDR 24
#define MBI_MMAP_LENGTH 44
#define MBI_MMAP_ADDR 48
#define MBI_BOOT_LOADER_NAME 64
#define MBI_SIZE 128u                    /* through the framebuffer fields */
#define MB_MOD_SIZE 16u                  /* mod_start, mod_end, string, reserved */
#define MB_MMAP_ENTRY 24u                /* size(=20), base_addr, length, type */

/* Boot area: the GDT first, then the information structure. */
#define AREA_GDT 0u
#define AREA_MBI 64u
#define AREA_MIN_BASE 0x1000ull          /* keep page 0 (real-mode IVT) free */

#define BOOT_LOADER_NAME "vmxsim"

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t align_up(uint64_t v) { return (v + PAGE_SIZE - 1) & PAGE_MASK; }

/* ---- the plan ---- */

void boot_plan_init(BootPlan *p)
{
    memset(p, 0, sizeof(*p));
    p->chunks = g_array_new(FALSE, TRUE, sizeof(BootChunk));
    p->buffers = g_ptr_array_new_with_free_func(g_free);
}

void boot_plan_clear(BootPlan *p)
{
    if (p->chunks) {
        for (unsigned i = 0; i < p->chunks->len; i++)
            g_free(g_array_index(p->chunks, BootChunk, i).what);
        g_array_free(p->chunks, TRUE);
    }
    if (p->buffers)
        g_ptr_array_free(p->buffers, TRUE);
    g_free(p->append);
    memset(p, 0, sizeof(*p));
}

void boot_plan_add(BootPlan *p, uint64_t gpa, uint64_t len, const uint8_t *data,
                   uint64_t data_len, const char *what)
{
    BootChunk c = { gpa, len, data ? data_len : 0, data, g_strdup(what) };
    g_array_append_val(p->chunks, c);
}

void loader_apply(const BootPlan *plan, PhysMap *pm)
{
    for (unsigned i = 0; i < plan->chunks->len; i++) {
        const BootChunk *c = &g_array_index(plan->chunks, BootChunk, i);
        if (c->data_len)
            physmem_write_buf(pm, c->gpa, c->data, c->data_len);
        /* Zero the rest (BSS) a page at a time, no large temporary. */
        static const uint8_t zero[PAGE_SIZE];
        for (uint64_t off = c->data_len; off < c->len;) {
            uint64_t n = MIN(c->len - off, (uint64_t)sizeof(zero));
            physmem_write_buf(pm, c->gpa + off, zero, n);
            off += n;
        }
    }
}

bool loader_check_range(const BootRam *ram, const char *path, const char *what,
                        uint64_t gpa, uint64_t len, GError **err)
{
    uint64_t end = gpa + len;             /* exclusive */
    uint64_t above = ram->ram_size - ram->ram_below_4g;
    if (len == 0)
        return true;
    if (end < gpa) {
        g_set_error(err, LOADER_ERROR, 0, "%s: %s at 0x%llx wraps around the "
                    "address space", path, what, (unsigned long long)gpa);
        return false;
    }
    if ((end <= LOW_RAM_END) ||
        (gpa >= HIGH_RAM_START && end <= ram->ram_below_4g) ||
        (gpa >= GPA_4G && end <= GPA_4G + above))
        return true;
    const char *why;
    if (gpa < HIGH_RAM_START && end > LOW_RAM_END)
        why = "overlaps the reserved area 0x9fc00-0xfffff below 1 MiB "
              "(EBDA, VGA and BIOS); expected addresses from 1 MiB up";
    else if (end > ram->ram_below_4g && gpa < GPA_4G && ram->ram_size ==
             ram->ram_below_4g)
        why = "lies beyond the end of RAM (-m sets the RAM size)";
    else if (gpa < GPA_4G)
        why = "lies in the hole between the end of low RAM and 4 GiB";
    else
        why = "lies beyond the end of RAM (-m sets the RAM size)";
    g_set_error(err, LOADER_ERROR, 0, "%s: %s at 0x%llx-0x%llx %s (RAM: %llu "
                "MiB)", path, what, (unsigned long long)gpa,
                (unsigned long long)(end - 1), why,
                (unsigned long long)(ram->ram_size >> 20));
    return false;
}

static bool chunks_overlap(const BootPlan *p, const char *path, GError **err)
{
    for (unsigned i = 0; i < p->chunks->len; i++) {
        const BootChunk *a = &g_array_index(p->chunks, BootChunk, i);
        for (unsigned j = i + 1; j < p->chunks->len; j++) {
            const BootChunk *b = &g_array_index(p->chunks, BootChunk, j);
            if (a->len && b->len && a->gpa < b->gpa + b->len &&
                b->gpa < a->gpa + a->len) {
                g_set_error(err, LOADER_ERROR, 0, "%s: %s (0x%llx) and %s "
                            "(0x%llx) overlap", path, a->what,
                            (unsigned long long)a->gpa, b->what,
                            (unsigned long long)b->gpa);
                return true;
            }
        }
    }
    return false;
}

static uint64_t plan_end(const BootPlan *p)
{
    uint64_t end = 0;
    for (unsigned i = 0; i < p->chunks->len; i++) {
        const BootChunk *c = &g_array_index(p->chunks, BootChunk, i);
        end = MAX(end, c->gpa + c->len);
    }
    return end;
}

static bool plan_holds(const BootPlan *p, uint64_t gpa)
{
    for (unsigned i = 0; i < p->chunks->len; i++) {
        const BootChunk *c = &g_array_index(p->chunks, BootChunk, i);
        if (gpa >= c->gpa && gpa - c->gpa < c->len)
            return true;
    }
    return false;
}

/* ---- reading files ---- */

static uint8_t *read_file(BootPlan *p, const char *path, size_t *len,
                          const char *what, GError **err)
{
    char *data = NULL;
    gsize n = 0;
    GError *e = NULL;
    if (!g_file_get_contents(path, &data, &n, &e)) {
        g_set_error(err, LOADER_ERROR, 0, "%s: cannot read the %s: %s", path,
                    what, e->message);
        g_error_free(e);
        return NULL;
    }
    g_ptr_array_add(p->buffers, data);
    *len = n;
    return (uint8_t *)data;
}

/* ---- the multiboot header ---- */

typedef struct MbHeader {
    size_t offset;
    uint32_t flags;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
} MbHeader;

/* 0: none, 1: found, -1: error set. */
static int mb_find_header(const char *path, const uint8_t *d, size_t len,
                          MbHeader *h, GError **err)
{
    size_t limit = MIN(len, (size_t)MULTIBOOT_SEARCH);
    bool bad_sum = false;
    size_t bad_at = 0;
    for (size_t off = 0; off + 12 <= limit; off += 4) {
        if (rd32(d + off) != MULTIBOOT_HEADER_MAGIC)
            continue;
        uint32_t flags = rd32(d + off + 4), sum = rd32(d + off + 8);
        if ((uint32_t)(MULTIBOOT_HEADER_MAGIC + flags + sum) != 0) {
            if (!bad_sum)
                bad_at = off;
            bad_sum = true;
            continue;
        }
        h->offset = off;
        h->flags = flags;
        return 1;
    }
    if (bad_sum) {
        g_set_error(err, LOADER_ERROR, 0, "%s: multiboot header at offset 0x%zx "
                    "has a bad checksum (expected magic + flags + checksum = 0 "
                    "mod 2^32)", path, bad_at);
        return -1;
    }
    return 0;
}

static bool mb_header_fields(const char *path, const uint8_t *d, size_t len,
                             MbHeader *h, GError **err)
{
    uint32_t unknown = h->flags & 0xffffu & ~MB_FLAGS_KNOWN_REQUIRED;
    if (unknown) {
        /* 3.1.2: a set bit in 0-15 the boot loader does not understand
         * must make it fail. */
        g_set_error(err, LOADER_ERROR, 0, "%s: multiboot header flags 0x%x "
                    "request features vmxsim does not know (bits 0x%x); "
                    "expected only bits 0-2 and 16", path, h->flags, unknown);
        return false;
    }
    if (!(h->flags & MB_FLAG_AOUT_KLUDGE))
        return true;
    if (h->offset + 32 > len || h->offset + 32 > MULTIBOOT_SEARCH) {
        g_set_error(err, LOADER_ERROR, 0, "%s: multiboot header at 0x%zx sets "
                    "flag 16 but its address fields are cut off (expected 32 "
                    "bytes within the first 8 KiB)", path, h->offset);
        return false;
    }
    const uint8_t *p = d + h->offset;
    h->header_addr = rd32(p + 12);
    h->load_addr = rd32(p + 16);
    h->load_end_addr = rd32(p + 20);
    h->bss_end_addr = rd32(p + 24);
    h->entry_addr = rd32(p + 28);
    return true;
}

/* 3.1.3 "The address fields of Multiboot header". */
static bool mb_load_aout(const char *path, const uint8_t *d, size_t len,
                         const MbHeader *h, const BootRam *ram, BootPlan *plan,
                         GError **err)
{
    if (h->header_addr < h->load_addr ||
        h->header_addr - h->load_addr > h->offset) {
        g_set_error(err, LOADER_ERROR, 0, "%s: a.out kludge: header_addr 0x%x "
                    "and load_addr 0x%x put the load start before the file "
                    "(expected load_addr <= header_addr, header_addr - "
                    "load_addr <= 0x%zx)", path, h->header_addr, h->load_addr,
                    h->offset);
        return false;
    }
    uint64_t file_off = h->offset - (h->header_addr - h->load_addr);
    uint64_t load_size;
    if (h->load_end_addr == 0) {
        load_size = len - file_off;        /* 0: the rest of the file */
    } else {
        if (h->load_end_addr < h->load_addr) {
            g_set_error(err, LOADER_ERROR, 0, "%s: a.out kludge: load_end_addr "
                        "0x%x below load_addr 0x%x", path, h->load_end_addr,
                        h->load_addr);
            return false;
        }
        load_size = (uint64_t)h->load_end_addr - h->load_addr;
        if (load_size > len - file_off) {
            g_set_error(err, LOADER_ERROR, 0, "%s: truncated: a.out kludge "
                        "loads 0x%llx bytes from file offset 0x%llx, the file "
                        "has %zu bytes", path, (unsigned long long)load_size,
                        (unsigned long long)file_off, len);
            return false;
        }
    }
    uint64_t mem_size = load_size;
    if (h->bss_end_addr) {
        if (h->bss_end_addr < h->load_addr + load_size) {
            g_set_error(err, LOADER_ERROR, 0, "%s: a.out kludge: bss_end_addr "
                        "0x%x below the end of the loaded image 0x%llx", path,
                        h->bss_end_addr,
                        (unsigned long long)(h->load_addr + load_size));
            return false;
        }
        mem_size = (uint64_t)h->bss_end_addr - h->load_addr;
    }
    if (!loader_check_range(ram, path, "the a.out-kludge image", h->load_addr,
                            mem_size, err))
        return false;
    boot_plan_add(plan, h->load_addr, mem_size, d + file_off, load_size,
                  "the a.out-kludge image");
    plan->entry = h->entry_addr;
    return true;
}

static bool load_elf_segments(const char *path, const ElfImage *img,
                              const uint8_t *d, const BootRam *ram,
                              bool below_4g, BootPlan *plan, GError **err)
{
    for (unsigned i = 0; i < img->segs->len; i++) {
        const LoadSeg *s = &g_array_index(img->segs, LoadSeg, i);
        g_autofree char *what = g_strdup_printf("segment %u", i);
        if (below_4g && s->paddr + s->memsz > GPA_4G) {
            g_set_error(err, LOADER_ERROR, 0, "%s: %s at physical 0x%llx: a "
                        "multiboot kernel starts in 32-bit mode; expected "
                        "segments below 4 GiB", path, what,
                        (unsigned long long)s->paddr);
            return false;
        }
        if (!loader_check_range(ram, path, what, s->paddr, s->memsz, err))
            return false;
        boot_plan_add(plan, s->paddr, s->memsz, d + s->offset, s->filesz, what);
    }
    return true;
}

/* ---- modules (-initrd) ---- */

/* QEMU's syntax: modules separated by ',', a literal comma written ",,";
 * each module is "path args", its multiboot string the whole text. */
static GPtrArray *split_modules(const char *s)
{
    GPtrArray *mods = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);
    for (const char *p = s;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || !*p) {
            g_ptr_array_add(mods, g_string_free(cur, FALSE));
            if (!*p)
                break;
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    return mods;
}

typedef struct ModInfo {
    uint64_t start, end;
    const char *string;
} ModInfo;

static bool load_modules(const BootRequest *req, const BootRam *ram,
                         BootPlan *plan, GPtrArray *mod_strings, GArray *mods,
                         GError **err)
{
    if (!req->initrd)
        return true;
    g_autoptr(GPtrArray) list = split_modules(req->initrd);
    uint64_t addr = align_up(MAX(plan_end(plan), HIGH_RAM_START));
    for (unsigned i = 0; i < list->len; i++) {
        const char *entry = list->pdata[i];
        g_autofree char *path = g_strndup(entry, strcspn(entry, " "));
        if (!*path) {
            g_set_error(err, LOADER_ERROR, 0, "-initrd '%s': module %u has no "
                        "file name (expected \"file args,file args\")",
                        req->initrd, i);
            return false;
        }
        size_t len;
        const uint8_t *data = read_file(plan, path, &len, "module", err);
        if (!data)
            return false;
        g_autofree char *what = g_strdup_printf("module %u", i);
        if (addr + len > GPA_4G) {
            g_set_error(err, LOADER_ERROR, 0, "%s: %s does not fit below 4 GiB "
                        "(multiboot addresses are 32-bit)", path, what);
            return false;
        }
        if (!loader_check_range(ram, path, what, addr, MAX(len, 1), err))
            return false;
        boot_plan_add(plan, addr, len, data, len, what);
        char *str = g_strdup(entry);
        g_ptr_array_add(mod_strings, str);
        ModInfo mi = { addr, addr + len, str };
        g_array_append_val(mods, mi);
        addr = align_up(addr + MAX(len, 1));
    }
    return true;
}

/* ---- the boot area: GDT, multiboot information, ELF64 structures ---- */

unsigned loader_e820_map(const BootRam *ram, E820Entry *e)
{
    unsigned n = 0;
    e[n++] = (E820Entry){ 0, LOW_RAM_END, E820_RAM };
    e[n++] = (E820Entry){ LOW_RAM_END, EBDA_END - LOW_RAM_END, E820_RESERVED };
    e[n++] = (E820Entry){ BIOS_AREA_START, HIGH_RAM_START - BIOS_AREA_START,
                          E820_RESERVED };
    e[n++] = (E820Entry){ HIGH_RAM_START, ram->ram_below_4g - HIGH_RAM_START,
                          E820_RAM };
    if (ram->ram_size > ram->ram_below_4g)
        e[n++] = (E820Entry){ GPA_4G, ram->ram_size - ram->ram_below_4g,
                              E820_RAM };
    return n;
}

/* Highest page-aligned base in [AREA_MIN_BASE, LOW_RAM_END) where size
 * bytes overlap nothing in the plan; 0 if none. */
static uint64_t find_low_area(const BootPlan *plan, uint64_t size)
{
    if (size > LOW_RAM_END - AREA_MIN_BASE)
        return 0;
    for (uint64_t base = (LOW_RAM_END - size) & PAGE_MASK;
         base >= AREA_MIN_BASE; base -= PAGE_SIZE) {
        bool clash = false;
        for (unsigned i = 0; i < plan->chunks->len && !clash; i++) {
            const BootChunk *c = &g_array_index(plan->chunks, BootChunk, i);
            clash = c->len && c->gpa < base + size && base < c->gpa + c->len;
        }
        if (!clash)
            return base;
    }
    return 0;
}

static bool build_boot_area(const BootRequest *req, const BootRam *ram,
                            BootPlan *plan, GArray *mods, GError **err)
{
    E820Entry mmap[E820_MAX_ENTRIES];
    unsigned nmmap = loader_e820_map(ram, mmap);
    g_autofree char *cmdline = g_strdup_printf("%s %s", req->kernel,
                                               req->append ? req->append : "");
    size_t mods_off = AREA_MBI + MBI_SIZE;
    size_t mmap_off = mods_off + (size_t)mods->len * MB_MOD_SIZE;
    size_t str_off = mmap_off + (size_t)nmmap * MB_MMAP_ENTRY;
    size_t size = str_off + strlen(cmdline) + 1 + sizeof(BOOT_LOADER_NAME);
    for (unsigned i = 0; i < mods->len; i++)
        size += strlen(g_array_index(mods, ModInfo, i).string) + 1;
    size_t info_size = align_up(size);
    size_t total = info_size + (plan->kind == BOOT_LONG64 ? elf64_boot_area_size() : 0);

    uint64_t base = find_low_area(plan, total);
    if (!base) {
        g_set_error(err, LOADER_ERROR, 0, "%s: no room below 0x9fc00 for the "
                    "boot information (%zu bytes): the image fills low memory "
                    "or the command line is too long", req->kernel, total);
        return false;
    }
    uint8_t *a = g_malloc0(total);
    g_ptr_array_add(plan->buffers, a);

    boot_gdt_build(a + AREA_GDT);
    plan->gdt_addr = base + AREA_GDT;

    uint8_t *mbi = a + AREA_MBI;
    size_t s = str_off;
    uint32_t cmd_addr = (uint32_t)(base + s);
    memcpy(a + s, cmdline, strlen(cmdline) + 1);
    s += strlen(cmdline) + 1;
    uint32_t name_addr = (uint32_t)(base + s);
    memcpy(a + s, BOOT_LOADER_NAME, sizeof(BOOT_LOADER_NAME));
    s += sizeof(BOOT_LOADER_NAME);
    for (unsigned i = 0; i < mods->len; i++) {
        const ModInfo *m = &g_array_index(mods, ModInfo, i);
        uint8_t *e = a + mods_off + i * MB_MOD_SIZE;
        wr32(e, (uint32_t)m->start);
        wr32(e + 4, (uint32_t)m->end);
        wr32(e + 8, (uint32_t)(base + s));
        memcpy(a + s, m->string, strlen(m->string) + 1);
        s += strlen(m->string) + 1;
    }
    for (unsigned i = 0; i < nmmap; i++) {
        uint8_t *e = a + mmap_off + i * MB_MMAP_ENTRY;
        wr32(e, MB_MMAP_ENTRY - 4);       /* size excludes the size field */
        wr64(e + 4, mmap[i].base);
        wr64(e + 12, mmap[i].len);
        wr32(e + 20, mmap[i].type);
    }
    wr32(mbi + MBI_FLAGS, MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS |
                          MBI_FLAG_MMAP | MBI_FLAG_LOADER);
    wr32(mbi + MBI_MEM_LOWER, (uint32_t)(LOW_RAM_END >> 10));
    wr32(mbi + MBI_MEM_UPPER,
         (uint32_t)((MIN(ram->ram_below_4g, GPA_4G) - HIGH_RAM_START) >> 10));
    wr32(mbi + MBI_CMDLINE, cmd_addr);
    wr32(mbi + MBI_MODS_COUNT, mods->len);
    wr32(mbi + MBI_MODS_ADDR, (uint32_t)(base + mods_off));
    wr32(mbi + MBI_MMAP_LENGTH, nmmap * MB_MMAP_ENTRY);
    wr32(mbi + MBI_MMAP_ADDR, (uint32_t)(base + mmap_off));
    wr32(mbi + MBI_BOOT_LOADER_NAME, name_addr);
    plan->info_addr = (uint32_t)(base + AREA_MBI);

    if (plan->kind == BOOT_LONG64)
        elf64_boot_area_build(a + info_size, base + info_size, plan);
    boot_plan_add(plan, base, total, a, total, "the boot information");
    return true;
}

/* ---- top level ---- */

static bool prepare_image(const BootRequest *req, const BootRam *ram,
                          const uint8_t *d, size_t len, BootPlan *plan,
                          GError **err)
{
    const char *path = req->kernel;
    MbHeader h = { 0 };
    int found = mb_find_header(path, d, len, &h, err);
    if (found < 0)
        return false;
    if (found) {
        plan->kind = BOOT_PROT32;
        if (!mb_header_fields(path, d, len, &h, err))
            return false;
        if (h.flags & MB_FLAG_AOUT_KLUDGE)
            return mb_load_aout(path, d, len, &h, ram, plan, err);
        ElfImage img;
        if (!elf_parse(path, d, len, &img, err)) {
            g_prefix_error(err, "multiboot header without flag 16 needs an "
                           "ELF image: ");
            return false;
        }
        bool ok = load_elf_segments(path, &img, d, ram, true, plan, err);
        plan->entry = elf_entry_phys(&img);
        elf_image_clear(&img);
        return ok;
    }
    if (!elf_is_elf64_x86_64(d, len)) {
        g_set_error(err, LOADER_ERROR, 0, "%s: not a bootable image: expected a "
                    "Multiboot 1 header (magic 0x1badb002) in the first 8 KiB "
                    "or an ELF64 x86-64 executable", path);
        return false;
    }
    plan->kind = BOOT_LONG64;
    ElfImage img;
    if (!elf_parse(path, d, len, &img, err))
        return false;
    bool ok = load_elf_segments(path, &img, d, ram, false, plan, err);
    plan->entry = elf_entry_phys(&img);
    elf_image_clear(&img);
    return ok;
}

bool loader_prepare(const BootRequest *req, const BootRam *ram,
                    BootPlan *plan, GError **err)
{
    boot_plan_init(plan);
    size_t len;
    const uint8_t *d = read_file(plan, req->kernel, &len, "kernel", err);
    bool ok = d && prepare_image(req, ram, d, len, plan, err);
    if (ok && chunks_overlap(plan, req->kernel, err))
        ok = false;
    if (ok && (plan->entry >= GPA_4G || !plan_holds(plan, plan->entry))) {
        g_set_error(err, LOADER_ERROR, 0, "%s: entry point 0x%llx is outside "
                    "the loaded image (expected an address inside a loaded "
                    "segment, below 4 GiB)", req->kernel,
                    (unsigned long long)plan->entry);
        ok = false;
    }
    if (ok)
        plan->image_end = align_up(plan_end(plan));
    plan->append = g_strdup(req->append ? req->append : "");
    g_autoptr(GPtrArray) mod_strings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) mods = g_array_new(FALSE, TRUE, sizeof(ModInfo));
    if (ok)
        ok = load_modules(req, ram, plan, mod_strings, mods, err);
    if (ok)
        ok = build_boot_area(req, ram, plan, mods, err);
    if (!ok)
        boot_plan_clear(plan);
    return ok;
}
