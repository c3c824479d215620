/*
 * base/bits.h: small bit-manipulation helpers shared by every layer.
 */
#ifndef BASE_BITS_H
#define BASE_BITS_H

#include <stdint.h>

#define BIT(n) (1ull << (n))
/* Mask of bits hi..lo inclusive, e.g. BITS(51, 12). */
#define BITS(hi, lo) ((~0ull >> (63 - (hi))) & ~((1ull << (lo)) - 1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Sign-extend the low `bits` bits of v. */
static inline int64_t sext(uint64_t v, unsigned bits)
{
    unsigned sh = 64 - bits;
    return (int64_t)(v << sh) >> sh;
}

/* Mask a value to an operand size in bytes (1, 2, 4, 8). */
static inline uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

#endif
