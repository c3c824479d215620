/* cpu/ops_branch.c: placeholder until its area lands. */
