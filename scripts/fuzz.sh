#!/bin/sh
# Fuzz the interpreter (cpu/fuzz/fuzz_interp.c) with libFuzzer under
# AddressSanitizer and UBSan for a bounded time.
#   scripts/fuzz.sh [seconds]     default 60
# Builds with clang in its own build directory ($FUZZ_BUILD, default
# build-fuzz) and keeps the corpus there, so reruns continue from it. Exits
# non-zero when libFuzzer finds a crash, a leak or a timeout.
set -eu
secs=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
# libFuzzer's runtime ships in Debian's libclang-rt-NN-dev.
rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)
if [ ! -f "$rt" ]; then
    echo "fuzz.sh: clang has no libFuzzer runtime (install libclang-rt-14-dev)" >&2
    exit 2
fi
if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" "$root" -Dfuzz=true -Dtests=disabled \
        -Dguest_tests=false -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fsanitize=fuzzer-no-link
fi
ninja -C "$build" cpu/fuzz/fuzz_interp
corpus="$build/fuzz-corpus/interp"
mkdir -p "$corpus"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$build/cpu/fuzz/fuzz_interp" -max_total_time="$secs" -seed=1 \
    -max_len=4097 -timeout=10 -rss_limit_mb=4096 "$corpus"
