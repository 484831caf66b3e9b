package io.runstream.nativetoolchain;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks the toolchain's CPU feature detection (liblibchelper.a) against the JVM's: JVMCI reports the host CPU's
 * features as HotSpot detected them, and the image builder turns a subset of those into the mask an image checks
 * at start. Every feature JVMCI names that the C struct also declares must be detected alike, or an image built
 * here could refuse to start here (a feature the C side misses) or use an instruction the CPU lacks (one it invents).
 *
 * <p>{@code java -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --add-exports ... CpuFeatureCheck <detector>}:
 * runs the C detector (which prints "name=0|1" for each struct member) and compares. Exit status 1 on a difference.
 */
public final class CpuFeatureCheck {

    public static void main(String[] args) throws Exception {
        Process p = new ProcessBuilder(args[0]).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(args[0] + " failed: " + out);
        }
        Set<String> declared = new TreeSet<>();
        Set<String> detected = new TreeSet<>();
        for (String line : out.split("\n")) {
            String[] kv = line.trim().split("=");
            if (kv.length == 2 && kv[0].startsWith("f")) {
                declared.add(kv[0].substring(1));
                if (kv[1].equals("1")) {
                    detected.add(kv[0].substring(1));
                }
            }
        }
        Set<String> jvm = jvmciHostFeatures();
        jvm.retainAll(declared);
        Set<String> missing = new TreeSet<>(jvm);
        missing.removeAll(detected);
        Set<String> extra = new TreeSet<>(detected);
        extra.removeAll(jvm);
        System.out.println("cpu features: " + detected.size() + " detected, the JVM agrees on " + (detected.size() - extra.size()));
        if (!missing.isEmpty() || !extra.isEmpty()) {
            System.out.println("the JVM has, the toolchain misses: " + missing);
            System.out.println("the toolchain has, the JVM does not: " + extra);
            System.exit(1);
        }
    }

    /** The names of JVMCI's host CPU features (AMD64.CPUFeature), read reflectively. */
    private static Set<String> jvmciHostFeatures() throws ReflectiveOperationException {
        Class<?> jvmci = Class.forName("jdk.vm.ci.runtime.JVMCI");
        Object runtime = jvmci.getMethod("getRuntime").invoke(null);
        Object backend = runtime.getClass().getMethod("getHostJVMCIBackend").invoke(runtime);
        Method getTarget = backend.getClass().getMethod("getTarget");
        getTarget.setAccessible(true);
        Object target = getTarget.invoke(backend);
        Object arch = target.getClass().getField("arch").get(target);
        Method features = arch.getClass().getMethod("getFeatures");
        Set<String> names = new TreeSet<>();
        for (Object f : (Iterable<?>) features.invoke(arch)) {
            names.add(f.toString());
        }
        return names;
    }
}
