/* cpu/icache.c: placeholder until its area lands. */
