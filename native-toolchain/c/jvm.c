/*
 * The few JVM_* and jio_* functions that the JDK's own static libraries (libjava, libnio, libnet, libzip...) call
 * into the virtual machine for, provided for SubstrateVM images (libjvm.a), written for Runstream's native
 * toolchain. In a HotSpot JDK they live in libjvm.so; an image has no HotSpot, so each is implemented here on libc.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <jni.h>

/* Called before the image loads a JNI library. Every function here is stateless, so there is nothing to set up. */
void initialize(void) {
}

/* Raw monitors: the JDK's native code only locks and unlocks them around short sections, never re-entrantly. */
void *JVM_RawMonitorCreate(void) {
    pthread_mutex_t *m = malloc(sizeof(pthread_mutex_t));
    if (m != NULL && pthread_mutex_init(m, NULL) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

void JVM_RawMonitorDestroy(void *monitor) {
    if (monitor != NULL) {
        pthread_mutex_destroy((pthread_mutex_t *) monitor);
        free(monitor);
    }
}

jint JVM_RawMonitorEnter(void *monitor) {
    return pthread_mutex_lock((pthread_mutex_t *) monitor) == 0 ? 0 : -1;
}

void JVM_RawMonitorExit(void *monitor) {
    pthread_mutex_unlock((pthread_mutex_t *) monitor);
}

jlong JVM_NanoTime(JNIEnv *env, jclass ignored) {
    (void) env;
    (void) ignored;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (jlong) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* On Unix a native path needs no conversion. */
char *JVM_NativePath(char *path) {
    return path;
}

void JVM_BeforeHalt(void) {
}

void JVM_Halt(jint code) {
    exit(code);
}

void *JVM_FindLibraryEntry(void *handle, const char *name) {
    return dlsym(handle, name);
}

jint JVM_ActiveProcessorCount(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
        return CPU_COUNT(&set);
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (jint) online : 1;
}

/*
 * HotSpot's management interface (jmm.h), which libmanagement asks for when the JDK's own management beans load
 * their native part. An image implements those beans in Java (SubstrateVM's substitutions), so there is no
 * interface to give: NULL, which libmanagement reports as "no JMM interface" should anything still ask.
 */
void *JVM_GetManagement(jint version) {
    (void) version;
    return NULL;
}

/* jio_*: the JDK's printf family; snprintf reports truncation as -1, and always terminates the buffer. */
int jio_vsnprintf(char *buf, size_t count, const char *fmt, va_list args) {
    if ((intptr_t) count <= 0) {
        return -1;
    }
    int n = vsnprintf(buf, count, fmt, args);
    return n >= 0 && (size_t) n < count ? n : -1;
}

int jio_snprintf(char *buf, size_t count, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    int n = jio_vsnprintf(buf, count, fmt, args);
    va_end(args);
    return n;
}

int jio_vfprintf(FILE *f, const char *fmt, va_list args) {
    return vfprintf(f, fmt, args);
}

int jio_fprintf(FILE *f, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    int n = vfprintf(f, fmt, args);
    va_end(args);
    return n;
}
