#!/usr/bin/env python3
"""Compare vmxsim with Bochs on the same 20-instruction loop.

bench/bochs-compare.py runs BENCH_LOOP (bench/loop_body.inc) on Bochs,
booted from a floppy whose boot sector (bench/bochs_boot.S) enters 32-bit
protected mode, runs the loop N times, prints its checksum on port E9H
and powers off through port 8900H, and on vmxsim in the loop image
(bench/loop_main.c). Each simulator runs the loop with a small and a
large N; MIPS = 20 * (N_large - N_small) / (t_large - t_small), which
cancels the start-up cost (BIOS, loading) of both. Wall times are host
times measured here, the best of --repeat runs. Both simulators must
print the same checksum for the same N. Exit status 77 (skipped) when
Bochs or its BIOS images are not installed.
"""
import argparse
import fcntl
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import time

SKIP = 77
BIOS = "/usr/share/bochs/BIOS-bochs-latest"
VGABIOS = "/usr/share/bochs/VGABIOS-lgpl-latest"
INSNS_PER_ITER = 20
STATS = re.compile(rb"total: (\d+) instructions retired")
CHECKSUM = re.compile(rb"checksum ([0-9a-f]{8})")

BOCHSRC = """\
display_library: term
romimage: file={bios}
vgaromimage: file={vgabios}
megs: 32
floppya: 1_44={floppy}, status=inserted
boot: floppy
port_e9_hack: enabled=1
clock: sync=none
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
log: /dev/null
panic: action=fatal
"""


def run_bochs(bochs, workdir, boot_sector, n, timeout):
    """Boot the patched floppy; returns (seconds, checksum)."""
    img = bytearray(boot_sector)
    at = img.find(b"NLOOP")
    if at < 0:
        raise SystemExit("# FAIL: NLOOP marker missing from the boot sector")
    img[at + 5:at + 9] = struct.pack("<I", n)
    img += bytes(1474560 - len(img))
    floppy = os.path.join(workdir, "floppy.img")
    with open(floppy, "wb") as f:
        f.write(img)
    rc = os.path.join(workdir, "bochsrc")
    with open(rc, "w") as f:
        f.write(BOCHSRC.format(bios=BIOS, vgabios=VGABIOS, floppy=floppy))
    cmds = os.path.join(workdir, "cmds")
    with open(cmds, "w") as f:
        f.write("c\nquit\n")       # Debian's Bochs has the debugger: continue, then quit
    # The term display library needs a terminal: give Bochs a pseudo-tty.
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 25, 80, 0, 0))
    env = dict(os.environ, TERM="xterm")
    t0 = time.perf_counter()
    p = subprocess.Popen([bochs, "-q", "-f", rc, "-rc", cmds], stdin=slave, stdout=slave,
                         stderr=slave, cwd=workdir, env=env, close_fds=True)
    os.close(slave)
    out = bytearray()
    deadline = t0 + timeout
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        if time.perf_counter() > deadline:
            p.kill()
            break
    p.wait()
    elapsed = time.perf_counter() - t0
    os.close(master)
    if b"not available" in out:
        return None, bytes(out)
    m = CHECKSUM.search(out)
    if not m:
        sys.stdout.buffer.write(out[-2000:])
        raise SystemExit(f"# FAIL: no checksum from Bochs for N = {n}")
    return elapsed, m.group(1).decode()


def run_vmxsim(vmxsim, image, n, timeout):
    """Returns (seconds, checksum, instructions)."""
    cmd = [vmxsim, "-kernel", image, "-append", f"iters={n}", "-serial", "stdio", "-no-reboot",
           "-display", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "--stats"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    elapsed = time.perf_counter() - t0
    m = STATS.search(p.stderr)
    c = CHECKSUM.search(p.stdout)
    if p.returncode != 1 or not m or not c:
        sys.stdout.buffer.write(p.stdout + p.stderr)
        raise SystemExit(f"# FAIL: vmxsim run with N = {n} (status {p.returncode})")
    return elapsed, c.group(1).decode(), int(m.group(1))


def best(fn, repeat):
    runs = [fn() for _ in range(repeat)]
    return min(runs, key=lambda r: r[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=1000000)
    ap.add_argument("--large", type=int, default=11000000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("vmxsim")
    ap.add_argument("loop_image")
    ap.add_argument("boot_sector")
    args = ap.parse_args()

    bochs = shutil.which("bochs-bin") or shutil.which("bochs")
    if not bochs or not os.path.exists(BIOS) or not os.path.exists(VGABIOS):
        print("# SKIP: Bochs not installed (Debian: apt-get install bochs bochsbios "
              "vgabios bochs-term)")
        return SKIP
    with open(args.boot_sector, "rb") as f:
        boot_sector = f.read()

    with tempfile.TemporaryDirectory(prefix="vmxsim-bochs-") as wd:
        b_small = best(lambda: run_bochs(bochs, wd, boot_sector, args.small, args.timeout), args.repeat)
        if b_small[0] is None:
            print("# SKIP: Bochs has no 'term' display library (Debian: bochs-term)")
            return SKIP
        b_large = best(lambda: run_bochs(bochs, wd, boot_sector, args.large, args.timeout), args.repeat)
    v_small = best(lambda: run_vmxsim(args.vmxsim, args.loop_image, args.small, args.timeout), args.repeat)
    v_large = best(lambda: run_vmxsim(args.vmxsim, args.loop_image, args.large, args.timeout), args.repeat)

    work = INSNS_PER_ITER * (args.large - args.small)
    problems = []
    # The runtime prints N, so a longer N costs a few more instructions:
    # allow 1,000 of 200 million.
    if abs(v_large[2] - v_small[2] - work) > 1000:
        problems.append(f"vmxsim counted {v_large[2] - v_small[2]} instructions for "
                        f"{args.large - args.small} iterations, expected {work}")
    for n, b, v in ((args.small, b_small, v_small), (args.large, b_large, v_large)):
        if b[1] != v[1]:
            problems.append(f"checksum for N = {n}: Bochs {b[1]}, vmxsim {v[1]}")
    b_mips = work / (b_large[0] - b_small[0]) / 1e6
    v_mips = work / (v_large[0] - v_small[0]) / 1e6
    print(f"# loop: {INSNS_PER_ITER} instructions x ({args.large} - {args.small}) iterations "
          f"= {work} instructions, best of {args.repeat}")
    print(f"# Bochs 2.7:  {b_small[0]:.3f} s / {b_large[0]:.3f} s  checksums {b_small[1]} {b_large[1]}")
    print(f"# vmxsim:     {v_small[0]:.3f} s / {v_large[0]:.3f} s  checksums {v_small[1]} {v_large[1]}")
    print(f"bochs-loop: Bochs {b_mips:.1f} MIPS, vmxsim {v_mips:.1f} MIPS, "
          f"vmxsim/Bochs = {v_mips / b_mips:.2f}x")
    for msg in problems:
        print(f"# FAIL: {msg}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
