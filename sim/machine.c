/* sim/machine.c: placeholder until its area lands. */
