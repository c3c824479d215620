/* mmu/paging.c: placeholder */
