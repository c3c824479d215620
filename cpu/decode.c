/* cpu/decode.c: placeholder until its area lands. */
