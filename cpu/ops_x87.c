/* cpu/ops_x87.c: placeholder until its area lands. */
