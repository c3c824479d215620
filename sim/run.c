/* sim/run.c: placeholder until its area lands. */
