/* cpu/ops_io.c: placeholder until its area lands. */
