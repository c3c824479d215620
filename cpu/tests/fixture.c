/*
 * cpu/tests/fixture.c: see fixture.h.
 */
#include "cpu/tests/fixture.h"

#include <glib.h>
#include <string.h>

static SimStatus fx_io_in(void *opaque, Cpu *cpu, uint16_t port, unsigned size,
                          uint32_t *value)
{
    Fixture *fx = opaque;
    if (fx->nio < G_N_ELEMENTS(fx->io_log))
        fx->io_log[fx->nio++] = (FxIo){ port, (uint8_t)size, false, fx->io_in_value };
    *value = fx->io_in_value & (uint32_t)size_mask(size);
    return ST_OK;
}

static SimStatus fx_io_out(void *opaque, Cpu *cpu, uint16_t port, unsigned size,
                           uint32_t value)
{
    Fixture *fx = opaque;
    if (fx->nio < G_N_ELEMENTS(fx->io_log))
        fx->io_log[fx->nio++] = (FxIo){ port, (uint8_t)size, true, value };
    return ST_OK;
}

static int fx_intr_pending(void *opaque, Cpu *cpu, bool ack) { return -1; }

static const CpuBus fx_bus = {
    .io_in = fx_io_in,
    .io_out = fx_io_out,
    .intr_pending = fx_intr_pending,
};

/* A model with every feature bit of features.def set, and a basic set of
 * leaves so CPUID answers. */
static void fx_model(CpuModel *m)
{
    static const uint32_t leaf_ids[][2] = {
        { 0x0, 0 }, { 0x1, 0 }, { 0x7, 0 }, { 0xd, 0 }, { 0xd, 1 },
        { 0x80000000, 0 }, { 0x80000001, 0 }, { 0x80000008, 0 },
    };
    memset(m, 0, sizeof(*m));
    g_strlcpy(m->name, "fixture", sizeof(m->name));
    m->nleaves = G_N_ELEMENTS(leaf_ids);
    m->leaves = g_new0(CpuidLeaf, m->nleaves);
    for (unsigned i = 0; i < m->nleaves; i++) {
        m->leaves[i].leaf = leaf_ids[i][0];
        m->leaves[i].subleaf = leaf_ids[i][1];
        m->leaves[i].has_subleaf = leaf_ids[i][0] == 0x7 || leaf_ids[i][0] == 0xd;
    }
    m->leaves[0].reg[CPUID_EAX] = 0xd;
    m->leaves[5].reg[CPUID_EAX] = 0x80000008;
    m->leaves[7].reg[CPUID_EAX] = 0x3030;          /* 48-bit physical/linear */
    m->leaves[3].reg[CPUID_EAX] = 0x3;             /* x87 | SSE in XCR0 */
    m->leaves[3].reg[CPUID_EBX] = 576;
    m->leaves[3].reg[CPUID_ECX] = 576;
    for (int f = 0; f < FEAT_COUNT; f++)
        if (f != FEAT_LA57 && f != FEAT_HYPERVISOR)
            cpu_model_set_feature(m, (CpuFeature)f, true);
    cpu_model_derive(m);
}

Fixture *fixture_new(void)
{
    Fixture *fx = g_new0(Fixture, 1);
    const char *err = NULL;
    g_assert(physmem_init(&fx->pm, FX_RAM_SIZE, &err));
    fx->icache = icache_new(&fx->pm);
    fx_model(&fx->model);
    cpu_init(&fx->cpu, 0, &fx->model, &fx->pm, fx->icache, &fx_bus, fx);
    cpu_reset(&fx->cpu);
    return fx;
}

void fixture_free(Fixture *fx)
{
    icache_free(fx->icache);
    physmem_destroy(&fx->pm);
    g_free(fx->model.leaves);
    g_free(fx->model.msrs);
    g_free(fx);
}

uint64_t fixture_read_phys(Fixture *fx, uint64_t gpa, unsigned size)
{
    return physmem_read(&fx->pm, gpa, size);
}

void fixture_write_phys(Fixture *fx, uint64_t gpa, unsigned size, uint64_t v)
{
    physmem_write(&fx->pm, gpa, size, v);
}

static void fx_seg(Cpu *cpu, unsigned s, uint16_t sel, uint32_t ar)
{
    cpu->seg[s] = (SegReg){ .base = 0, .limit = 0xffffffff, .ar = ar, .sel = sel };
}

