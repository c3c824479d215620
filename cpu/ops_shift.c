/* cpu/ops_shift.c: placeholder until its area lands. */
