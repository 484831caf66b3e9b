package io.runstream.nativetoolchain;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import io.quarkus.deployment.pkg.steps.GraalVM;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The toolchain's native-image driver, on a home laid out as scripts/native-toolchain.sh lays it out, with an option
 * table of the builder's forms (a fixed value, a switch, a negated switch, a value after a space, a value right
 * after the name, a default, a transformer): what each command line becomes for the builder. The builder itself is
 * exercised by the native build of the apps.
 */
class NativeImageTest {

    /** Stands in for the builder's class-initialization transformer: "a,b" to "a:build_time,b:build_time". */
    public static final class BuildTime implements Function<Object, Object> {
        @Override
        public Object apply(Object value) {
            return String.join(",", Arrays.stream(value.toString().split(",")).map(v -> v + ":build_time").toList());
        }
    }

    private static final String N = ApiOptionTable.NONE;

    @TempDir
    Path dir;
    Path home;

    @BeforeEach
    void home() throws IOException {
        home = dir.resolve("home");
        Path driver = NativeImage.driverDir(home);
        Files.createDirectories(driver);
        Files.writeString(driver.resolve("toolchain.properties"), """
                toolchain.version=abc123
                vendor=Runstream
                graalvm.version=25.0.2
                java.version=25.0.3
                java.version.date=2026-04-21
                java.runtime.version=25.0.3+9-LTS
                builder.modules=svm-25.0.2.jar
                builder.upgrade=compiler-25.0.2.jar
                builder.module.names=org.graalvm.nativeimage.builder,jdk.graal.compiler
                """);
        Files.writeString(driver.resolve("api-options.tsv"), String.join("\n",
                row("no-fallback", "FallbackThreshold", "Default", "0", N, "=", N, "false"),
                row("silent", "BuildOutputSilent", "Default", N, N, "=", N, "true"),
                row("-dsa", "RuntimeSystemAssertions", "Negated", N, N, "=", N, "true"),
                row("-o", "Name", "Default", N, N, "space", N, "false"),
                row("-O", "Optimize", "Default", N, N, "none", N, "false"),
                row("link-at-build-time", "LinkAtBuildTime", "Default", N, "", "=", N, "false"),
                row("features", "Features", "Default", N, N, "=", N, "false"),
                row("initialize-at-build-time", "ClassInitialization", "Default", N, "", "=", BuildTime.class.getName(), "false"))
                + "\n");
    }

    private static String row(String... cols) {
        return String.join("\t", cols) + "\t" + N;
    }

    private List<String> plan(String... args) throws IOException {
        return new NativeImage(home).plan(new ArrayDeque<>(NativeImage.expandArgFiles(List.of(args))));
    }

    @Test
    void publicOptionsBecomeTheHostedOptionsTheyStandFor() throws IOException {
        List<String> command = plan("--no-fallback", "--silent", "-dsa", "-o", "app", "-O2", "--link-at-build-time",
                "--features=a.F,b.G", "--initialize-at-build-time=io.netty,org.x", "-cp", jar("plain.jar", null).toString(),
                "com.example.Main");
        assertThat(command).contains("-H:FallbackThreshold@user+api=0", "-H:+BuildOutputSilent@user+api",
                "-H:-RuntimeSystemAssertions@user+api", "-H:Name@user+api=app", "-H:Optimize@user+api=2",
                "-H:LinkAtBuildTime@user+api=", "-H:Features@user+api=a.F,b.G",
                "-H:ClassInitialization@user+api=io.netty:build_time,org.x:build_time", "-H:Class=com.example.Main");
        assertThat(command).doesNotContain("-H:Name=com.example.Main");
    }

    @Test
    void anUnknownOptionIsRefusedWithTheOnesThatAreKnown() {
        assertThatThrownBy(() -> plan("--no-such-option", "-cp", "x", "Main"))
                .isInstanceOf(NativeImage.UsageError.class)
                .hasMessageContaining("unknown option '--no-such-option'")
                .hasMessageContaining("--no-fallback").hasMessageContaining("--initialize-at-build-time");
        assertThatThrownBy(() -> plan("--no-fallback=1", "-cp", "x", "Main")).hasMessageContaining("takes no value");
        assertThatThrownBy(() -> plan("--silent=maybe", "-cp", "x", "Main")).hasMessageContaining("true or false");
        assertThatThrownBy(() -> plan("-o")).hasMessageContaining("needs a value");
    }

