package io.runstream.local;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's configuration table against the {@code @ConfigMapping} interfaces it documents, so the table cannot
 * drift from the code: every setting of a mapping as its environment variable with its default, and rows only for
 * settings that exist. Tests of each app compare {@link #settings} of its mappings with {@link #readme} rows.
 */
public final class ConfigTable {

    /** A row: {@code | `VARIABLE` | `default` | meaning |}. */
    private static final Pattern ROW = Pattern.compile("^\\| `([A-Z0-9_]+)` \\| `?([^`|]*?)`? \\|", Pattern.MULTILINE);

    private ConfigTable() {
    }

    /**
     * The settings of {@code mapping} as environment variable → default ({@code "none"} for an optional setting
     * without one); per-name maps (e.g. per-pipeline overrides) are left out, the table describes them in words.
     */
    public static Map<String, String> settings(Class<?> mapping) {
        String prefix = mapping.getAnnotation(ConfigMapping.class).prefix();
        Map<String, String> out = new TreeMap<>();
        collect(mapping, prefix, out);
        return out;
    }

    private static void collect(Class<?> type, String path, Map<String, String> out) {
        Method[] methods = type.getMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        for (Method method : methods) {
            if (method.isDefault() || method.getParameterCount() > 0 || method.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = path + "." + kebab(method.getName());
            Class<?> returned = method.getReturnType();
            if (returned == Map.class) {
                continue;
            }
            if (returned.isInterface() && returned.getName().startsWith("io.runstream")) {
                collect(returned, name, out);
                continue;
            }
            WithDefault value = method.getAnnotation(WithDefault.class);
            boolean optional = returned == Optional.class
                    || method.getGenericReturnType() instanceof ParameterizedType p && p.getRawType() == Optional.class;
            out.put(env(name), value != null ? value.value() : optional ? "none" : "required");
        }
    }

    /** The rows of the table in {@code readme} whose variable starts with {@code prefix}, as variable → default. */
    public static Map<String, String> readme(Path readme, String prefix) throws IOException {
        Map<String, String> rows = new LinkedHashMap<>();
        Matcher m = ROW.matcher(Files.readString(readme));
        while (m.find()) {
            if (m.group(1).startsWith(prefix)) {
                rows.put(m.group(1), m.group(2).trim());
            }
        }
        return rows;
    }

    /** {@code runstream.api.sse.keep-alive} → {@code RUNSTREAM_API_SSE_KEEP_ALIVE}. */
    static String env(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
