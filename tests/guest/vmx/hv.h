/*
 * tests/guest/vmx/hv.h: a small hypervisor library for the VMX guest
 * images (vmx-insn, vmx-exits, vmx-shadow). It enters VMX operation,
 * builds a VMCS from the capability MSRs (SDM Vol.3 Appendix A) whose guest
 * is a copy of the caller's 64-bit ring-0 context, runs guest functions in
 * VMX non-root operation and reports each VM exit. Because every control
 * comes from the capability MSRs, the images also run on VMX hardware.
 *
 * World switch (hv_asm.S): hv_run() loads the guest's general-purpose
 * registers from hv_gpr[] (RSP excepted: it is in the VMCS) and executes
 * VMLAUNCH or VMRESUME; after a VM exit the processor continues at
 * hv_exit_entry (HOST_RIP) which stores the guest's registers back into
 * hv_gpr[] (SDM Vol.3 27.5: a VM exit loads no general-purpose register).
 */
#ifndef HV_H
#define HV_H

#include "rt.h"

#define MSR_FEATURE_CONTROL     0x3a
#define MSR_VMX_BASIC           0x480
#define MSR_VMX_PIN             0x481
#define MSR_VMX_PROC            0x482
#define MSR_VMX_EXIT            0x483
#define MSR_VMX_ENTRY           0x484
#define MSR_VMX_MISC            0x485
#define MSR_VMX_CR0_FIXED0      0x486
#define MSR_VMX_CR0_FIXED1      0x487
#define MSR_VMX_CR4_FIXED0      0x488
#define MSR_VMX_CR4_FIXED1      0x489
#define MSR_VMX_VMCS_ENUM       0x48a
#define MSR_VMX_PROC2           0x48b
#define MSR_VMX_EPT_VPID_CAP    0x48c
#define MSR_VMX_TRUE_PIN        0x48d
#define MSR_VMX_TRUE_PROC       0x48e
#define MSR_VMX_TRUE_EXIT       0x48f
#define MSR_VMX_TRUE_ENTRY      0x490
#define CR4_VMXE_BIT            (1u << 13)
#define FLAG_CF 0x1u
#define FLAG_ZF 0x40u
#define FLAG_ARITH 0x8d5u       /* CF PF AF ZF SF OF: the VMX result flags */