/* GDT: 0 null, 0x08 code32, 0x10 data, 0x18 code64, 0x20 code16. */
static void fx_gdt(Fixture *fx)
{
    static const uint64_t gdt[] = {
        0,
        0x00cf9b000000ffffull,   /* 0x08: code, 32-bit, DPL 0, accessed */
        0x00cf93000000ffffull,   /* 0x10: data, writable, accessed */
        0x00af9b000000ffffull,   /* 0x18: code, 64-bit (L=1) */
        0x008f9b000000ffffull,   /* 0x20: code, 16-bit */
    };
    physmem_write_buf(&fx->pm, FX_GDT, gdt, sizeof(gdt));
    fx->cpu.gdtr = (DescTable){ FX_GDT, sizeof(gdt) - 1 };
}

#define AR_CODE32 (0xbu | AR_S | AR_P | AR_DB | AR_G)
#define AR_DATA32 (0x3u | AR_S | AR_P | AR_DB | AR_G)
#define AR_CODE64 (0xbu | AR_S | AR_P | AR_L | AR_G)

void fixture_mode_real(Fixture *fx)
{
    cpu_reset(&fx->cpu);
    Cpu *cpu = &fx->cpu;
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        cpu->seg[s] = (SegReg){ .base = 0, .limit = 0xffff,
                                .ar = 0x3u | AR_S | AR_P | (s == SEG_CS ? AR_TYPE_CODE : 0),
                                .sel = 0 };
    cpu->gpr[R_RSP] = 0x8000;
    cpu->rip = FX_CODE;
    cpu_update_mode(cpu);
}

void fixture_mode_prot32(Fixture *fx)
{
    cpu_reset(&fx->cpu);
    Cpu *cpu = &fx->cpu;
    fx_gdt(fx);
    cpu_set_cr0(cpu, cpu->cr0 | CR0_PE);
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        fx_seg(cpu, s, 0x10, AR_DATA32);
    fx_seg(cpu, SEG_CS, 0x08, AR_CODE32);
    cpu->gpr[R_RSP] = FX_STACK_TOP;
    cpu->rip = FX_CODE;
    cpu_update_mode(cpu);
}

static void fx_long_paging(Fixture *fx)
{
    /* PML4[0] -> PDPT[0] -> PD with 512 x 2 MiB identity pages. */
    uint64_t pml4 = FX_PAGING, pdpt = FX_PAGING + 0x1000, pd = FX_PAGING + 0x2000;
    physmem_write(&fx->pm, pml4, 8, pdpt | 0x7);
    physmem_write(&fx->pm, pdpt, 8, pd | 0x7);
    for (uint64_t i = 0; i < 512; i++)
        physmem_write(&fx->pm, pd + 8 * i, 8, (i << 21) | 0x87);
    Cpu *cpu = &fx->cpu;
    cpu_set_cr4(cpu, cpu->cr4 | CR4_PAE);
    cpu_set_cr3(cpu, pml4);
    cpu_set_efer(cpu, cpu->efer | EFER_LME | EFER_NXE | EFER_SCE);
    cpu_set_cr0(cpu, cpu->cr0 | CR0_PE | CR0_PG);   /* sets EFER.LMA */
}

void fixture_mode_long64(Fixture *fx)
{
    fixture_mode_prot32(fx);
    fx_long_paging(fx);
    Cpu *cpu = &fx->cpu;
    fx_seg(cpu, SEG_CS, 0x18, AR_CODE64);
    cpu_update_mode(cpu);
}

void fixture_mode_compat32(Fixture *fx)
{
    fixture_mode_prot32(fx);
    fx_long_paging(fx);
    cpu_update_mode(&fx->cpu);
}

void fixture_load_code(Fixture *fx, const void *code, size_t len)
{
    physmem_write_buf(&fx->pm, FX_CODE, code, len);
    fx->cpu.rip = FX_CODE;
}

SimStatus fixture_run(Fixture *fx, size_t len, unsigned max)
{
    SimStatus st = ST_OK;
    for (unsigned i = 0; i < max; i++) {
        if (fx->cpu.rip < FX_CODE || fx->cpu.rip >= FX_CODE + len)
            break;
        st = cpu_step(&fx->cpu);
        if (st != ST_OK)
            break;
    }
    return st;
}
