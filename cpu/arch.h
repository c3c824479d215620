/*
 * cpu/arch.h: architectural register bit definitions (SDM Vol.3 2.5
 * "Control Registers", Vol.1 3.4.3 "EFLAGS Register", Vol.4 MSR list).
 * Names keep the SDM's spelling.
 */
#ifndef CPU_ARCH_H
#define CPU_ARCH_H

#include "base/bits.h"

/* RFLAGS (SDM Vol.1 3.4.3) */
#define RFLAGS_CF   BIT(0)
#define RFLAGS_FIXED1 BIT(1)
#define RFLAGS_PF   BIT(2)
#define RFLAGS_AF   BIT(4)
#define RFLAGS_ZF   BIT(6)
#define RFLAGS_SF   BIT(7)
#define RFLAGS_TF   BIT(8)
#define RFLAGS_IF   BIT(9)
#define RFLAGS_DF   BIT(10)
#define RFLAGS_OF   BIT(11)
#define RFLAGS_IOPL (BIT(12) | BIT(13))
#define RFLAGS_IOPL_SHIFT 12
#define RFLAGS_NT   BIT(14)
#define RFLAGS_RF   BIT(16)
#define RFLAGS_VM   BIT(17)
#define RFLAGS_AC   BIT(18)
#define RFLAGS_VIF  BIT(19)
#define RFLAGS_VIP  BIT(20)
#define RFLAGS_ID   BIT(21)
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/* CR0 (SDM Vol.3 2.5) */
#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_AM BIT(18)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)

/* CR4 (SDM Vol.3 2.5) */
#define CR4_VME        BIT(0)
#define CR4_PVI        BIT(1)
#define CR4_TSD        BIT(2)
#define CR4_DE         BIT(3)
#define CR4_PSE        BIT(4)
#define CR4_PAE        BIT(5)
#define CR4_MCE        BIT(6)
#define CR4_PGE        BIT(7)
#define CR4_PCE        BIT(8)
#define CR4_OSFXSR     BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_UMIP       BIT(11)
#define CR4_LA57       BIT(12)
#define CR4_VMXE       BIT(13)
#define CR4_SMXE       BIT(14)
#define CR4_FSGSBASE   BIT(16)
#define CR4_PCIDE      BIT(17)
#define CR4_OSXSAVE    BIT(18)
#define CR4_SMEP       BIT(20)
#define CR4_SMAP       BIT(21)
#define CR4_PKE        BIT(22)
#define CR4_CET        BIT(23)
#define CR4_PKS        BIT(24)

/* IA32_EFER (SDM Vol.4, MSR C000_0080H) */
#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)

/* Exception vectors (SDM Vol.3 Table 6-1) */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
    EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12,
    EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18,
    EXC_XM = 19, EXC_VE = 20, EXC_CP = 21,
};

/* #PF error code bits (SDM Vol.3 4.7 "Page-Fault Exceptions") */
#define PFEC_P    BIT(0)
#define PFEC_WR   BIT(1)
#define PFEC_US   BIT(2)
#define PFEC_RSVD BIT(3)
#define PFEC_ID   BIT(4)
#define PFEC_PK   BIT(5)
#define PFEC_SS   BIT(6)

/*
 * Segment access rights in the VMCS "access rights" format (SDM Vol.3
 * 24.4.1 "Guest Register State"): the descriptor's bits 47:40 and 55:52 at
 * 7:0 and 15:12, plus bit 16 "segment unusable". One format for the
 * interpreter and the VMCS saves a conversion at every VM exit and entry.
 */
#define AR_TYPE_MASK 0xfu
#define AR_TYPE_ACCESSED BIT(0)
#define AR_TYPE_RW       BIT(1)   /* data: writable; code: readable */
#define AR_TYPE_DC       BIT(2)   /* data: expand-down; code: conforming */
#define AR_TYPE_CODE     BIT(3)
#define AR_S        BIT(4)        /* 1 = code/data, 0 = system */
#define AR_DPL_SHIFT 5
#define AR_DPL_MASK (3u << 5)
#define AR_P        BIT(7)
#define AR_AVL      BIT(12)
#define AR_L        BIT(13)
#define AR_DB       BIT(14)
#define AR_G        BIT(15)
#define AR_UNUSABLE BIT(16)

#endif
