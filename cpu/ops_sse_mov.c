/*
 * cpu/ops_sse_mov.c: SSE/SSE2/SSE3 and MMX data movement and MXCSR state
 * (SDM Vol.1 10.4.1 "SSE Data Transfer Instructions", 10.4.6.2 "MXCSR
 * State Management Instructions", 10.4.6.3 "Cacheability Control", 11.4.1.1
 * "SSE2 Data Movement Instructions", 11.4.4 "Cacheability Control and
 * Memory Ordering", 9.4.1 "Data Transfer Instructions" (MMX), 12.3.3/12.3.4
 * (SSE3 LDDQU, MOVDDUP, MOVSHDUP, MOVSLDUP); Vol.2 pages MOVAPS ... MOVUPD,
 * LDMXCSR, STMXCSR, EMMS, MASKMOVDQU, MASKMOVQ, MOVNTI ... MOVNTQ).
 *
 * Moves raise no SIMD floating-point exceptions. Non-temporal hints do not
 * change behaviour here (no cache model), but the 16-byte alignment rule
 * of MOVNTPS/MOVNTPD/MOVNTDQ still applies.
 */
#include "cpu/fpu.h"

#include "cpu/fault.h"
#include "cpu/mem.h"

static Xmm *xreg(Cpu *cpu, unsigned r)
{
    return &cpu->fpu.xmm[r & 15];
}

/* ---- full-register loads and stores ---- */

/* xmm[reg] = W (128 bits) */
static SimStatus sse_load128(Cpu *cpu, const DecodedInsn *d, unsigned flags)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src;
    st = sse_src(cpu, d, 16, flags, &src);
    if (st)
        return st;
    *xreg(cpu, d->reg) = src;
    return ST_OK;
}

/* W = xmm[reg] (128 bits) */
static SimStatus sse_store128(Cpu *cpu, const DecodedInsn *d, bool aligned)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    if (d->mod == 3) {
        *xreg(cpu, d->rm) = *xreg(cpu, d->reg);
        return ST_OK;
    }
    uint64_t ea = insn_ea(cpu, d);
    if (aligned) {
        st = fpu_check_align(cpu, d, ea, 16);
        if (st)
            return st;
    }
    return cpu_write(cpu, d->seg, ea, 16, xreg(cpu, d->reg));
}

SimStatus op_movups_Vps_Wps(Cpu *cpu, const DecodedInsn *d) { return sse_load128(cpu, d, SSE_UNALIGNED); }
SimStatus op_movupd_Vpd_Wpd(Cpu *cpu, const DecodedInsn *d) { return sse_load128(cpu, d, SSE_UNALIGNED); }
SimStatus op_movdqu_Vdq_Wdq(Cpu *cpu, const DecodedInsn *d) { return sse_load128(cpu, d, SSE_UNALIGNED); }
SimStatus op_lddqu_Vdq_Mdq(Cpu *cpu, const DecodedInsn *d) { return sse_load128(cpu, d, SSE_UNALIGNED); }
SimStatus op_movaps_Vps_Wps(Cpu *cpu, const DecodedInsn *d) { return sse_load128(cpu, d, 0); }
SimStatus op_movapd_Vpd_Wpd(Cpu *cpu, const DecodedInsn *d) { return sse_load128(cpu, d, 0); }
SimStatus op_movdqa_Vdq_Wdq(Cpu *cpu, const DecodedInsn *d) { return sse_load128(cpu, d, 0); }
SimStatus op_movups_Wps_Vps(Cpu *cpu, const DecodedInsn *d) { return sse_store128(cpu, d, false); }
SimStatus op_movupd_Wpd_Vpd(Cpu *cpu, const DecodedInsn *d) { return sse_store128(cpu, d, false); }
SimStatus op_movdqu_Wdq_Vdq(Cpu *cpu, const DecodedInsn *d) { return sse_store128(cpu, d, false); }
SimStatus op_movaps_Wps_Vps(Cpu *cpu, const DecodedInsn *d) { return sse_store128(cpu, d, true); }
SimStatus op_movapd_Wpd_Vpd(Cpu *cpu, const DecodedInsn *d) { return sse_store128(cpu, d, true); }
SimStatus op_movdqa_Wdq_Vdq(Cpu *cpu, const DecodedInsn *d) { return sse_store128(cpu, d, true); }
/* MOVNTPS/MOVNTPD/MOVNTDQ m128, xmm: memory only, aligned */
SimStatus op_movntps_Mps_Vps(Cpu *cpu, const DecodedInsn *d) { return sse_store128(cpu, d, true); }
SimStatus op_movntpd_Mpd_Vpd(Cpu *cpu, const DecodedInsn *d) { return sse_store128(cpu, d, true); }
SimStatus op_movntdq_Mdq_Vdq(Cpu *cpu, const DecodedInsn *d) { return sse_store128(cpu, d, true); }

