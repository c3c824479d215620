#!/usr/bin/env python3
"""Run one guest image on vmxsim and judge the result.

tests/guest/run-guest.py: the guest runtime (tests/guest/runtime) prints
TAP lines "ok N - name" / "not ok N - name", a final "N passed, M failed"
line, and leaves through the isa-debug-exit port 0xF4 with 0 when every
check passed, so vmxsim exits with status (0 << 1) | 1 = 1. This script
passes the guest's output through (meson shows it in the test log) and
succeeds only when the status is 1, the summary says "0 failed", and no
"not ok" line appeared. With --compare-with HOST, the guest's console
output must also equal, byte for byte, the standard output of the host
program HOST (the freestanding workload built for the host).
With --twice the simulator runs a second time and both runs must agree byte
for byte (exit status, console output, --stats cycle counts).

With --tap the output is a TAP stream for meson's 'tap' protocol: the
guest's "ok"/"not ok" lines pass through, every other line becomes a
comment, each problem found here is one more "not ok", and the plan
"1..N" comes last.
"""
import argparse
import re
import subprocess
import sys

SUMMARY = re.compile(rb"^(\d+) passed, (\d+) failed$", re.M)
# vmxsim's own exit statuses (vmxsim --help); odd values come from the guest.
VMXSIM_STATUS = {2: "usage error", 4: "unsupported guest action",
                 6: "triple fault", 8: "every vCPU halted"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="seconds before the simulator is killed")
    ap.add_argument("--append", default="", help="kernel command line")
    ap.add_argument("--memory", default="128M", help="guest RAM (-m)")
    ap.add_argument("--tap", action="store_true", help="emit a complete TAP stream")
    ap.add_argument("--compare-with", metavar="HOST",
                    help="host program whose stdout the guest must reproduce")
    ap.add_argument("--reboot", action="store_true",
                    help="leave out -no-reboot (images that test a reset)")
    ap.add_argument("--twice", action="store_true",
                    help="run a second time; standard output and error "
                         "(--stats cycle counts) must be byte-identical")
    ap.add_argument("--expect-stderr", action="append", default=[], metavar="TEXT",
                    help="the simulator's standard error must contain TEXT")
    ap.add_argument("vmxsim")
    ap.add_argument("image")
    ap.add_argument("extra", nargs="*", help="more simulator arguments")
    args = ap.parse_args()

    cmd = [args.vmxsim, "-kernel", args.image, "-m", args.memory,
           "-serial", "stdio", "-display", "none", "-no-reboot",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
    if args.reboot:
        cmd.remove("-no-reboot")
    if args.append:
        cmd += ["-append", args.append]
    cmd += args.extra
    print("# " + " ".join(cmd), flush=True)
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=args.timeout)
    except subprocess.TimeoutExpired as e:
        return report(e.stdout or b"", e.stderr or b"",
                      [f"no exit within {args.timeout:g} s"], args.tap)

    problems = []
    if p.returncode != 1:
        why = VMXSIM_STATUS.get(p.returncode, "")
        if p.returncode > 1 and p.returncode & 1:
            why = f"debug-exit value {p.returncode >> 1}"
        problems.append(f"exit status {p.returncode} ({why or 'see above'}), expected 1 "
                        "(debug-exit value 0: all checks passed)")
    sums = SUMMARY.findall(p.stdout)
    if not sums:
        problems.append('no "N passed, M failed" line')
    elif sums[-1][1] != b"0":
        problems.append(f"{sums[-1][1].decode()} check(s) failed")
    if re.search(rb"^not ok ", p.stdout, re.M):
        problems.append('a "not ok" line')

    for text in args.expect_stderr:
        if text.encode() not in p.stderr:
            problems.append(f"standard error lacks {text!r}")

    if args.twice:
        q = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=args.timeout)
        if (q.returncode, q.stdout, q.stderr) != (p.returncode, p.stdout, p.stderr):
            problems.append("a second run differs (status, output or cycle counts): "
                            "the run is not deterministic")

    if args.compare_with:
        host = subprocess.run([args.compare_with], stdout=subprocess.PIPE,
                              timeout=args.timeout)
        if host.returncode != 0:
            problems.append(f"host program exited with {host.returncode}")
        if host.stdout != p.stdout:
            problems.append("guest output differs from the host program's")
            a = host.stdout.splitlines()
            b = p.stdout.splitlines()
            for i in range(max(len(a), len(b))):
                ha = a[i] if i < len(a) else b"<end>"
                gb = b[i] if i < len(b) else b"<end>"
                if ha != gb:
                    print(f"# first difference at line {i + 1}:")
                    print(f"#   host:  {ha!r}")
                    print(f"#   guest: {gb!r}")
                    break

    return report(p.stdout, p.stderr, problems, args.tap)


def report(out, err, problems, tap):
    """Prints the guest's output and the problems; returns the status."""
    if not tap:
        sys.stdout.buffer.write(out)
        sys.stdout.flush()
        sys.stderr.buffer.write(err)
        for msg in problems:
            print(f"# FAIL: {msg}")
        return 1 if problems else 0
    n = 0
    for line in (out + err).decode(errors="replace").splitlines():
        if line.startswith("ok ") or line.startswith("not ok "):
            n += 1
            print(line)
        else:
            print(line if line.startswith("#") else "# " + line)
    for msg in problems:
        n += 1
        print(f"not ok {n} - run-guest: {msg}")
    print(f"1..{n}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
