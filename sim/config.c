/* sim/config.c: placeholder until its area lands. */