/* ---- scalar moves (SDM Vol.2B MOVSS, MOVSD): a memory load zeroes the
 * rest of the register; a register move keeps it ---- */

static SimStatus sse_movs_load(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src;
    st = sse_src(cpu, d, size, 0, &src);
    if (st)
        return st;
    Xmm *dst = xreg(cpu, d->reg);
    if (d->mod == 3)
        memcpy(dst->b, src.b, size);
    else
        *dst = src;
    return ST_OK;
}

static SimStatus sse_movs_store(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    if (d->mod == 3) {
        memcpy(xreg(cpu, d->rm)->b, xreg(cpu, d->reg)->b, size);
        return ST_OK;
    }
    return cpu_write(cpu, d->seg, insn_ea(cpu, d), size, xreg(cpu, d->reg));
}

SimStatus op_movss_Vss_Wss(Cpu *cpu, const DecodedInsn *d) { return sse_movs_load(cpu, d, 4); }
SimStatus op_movsd_Vsd_Wsd(Cpu *cpu, const DecodedInsn *d) { return sse_movs_load(cpu, d, 8); }
SimStatus op_movss_Wss_Vss(Cpu *cpu, const DecodedInsn *d) { return sse_movs_store(cpu, d, 4); }
SimStatus op_movsd_Wsd_Vsd(Cpu *cpu, const DecodedInsn *d) { return sse_movs_store(cpu, d, 8); }

/* ---- half-register moves (SDM Vol.2B MOVLPS, MOVLPD, MOVHPS, MOVHPD,
 * MOVHLPS, MOVLHPS) ---- */

/* load 64 bits of memory into quadword `half` of xmm[reg] */
static SimStatus sse_movhl_load(Cpu *cpu, const DecodedInsn *d, unsigned half)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    uint64_t v;
    st = cpu_read_u(cpu, d->seg, insn_ea(cpu, d), 8, &v);
    if (st)
        return st;
    xreg(cpu, d->reg)->q[half] = v;
    return ST_OK;
}

static SimStatus sse_movhl_store(Cpu *cpu, const DecodedInsn *d, unsigned half)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    return cpu_write_u(cpu, d->seg, insn_ea(cpu, d), 8, xreg(cpu, d->reg)->q[half]);
}

SimStatus op_movlps_Vq_Mq(Cpu *cpu, const DecodedInsn *d) { return sse_movhl_load(cpu, d, 0); }
SimStatus op_movlpd_Vq_Mq(Cpu *cpu, const DecodedInsn *d) { return sse_movhl_load(cpu, d, 0); }
SimStatus op_movhps_Vq_Mq(Cpu *cpu, const DecodedInsn *d) { return sse_movhl_load(cpu, d, 1); }
SimStatus op_movhpd_Vq_Mq(Cpu *cpu, const DecodedInsn *d) { return sse_movhl_load(cpu, d, 1); }
SimStatus op_movlps_Mq_Vq(Cpu *cpu, const DecodedInsn *d) { return sse_movhl_store(cpu, d, 0); }
SimStatus op_movlpd_Mq_Vq(Cpu *cpu, const DecodedInsn *d) { return sse_movhl_store(cpu, d, 0); }
SimStatus op_movhps_Mq_Vq(Cpu *cpu, const DecodedInsn *d) { return sse_movhl_store(cpu, d, 1); }
SimStatus op_movhpd_Mq_Vq(Cpu *cpu, const DecodedInsn *d) { return sse_movhl_store(cpu, d, 1); }

/* MOVHLPS: low quadword = source high; MOVLHPS: high = source low */
SimStatus op_movhlps_Vq_Uq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    xreg(cpu, d->reg)->q[0] = xreg(cpu, d->rm)->q[1];
    return ST_OK;
}

SimStatus op_movlhps_Vq_Uq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    xreg(cpu, d->reg)->q[1] = xreg(cpu, d->rm)->q[0];
    return ST_OK;
}

/* ---- SSE3 duplicating loads (SDM Vol.2B MOVDDUP, MOVSHDUP, MOVSLDUP) ---- */

SimStatus op_movddup_Vdq_Wq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src;
    st = sse_src(cpu, d, 8, 0, &src);
    if (st)
        return st;
    src.q[1] = src.q[0];
    *xreg(cpu, d->reg) = src;
    return ST_OK;
}

