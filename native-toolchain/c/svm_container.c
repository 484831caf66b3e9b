/*
 * Container limits for SubstrateVM images on Linux (libsvm_container.a), written for Runstream's native toolchain.
 * The image asks these functions for its memory limit and processor count, to size its heap and thread pools the
 * way a JVM does inside a container. Both cgroup v2 (the unified hierarchy, today's default) and cgroup v1 are read;
 * the process' own cgroup is found through /proc/self/cgroup and looked up under the controller's mount point from
 * /proc/self/mountinfo. Values follow the JVM's conventions: -1 means "no limit" (or "not known"), and a limit at or
 * above the machine's physical memory counts as no limit.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <limits.h>

#define SVM_CONTAINER_VERSION 240100
#define SUCCESS_IS_NOT_CONTAINERIZED 0
#define SUCCESS_IS_CONTAINERIZED 1
#define ERROR_LIBCONTAINER_TOO_OLD 2
#define ERROR_LIBCONTAINER_TOO_NEW 3

static int cgroup_version;        /* 0 = none found, 1 or 2 */
static char memory_dir[PATH_MAX]; /* the process' memory controller directory */
static char cpu_dir[PATH_MAX];    /* the process' cpu controller directory */

/* Reads the first line of dir/name into buf; 0 on success. */
static int read_line(const char *dir, const char *name, char *buf, size_t size) {
    char path[PATH_MAX];
    if (dir[0] == '\0' || snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int) sizeof(path)) {
        return -1;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    char *line = fgets(buf, (int) size, f);
    fclose(f);
    if (line == NULL) {
        return -1;
    }
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* A number of bytes, "max" (v2) or a huge v1 value as -1, or -1 when the file cannot be read. */
static long long read_limit(const char *dir, const char *name) {
    char buf[64];
    if (read_line(dir, name, buf, sizeof(buf)) != 0) {
        return -1;
    }
    if (strcmp(buf, "max") == 0) {
        return -1;
    }
    char *end;
    long long value = strtoll(buf, &end, 10);
    if (end == buf || value < 0 || value >= (1LL << 62)) {
        return -1; /* v1 says "no limit" with the largest page-aligned value */
    }
    return value;
}

/* Reads key's value from a "key value" file such as memory.stat; -1 when absent. */
static long long read_keyed(const char *dir, const char *file, const char *key) {
    char path[PATH_MAX], name[128];
    long long value;
    if (dir[0] == '\0' || snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int) sizeof(path)) {
        return -1;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    long long found = -1;
    while (fscanf(f, "%127s %lld", name, &value) == 2) {
        if (strcmp(name, key) == 0) {
            found = value;
            break;
        }
    }
    fclose(f);
    return found;
}

/*
 * Finds where a controller's hierarchy is mounted (mountinfo field 5; for v1 the super options name the
 * controller) and the mount's root within the hierarchy (field 4), then joins them with the process' cgroup path.
 */
static int controller_dir(int version, const char *controller, char *out, size_t size) {
    char line[4096], cgroup_path[PATH_MAX] = "";
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (f == NULL) {
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        /* hierarchy-id:controller-list:path */
        char *first = strchr(line, ':');
        char *second = first ? strchr(first + 1, ':') : NULL;
        if (second == NULL) {
            continue;
        }
        *first = '\0';
        *second = '\0';
        const char *controllers = first + 1;
        int match = 0;
        if (version == 2) {
            match = strcmp(line, "0") == 0 && controllers[0] == '\0';
        } else {
            char list[1024];
            snprintf(list, sizeof(list), ",%s,", controllers);
            char wanted[64];
            snprintf(wanted, sizeof(wanted), ",%s,", controller);
            match = strstr(list, wanted) != NULL;
        }
        if (match) {
            snprintf(cgroup_path, sizeof(cgroup_path), "%s", second + 1);
            break;
        }
    }
    fclose(f);
    if (cgroup_path[0] == '\0') {
        return -1;
    }
    f = fopen("/proc/self/mountinfo", "r");
    if (f == NULL) {
        return -1;
    }
    int found = -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        char root[PATH_MAX], mount_point[PATH_MAX], fstype[64], source[PATH_MAX], options[1024];
        char *sep = strstr(line, " - ");
        if (sep == NULL || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mount_point) != 2
                || sscanf(sep + 3, "%63s %4095s %1023s", fstype, source, options) != 3) {
            continue;
        }
        int is_match = 0;
        if (version == 2) {
            is_match = strcmp(fstype, "cgroup2") == 0;
        } else if (strcmp(fstype, "cgroup") == 0) {
            char list[1100], wanted[64];
            snprintf(list, sizeof(list), ",%s,", options);
            snprintf(wanted, sizeof(wanted), ",%s,", controller);
            is_match = strstr(list, wanted) != NULL;
        }
        if (!is_match) {
            continue;
        }
        /* Inside a container the mount's root is usually the container's own cgroup: strip it from the path. */
        const char *relative = cgroup_path;
        size_t root_len = strlen(root);
        if (strcmp(root, "/") != 0 && strncmp(cgroup_path, root, root_len) == 0) {
            relative = cgroup_path + root_len;
        }
        snprintf(out, size, "%s%s", mount_point, strcmp(relative, "/") == 0 ? "" : relative);
        found = 0;
        break;
    }
    fclose(f);
    return found;
}

