/* sim/cpu_model_load.c: placeholder until its area lands. */
