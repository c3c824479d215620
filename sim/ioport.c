/* sim/ioport.c: placeholder until its area lands. */
