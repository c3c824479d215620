/* cpu/ops_muldiv.c: placeholder until its area lands. */
