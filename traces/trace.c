/* traces/trace.c: placeholder */
