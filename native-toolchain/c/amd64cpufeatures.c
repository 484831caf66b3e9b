/*
 * CPU feature detection for SubstrateVM images on x86-64 (liblibchelper.a), written for Runstream's native
 * toolchain. The struct is declared by the generated include/amd64cpufeatures.h (one uint8_t per feature the Java
 * side reads). A feature is reported only when the CPU announces it through CPUID *and*, for register-state
 * features (AVX, AVX-512, APX), the OS has enabled saving that state (XCR0), as the JVM does: code using AVX on a
 * kernel that does not save YMM registers would corrupt them across context switches. The one feature set reported
 * without its own CPUID bit is the JVM's too: AVX10 at 512 bits stands for the AVX-512 family (see below).
 * scripts/native-toolchain.sh checks the result against the JVM's own detection on the machine that assembles it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cpuid.h>
#include "amd64cpufeatures.h"

typedef struct { unsigned int eax, ebx, ecx, edx; } regs;

static regs cpuid(unsigned int leaf, unsigned int subleaf) {
    regs r = {0, 0, 0, 0};
    __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
    return r;
}

static unsigned long long xgetbv0(void) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long) hi << 32) | lo;
}

#define BIT(value, n) (((value) >> (n)) & 1u)

void determineCPUFeatures(CPUFeatures *f) {
    memset(f, 0, sizeof(*f));
    unsigned int max_leaf = __get_cpuid_max(0, NULL);
    unsigned int max_ext = __get_cpuid_max(0x80000000u, NULL);
    if (max_leaf < 1) {
        return;
    }
    regs vendor = cpuid(0, 0);
    int intel = vendor.ebx == 0x756e6547u && vendor.edx == 0x49656e69u && vendor.ecx == 0x6c65746eu; /* GenuineIntel */
    int amd = vendor.ebx == 0x68747541u && vendor.edx == 0x69746e65u && vendor.ecx == 0x444d4163u;   /* AuthenticAMD */
    int hygon = vendor.ebx == 0x6f677948u && vendor.edx == 0x6e65476eu && vendor.ecx == 0x656e6975u; /* HygonGenuine */

    regs l1 = cpuid(1, 0);
    regs l7 = max_leaf >= 7 ? cpuid(7, 0) : (regs) {0, 0, 0, 0};
    regs l7s1 = (max_leaf >= 7 && l7.eax >= 1) ? cpuid(7, 1) : (regs) {0, 0, 0, 0};
    regs e1 = max_ext >= 0x80000001u ? cpuid(0x80000001u, 0) : (regs) {0, 0, 0, 0};
    regs e7 = max_ext >= 0x80000007u ? cpuid(0x80000007u, 0) : (regs) {0, 0, 0, 0};

    /* Which register state the OS saves: XCR0 bits 1 (SSE), 2 (AVX), 5-7 (AVX-512 opmask/ZMM), 19 (APX). */
    unsigned long long xcr0 = BIT(l1.ecx, 27) ? xgetbv0() : 0; /* OSXSAVE */
    int os_avx = (xcr0 & 0x6) == 0x6;
    int os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;
    int os_apx = (xcr0 >> 19) & 1;

    /* leaf 1, EDX */
    f->fTSC = BIT(l1.edx, 4);
    f->fCX8 = BIT(l1.edx, 8);
    f->fCMOV = BIT(l1.edx, 15);
    f->fFLUSH = BIT(l1.edx, 19);
    f->fMMX = BIT(l1.edx, 23);
    f->fFXSR = BIT(l1.edx, 24);
    f->fSSE = BIT(l1.edx, 25);
    f->fSSE2 = BIT(l1.edx, 26);
    /* HT: more than one logical processor per core. Leaf 1's bit only says the package can report several;
       leaf 0xB's SMT level (ECX[15:8] = 1) says how many share a core. */
    if (BIT(l1.edx, 28) && max_leaf >= 0xB) {
        regs smt = cpuid(0xB, 0);
        f->fHT = ((smt.ecx >> 8) & 0xff) == 1 && (smt.ebx & 0xffff) > 1;
    }
    /* leaf 1, ECX */
    f->fSSE3 = BIT(l1.ecx, 0);
    f->fCLMUL = BIT(l1.ecx, 1);
    f->fSSSE3 = BIT(l1.ecx, 9);
    f->fSSE4_1 = BIT(l1.ecx, 19);
    f->fSSE4_2 = BIT(l1.ecx, 20);
    f->fPOPCNT = BIT(l1.ecx, 23);
    f->fAES = BIT(l1.ecx, 25);
    f->fHV = BIT(l1.ecx, 31);
    if (os_avx) {
        f->fAVX = BIT(l1.ecx, 28);
        f->fFMA = BIT(l1.ecx, 12);
        f->fF16C = BIT(l1.ecx, 29);
    }
    /* leaf 7.0, EBX */
    f->fBMI1 = BIT(l7.ebx, 3);
    f->fBMI2 = BIT(l7.ebx, 8);
    f->fERMS = BIT(l7.ebx, 9);
    f->fRTM = BIT(l7.ebx, 11);
    f->fADX = BIT(l7.ebx, 19);
    f->fFLUSHOPT = BIT(l7.ebx, 23);
    f->fCLWB = BIT(l7.ebx, 24);
    f->fSHA = BIT(l7.ebx, 29);
    if (f->fAVX) {
        f->fAVX2 = BIT(l7.ebx, 5);
        f->fVZEROUPPER = 1; /* clearing upper YMM halves pays on every CPU with AVX */
        f->fAVX_IFMA = BIT(l7s1.eax, 23);
        f->fSHA512 = BIT(l7s1.eax, 0);
    }
    if (os_avx512 && BIT(l7.ebx, 16)) {
        f->fAVX512F = 1;
        f->fAVX512DQ = BIT(l7.ebx, 17);
        f->fAVX512_IFMA = BIT(l7.ebx, 21);
        f->fAVX512PF = BIT(l7.ebx, 26);
        f->fAVX512ER = BIT(l7.ebx, 27);
        f->fAVX512CD = BIT(l7.ebx, 28);
        f->fAVX512BW = BIT(l7.ebx, 30);
        f->fAVX512VL = BIT(l7.ebx, 31);
        f->fAVX512_VBMI = BIT(l7.ecx, 1);
        f->fAVX512_VBMI2 = BIT(l7.ecx, 6);
        f->fAVX512_VNNI = BIT(l7.ecx, 11);
        f->fAVX512_BITALG = BIT(l7.ecx, 12);
        f->fAVX512_VPOPCNTDQ = BIT(l7.ecx, 14);
        f->fAVX512_FP16 = BIT(l7.edx, 23);
    }
    if (f->fAVX512F) {
        /* named AVX512_* by JVMCI: counted as AVX-512 extensions, as the JVM counts them */
        f->fAVX512_VAES = BIT(l7.ecx, 9);
        f->fAVX512_VPCLMULQDQ = BIT(l7.ecx, 10);
    }
    f->fGFNI = BIT(l7.ecx, 8);
    /* leaf 7.0, ECX / EDX */
    f->fPKU = BIT(l7.ecx, 3);
    f->fOSPKE = BIT(l7.ecx, 4);
    f->fCET_SS = BIT(l7.ecx, 7);
    f->fRDPID = BIT(l7.ecx, 22);
    f->fFSRM = BIT(l7.edx, 4);
    f->fSERIALIZE = BIT(l7.edx, 14);
    f->fCET_IBT = BIT(l7.edx, 20);
    /* leaf 7.1, EDX: APX needs its own XCR0 state. */
    f->fAPX_F = BIT(l7s1.edx, 21) && os_apx;
    /* AVX10 (leaf 7.1 EDX bit 19) reports its version and vector lengths in leaf 0x24. The JVM counts an Intel CPU
       with AVX10 at 512 bits as having the whole AVX-512 family, the Xeon Phi extensions PF and ER included (which
       no compiler emits for such a CPU): the same here, so an image built for this host (-march=native, whose
       features the builder takes from the JVM) accepts this host at start. */
    if (intel && BIT(l7s1.edx, 19) && os_avx512 && max_leaf >= 0x24) {
        regs l24 = cpuid(0x24, 0);
        unsigned int avx10_version = l24.ebx & 0xff;
        if (avx10_version >= 1 && BIT(l24.ebx, 18)) { /* 512-bit vectors */
            f->fAVX10_1 = 1;
            f->fAVX10_2 = avx10_version >= 2;
            f->fAVX512F = f->fAVX512CD = f->fAVX512DQ = f->fAVX512PF = f->fAVX512ER = f->fAVX512BW = f->fAVX512VL = 1;
            f->fAVX512_VPOPCNTDQ = f->fAVX512_VPCLMULQDQ = f->fAVX512_VAES = f->fAVX512_VNNI = 1;
            f->fAVX512_BITALG = f->fAVX512_VBMI = f->fAVX512_VBMI2 = 1;
        }
    }
    /* extended leaves */
    f->fLZCNT = BIT(e1.ecx, 5);
    f->fSSE4A = BIT(e1.ecx, 6); /* reserved, so 0, on Intel */
    f->fAMD_3DNOW_PREFETCH = BIT(e1.ecx, 8);
    f->fRDTSCP = BIT(e1.edx, 27);
    f->fTSCINV_BIT = BIT(e7.edx, 8);
    /* An invariant TSC is a usable clock across all CPUs only on bare metal from a vendor that guarantees it
       across sockets and P-states: under a hypervisor (HV) a virtual CPU can move between hosts whose TSCs differ. */
    f->fTSCINV = f->fTSCINV_BIT && !f->fHV && (intel || amd || hygon);
}

/* Rounded up to 8 bytes, as the builder sizes the mask. */
#define MASK_SIZE ((sizeof(CPUFeatures) + 7) / 8 * 8)

int checkCPUFeatures(char *buildtimeFeatureMask) {
    uint8_t host[MASK_SIZE];
    memset(host, 0, sizeof(host));
    determineCPUFeatures((CPUFeatures *) host);
    /* A required feature's mask byte is 0xFE, every other byte 0xFF: OR-ing the host's 0/1 bytes in must give 0xFF. */
    for (size_t i = 0; i < MASK_SIZE; i++) {
        if ((uint8_t) (host[i] | (uint8_t) buildtimeFeatureMask[i]) != 0xFF) {
            return -1;
        }
    }
    return 0;
}

int checkCPUFeaturesOrExit(char *buildtimeFeatureMask, char *errorMessage) {
    int result = checkCPUFeatures(buildtimeFeatureMask);
    if (result != 0) {
        fputs(errorMessage, stderr);
        exit(1);
    }
    return result;
}
