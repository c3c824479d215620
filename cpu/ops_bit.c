/* cpu/ops_bit.c: placeholder until its area lands. */
