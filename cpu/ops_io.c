/*
 * cpu/ops_io.c: port I/O instructions IN, OUT, INS, OUTS (SDM Vol.2A IN,
 * INS/INSB/INSW/INSD; Vol.2B OUT, OUTS/OUTSB/OUTSW/OUTSD, REP) and the I/O
 * protection they share (SDM Vol.1 19.5 "I/O Privilege Level", 19.5.2 "I/O
 * Permission Bit Map"; Vol.3 21.2.8 for virtual-8086 mode).
 *
 * Ports are the platform's: cpu->bus->io_in/io_out. A device that returns
 * ST_STOP (debug-exit) still completes the instruction: the handler returns
 * ST_STOP after committing its registers, and the run loop retires the
 * instruction because its row has F_IO (cpu/exec.c). A REP string
 * instruction stopped that way keeps RIP on itself when iterations remain.
 *
 * VM exits for I/O (unconditional I/O exiting, I/O bitmaps) are decided by
 * vmx/ before the handler runs.
 */
#include "cpu/fault.h"
#include "cpu/insn.h"
#include "cpu/mem.h"

/* Iterations of a REP INS/OUTS per step; events may be taken between
 * chunks (SDM Vol.2B REP: interrupts are recognized between iterations). */
#define IO_CHUNK 1024u

/* TSS descriptor types (SDM Vol.3 Table 3-2): 32-bit (in IA-32e mode
 * 64-bit) available and busy TSS. */
#define TSS_AVAIL 9u
#define TSS_BUSY  11u
/* Offset of the I/O map base address field in a 32-bit or 64-bit TSS
 * (SDM Vol.3 Figure 8-2 "32-Bit Task-State Segment (TSS)", Figure 8-11). */
#define TSS_IOMAP_BASE 0x66u

/*
 * SDM Vol.1 19.5.2: with PE = 1 and CPL > IOPL, or in virtual-8086 mode,
 * the access is allowed only when every bit for ports port..port+size-1 in
 * the TSS's I/O permission bit map is 0. TR must hold a 32-bit/64-bit TSS.
 * The processor reads two bytes of the map at base + port / 8; any of them
 * beyond the TSS limit makes the access #GP(0) (so the map is followed by
 * an 0FFH byte in practice).
 */
