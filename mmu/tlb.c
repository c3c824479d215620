/* mmu/tlb.c: placeholder */
