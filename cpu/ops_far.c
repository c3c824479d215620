/* cpu/ops_far.c: placeholder until its area lands. */
