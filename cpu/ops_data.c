/* cpu/ops_data.c: placeholder until its area lands. */
