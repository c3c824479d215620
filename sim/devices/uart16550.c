/* sim/devices/uart16550.c: placeholder until its area lands. */
