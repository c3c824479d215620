/* cpu/ops_sys.c: placeholder until its area lands. */
