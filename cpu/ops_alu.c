/* cpu/ops_alu.c: placeholder until its area lands. */
