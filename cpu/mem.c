/* cpu/mem.c: placeholder until its area lands. */
