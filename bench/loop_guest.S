/*
 * bench/loop_guest.S: uint32_t bench_loop(uint64_t iterations, void *buf)
 * runs BENCH_LOOP (bench/loop_body.inc) `iterations` times over the
 * 32-byte buffer and returns ECX, the running checksum.
 */
#include "loop_body.inc"

    .text
    .code64
    .globl bench_loop
bench_loop:
    push %rbx
    push %rbp
    mov %edi, %ebp
    xor %ecx, %ecx
    BENCH_LOOP %rsi
    mov %ecx, %eax
    pop %rbp
    pop %rbx
    ret
