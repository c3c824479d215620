#!/usr/bin/env python3
"""Print one closing line "ci: N passed, M failed" over the meson test logs
given (testlog.json files), counting every TAP subtest of a test as one
check and a test without subtests as one, plus any extra passed checks
given as name=count (e.g. fuzz=1)."""
import json
import sys

passed = failed = 0
for arg in sys.argv[1:]:
    if "=" in arg:
        passed += int(arg.split("=", 1)[1])
        continue
    with open(arg) as f:
        for line in f:
            t = json.loads(line)
            ok = t.get("result") in ("OK", "EXPECTEDFAIL", "SKIP")
            out = t.get("stdout", "") or ""
            n_ok = sum(1 for l in out.splitlines() if l.startswith("ok "))
            n_bad = sum(1 for l in out.splitlines() if l.startswith("not ok "))
            if n_ok or n_bad:
                passed += n_ok
                failed += n_bad
                if not ok and not n_bad:
                    failed += 1
            elif ok:
                passed += 1
            else:
                failed += 1
print(f"ci: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
