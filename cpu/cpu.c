/* cpu/cpu.c: placeholder until its area lands. */
