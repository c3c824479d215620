/* cpu/ops_sse.c: placeholder until its area lands. */