static SimStatus io_permitted(Cpu *cpu, uint16_t port, unsigned size)
{
    if (cpu->mode == MODE_REAL)
        return ST_OK;
    unsigned iopl = (unsigned)((cpu->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT);
    if (cpu->mode != MODE_V86 && cpu->cpl <= iopl)
        return ST_OK;
    const SegReg *tr = &cpu->seg[SEG_TR];
    unsigned type = tr->ar & AR_TYPE_MASK;
    if ((tr->ar & (AR_UNUSABLE | AR_S)) || (type != TSS_AVAIL && type != TSS_BUSY))
        return cpu_gp(cpu, 0);
    if (tr->limit < TSS_IOMAP_BASE + 1)
        return cpu_gp(cpu, 0);
    uint16_t base;
    SimStatus st = cpu_read_lin(cpu, tr->base + TSS_IOMAP_BASE, 2, &base,
                                ACC_READ | ACC_IMPLICIT_SUPERVISOR);
    if (st)
        return st;
    uint64_t off = (uint64_t)base + port / 8;
    if (off + 1 > tr->limit)
        return cpu_gp(cpu, 0);
    uint16_t bits;
    st = cpu_read_lin(cpu, tr->base + off, 2, &bits,
                      ACC_READ | ACC_IMPLICIT_SUPERVISOR);
    if (st)
        return st;
    unsigned mask = ((1u << size) - 1) << (port & 7);
    if (bits & mask)
        return cpu_gp(cpu, 0);
    return ST_OK;
}

/* Port access size: byte opcodes (even) are 1; the others 2 or 4 by the
 * operand size (no 64-bit port access: REX.W is ignored). */
static unsigned io_size(const DecodedInsn *d)
{
    if (!(d->opcode & 1))
        return 1;
    return d->opsize == 2 ? 2 : 4;
}

static SimStatus io_in(Cpu *cpu, uint16_t port, unsigned size)
{
    SimStatus st = io_permitted(cpu, port, size);
    if (st)
        return st;
    uint32_t v = 0;
    st = cpu->bus->io_in(cpu->bus_opaque, cpu, port, size, &v);
    if (st != ST_OK && st != ST_STOP)
        return st;
    /* IN EAX zero-extends into RAX like any 32-bit register write. */
    cpu_reg_write(cpu, R_RAX, size, false, v & size_mask(size));
    return st;
}

static SimStatus io_out(Cpu *cpu, uint16_t port, unsigned size)
{
    SimStatus st = io_permitted(cpu, port, size);
    if (st)
        return st;
    return cpu->bus->io_out(cpu->bus_opaque, cpu, port, size,
                            (uint32_t)(cpu->gpr[R_RAX] & size_mask(size)));
}

/* IN AL/eAX, imm8 (E4, E5) and DX (EC, ED); OUT (E6, E7, EE, EF). */
SimStatus op_in_AL_Ib(Cpu *cpu, const DecodedInsn *d)
{
    return io_in(cpu, (uint16_t)(d->imm & 0xff), 1);
}

SimStatus op_in_eAX_Ib(Cpu *cpu, const DecodedInsn *d)
{
    return io_in(cpu, (uint16_t)(d->imm & 0xff), io_size(d));
}

SimStatus op_in_AL_DX(Cpu *cpu, const DecodedInsn *d)
{
    return io_in(cpu, (uint16_t)cpu->gpr[R_RDX], 1);
}

SimStatus op_in_eAX_DX(Cpu *cpu, const DecodedInsn *d)
{
    return io_in(cpu, (uint16_t)cpu->gpr[R_RDX], io_size(d));
}

SimStatus op_out_Ib_AL(Cpu *cpu, const DecodedInsn *d)
{
    return io_out(cpu, (uint16_t)(d->imm & 0xff), 1);
}

SimStatus op_out_Ib_eAX(Cpu *cpu, const DecodedInsn *d)
{
    return io_out(cpu, (uint16_t)(d->imm & 0xff), io_size(d));
}

SimStatus op_out_DX_AL(Cpu *cpu, const DecodedInsn *d)
{
    return io_out(cpu, (uint16_t)cpu->gpr[R_RDX], 1);
}

SimStatus op_out_DX_eAX(Cpu *cpu, const DecodedInsn *d)
{
    return io_out(cpu, (uint16_t)cpu->gpr[R_RDX], io_size(d));
}

/* Address-size views of rSI, rDI, rCX (SDM Vol.1 3.6 "Operand-size and
 * Address-size Attributes"). */
static uint64_t areg(const Cpu *cpu, unsigned r, unsigned asize)
{
    return cpu->gpr[r] & size_mask(asize);
}

static void set_areg(Cpu *cpu, unsigned r, unsigned asize, uint64_t v)
{
    cpu_reg_write(cpu, r, asize, true, v & size_mask(asize));
}

/* One INS iteration: the destination ES:rDI is checked for writing before
 * the port is read, so a fault does not lose device data. */
static SimStatus ins_once(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    uint16_t port = (uint16_t)cpu->gpr[R_RDX];
    uint64_t di = areg(cpu, R_RDI, d->addrsize);
    SimStatus st = io_permitted(cpu, port, size);
    if (st)
        return st;
    st = cpu_check_write(cpu, SEG_ES, di, size);
    if (st)
        return st;
    uint32_t v = 0;
    SimStatus io = cpu->bus->io_in(cpu->bus_opaque, cpu, port, size, &v);
    if (io != ST_OK && io != ST_STOP)
        return io;
    st = cpu_write_u(cpu, SEG_ES, di, size, v & size_mask(size));
    if (st)
        return st;
    int64_t delta = (cpu->rflags & RFLAGS_DF) ? -(int64_t)size : (int64_t)size;
    set_areg(cpu, R_RDI, d->addrsize, di + (uint64_t)delta);
    return io;
}

/* One OUTS iteration: the source is DS:rSI (segment override allowed). */
static SimStatus outs_once(Cpu *cpu, const DecodedInsn *d, unsigned size)
{
    uint16_t port = (uint16_t)cpu->gpr[R_RDX];
    uint64_t si = areg(cpu, R_RSI, d->addrsize);
    SimStatus st = io_permitted(cpu, port, size);
    if (st)
        return st;
    uint64_t v;
    st = cpu_read_u(cpu, d->seg, si, size, &v);
    if (st)
        return st;
    SimStatus io = cpu->bus->io_out(cpu->bus_opaque, cpu, port, size, (uint32_t)v);
    if (io != ST_OK && io != ST_STOP)
        return io;
    int64_t delta = (cpu->rflags & RFLAGS_DF) ? -(int64_t)size : (int64_t)size;
    set_areg(cpu, R_RSI, d->addrsize, si + (uint64_t)delta);
    return io;
}

/* REP: each iteration commits rSI/rDI/rCX, so a fault leaves registers
 * that restart the instruction where it stopped (SDM Vol.2B REP). */
static SimStatus string_io(Cpu *cpu, const DecodedInsn *d, bool in)
{
    unsigned size = io_size(d);
    if (!(d->pfx & (D_REP | D_REPNE)))
        return in ? ins_once(cpu, d, size) : outs_once(cpu, d, size);
    unsigned asize = d->addrsize;
    for (unsigned i = 0; i < IO_CHUNK; i++) {
        uint64_t count = areg(cpu, R_RCX, asize);
        if (count == 0)
            return ST_OK;
        SimStatus st = in ? ins_once(cpu, d, size) : outs_once(cpu, d, size);
        if (st == ST_FAULT)
            return st;
        set_areg(cpu, R_RCX, asize, count - 1);
        if (st != ST_OK) {
            if (count - 1 != 0)
                cpu->next_rip = cpu->rip;
            return st;
        }
    }
    if (areg(cpu, R_RCX, asize) != 0)
        cpu->next_rip = cpu->rip;
    return ST_OK;
}

SimStatus op_ins_Yb_DX(Cpu *cpu, const DecodedInsn *d) { return string_io(cpu, d, true); }
SimStatus op_ins_Yz_DX(Cpu *cpu, const DecodedInsn *d) { return string_io(cpu, d, true); }
SimStatus op_outs_DX_Xb(Cpu *cpu, const DecodedInsn *d) { return string_io(cpu, d, false); }
SimStatus op_outs_DX_Xz(Cpu *cpu, const DecodedInsn *d) { return string_io(cpu, d, false); }
