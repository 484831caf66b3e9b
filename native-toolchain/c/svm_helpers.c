/*
 * Small C helpers SubstrateVM images call on Linux (part of liblibchelper.a), written for Runstream's native
 * toolchain: fixed-arity wrappers of variadic libc functions (Java cannot call a variadic C function directly), the
 * thread id, the default time zone, and the signal dispatch behind sun.misc.Signal / jdk.internal.misc.Signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int openSII(const char *path, int flags, int mode) {
    return open(path, flags, mode);
}

void *mremapP(void *old_address, size_t old_size, size_t new_size, int flags, void *new_address) {
    return mremap(old_address, old_size, new_size, flags, new_address);
}

int fprintfSD(FILE *stream, const char *format, const char *s, int d) {
    return fprintf(stream, format, s, d);
}

int getThreadId(void) {
    return (int) syscall(SYS_gettid);
}

/* ---- time zone: the IANA id of the system's default zone, malloc'd, or NULL when it cannot be told ---- */

#define ZONEINFO "/usr/share/zoneinfo"

/* The part of path after ".../zoneinfo/", as a new string, or NULL. */
static char *zone_from_path(const char *path) {
    const char *at = strstr(path, "zoneinfo/");
    if (at == NULL) {
        return NULL;
    }
    at += strlen("zoneinfo/");
    /* the posix/ and right/ trees hold the same zones with other leap-second handling */
    if (strncmp(at, "posix/", 6) == 0) {
        at += 6;
    } else if (strncmp(at, "right/", 6) == 0) {
        at += 6;
    }
    return *at != '\0' ? strdup(at) : NULL;
}

static unsigned char *localtime_bytes;
static off_t localtime_size;
static char *localtime_match;

static int same_content(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void) ftw;
    if (type != FTW_F || st->st_size != localtime_size || strstr(path, "/posixrules") != NULL
            || strstr(path, "/localtime") != NULL || strstr(path, "/right/") != NULL) {
        return 0;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }
    unsigned char *buf = malloc((size_t) localtime_size);
    int equal = buf != NULL && fread(buf, 1, (size_t) localtime_size, f) == (size_t) localtime_size
            && memcmp(buf, localtime_bytes, (size_t) localtime_size) == 0;
    free(buf);
    fclose(f);
    if (equal) {
        localtime_match = zone_from_path(path);
        return localtime_match != NULL; /* non-zero stops the walk */
    }
    return 0;
}

char *SVM_FindJavaTZmd(const char *tz_mappings, int length) {
    (void) tz_mappings; /* the Windows-to-IANA mappings; Linux names zones directly */
    (void) length;
    const char *tz = getenv("TZ");
    if (tz != NULL && *tz != '\0') {
        if (*tz == ':') {
            tz++;
        }
        if (*tz == '/') {
            char *zone = zone_from_path(tz);
            if (zone != NULL) {
                return zone;
            }
        } else if (*tz != '\0') {
            return strdup(tz);
        }
    }
    FILE *f = fopen("/etc/timezone", "r");
    if (f != NULL) {
        char line[256];
        char *read = fgets(line, sizeof(line), f);
        fclose(f);
        if (read != NULL) {
            line[strcspn(line, " \t\r\n")] = '\0';
            if (line[0] != '\0') {
                return strdup(line);
            }
        }
    }
    char target[PATH_MAX];
    ssize_t n = readlink("/etc/localtime", target, sizeof(target) - 1);
    if (n > 0) {
        target[n] = '\0';
        char *zone = zone_from_path(target);
        if (zone != NULL) {
            return zone;
        }
    }
    /* /etc/localtime is a copy: find the zone file with the same content */
    struct stat st;
    if (stat("/etc/localtime", &st) != 0 || st.st_size <= 0) {
        return NULL;
    }
    FILE *lt = fopen("/etc/localtime", "rb");
    if (lt == NULL) {
        return NULL;
    }
    localtime_size = st.st_size;
    localtime_bytes = malloc((size_t) localtime_size);
    int ok = localtime_bytes != NULL && fread(localtime_bytes, 1, (size_t) localtime_size, lt) == (size_t) localtime_size;
    fclose(lt);
    localtime_match = NULL;
    if (ok) {
        nftw(ZONEINFO, same_content, 16, FTW_PHYS);
    }
    free(localtime_bytes);
    localtime_bytes = NULL;
    return localtime_match;
}

/* ---- signals: the C handler counts each signal and wakes the Java dispatcher thread through a semaphore ---- */

static sem_t signal_semaphore;
static atomic_int pending[NSIG];

static void dispatch_signal(int signum) {
    if (signum > 0 && signum < NSIG) {
        int saved = errno;
        atomic_fetch_add(&pending[signum], 1);
        sem_post(&signal_semaphore); /* async-signal-safe */
        errno = saved;
    }
}

int cSunMiscSignal_open(void) {
    for (int i = 0; i < NSIG; i++) {
        atomic_store(&pending[i], 0);
    }
    return sem_init(&signal_semaphore, 0, 0) == 0 ? 0 : errno;
}

int cSunMiscSignal_close(void) {
    return sem_destroy(&signal_semaphore) == 0 ? 0 : errno;
}

int cSunMiscSignal_awaitSemaphore(void) {
    while (sem_wait(&signal_semaphore) != 0) {
        if (errno != EINTR) {
            return errno;
        }
    }
    return 0;
}

int cSunMiscSignal_signalSemaphore(void) {
    return sem_post(&signal_semaphore) == 0 ? 0 : errno;
}

int cSunMiscSignal_signalRangeCheck(int signum) {
    return signum > 0 && signum < NSIG;
}

/* A signal that has arrived and not been dispatched yet (its count taken down by one), or -1. */
int cSunMiscSignal_checkPendingSignal(void) {
    for (int i = 1; i < NSIG; i++) {
        int count = atomic_load(&pending[i]);
        while (count > 0) {
            if (atomic_compare_exchange_weak(&pending[i], &count, count - 1)) {
                return i;
            }
        }
    }
    return -1;
}

void (*cSunMiscSignal_signalHandlerFunctionPointer(void))(int) {
    return dispatch_signal;
}
