package io.runstream.nativetoolchain;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code native-image} for Runstream's native toolchain: turns the command line a build tool (Quarkus, or a person)
 * gives into one invocation of GraalVM's image builder, {@code com.oracle.svm.hosted.NativeImageGeneratorRunner},
 * running on the toolchain's JDK with the builder jars from Maven Central as modules.
 *
 * <p>What it does, in order: expands {@code @argfiles}; reads its own options ({@code -J}, {@code -D}, {@code -cp},
 * {@code -jar}, {@code --exclude-config}, {@code --dry-run}, {@code --verbose}, {@code --version}); translates every
 * public builder option through the table of the builder's {@code @APIOption}s ({@link ApiOptionTable}) into the
 * {@code -H:} option it stands for, with its origin; passes {@code -H:} and {@code -R:} options as they are; reads
 * each class-path entry's {@code META-INF/native-image/**}: the {@code Args} and {@code JavaArgs} of its
 * {@code native-image.properties} (translated the same way, with the file as their origin) and its configuration
 * files, named to the builder one by one so that {@code --exclude-config} can leave any of them out; and starts the
 * builder, which stops by itself if this process dies ({@code -keepalive} on a file that exists exactly as long as
 * this process does). An option it does not know is refused, with the list of those it does.
 */
public final class NativeImage {

