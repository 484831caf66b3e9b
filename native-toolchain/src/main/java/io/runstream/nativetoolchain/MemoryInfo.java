package io.runstream.nativetoolchain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory this process may still use: the system's MemAvailable, or less where its cgroup (v2 or v1) sets a limit. */
final class MemoryInfo {

    private MemoryInfo() {
    }

    static long availableBytes() {
        long available = meminfoAvailable();
        long cgroupRoom = cgroupRoom();
        return cgroupRoom > 0 ? Math.min(available, cgroupRoom) : available;
    }

    private static long meminfoAvailable() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return Runtime.getRuntime().maxMemory();
    }

    /** The cgroup's limit less its usage, or -1 when there is no limit (or no cgroup to read). */
    private static long cgroupRoom() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] parts = line.split(":", 3);
                if (parts.length < 3) {
                    continue;
                }
                String[] c;
                if (parts[0].equals("0") && parts[1].isEmpty()) {
                    c = new String[] {"/sys/fs/cgroup" + parts[2], "memory.max", "memory.current"};
                } else if (("," + parts[1] + ",").contains(",memory,")) {
                    c = new String[] {"/sys/fs/cgroup/memory" + parts[2], "memory.limit_in_bytes", "memory.usage_in_bytes"};
                } else {
                    continue;
                }
                long limit = number(Path.of(c[0], c[1]));
                long usage = number(Path.of(c[0], c[2]));
                if (limit > 0 && limit < Long.MAX_VALUE / 2 && usage >= 0) {
                    return limit - usage;
                }
            }
        } catch (IOException e) {
            // no cgroup information: no limit known
        }
        return -1;
    }

    private static long number(Path file) {
        try {
            String v = Files.readString(file).trim();
            return v.equals("max") ? -1 : Long.parseLong(v);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
