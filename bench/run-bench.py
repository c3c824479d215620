#!/usr/bin/env python3
"""Measure vmxsim's speed in million guest instructions per second (MIPS).

bench/run-bench.py runs a guest image on vmxsim with --stats, takes the
retired-instruction count vmxsim prints at exit ("total: N instructions
retired") and the wall time of the run measured here on the host, and
prints MIPS = N / time / 1e6. Host wall time is used only outside the
simulation model (vmxsim itself never reads the host clock). The best of
--repeat runs is reported, which filters out noise from the host.
"""
import argparse
import re
import subprocess
import sys
import time

STATS = re.compile(rb"total: (\d+) instructions retired, (\d+) simulated cycles")


def run_once(cmd, timeout):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    elapsed = time.perf_counter() - t0
    m = STATS.search(p.stderr)
    if p.returncode != 1 or not m:
        sys.stdout.buffer.write(p.stdout)
        sys.stdout.buffer.write(p.stderr)
        raise SystemExit(f"# FAIL: status {p.returncode}, stats {'found' if m else 'missing'}")
    return int(m.group(1)), int(m.group(2)), elapsed, p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True)
    ap.add_argument("--append", default="")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("vmxsim")
    ap.add_argument("image")
    args = ap.parse_args()
    cmd = [args.vmxsim, "-kernel", args.image, "-serial", "stdio", "-display", "none", "-no-reboot",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "--stats"]
    if args.append:
        cmd += ["-append", args.append]
    best = None
    for _ in range(args.repeat):
        insns, cycles, elapsed, out = run_once(cmd, args.timeout)
        if best is None or elapsed < best[2]:
            best = (insns, cycles, elapsed, out)
    insns, cycles, elapsed, out = best
    for line in out.splitlines():
        if line.startswith(b"# "):
            print(line.decode(errors="replace"))
    print(f"{args.name}: {insns} instructions, {cycles} simulated cycles, "
          f"{elapsed:.3f} s wall (best of {args.repeat}): {insns / elapsed / 1e6:.1f} MIPS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