    /** A command-line mistake: reported in one line, exit status 2. */
    static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }

    /** One row of the API option table. */
    record ApiOption(String name, String hostedOption, boolean negated, String fixedValue, String defaultValue,
            Set<String> separators, String transformer, boolean booleanOption, String deprecated) {
    }

    private static final String NONE = ApiOptionTable.NONE;
    private static final String BUILDER_MODULE = "org.graalvm.nativeimage.builder";
    private static final String GENERATOR = "com.oracle.svm.hosted.NativeImageGeneratorRunner";
    private static final String ORIGIN_COMMAND_LINE = "user+api";

    /** Configuration files in META-INF/native-image directories, and the builder option that names each. */
    private static final Map<String, String> CONFIG_FILES = Map.of(
            "reflect-config.json", "ReflectionConfigurationResources",
            "proxy-config.json", "DynamicProxyConfigurationResources",
            "serialization-config.json", "SerializationConfigurationResources",
            "resource-config.json", "ResourceConfigurationResources",
            "jni-config.json", "JNIConfigurationResources",
            "reachability-metadata.json", "ReachabilityMetadataResources",
            "predefined-classes-config.json", "PredefinedClassesConfigurationResources");

    private final Path home;
    private final Properties toolchain;
    private final Map<String, ApiOption> apiOptions;
    private URLClassLoader builderLoader;

    private final List<String> builderJavaArgs = new ArrayList<>();
    private final List<String> builderArgs = new ArrayList<>();
    private final LinkedHashSet<Path> imageClassPath = new LinkedHashSet<>();
    private final List<Pattern[]> excludedConfig = new ArrayList<>();
    private final List<String> positional = new ArrayList<>();
    private Path jar;
    private String mainClass;
    private String imageName;
    private boolean dryRun;
    private boolean verbose;

    NativeImage(Path home) throws IOException {
        this.home = home;
        this.toolchain = new Properties();
        try (InputStream in = Files.newInputStream(driverDir(home).resolve("toolchain.properties"))) {
            toolchain.load(in);
        }
        this.apiOptions = readApiOptions(driverDir(home).resolve("api-options.tsv"));
    }

    public static void main(String[] args) {
        String homeProperty = System.getProperty("runstream.native.home");
        if (homeProperty == null) {
            System.err.println("native-image: started without -Drunstream.native.home; use the toolchain's bin/native-image");
            System.exit(2);
        }
        try {
            System.exit(new NativeImage(Path.of(homeProperty)).run(List.of(args)));
        } catch (UsageError e) {
            System.err.println("native-image: " + e.getMessage());
            System.exit(2);
        } catch (IOException | InterruptedException e) {
            System.err.println("native-image: " + e);
            System.exit(1);
        }
    }

    static Path driverDir(Path home) {
        return home.resolve("lib/svm/driver");
    }

    int run(List<String> args) throws IOException, InterruptedException {
        Deque<String> queue = new ArrayDeque<>(expandArgFiles(args));
        if (queue.contains("--version")) {
            System.out.print(versionText());
            return 0;
        }
        if (queue.contains("--help") || queue.contains("-h")) {
            System.out.print(usage());
            return 0;
        }
        List<String> command = plan(queue);
        if (dryRun || verbose) {
            System.out.println(String.join(" \\\n  ", command));
        }
        if (dryRun) {
            return 0;
        }
        return startBuilder(command);
    }

    /** The builder's command for these arguments (after --version and --help are answered). */
    List<String> plan(Deque<String> queue) throws IOException {
        while (!queue.isEmpty()) {
            commandLineOption(queue);
        }
        resolveImage();
        for (Path entry : List.copyOf(imageClassPath)) {
            readMetaInf(entry);
        }
        return command();
    }

    // ---- the command line ----

    private void commandLineOption(Deque<String> queue) {
        String arg = queue.poll();
        if (arg.startsWith("-J")) {
            builderJavaArgs.add(arg.substring(2));
        } else if (arg.startsWith("-H:") || arg.startsWith("-R:")) {
            builderArgs.add(arg);
        } else if (arg.startsWith("-D") && arg.length() > 2) {
            builderJavaArgs.add(arg);
        } else if (arg.equals("-cp") || arg.equals("-classpath") || arg.equals("--class-path")) {
            for (String entry : required(queue, arg).split(":")) {
                if (!entry.isEmpty()) {
                    imageClassPath.add(Path.of(entry).toAbsolutePath().normalize());
                }
            }
        } else if (arg.equals("-jar")) {
            jar = Path.of(required(queue, arg)).toAbsolutePath().normalize();
        } else if (arg.equals("--exclude-config")) {
            Pattern jarPattern = Pattern.compile(required(queue, arg));
            Pattern resourcePattern = Pattern.compile(required(queue, arg));
            excludedConfig.add(new Pattern[] {jarPattern, resourcePattern});
        } else if (arg.equals("--dry-run")) {
            dryRun = true;
        } else if (arg.equals("--verbose")) {
            verbose = true;
        } else if (arg.startsWith("-")) {
            builderArgs.addAll(apiOption(arg, queue, ORIGIN_COMMAND_LINE));
        } else {
            positional.add(arg);
        }
    }

    private static String required(Deque<String> queue, String option) {
        String value = queue.poll();
        if (value == null) {
            throw new UsageError(option + " needs a value");
        }
        return value;
    }

    /** Translates one public builder option (and its value, if separate) into the -H: option it stands for. */
    List<String> apiOption(String arg, Deque<String> queue, String origin) {
        String body = arg.startsWith("--") ? arg.substring(2) : arg; // single-dash names (-o, -march) keep their dash
        String name = body;
        String value = null;
        ApiOption option = apiOptions.get(body);
        if (option == null) {
            int eq = body.indexOf('=');
            if (eq > 0 && apiOptions.containsKey(body.substring(0, eq))) {
                name = body.substring(0, eq);
                value = body.substring(eq + 1);
                option = apiOptions.get(name);
                if (!option.separators().contains("=")) {
                    throw new UsageError(arg + ": " + display(name) + " takes no '=' value");
                }
            } else {
                for (ApiOption candidate : apiOptions.values()) {
                    if (candidate.separators().contains("none") && body.startsWith(candidate.name())
                            && body.length() > candidate.name().length()) {
                        option = candidate; // -O2: the value follows the name directly
                        name = candidate.name();
                        value = body.substring(candidate.name().length());
                    }
                }
            }
        }
        if (option == null) {
            throw new UsageError("unknown option '" + arg + "'. This toolchain's native-image takes -J<jvm option>, "
                    + "-H:<builder option>, -R:<runtime option>, -D<property>=<value>, -cp, -jar, --exclude-config, "
                    + "--dry-run, --verbose, --version, --help, and these builder options: "
                    + apiOptions.keySet().stream().map(NativeImage::display).collect(Collectors.joining(" ")));
        }
        if (value == null && option.separators().contains("space") && !option.booleanOption()
                && option.fixedValue().equals(NONE) && option.defaultValue().equals(NONE)) {
            value = required(queue, arg);
        }
        if (!option.deprecated().equals(NONE)) {
            System.err.println("native-image: warning: " + display(name) + " is deprecated: " + option.deprecated());
        }
        String at = "@" + origin;
        if (option.booleanOption()) {
            if (value != null && !value.equals("true") && !value.equals("false")) {
                throw new UsageError(arg + ": " + display(name) + " is a switch; its value can only be true or false");
            }
            boolean on = (value == null || value.equals("true")) != option.negated();
            return List.of("-H:" + (on ? "+" : "-") + option.hostedOption() + at);
        }
        if (!option.fixedValue().equals(NONE)) {
            if (value != null) {
                throw new UsageError(arg + ": " + display(name) + " takes no value");
            }
            value = option.fixedValue();
        } else if (value == null) {
            if (option.defaultValue().equals(NONE)) {
                throw new UsageError(display(name) + " needs a value");
            }
            value = option.defaultValue();
        }
        if (!option.transformer().equals(NONE)) {
            value = transform(option.transformer(), value);
        }
        return List.of("-H:" + option.hostedOption() + at + "=" + value);
    }

    private static String display(String apiName) {
        return apiName.startsWith("-") ? apiName : "--" + apiName;
    }

    /** Applies the builder's own value transformer (e.g. "a,b" to "a:build_time,b:build_time"). */
    @SuppressWarnings("unchecked")
    private String transform(String transformerClass, String value) {
        try {
            if (builderLoader == null) {
                List<URL> urls = new ArrayList<>();
                for (Path p : builderJars()) {
                    urls.add(p.toUri().toURL());
                }
                builderLoader = new URLClassLoader(urls.toArray(URL[]::new), NativeImage.class.getClassLoader());
            }
            var constructor = Class.forName(transformerClass, true, builderLoader).getDeclaredConstructor();
            constructor.setAccessible(true);
            return String.valueOf(((Function<Object, Object>) constructor.newInstance()).apply(value));
        } catch (ReflectiveOperationException | IOException e) {
            throw new IllegalStateException("the builder's option transformer " + transformerClass + " failed", e);
        }
    }

    private void resolveImage() throws IOException {
        if (jar != null) {
            imageClassPath.add(jar);
            try (JarFile file = new JarFile(jar.toFile())) {
                var manifest = file.getManifest();
                Attributes main = manifest == null ? new Attributes() : manifest.getMainAttributes();
                mainClass = main.getValue(Attributes.Name.MAIN_CLASS);
                // as `java -jar` does: the jar's Add-Opens / Add-Exports apply to its code, which the builder runs
                for (String[] access : new String[][] {{"Add-Opens", "--add-opens="}, {"Add-Exports", "--add-exports="}}) {
                    String packages = main.getValue(access[0]);
                    if (packages != null) {
                        for (String modulePackage : packages.trim().split("\\s+")) {
                            builderJavaArgs.add(access[1] + modulePackage + "=ALL-UNNAMED");
                        }
                    }
                }
                String classPath = main.getValue(Attributes.Name.CLASS_PATH);
                if (classPath != null) {
                    for (String entry : classPath.trim().split("\\s+")) {
                        imageClassPath.add(jar.getParent().resolve(entry).normalize());
                    }
                }
            }
            if (mainClass == null) {
                throw new UsageError(jar + " has no Main-Class in its manifest");
            }
            if (positional.size() > 1) {
                throw new UsageError("with -jar, only the image name may follow: " + positional);
            }
            if (!positional.isEmpty()) {
                imageName = positional.get(0);
            }
        } else if (!positional.isEmpty()) {
            mainClass = positional.get(0);
            if (positional.size() > 2) {
                throw new UsageError("expected [main class [image name]], got " + positional);
            }
            if (positional.size() == 2) {
                imageName = positional.get(1);
            }
        }
        for (Path entry : imageClassPath) {
            if (!Files.exists(entry)) {
                throw new UsageError("class path entry " + entry + " does not exist");
            }
        }
        if (imageName == null && jar != null) {
            imageName = jar.getFileName().toString().replaceFirst("\\.jar$", "");
        }
    }

    // ---- META-INF/native-image of each class-path entry ----

    private void readMetaInf(Path entry) throws IOException {
        Map<String, byte[]> files = new HashMap<>();
        String uriBase;
        if (Files.isDirectory(entry)) {
            uriBase = entry.toUri().toString();
            Path root = entry.resolve("META-INF/native-image");
            if (Files.isDirectory(root)) {
                try (Stream<Path> walk = Files.walk(root)) {
                    for (Path p : walk.filter(Files::isRegularFile).toList()) {
                        files.put(entry.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
                    }
                }
            }
        } else {
            uriBase = "jar:" + entry.toUri() + "!/";
            try (JarFile file = new JarFile(entry.toFile())) {
                for (JarEntry e : file.stream().toList()) {
                    if (!e.isDirectory() && e.getName().startsWith("META-INF/native-image/")) {
                        try (InputStream in = file.getInputStream(e)) {
                            files.put(e.getName(), in.readAllBytes());
                        }
                    }
                }
            }
        }
        for (String resource : new TreeSet<>(files.keySet())) {
            if (excluded(entry, resource)) {
                continue;
            }
            String fileName = resource.substring(resource.lastIndexOf('/') + 1);
            String origin = uriBase + resource;
            if (fileName.equals("native-image.properties")) {
                nativeImageProperties(new String(files.get(resource), StandardCharsets.UTF_8),
                        origin, Files.isDirectory(entry) ? entry.resolve(resource).getParent() : null);
            } else if (CONFIG_FILES.containsKey(fileName)) {
                builderArgs.add("-H:" + CONFIG_FILES.get(fileName) + "@" + origin + "=" + resource);
            }
        }
    }

    private boolean excluded(Path entry, String resource) {
        for (Pattern[] rule : excludedConfig) {
            if (rule[0].matcher(entry.toString()).find() && rule[1].matcher("/" + resource).matches()) {
                return true;
            }
        }
        return false;
    }

    private void nativeImageProperties(String text, String origin, Path directory) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        for (String key : p.stringPropertyNames()) {
            if (!Set.of("Args", "JavaArgs", "ImageName", "ImageClass").contains(key)) {
                throw new UsageError(origin + ": unknown key '" + key + "' (known: Args, JavaArgs, ImageName, ImageClass)");
            }
        }
        if (imageName == null && p.getProperty("ImageName") != null) {
            imageName = p.getProperty("ImageName").trim();
        }
        if (mainClass == null && p.getProperty("ImageClass") != null) {
            mainClass = p.getProperty("ImageClass").trim();
        }
        for (String javaArg : tokens(p.getProperty("JavaArgs", ""), origin, directory)) {
            builderJavaArgs.add(javaArg);
        }
        Deque<String> args = new ArrayDeque<>(tokens(p.getProperty("Args", ""), origin, directory));
        while (!args.isEmpty()) {
            String arg = args.poll();
            if (arg.startsWith("-H:") || arg.startsWith("-R:")) {
                builderArgs.add(arg);
            } else if (arg.startsWith("-J")) {
                builderJavaArgs.add(arg.substring(2));
            } else if (arg.startsWith("-")) {
                builderArgs.addAll(apiOption(arg, args, origin));
            } else {
                throw new UsageError(origin + ": unexpected argument '" + arg + "' in Args");
            }
        }
    }

    private static List<String> tokens(String value, String origin, Path directory) {
        List<String> out = new ArrayList<>();
        for (String token : value.trim().split("\\s+")) {
            if (token.isEmpty()) {
                continue;
            }
            if (token.contains("${.}")) {
                if (directory == null) {
                    throw new UsageError(origin + ": ${.} (the file's directory) has no meaning inside a jar");
                }
                token = token.replace("${.}", directory.toString());
            }
            if (token.contains("${")) {
                throw new UsageError(origin + ": unsupported substitution in '" + token + "'");
            }
            out.add(token);
        }
        return out;
    }

    // ---- the builder's command ----

    List<String> command() throws IOException {
        if (mainClass == null && builderArgs.stream().noneMatch(a -> a.startsWith("-H:+SharedLibrary"))) {
            throw new UsageError("no main class: give -jar <jar>, a main class, or -H:Class=");
        }
        List<String> c = new ArrayList<>();
        c.add(home.resolve("bin/java").toString());
        c.add("-XX:+UnlockExperimentalVMOptions");
        c.add("-XX:+EnableJVMCI");
        c.add("-XX:-UseJVMCICompiler"); // no libgraal here: the builder JVM itself is compiled by C2
        c.add("-Xss10m");
        c.add("-XX:+UseParallelGC");
        if (builderJavaArgs.stream().noneMatch(a -> a.startsWith("-Xmx") || a.contains("MaxRAM"))) {
            c.add("-Xmx" + defaultHeapMiB() + "m");
        }
        c.add("-Dorg.graalvm.nativeimage.imagecode=buildtime");
        c.add("-Djava.system.class.loader=com.oracle.svm.hosted.NativeImageSystemClassLoader");
        c.add("-Djdk.internal.lambda.disableEagerInitialization=true");
        c.add("-Dorg.graalvm.version=" + toolchain.getProperty("graalvm.version"));
        c.add("-Dorg.graalvm.vendor=" + toolchain.getProperty("vendor"));
        // What the image reports as its VM's vendor version (java.vendor.version); Quarkus parses it at run time
        // and knows GraalVM CE's form, "GraalVM CE <JDK version>+<build>": the builder is GraalVM CE's, on this JDK.
        c.add("-Dorg.graalvm.vendorversion=GraalVM CE " + toolchain.getProperty("java.runtime.version").replaceFirst("-.*$", "")
                + " " + vendorVersion());
        c.add("-Dcom.oracle.graalvm.isaot=false");
        c.add("-Dfile.encoding=UTF-8");
        c.add("-Djava.awt.headless=true");
        c.add("--enable-native-access=" + BUILDER_MODULE + ",org.graalvm.truffle.compiler,ALL-UNNAMED");
        c.add("--add-opens=java.base/java.lang=" + BUILDER_MODULE);
        c.addAll(addExports());
        c.add("--add-modules=" + String.join(",", systemModules()));
        c.addAll(builderJavaArgs);
        c.add("--module-path");
        c.add(join(paths("builder.modules")));
        c.add("--upgrade-module-path");
        c.add(join(paths("builder.upgrade")));
        c.add("--module");
        c.add(BUILDER_MODULE + "/" + GENERATOR);
        c.add("-keepalive");
        c.add("/proc/" + ProcessHandle.current().pid() + "/cmdline"); // exists, unchanged, exactly while we run
        c.add("-imagecp");
        c.add(imageClassPath.stream().map(Path::toString).collect(Collectors.joining(":")));
        c.add("-H:CLibraryPath=" + home.resolve("lib/svm/clibraries/linux-amd64"));
        c.add("-H:ImageBuildID=" + UUID.randomUUID());
        if (!setsOption("Path")) {
            c.add("-H:Path=" + Path.of("").toAbsolutePath());
        }
        if (mainClass != null && !setsOption("Class")) {
            c.add("-H:Class=" + mainClass);
        }
        if (imageName != null && !setsOption("Name")) {
            c.add("-H:Name=" + imageName);
        }
        c.addAll(builderArgs);
        return c;
    }

    /** Whether the builder arguments already set the hosted option {@code name} (-H:Name=, -H:Name@origin=). */
    private boolean setsOption(String name) {
        return builderArgs.stream().anyMatch(a -> a.startsWith("-H:" + name + "=") || a.startsWith("-H:" + name + "@"));
    }

    /** --add-exports of every package the JDK's modules do not export, to the builder's modules. */
    private List<String> addExports() {
        String to = String.join(",", toolchain.getProperty("builder.module.names").split(",")) + ",ALL-UNNAMED";
        List<String> out = new ArrayList<>();
        for (ModuleReference ref : ModuleFinder.ofSystem().findAll()) {
            ModuleDescriptor d = ref.descriptor();
            if (upgraded(d.name())) {
                continue;
            }
            for (String pkg : new TreeSet<>(d.packages())) {
                boolean exported = d.exports().stream().anyMatch(e -> e.source().equals(pkg) && !e.isQualified());
                if (!exported) {
                    out.add("--add-exports=" + d.name() + "/" + pkg + "=" + to);
                }
            }
        }
        return out;
    }

    /** The JDK's modules the image may use: all of them but incubators and the JDK's own Graal (upgraded). */
    private List<String> systemModules() {
        return ModuleFinder.ofSystem().findAll().stream().map(r -> r.descriptor().name())
                .filter(n -> !n.startsWith("jdk.incubator.") && !upgraded(n)).sorted().toList();
    }

    private static boolean upgraded(String module) {
        return module.startsWith("jdk.graal.compiler");
    }

    private List<Path> paths(String key) {
        List<Path> out = new ArrayList<>();
        for (String name : toolchain.getProperty(key).split(",")) {
            out.add(home.resolve("lib/svm/builder").resolve(name));
        }
        return out;
    }

    private List<Path> builderJars() {
        List<Path> all = new ArrayList<>(paths("builder.modules"));
        all.addAll(paths("builder.upgrade"));
        return all;
    }

    private static String join(List<Path> paths) {
        return paths.stream().map(Path::toString).collect(Collectors.joining(":"));
    }

    /**
     * The builder's heap when the caller sets none: 60 % of the memory available now (the cgroup's limit, if lower),
     * at least 1 GiB and at most 14 GiB. The builder needs 1-2.5 GB for a Quarkus service.
     */
    static long defaultHeapMiB() {
        long available = MemoryInfo.availableBytes();
        long mib = (long) (available * 0.6) >> 20;
        return Math.max(1024, Math.min(mib, 14 * 1024));
    }

    private int startBuilder(List<String> command) throws IOException, InterruptedException {
        Process builder = new ProcessBuilder(command).inheritIO().start();
        Thread stopBuilder = new Thread(() -> {
            builder.destroy();
            try {
                if (!builder.waitFor(10, TimeUnit.SECONDS)) {
                    builder.destroyForcibly();
                }
            } catch (InterruptedException e) {
                builder.destroyForcibly();
            }
        }, "native-image builder stop");
        Runtime.getRuntime().addShutdownHook(stopBuilder);
        int status = builder.waitFor();
        try {
            Runtime.getRuntime().removeShutdownHook(stopBuilder);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
        return status;
    }

    // ---- --version, --help, the option table ----

    /** What `native-image --version` prints, in the three-line form build tools parse. */
    String versionText() {
        String java = toolchain.getProperty("java.runtime.version"); // e.g. 25.0.3+9-LTS
        String build = java.replaceFirst("-.*$", "") + "-jvmci-" + toolchain.getProperty("graalvm.version");
        String vendor = vendorVersion();
        return "native-image " + toolchain.getProperty("java.version") + " " + toolchain.getProperty("java.version.date") + "\n"
                + "OpenJDK Runtime Environment " + vendor + " (build " + build + ")\n"
                + "Substrate VM " + vendor + " (build " + build + ", serial gc)\n";
    }

    private String vendorVersion() {
        return "Runstream-native-toolchain-" + toolchain.getProperty("toolchain.version");
    }

    private static String usage() {
        return """
                Usage: native-image [options] -jar <jar> [image name]
                       native-image [options] -cp <class path> <main class> [image name]

                Runstream's native toolchain: GraalVM's image builder from Maven Central, driven by this command.
                  -J<option>            an option of the builder's JVM (e.g. -J-Xmx4g)
                  -H:<option>           a builder option, passed as it is
                  -R:<option>           a runtime option of the image, passed as it is
                  -D<name>=<value>      a system property of the builder
                  --exclude-config <jar regex> <resource regex>
                                        ignore META-INF/native-image files of matching class-path entries
                  --dry-run             print the builder's command and stop
                  --verbose             print the builder's command, then build
                  --version             the toolchain's version, as build tools parse it
                Every public builder option (--no-fallback, --initialize-at-build-time=..., -march=..., and the rest
                this builder version declares) is accepted; anything else is refused.
                """;
    }

    static Map<String, ApiOption> readApiOptions(Path tsv) throws IOException {
        Map<String, ApiOption> out = new HashMap<>();
        for (String line : Files.readAllLines(tsv)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] c = line.split("\t", -1);
            if (c.length != 9) {
                throw new IllegalStateException(tsv + ": malformed line: " + line);
            }
            Set<String> separators = c[5].equals(NONE) ? Set.of() : Set.of(c[5].split(","));
            out.put(c[0], new ApiOption(c[0], c[1], c[2].equals("Negated"), c[3], c[4], separators, c[6],
                    Boolean.parseBoolean(c[7]), c[8]));
        }
        return out;
    }

    /** @argfile expansion, one argument per line (the form Quarkus and javac write). */
    static List<String> expandArgFiles(List<String> args) throws IOException {
        List<String> out = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("@") && arg.length() > 1) {
                for (String line : Files.readAllLines(Path.of(arg.substring(1)))) {
                    if (!line.isBlank()) {
                        out.add(line.strip());
                    }
                }
            } else {
                out.add(arg);
            }
        }
        return out;
    }
}