/* VMCS field encodings (SDM Vol.3 Appendix B). */
enum {
    F_VPID = 0x0000,
    F_GUEST_ES_SEL = 0x0800, F_GUEST_CS_SEL = 0x0802, F_GUEST_SS_SEL = 0x0804,
    F_GUEST_TR_SEL = 0x080e,
    F_HOST_ES_SEL = 0x0c00, F_HOST_CS_SEL = 0x0c02, F_HOST_SS_SEL = 0x0c04,
    F_HOST_DS_SEL = 0x0c06, F_HOST_FS_SEL = 0x0c08, F_HOST_GS_SEL = 0x0c0a,
    F_HOST_TR_SEL = 0x0c0c,
    F_IO_BITMAP_A = 0x2000, F_IO_BITMAP_B = 0x2002, F_MSR_BITMAP = 0x2004,
    F_EXIT_MSR_STORE_ADDR = 0x2006, F_EXIT_MSR_LOAD_ADDR = 0x2008,
    F_ENTRY_MSR_LOAD_ADDR = 0x200a, F_TSC_OFFSET = 0x2010,
    F_VIRTUAL_APIC_ADDR = 0x2012, F_EPT_POINTER = 0x201a,
    F_VMREAD_BITMAP = 0x2026, F_VMWRITE_BITMAP = 0x2028,
    F_GUEST_PHYSICAL_ADDRESS = 0x2400,
    F_VMCS_LINK_POINTER = 0x2800, F_GUEST_DEBUGCTL = 0x2802, F_GUEST_PAT = 0x2804,
    F_GUEST_EFER = 0x2806, F_HOST_PAT = 0x2c00, F_HOST_EFER = 0x2c02,
    F_PIN = 0x4000, F_PROC = 0x4002, F_EXCEPTION_BITMAP = 0x4004,
    F_PF_ERROR_MASK = 0x4006, F_PF_ERROR_MATCH = 0x4008, F_CR3_TARGET_COUNT = 0x400a,
    F_EXIT_CONTROLS = 0x400c, F_EXIT_MSR_STORE_COUNT = 0x400e,
    F_EXIT_MSR_LOAD_COUNT = 0x4010, F_ENTRY_CONTROLS = 0x4012,
    F_ENTRY_MSR_LOAD_COUNT = 0x4014, F_ENTRY_INTR_INFO = 0x4016,
    F_ENTRY_EXC_ERROR = 0x4018, F_ENTRY_INSN_LEN = 0x401a, F_TPR_THRESHOLD = 0x401c,
    F_PROC2 = 0x401e,
    F_VM_INSTRUCTION_ERROR = 0x4400, F_EXIT_REASON = 0x4402, F_EXIT_INTR_INFO = 0x4404,
    F_EXIT_INTR_ERROR = 0x4406, F_IDT_VECTORING_INFO = 0x4408, F_EXIT_INSN_LEN = 0x440c,
    F_EXIT_INSN_INFO = 0x440e,
    F_GUEST_ES_LIMIT = 0x4800, F_GUEST_CS_LIMIT = 0x4802, F_GUEST_GDTR_LIMIT = 0x4810,
    F_GUEST_IDTR_LIMIT = 0x4812, F_GUEST_ES_AR = 0x4814, F_GUEST_CS_AR = 0x4816,
    F_GUEST_SS_AR = 0x4818, F_GUEST_TR_AR = 0x4822,
    F_GUEST_INTERRUPTIBILITY = 0x4824, F_GUEST_ACTIVITY = 0x4826,
    F_HOST_SYSENTER_CS = 0x4c00,
    F_CR0_MASK = 0x6000, F_CR4_MASK = 0x6002, F_CR0_SHADOW = 0x6004, F_CR4_SHADOW = 0x6006,
    F_CR3_TARGET0 = 0x6008,
    F_EXIT_QUALIFICATION = 0x6400, F_GUEST_LINEAR_ADDRESS = 0x640a,
    F_GUEST_CR0 = 0x6800, F_GUEST_CR3 = 0x6802, F_GUEST_CR4 = 0x6804,
    F_GUEST_ES_BASE = 0x6806, F_GUEST_CS_BASE = 0x6808, F_GUEST_GDTR_BASE = 0x6816,
    F_GUEST_IDTR_BASE = 0x6818, F_GUEST_DR7 = 0x681a, F_GUEST_RSP = 0x681c,
    F_GUEST_RIP = 0x681e, F_GUEST_RFLAGS = 0x6820, F_GUEST_PENDING_DBG = 0x6822,
    F_GUEST_SYSENTER_ESP = 0x6824,
    F_HOST_CR0 = 0x6c00, F_HOST_CR3 = 0x6c02, F_HOST_CR4 = 0x6c04, F_HOST_FS_BASE = 0x6c06,
    F_HOST_GS_BASE = 0x6c08, F_HOST_TR_BASE = 0x6c0a, F_HOST_GDTR_BASE = 0x6c0c,
    F_HOST_IDTR_BASE = 0x6c0e, F_HOST_SYSENTER_ESP = 0x6c10, F_HOST_SYSENTER_EIP = 0x6c12,
    F_HOST_RSP = 0x6c14, F_HOST_RIP = 0x6c16,
};

