/* sim/devices/pic.c: placeholder until its area lands. */
