/* mmu/physmem.c: placeholder */