/* Control bits (SDM Vol.3 24.6, 24.7, 24.8). */
#define PIN_EXTINT_EXITING      (1u << 0)
#define PIN_NMI_EXITING         (1u << 3)
#define PROC_INTR_WINDOW        (1u << 2)
#define PROC_TSC_OFFSETTING     (1u << 3)
#define PROC_HLT_EXITING        (1u << 7)
#define PROC_INVLPG_EXITING     (1u << 9)
#define PROC_MWAIT_EXITING      (1u << 10)
#define PROC_RDPMC_EXITING      (1u << 11)
#define PROC_RDTSC_EXITING      (1u << 12)
#define PROC_CR3_LOAD_EXITING   (1u << 15)
#define PROC_CR3_STORE_EXITING  (1u << 16)
#define PROC_CR8_LOAD_EXITING   (1u << 19)
#define PROC_CR8_STORE_EXITING  (1u << 20)
#define PROC_USE_TPR_SHADOW     (1u << 21)
#define PROC_MOV_DR_EXITING     (1u << 23)
#define PROC_UNCOND_IO_EXITING  (1u << 24)
#define PROC_USE_IO_BITMAPS     (1u << 25)
#define PROC_USE_MSR_BITMAPS    (1u << 28)
#define PROC_MONITOR_EXITING    (1u << 29)
#define PROC_PAUSE_EXITING      (1u << 30)
#define PROC_SECONDARY          (1u << 31)
#define PROC2_ENABLE_EPT        (1u << 1)
#define PROC2_DESC_TABLE_EXITING (1u << 2)
#define PROC2_ENABLE_RDTSCP     (1u << 3)
#define PROC2_ENABLE_VPID       (1u << 5)
#define PROC2_WBINVD_EXITING    (1u << 6)
#define PROC2_UNRESTRICTED      (1u << 7)
#define PROC2_RDRAND_EXITING    (1u << 11)
#define PROC2_VMCS_SHADOWING    (1u << 14)
#define PROC2_RDSEED_EXITING    (1u << 16)
#define EXIT_HOST_64            (1u << 9)
#define EXIT_LOAD_EFER          (1u << 21)
#define ENTRY_IA32E_GUEST       (1u << 9)

/* Basic exit reasons (SDM Vol.3 Appendix C). */
enum {
    R_EXCEPTION = 0, R_EXTINT = 1, R_TRIPLE_FAULT = 2, R_TASK_SWITCH = 9, R_CPUID = 10,
    R_HLT = 12, R_INVD = 13, R_INVLPG = 14, R_RDPMC = 15, R_RDTSC = 16, R_VMCALL = 18,
    R_VMCLEAR = 19, R_VMLAUNCH = 20, R_VMPTRLD = 21, R_VMPTRST = 22, R_VMREAD = 23,
    R_VMRESUME = 24, R_VMWRITE = 25, R_VMXOFF = 26, R_VMXON = 27, R_CR = 28, R_DR = 29,
    R_IO = 30, R_RDMSR = 31, R_WRMSR = 32, R_BAD_GUEST = 33, R_MSR_LOADING = 34,
    R_MWAIT = 36, R_MONITOR = 39, R_PAUSE = 40, R_GDTR_IDTR = 46, R_LDTR_TR = 47,
    R_INVEPT = 50, R_RDTSCP = 51, R_INVVPID = 53, R_WBINVD = 54, R_XSETBV = 55,
    R_RDRAND = 57, R_INVPCID = 58, R_VMFUNC = 59, R_RDSEED = 61,
};

/* Each wrapper returns RFLAGS after the instruction so the VMsucceed /
 * VMfailInvalid / VMfailValid encoding can be checked (SDM Vol.3 30.2). */
static inline uint64_t vmxon(uint64_t pa) { uint64_t f; __asm__ volatile("vmxon %1; pushfq; pop %0" : "=r"(f) : "m"(pa) : "cc", "memory"); return f; }
static inline uint64_t vmxoff(void) { uint64_t f; __asm__ volatile("vmxoff; pushfq; pop %0" : "=r"(f) :: "cc", "memory"); return f; }
static inline uint64_t vmclear(uint64_t pa) { uint64_t f; __asm__ volatile("vmclear %1; pushfq; pop %0" : "=r"(f) : "m"(pa) : "cc", "memory"); return f; }
static inline uint64_t vmptrld(uint64_t pa) { uint64_t f; __asm__ volatile("vmptrld %1; pushfq; pop %0" : "=r"(f) : "m"(pa) : "cc", "memory"); return f; }
static inline uint64_t vmptrst(uint64_t *pa) { uint64_t f; __asm__ volatile("vmptrst %1; pushfq; pop %0" : "=r"(f), "=m"(*pa) :: "cc", "memory"); return f; }
static inline uint64_t vmwrite(uint64_t field, uint64_t v) { uint64_t f; __asm__ volatile("vmwrite %2, %1; pushfq; pop %0" : "=r"(f) : "r"(field), "rm"(v) : "cc", "memory"); return f; }
static inline uint64_t vmread_f(uint64_t field, uint64_t *v) { uint64_t f; __asm__ volatile("vmread %2, %1; pushfq; pop %0" : "=r"(f), "=rm"(*v) : "r"(field) : "cc", "memory"); return f; }
static inline uint64_t vmread(uint64_t field) { uint64_t v = 0; vmread_f(field, &v); return v; }
static inline uint64_t vmcall_root(void) { uint64_t f; __asm__ volatile("vmcall; pushfq; pop %0" : "=r"(f) :: "cc", "memory"); return f; }
static inline uint64_t invept(uint64_t type, const void *desc) { uint64_t f; __asm__ volatile("invept %1, %2; pushfq; pop %0" : "=r"(f) : "m"(*(const char (*)[16])desc), "r"(type) : "cc", "memory"); return f; }
static inline uint64_t invvpid(uint64_t type, const void *desc) { uint64_t f; __asm__ volatile("invvpid %1, %2; pushfq; pop %0" : "=r"(f) : "m"(*(const char (*)[16])desc), "r"(type) : "cc", "memory"); return f; }