    @Test
    void jarModeTakesTheManifestsMainClassAndClassPathAndTheNameBeforeIt() throws IOException {
        Path lib = jar("lib/dep.jar", null);
        Path app = jar("app-runner.jar", new String[] {"com.example.Generated", "lib/dep.jar"});
        // an option whose name starts like -H:Class (ClassInitialization) must not count as the main class
        List<String> command = plan("--initialize-at-build-time=x", "my-image", "-jar", app.toString());
        assertThat(command).contains("-H:Class=com.example.Generated", "-H:Name=my-image",
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED");
        assertThat(command.get(command.indexOf("-imagecp") + 1)).isEqualTo(app + ":" + lib);
    }

    @Test
    void argsOfNativeImagePropertiesAreTranslatedWithTheirJarAsOrigin() throws IOException {
        Path dep = jar("dep.jar", null, "META-INF/native-image/org.dep/dep/native-image.properties",
                "Args = --initialize-at-build-time=org.dep \\\n  -H:+SomeBuilderSwitch\nJavaArgs = -Dfrom.dep=1\n");
        List<String> command = plan("-cp", dep.toString(), "Main");
        String origin = "jar:" + dep.toUri() + "!/META-INF/native-image/org.dep/dep/native-image.properties";
        assertThat(command).contains("-H:ClassInitialization@" + origin + "=org.dep:build_time", "-H:+SomeBuilderSwitch",
                "-Dfrom.dep=1");
    }

    @Test
    void configFilesAreNamedOneByOneAndExcludeConfigLeavesOutWhatItMatches() throws IOException {
        Path codec = jar("io.netty.netty-codec-4.1.jar", null,
                "META-INF/native-image/io.netty/netty-codec/generated/handlers/reflect-config.json", "[]",
                "META-INF/native-image/io.netty/netty-codec/resource-config.json", "{}");
        List<String> all = plan("-cp", codec.toString(), "Main");
        assertThat(all).anyMatch(a -> a.startsWith("-H:ReflectionConfigurationResources@")
                && a.endsWith("=META-INF/native-image/io.netty/netty-codec/generated/handlers/reflect-config.json"));
        List<String> excluded = plan("--exclude-config", "io\\.netty\\.netty-codec",
                "/META-INF/native-image/io\\.netty/netty-codec/generated/handlers/reflect-config\\.json",
                "-cp", codec.toString(), "Main");
        assertThat(excluded).noneMatch(a -> a.startsWith("-H:ReflectionConfigurationResources"));
        assertThat(excluded).anyMatch(a -> a.startsWith("-H:ResourceConfigurationResources@")
                && a.endsWith("=META-INF/native-image/io.netty/netty-codec/resource-config.json"));
    }

    @Test
    void argFilesAreExpandedAndJvmOptionsGoToTheBuildersJvm() throws IOException {
        Path args = dir.resolve("args.txt");
        Files.writeString(args, "-J-Xmx3g\n--no-fallback\n");
        List<String> command = plan("@" + args, "-cp", jar("x.jar", null).toString(), "Main");
        assertThat(command).contains("-Xmx3g", "-H:FallbackThreshold@user+api=0");
        assertThat(command).noneMatch(a -> a.startsWith("-Xmx") && !a.equals("-Xmx3g"));
        // the builder stops by itself when the driver is gone: it watches a file that lives exactly as long
        assertThat(command.get(command.indexOf("-keepalive") + 1)).isEqualTo("/proc/" + ProcessHandle.current().pid() + "/cmdline");
    }

    @Test
    void quarkusReadsTheVersionAsGraalVmOnThisJdk() throws IOException {
        String text = new NativeImage(home).versionText();
        GraalVM.Version version = GraalVM.Version.of(text.lines());
        assertThat(version.getVersionAsString()).isEqualTo("25.0.2");
        assertThat(version.toString()).contains("javaVersion=25.0.3+9-jvmci-25.0.2");
        assertThat(text).contains("Runstream-native-toolchain-abc123");
    }

    @Test
    void quarkusReadsTheImagesVendorVersionAtRunTime() throws IOException {
        List<String> command = plan("-cp", jar("x.jar", null).toString(), "Main");
        String property = command.stream().filter(a -> a.startsWith("-Dorg.graalvm.vendorversion=")).findFirst().orElseThrow();
        String previous = System.getProperty("org.graalvm.vendorversion");
        try {
            System.setProperty("org.graalvm.vendorversion", property.substring(property.indexOf('=') + 1));
            var current = io.quarkus.runtime.graal.GraalVM.Version.getCurrent();
            assertThat(current.toString()).contains("distribution=GRAALVM").contains("javaVersion=25.0.3");
            assertThat(current.getVersionAsString()).startsWith("25.");
        } finally {
            if (previous == null) {
                System.clearProperty("org.graalvm.vendorversion");
            } else {
                System.setProperty("org.graalvm.vendorversion", previous);
            }
        }
    }

    /** A jar at dir/name with an optional [Main-Class, Class-Path] manifest and (path, content) entries. */
    private Path jar(String name, String[] manifestValues, String... entries) throws IOException {
        Path jar = dir.resolve(name);
        Files.createDirectories(jar.getParent());
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (manifestValues != null) {
            manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, manifestValues[0]);
            manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, manifestValues[1]);
            manifest.getMainAttributes().putValue("Add-Opens", "java.base/java.lang java.base/java.nio");
        }
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (int i = 0; i < entries.length; i += 2) {
                out.putNextEntry(new JarEntry(entries[i]));
                out.write(entries[i + 1].getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }
}
