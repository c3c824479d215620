/* sim/devices/debugcon.c: placeholder until its area lands. */
