package io.runstream.nativetoolchain;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The container limits an image reads through libsvm_container.a (c/svm_container.c), compiled here with the small
 * c/test/container_print.c and run in real and made-up cgroups: a cgroup v2 layout as Kubernetes gives it (the
 * process' /proc/self/cgroup and /proc/self/mountinfo replaced, in a mount namespace of its own, by a made-up unified
 * hierarchy), and real cgroup v1 groups on a host that has them — which, like this project's CI machines, also
 * mounts an empty cgroup2 hierarchy (systemd's hybrid mode), where the limits must still be read from v1.
 *
 * <p>Needs gcc, and root for the namespaces and cgroups (as CI runs): skipped without them.
 */
class ContainerLimitsTest {

    static Path printer;

    @BeforeAll
    static void compile(@TempDir Path dir) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root: mount namespaces and cgroups");
        printer = dir.resolve("container_print");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", printer.toString(),
                "c/svm_container.c", "c/test/container_print.c").redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor()).as(out).isZero();
    }

    @Test
    void cgroupV2LimitsOfTheProcessOwnGroupAreRead(@TempDir Path dir) throws Exception {
        Path group = unifiedGroup(dir, "cpu io memory pids", "268435456", "50000 100000");
        Map<String, String> seen = inFakeCgroupV2(dir, group);
        assertThat(seen).containsEntry("initialize", "1").containsEntry("memory_limit", "268435456")
                .containsEntry("memory_and_swap_limit", "268435456").containsEntry("processors", "1");
    }

    @Test
    void cgroupV2WithoutLimitsIsNoLimit(@TempDir Path dir) throws Exception {
        Path group = unifiedGroup(dir, "cpu memory", "max", "max 100000");
        Map<String, String> seen = inFakeCgroupV2(dir, group);
        assertThat(seen).containsEntry("initialize", "1").containsEntry("memory_limit", "-1")
                .containsEntry("processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void cgroupV1LimitsAreReadEvenBesideAnEmptyUnifiedHierarchy() throws Exception {
        Path memory = Path.of("/sys/fs/cgroup/memory");
        Path cpu = Path.of("/sys/fs/cgroup/cpu");
        assumeTrue(Files.isRegularFile(memory.resolve("memory.limit_in_bytes"))
                && Files.isRegularFile(cpu.resolve("cpu.cfs_quota_us")), "needs cgroup v1 memory and cpu hierarchies");
        String name = "runstream-test-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
        Path memoryGroup = Files.createDirectory(memory.resolve(name));
        Path cpuGroup = Files.createDirectory(cpu.resolve(name));
        try {
            Files.writeString(memoryGroup.resolve("memory.limit_in_bytes"), "314572800");
            Files.writeString(cpuGroup.resolve("cpu.cfs_period_us"), "100000");
            Files.writeString(cpuGroup.resolve("cpu.cfs_quota_us"), "50000");
            Map<String, String> seen = run("sh", "-c", "echo $$ > " + memoryGroup.resolve("cgroup.procs")
                    + " && echo $$ > " + cpuGroup.resolve("cgroup.procs") + " && exec " + printer);
            assertThat(seen).containsEntry("initialize", "1").containsEntry("memory_limit", "314572800")
                    .containsEntry("processors", "1");
        } finally {
            Files.delete(memoryGroup); // empty again: its one process has exited
            Files.delete(cpuGroup);
        }
    }

    /** A group of a made-up unified hierarchy under dir/root, with these controllers and limits. */
    private static Path unifiedGroup(Path dir, String controllers, String memoryMax, String cpuMax) throws IOException {
        Path group = Files.createDirectories(dir.resolve("root/kubepods/pod1"));
        Files.writeString(group.resolve("cgroup.controllers"), controllers + "\n");
        Files.writeString(group.resolve("memory.max"), memoryMax + "\n");
        Files.writeString(group.resolve("memory.swap.max"), "max\n");
        Files.writeString(group.resolve("cpu.max"), cpuMax + "\n");
        return group;
    }

    /** Runs the printer as a member of group only: its /proc/self/cgroup and mountinfo say so, nothing else does. */
    private static Map<String, String> inFakeCgroupV2(Path dir, Path group) throws Exception {
        Path cgroup = Files.writeString(dir.resolve("cgroup"), "0::/kubepods/pod1\n");
        Path mountinfo = Files.writeString(dir.resolve("mountinfo"),
                "99 31 0:50 / " + dir.resolve("root") + " rw,relatime - cgroup2 cgroup2 rw\n");
        assertThat(group).startsWith(dir.resolve("root"));
        return run("unshare", "-m", "sh", "-c", "mount --bind " + cgroup + " /proc/$$/cgroup && mount --bind "
                + mountinfo + " /proc/$$/mountinfo && exec " + printer);
    }

    private static Map<String, String> run(String... command) throws Exception {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        Map<String, String> values = new HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }
}
