/* cpu/exec.c: placeholder until its area lands. */
