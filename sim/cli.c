/* sim/cli.c: placeholder until its area lands. */
