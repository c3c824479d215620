/* cpu/ops_string.c: placeholder until its area lands. */
