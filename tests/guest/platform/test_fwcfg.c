/*
 * tests/guest/platform/test_fwcfg.c: QEMU's fw_cfg device as a guest sees
 * it (QEMU docs/specs/fw_cfg.rst "Guest-side Hardware Interface": selector
 * port 0x510, data port 0x511, DMA address register 0x514): the signature
 * and interface id, the vCPU count and RAM size matching -smp and -m, the
 * command line matching -append, the file directory and etc/e820.
 *
 * The expected values come from the command line the test is run with:
 * "expect_cpus=N expect_mem_mib=M" (defaults 1 and 128, run-guest.py's
 * -m). Under QEMU: -smp N -m M -append "expect_cpus=N expect_mem_mib=M".
 */
#include "rt.h"

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA  0x514

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port));
}

static uint64_t expect_num(const char *key, uint64_t dflt)
{
    const char *s = rt_cmdline();
    size_t n = strlen(key);
    for (const char *p = s; *p; p++) {
        if ((p == s || p[-1] == ' ') && !strncmp(p, key, n)) {
            uint64_t v = 0;
            for (p += n; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (uint64_t)(*p - '0');
            return v;
        }
    }
    return dflt;
}

static void fw_read(uint16_t key, void *buf, uint32_t len)
{
    outw(FW_CFG_PORT_SEL, key);
    for (uint32_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = inb(FW_CFG_PORT_DATA);
}

static uint64_t fw_le(uint16_t key, unsigned n)
{
    uint8_t b[8] = { 0 };
    fw_read(key, b, n);
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t bswap32(uint32_t v) { return __builtin_bswap32(v); }

/* The directory entry of a file: its selector and size; 0 when absent. */
static uint16_t fw_file(const char *name, uint32_t *size)
{
    uint8_t hdr[4];
    fw_read(0x19, hdr, 4);
    uint32_t n = be32(hdr);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t e[64];
        for (int k = 0; k < 64; k++)
            e[k] = inb(FW_CFG_PORT_DATA);
        if (!strcmp((const char *)e + 8, name)) {
            *size = be32(e);
            return (uint16_t)(e[4] << 8 | e[5]);
        }
    }
    return 0;
}

static void test_signature_and_id(void)
{
    char sig[5] = { 0 };
    fw_read(0x00, sig, 4);
    report(!strcmp(sig, "QEMU"), "fw_cfg signature \"%s\" = \"QEMU\"", sig);
    uint32_t id = (uint32_t)fw_le(0x01, 4);
    report(id & 1, "FW_CFG_ID bit 0: traditional interface (id %x)", id);
    /* Selecting again restarts at offset 0; reads past the end give 0. */
    fw_read(0x00, sig, 4);
    report(sig[0] == 'Q' && inb(FW_CFG_PORT_DATA) == 0,
           "reselect restarts at 0; past the end reads 0");
}

static void test_counts(void)
{
    uint64_t cpus = expect_num("expect_cpus=", 1);
    uint64_t mem = expect_num("expect_mem_mib=", 128) << 20;
    uint64_t nb = fw_le(0x05, 2), max = fw_le(0x0f, 2), ram = fw_le(0x03, 8);
    report(nb == cpus, "FW_CFG_NB_CPUS %llu = -smp %llu",
           (unsigned long long)nb, (unsigned long long)cpus);
    report(max == cpus, "FW_CFG_MAX_CPUS %llu = -smp %llu",
           (unsigned long long)max, (unsigned long long)cpus);
    report(ram == mem, "FW_CFG_RAM_SIZE %llx = -m %llx",
           (unsigned long long)ram, (unsigned long long)mem);
}

/* The multiboot command line is "KERNEL APPEND"; fw_cfg's is APPEND. */
static void test_cmdline(void)
{
    const char *mb = rt_cmdline();
    const char *append = mb;
    while (*append && *append != ' ')
        append++;
    if (*append)
        append++;
    uint32_t size = (uint32_t)fw_le(0x14, 4);
    char buf[256];
    bool fits = size >= 1 && size <= sizeof(buf);
    report(fits && size == strlen(append) + 1,
           "FW_CFG_CMDLINE_SIZE %u = strlen(-append) + 1", size);
    if (!fits)
        return;
    fw_read(0x15, buf, size);
    report(buf[size - 1] == 0 && !strcmp(buf, append),
           "FW_CFG_CMDLINE_DATA \"%s\" = -append", buf);
}

/* etc/e820: 20-byte entries; the usable RAM is all of -m but the
 * 0x9FC00-0xFFFFF hole. */
static void test_e820(void)
{
    uint32_t size = 0;
    uint16_t key = fw_file("etc/e820", &size);
    report(key >= 0x20 && size && size % 20 == 0 && size <= 20 * 8,
           "file directory lists etc/e820 (key %x, %u bytes)", key, size);
    if (!key || size % 20 || size > 20 * 8)
        return;
    uint8_t buf[20 * 8];
    fw_read(key, buf, size);
    uint64_t ram = 0, prev_end = 0;
    bool sorted = true;
    for (uint32_t off = 0; off < size; off += 20) {
        uint64_t base = 0, len = 0;
        for (int k = 0; k < 8; k++) {
            base |= (uint64_t)buf[off + k] << (8 * k);
            len |= (uint64_t)buf[off + 8 + k] << (8 * k);
        }
        uint32_t type = buf[off + 16];
        sorted &= base >= prev_end;
        prev_end = base + len;
        if (type == 1)
            ram += len;
    }
    uint64_t mem = expect_num("expect_mem_mib=", 128) << 20;
    report(sorted, "etc/e820 entries ascending, not overlapping");
    report(ram == mem - (0x100000 - 0x9fc00), "etc/e820 RAM %llx = -m minus "
           "the 0x9FC00-0xFFFFF hole", (unsigned long long)ram);
}

/* FWCfgDmaAccess, big-endian fields. */
static struct { uint32_t control, length; uint64_t address; }
    __attribute__((aligned(16))) dma_desc;
static uint8_t dma_buf[8];

static void test_dma(void)
{
    uint32_t id = (uint32_t)fw_le(0x01, 4);
    if (!(id & 2)) {
        report_skip("fw_cfg DMA: FW_CFG_ID bit 1 clear");
        return;
    }
    memset(dma_buf, 0xaa, sizeof(dma_buf));
    /* Select item 0 (SIGNATURE), read 6 bytes: 4 of data, 2 zeroes. */
    dma_desc.control = bswap32(0x0000u << 16 | 0x08 | 0x02);
    dma_desc.length = bswap32(6);
    dma_desc.address = __builtin_bswap64((uint64_t)(uintptr_t)dma_buf);
    uint64_t a = (uint64_t)(uintptr_t)&dma_desc;
    __asm__ volatile("" ::: "memory");
    outl(FW_CFG_PORT_DMA, bswap32((uint32_t)(a >> 32)));
    outl(FW_CFG_PORT_DMA + 4, bswap32((uint32_t)a));
    __asm__ volatile("" ::: "memory");
    report(dma_desc.control == 0, "DMA: control cleared on completion (%x)",
           bswap32(dma_desc.control));
    report(!memcmp(dma_buf, "QEMU\0\0", 6) && dma_buf[6] == 0xaa,
           "DMA read: \"QEMU\", zeroes past the end, nothing past length");
}

void test_main(void)
{
    test_signature_and_id();
    test_counts();
    test_cmdline();
    test_e820();
    test_dma();
}
