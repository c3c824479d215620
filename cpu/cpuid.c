/* cpu/cpuid.c: placeholder until its area lands. */
