#!/bin/sh
# The bundled demo: boot the guest workload image and print its output,
# instruction count and simulated cycles.
set -eu
build=${1:-build}
exec "$build/sim/vmxsim" -kernel "$build/guests/workload/workload.elf" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio --stats
