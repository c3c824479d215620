/* sim/devices/debugexit.c: placeholder until its area lands. */
