/* sim/loader_elf.c: placeholder until its area lands. */