/*
 * Whether the unified (v2) hierarchy mounted at dir controls `controller`: its root lists the controllers that were
 * given to v2 in cgroup.controllers. On a hybrid host (systemd's "hybrid" mode, and this project's CI machines) a
 * cgroup2 mount exists but holds no controller: the limits are in the v1 hierarchies.
 */
static int v2_controls(const char *controller) {
    char root[PATH_MAX], buf[512];
    /* the process' own v2 directory lists what its parent enabled for it (at the root: all that v2 has) */
    if (controller_dir(2, "", root, sizeof(root)) != 0 || read_line(root, "cgroup.controllers", buf, sizeof(buf)) != 0) {
        return 0;
    }
    char list[600], wanted[64];
    snprintf(list, sizeof(list), " %s ", buf);
    snprintf(wanted, sizeof(wanted), " %s ", controller);
    return strstr(list, wanted) != NULL;
}

int svm_container_initialize(int version) {
    if (version < SVM_CONTAINER_VERSION) {
        return ERROR_LIBCONTAINER_TOO_NEW;
    }
    if (version > SVM_CONTAINER_VERSION) {
        return ERROR_LIBCONTAINER_TOO_OLD;
    }
    memory_dir[0] = cpu_dir[0] = '\0';
    cgroup_version = 0;
    /* the memory controller decides the version, as the JVM decides it: v2 only where v2 really controls memory */
    if (v2_controls("memory") && controller_dir(2, "", memory_dir, sizeof(memory_dir)) == 0) {
        cgroup_version = 2;
        if (v2_controls("cpu")) {
            snprintf(cpu_dir, sizeof(cpu_dir), "%s", memory_dir);
        }
    } else if (controller_dir(1, "memory", memory_dir, sizeof(memory_dir)) == 0 && access(memory_dir, R_OK) == 0) {
        cgroup_version = 1;
        if (controller_dir(1, "cpu", cpu_dir, sizeof(cpu_dir)) != 0) {
            cpu_dir[0] = '\0';
        }
    } else {
        memory_dir[0] = '\0';
    }
    return cgroup_version == 0 ? SUCCESS_IS_NOT_CONTAINERIZED : SUCCESS_IS_CONTAINERIZED;
}

size_t svm_container_physical_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    return pages > 0 && page_size > 0 ? (size_t) pages * (size_t) page_size : 0;
}

/* A limit at or above physical memory is no limit. */
static long long bounded(long long limit) {
    long long physical = (long long) svm_container_physical_memory();
    return limit < 0 || (physical > 0 && limit >= physical) ? -1 : limit;
}

long long svm_container_memory_limit_in_bytes(void) {
    return bounded(read_limit(memory_dir, cgroup_version == 2 ? "memory.max" : "memory.limit_in_bytes"));
}

long long svm_container_memory_and_swap_limit_in_bytes(void) {
    if (cgroup_version == 2) {
        long long memory = read_limit(memory_dir, "memory.max");
        long long swap = read_limit(memory_dir, "memory.swap.max");
        if (memory < 0) {
            return -1;
        }
        return swap < 0 ? memory : memory + swap; /* swap unlimited or unknown: the memory limit still holds */
    }
    long long both = read_limit(memory_dir, "memory.memsw.limit_in_bytes");
    return both < 0 ? svm_container_memory_limit_in_bytes() : both;
}

long long svm_container_memory_soft_limit_in_bytes(void) {
    return bounded(read_limit(memory_dir, cgroup_version == 2 ? "memory.low" : "memory.soft_limit_in_bytes"));
}

long long svm_container_memory_usage_in_bytes(void) {
    return read_limit(memory_dir, cgroup_version == 2 ? "memory.current" : "memory.usage_in_bytes");
}

long long svm_container_memory_max_usage_in_bytes(void) {
    return read_limit(memory_dir, cgroup_version == 2 ? "memory.peak" : "memory.max_usage_in_bytes");
}

long long svm_container_rss_usage_in_bytes(void) {
    return read_keyed(memory_dir, "memory.stat", cgroup_version == 2 ? "anon" : "rss");
}

long long svm_container_cache_usage_in_bytes(void) {
    return read_keyed(memory_dir, "memory.stat", cgroup_version == 2 ? "file" : "cache");
}

/* The CPUs this process may run on, capped by the cgroup's CPU quota (rounded up), as the JVM counts them. */
int svm_container_active_processor_count(void) {
    int cpus = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        cpus = CPU_COUNT(&set);
    }
    if (cpus <= 0) {
        cpus = (int) sysconf(_SC_NPROCESSORS_ONLN);
    }
    long long quota = -1, period = -1;
    if (cgroup_version == 2) {
        char buf[128];
        if (read_line(cpu_dir, "cpu.max", buf, sizeof(buf)) == 0 && strncmp(buf, "max", 3) != 0) {
            sscanf(buf, "%lld %lld", &quota, &period);
        }
    } else if (cgroup_version == 1) {
        quota = read_limit(cpu_dir, "cpu.cfs_quota_us");
        period = read_limit(cpu_dir, "cpu.cfs_period_us");
    }
    if (quota > 0 && period > 0) {
        int limit = (int) ((quota + period - 1) / period);
        if (limit < cpus) {
            cpus = limit;
        }
    }
    return cpus < 1 ? 1 : cpus;
}
