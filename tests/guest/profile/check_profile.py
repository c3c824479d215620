#!/usr/bin/env python3
"""Golden-file and determinism checks of vmxsim's exit profile (issue 6).

tests/guest/profile/check_profile.py VMXSIM IMAGE GOLDEN: runs the profile
guest image (tests/guest/profile/test_profile.c: 10 CPUID exits and 7
VMCALL exits) and checks, as TAP:

 - two runs give byte-identical profiles in each format (text, CSV, JSON)
   and the same -d exits summary on stderr;
 - the exit counts and transition cycles per (level, reason) equal GOLDEN
   (a CSV of level,reason,name,count,transition_cycles): the transition
   cycles follow from the cost model alone (vm-exit + vm-entry per exit
   that is resumed), so they hold whatever the hypervisor's code is;
 - under the nehalem and skylake cost models the guest's console output and
   exit status are identical (the timing model never changes an
   architectural result) while the cycle totals differ.
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

DEVICE = ["-device", "isa-debug-exit,iobase=0xf4,iosize=4"]


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, what):
        self.n += 1
        if not ok:
            self.failed += 1
        print(("ok" if ok else "not ok") + " %d - %s" % (self.n, what))


def run(vmxsim, image, tmp, tag, costs, fmt):
    path = os.path.join(tmp, "%s.%s" % (tag, fmt))
    p = subprocess.run([vmxsim, "-kernel", image] + DEVICE +
                       ["-serial", "stdio", "--costs", costs, "--profile", path,
                        "-d", "exits"],
                       capture_output=True, timeout=120)
    with open(path, "rb") as f:
        profile = f.read()
    return p.returncode, p.stdout, p.stderr, profile


def rows(csv_bytes):
    return {(r["level"], r["name"]): r
            for r in csv.DictReader(io.StringIO(csv_bytes.decode()))}


def main():
    vmxsim, image, golden = sys.argv[1:4]
    tap = Tap()
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("txt", "csv", "json"):
            a = run(vmxsim, image, tmp, "a", "skylake", fmt)
            b = run(vmxsim, image, tmp, "b", "skylake", fmt)
            tap.check(a[0] == 1, "%s: the guest passed (status %d)" % (fmt, a[0]))
            tap.check(a[3] == b[3] and a[3], "%s: two runs give byte-identical "
                      "profiles" % fmt)
            tap.check(a[2] == b[2], "%s: two runs give the same -d exits summary"
                      % fmt)
        sky = run(vmxsim, image, tmp, "sky", "skylake", "csv")
        neh = run(vmxsim, image, tmp, "neh", "nehalem", "csv")
        got = rows(sky[3])
        with open(golden) as f:
            want = list(csv.DictReader(f))
        for w in want:
            g = got.get((w["level"], w["name"]))
            tap.check(g is not None and g["count"] == w["count"] and
                      g["transition_cycles"] == w["transition_cycles"],
                      "level %s %s: %s exits, %s transition cycles (got %s)" %
                      (w["level"], w["name"], w["count"], w["transition_cycles"],
                       None if g is None else (g["count"], g["transition_cycles"])))
        tap.check(len(got) == len(want), "no other exit reasons (got %s)" %
                  sorted(k[1] for k in got))
        tap.check(sky[0] == neh[0] and sky[1] == neh[1],
                  "nehalem and skylake: same exit status and console output")
        ns, nn = rows(sky[3]), rows(neh[3])
        tap.check(any(ns[k]["cycles"] != nn[k]["cycles"] for k in ns if k in nn),
                  "nehalem and skylake: the cycles differ")
        tap.check(json.loads(run(vmxsim, image, tmp, "j", "skylake", "json")[3])
                  ["exits"] == sum(int(w["count"]) for w in want),
                  "JSON: the exit total is the sum of the golden counts")
    print("1..%d" % tap.n)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
