/* cpu/msr.c: placeholder until its area lands. */