static inline bool vm_ok(uint64_t f) { return (f & FLAG_ARITH) == 0; }
static inline bool vm_fail_invalid(uint64_t f) { return (f & FLAG_ARITH) == FLAG_CF; }
/* VMfailValid with the given VM-instruction error (reads the current VMCS). */
bool vm_fail_valid(uint64_t f, unsigned error);

/* Allowed settings of a control word: the TRUE capability MSR's
 * must-be-1 bits plus `want`, minus what the part does not allow (A.3-A.5). */
uint32_t hv_ctl(uint32_t msr, uint32_t want);
/* Whether control bit(s) `bits` may be 1 in the word of capability MSR msr. */
bool hv_allowed(uint32_t msr, uint32_t bits);
uint32_t hv_revision(void);

/* Regions the library owns. */
extern uint8_t hv_vmxon_region[4096];
extern uint8_t hv_vmcs[4096];

/* Sets IA32_FEATURE_CONTROL if firmware has not, the CR0/CR4 fixed bits and
 * CR4.VMXE; then VMXON. Returns false (with a skip) when there is no VMX. */
bool hv_enter_vmx(void);
/* VMCLEAR + VMPTRLD of `region` (revision written first) and a complete
 * VMCS for a 64-bit guest running hv_guest_entry on its own stack. */
void hv_setup(uint8_t *region);
/* Fill the host- and guest-state areas and controls of the current VMCS. */
void hv_setup_current(void);

/* Guest general-purpose registers at the last VM exit (RSP excluded) and
 * loaded at the next VM entry: index 0 RAX ... 15 R15. */
extern uint64_t hv_gpr[16];

/* Result of hv_run: bit 63 set when a VM exit occurred (the basic reason in
 * bits 15:0 of EXIT_REASON); otherwise RFLAGS of the failed VMLAUNCH or
 * VMRESUME. */
#define HV_EXITED (1ull << 63)
uint64_t hv_run(int launch);

/* Runs fn(arg) as the guest from a fresh stack: VMLAUNCH of a clear VMCS,
 * VMRESUME of a launched one. When fn returns the guest executes VMCALL.
 * Returns hv_run's result. */
uint64_t hv_guest(void (*fn)(void *), void *arg);
/* Advance guest RIP by the VM-exit instruction length and VMRESUME. */
uint64_t hv_skip_resume(void);
/* VMRESUME without changing guest RIP. */
uint64_t hv_resume(void);
/* The basic exit reason of the last VM exit (bits 15:0 of the field). */
static inline unsigned hv_reason(void) { return (unsigned)vmread(F_EXIT_REASON) & 0xffff; }
static inline uint64_t hv_qual(void) { return vmread(F_EXIT_QUALIFICATION); }
/* Resume (skipping each exiting instruction) until the guest's final
 * VMCALL; true when it was reached within `limit` exits. */
bool hv_finish(unsigned limit);

/* Selector helpers for the host/guest state. */
uint16_t hv_sel(int which);     /* 0 ES 1 CS 2 SS 3 DS 4 FS 5 GS 6 LDTR 7 TR */
uint64_t hv_desc_base(uint16_t sel);

#endif
