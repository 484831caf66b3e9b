/* The JNI library the image builder loads to size its progress output and report its peak memory
   (lib/svm/builder/lib/libreporterchelper.so), written for Runstream's native toolchain. */
#include <jni.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

/* Width of the terminal the builder's progress output goes to, or 0 when stdout is not a terminal. */
JNIEXPORT jint JNICALL Java_com_oracle_svm_hosted_ProgressReporterCHelper_getTerminalWindowColumns0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    struct winsize w;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) != 0) {
        return 0;
    }
    return (jint) w.ws_col;
}

/* The builder process' peak resident set, in bytes (Linux reports ru_maxrss in KiB). */
JNIEXPORT jlong JNICALL Java_com_oracle_svm_hosted_ProgressReporterCHelper_getPeakRSS0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    struct rusage u;
    if (getrusage(RUSAGE_SELF, &u) != 0) {
        return -1;
    }
    return (jlong) u.ru_maxrss * 1024L;
}
