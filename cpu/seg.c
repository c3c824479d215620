/* cpu/seg.c: placeholder until its area lands. */
