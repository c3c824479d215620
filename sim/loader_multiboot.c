/* sim/loader_multiboot.c: placeholder until its area lands. */
