/* cpu/deliver.c: placeholder until its area lands. */
