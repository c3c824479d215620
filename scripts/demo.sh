#!/bin/sh
# The bundled demo: boot the guest workload image, print its output and the
# instruction count and simulated cycles. The image leaves through
# isa-debug-exit: status 1 means it passed ((0 << 1) | 1, QEMU's rule).
build=${1:-build}
"$build/sim/vmxsim" -kernel "$build/guests/workload/workload.elf" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio --stats
status=$?
if [ "$status" -eq 1 ]; then
    echo "demo: the workload passed (debug-exit status 1)"
    exit 0
fi
echo "demo: the workload failed (vmxsim exit status $status)" >&2
exit 1