static SimStatus sse_movdup(Cpu *cpu, const DecodedInsn *d, unsigned odd)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src, out;
    st = sse_src(cpu, d, 16, 0, &src);
    if (st)
        return st;
    for (unsigned i = 0; i < 4; i++)
        out.d[i] = src.d[(i & ~1u) + odd];
    *xreg(cpu, d->reg) = out;
    return ST_OK;
}

SimStatus op_movsldup_Vdq_Wdq(Cpu *cpu, const DecodedInsn *d) { return sse_movdup(cpu, d, 0); }
SimStatus op_movshdup_Vdq_Wdq(Cpu *cpu, const DecodedInsn *d) { return sse_movdup(cpu, d, 1); }

/* ---- MOVD/MOVQ between general registers or memory and XMM/MMX
 * (SDM Vol.2B MOVD/MOVQ; REX.W selects 64 bits) ---- */

static SimStatus gpr_or_mem_read(Cpu *cpu, const DecodedInsn *d, unsigned size,
                                 uint64_t *v)
{
    if (d->mod == 3) {
        *v = cpu_reg_read(cpu, d->rm, size, false);
        return ST_OK;
    }
    return cpu_read_u(cpu, d->seg, insn_ea(cpu, d), size, v);
}

static SimStatus gpr_or_mem_write(Cpu *cpu, const DecodedInsn *d, unsigned size,
                                  uint64_t v)
{
    if (d->mod == 3) {
        cpu_reg_write(cpu, d->rm, size, false, v);
        return ST_OK;
    }
    return cpu_write_u(cpu, d->seg, insn_ea(cpu, d), size, v);
}

static unsigned movd_size(const DecodedInsn *d)
{
    return (d->pfx & D_REXW) ? 8 : 4;
}

SimStatus op_movd_Vy_Ey(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    uint64_t v;
    st = gpr_or_mem_read(cpu, d, movd_size(d), &v);
    if (st)
        return st;
    *xreg(cpu, d->reg) = (Xmm){ .q = { v, 0 } };
    return ST_OK;
}

SimStatus op_movd_Ey_Vy(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    unsigned n = movd_size(d);
    return gpr_or_mem_write(cpu, d, n, xreg(cpu, d->reg)->q[0] & size_mask(n));
}

SimStatus op_movd_Pd_Ey(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    uint64_t v;
    st = gpr_or_mem_read(cpu, d, movd_size(d), &v);
    if (st)
        return st;
    mmx_enter(&cpu->fpu);
    mmx_set(&cpu->fpu, d->reg, v);
    return ST_OK;
}

SimStatus op_movd_Ey_Pd(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    unsigned n = movd_size(d);
    st = gpr_or_mem_write(cpu, d, n, mmx_get(&cpu->fpu, d->reg) & size_mask(n));
    if (st)
        return st;
    mmx_enter(&cpu->fpu);
    return ST_OK;
}

/* F3 0F 7E MOVQ xmm, xmm/m64: upper quadword cleared */
SimStatus op_movq_Vq_Wq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    Xmm src;
    st = sse_src(cpu, d, 8, 0, &src);
    if (st)
        return st;
    *xreg(cpu, d->reg) = (Xmm){ .q = { src.q[0], 0 } };
    return ST_OK;
}

/* 66 0F D6 MOVQ xmm/m64, xmm: a register destination has its upper
 * quadword cleared */
SimStatus op_movq_Wq_Vq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    uint64_t v = xreg(cpu, d->reg)->q[0];
    if (d->mod == 3) {
        *xreg(cpu, d->rm) = (Xmm){ .q = { v, 0 } };
        return ST_OK;
    }
    return cpu_write_u(cpu, d->seg, insn_ea(cpu, d), 8, v);
}

SimStatus op_movq_Pq_Qq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    uint64_t v;
    st = mmx_src(cpu, d, &v);
    if (st)
        return st;
    mmx_enter(&cpu->fpu);
    mmx_set(&cpu->fpu, d->reg, v);
    return ST_OK;
}

SimStatus op_movq_Qq_Pq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    uint64_t v = mmx_get(&cpu->fpu, d->reg);
    if (d->mod == 3) {
        mmx_enter(&cpu->fpu);
        mmx_set(&cpu->fpu, d->rm, v);
        return ST_OK;
    }
    st = cpu_write_u(cpu, d->seg, insn_ea(cpu, d), 8, v);
    if (st)
        return st;
    mmx_enter(&cpu->fpu);
    return ST_OK;
}

