/* cpu/ops_xsave.c: placeholder until its area lands. */
