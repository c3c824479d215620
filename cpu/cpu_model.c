/* cpu/cpu_model.c: placeholder until its area lands. */