/* MOVNTQ m64, mm (SDM Vol.2B MOVNTQ) */
SimStatus op_movntq_Mq_Pq(Cpu *cpu, const DecodedInsn *d)
{
    return op_movq_Qq_Pq(cpu, d);
}

/* MOVQ2DQ xmm, mm; MOVDQ2Q mm, xmm (SDM Vol.2B) */
SimStatus op_movq2dq_Vdq_Nq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    st = fpu_check_sse(cpu);
    if (st)
        return st;
    uint64_t v = mmx_get(&cpu->fpu, d->rm);
    mmx_enter(&cpu->fpu);
    *xreg(cpu, d->reg) = (Xmm){ .q = { v, 0 } };
    return ST_OK;
}

SimStatus op_movdq2q_Pq_Uq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    st = fpu_check_sse(cpu);
    if (st)
        return st;
    mmx_enter(&cpu->fpu);
    mmx_set(&cpu->fpu, d->reg, xreg(cpu, d->rm)->q[0]);
    return ST_OK;
}

/* MOVNTI m32/m64, r32/r64 (SDM Vol.2B MOVNTI): an ordinary store here;
 * general-purpose, so only the SSE2 CPUID bit gates it. */
SimStatus op_movnti_My_Gy(Cpu *cpu, const DecodedInsn *d)
{
    unsigned n = d->opsize == 8 ? 8 : 4;
    return cpu_write_u(cpu, d->seg, insn_ea(cpu, d), n,
                       cpu_reg_read(cpu, d->reg, n, false));
}

/* MASKMOVDQU / MASKMOVQ: store the bytes of the first operand selected by
 * the mask's sign bits to DS:rDI (segment override allowed), address size
 * by the 67 prefix (SDM Vol.2B MASKMOVDQU, MASKMOVQ). Unselected bytes
 * are never accessed. SIMPLIFICATION: selected bytes are stored one at a
 * time, so a fault on a later byte leaves the earlier ones written. */
static SimStatus maskmov(Cpu *cpu, const DecodedInsn *d, const uint8_t *data,
                         const uint8_t *mask, unsigned n)
{
    uint64_t base = cpu->gpr[R_RDI] & size_mask(d->addrsize);
    for (unsigned i = 0; i < n; i++) {
        if (!(mask[i] & 0x80))
            continue;
        uint64_t off = (base + i) & size_mask(d->addrsize);
        SimStatus st = cpu_write(cpu, d->seg, off, 1, &data[i]);
        if (st)
            return st;
    }
    return ST_OK;
}

SimStatus op_maskmovdqu_Vdq_Udq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    return maskmov(cpu, d, xreg(cpu, d->reg)->b, xreg(cpu, d->rm)->b, 16);
}

SimStatus op_maskmovq_Pq_Nq(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    uint64_t data = mmx_get(&cpu->fpu, d->reg), mask = mmx_get(&cpu->fpu, d->rm);
    uint8_t db[8], mb[8];
    memcpy(db, &data, 8);
    memcpy(mb, &mask, 8);
    st = maskmov(cpu, d, db, mb, 8);
    if (st)
        return st;
    mmx_enter(&cpu->fpu);
    return ST_OK;
}

/* EMMS: every x87 tag empty (SDM Vol.2A EMMS) */
SimStatus op_emms(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_mmx(cpu);
    if (st)
        return st;
    cpu->fpu.ftw = 0xffff;
    return ST_OK;
}

/* ---- MXCSR (SDM Vol.2B LDMXCSR, STMXCSR): reserved bits -> #GP(0) ---- */

SimStatus op_ldmxcsr_Md(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    uint64_t v;
    st = cpu_read_u(cpu, d->seg, insn_ea(cpu, d), 4, &v);
    if (st)
        return st;
    if (v & ~(uint64_t)MXCSR_MASK_VALUE)
        return cpu_gp(cpu, 0);
    cpu->fpu.mxcsr = (uint32_t)v;
    return ST_OK;
}

SimStatus op_stmxcsr_Md(Cpu *cpu, const DecodedInsn *d)
{
    SimStatus st = fpu_check_sse(cpu);
    if (st)
        return st;
    return cpu_write_u(cpu, d->seg, insn_ea(cpu, d), 4, cpu->fpu.mxcsr);
}

/* LFENCE, MFENCE, SFENCE (SDM Vol.2A/B): vmxsim executes loads and stores
 * in program order one instruction at a time, so the ordering they
 * promise already holds. */
SimStatus op_fence(Cpu *cpu, const DecodedInsn *d)
{
    return ST_OK;
}
