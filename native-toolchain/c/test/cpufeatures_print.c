/* Prints each member of the toolchain's CPUFeatures struct as name=0|1, for CpuFeatureCheck. */
#include <stdio.h>
#include "amd64cpufeatures.h"

int main(void) {
    CPUFeatures f;
    determineCPUFeatures(&f);
#define PRINT(member) printf(#member "=%d\n", f.member);
    CPUFEATURES_MEMBERS(PRINT)
    return 0;
}
