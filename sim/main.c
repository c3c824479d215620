/* sim/main.c: placeholder until its area lands. */
int main(void) { return 0; }
