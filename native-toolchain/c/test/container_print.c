/* Prints what libsvm_container.a finds for this process, one name=value a line, for ContainerLimitsTest. */
#include <stdio.h>

int svm_container_initialize(int version);
long long svm_container_memory_limit_in_bytes(void);
long long svm_container_memory_and_swap_limit_in_bytes(void);
int svm_container_active_processor_count(void);

int main(void) {
    int status = svm_container_initialize(240100);
    printf("initialize=%d\n", status);
    printf("memory_limit=%lld\n", svm_container_memory_limit_in_bytes());
    printf("memory_and_swap_limit=%lld\n", svm_container_memory_and_swap_limit_in_bytes());
    printf("processors=%d\n", svm_container_active_processor_count());
    return 0;
}
