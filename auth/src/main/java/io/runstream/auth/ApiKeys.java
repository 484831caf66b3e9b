package io.runstream.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The form of an API key: {@code rsk_<prefix>_<secret>}, where the prefix (12 hex digits, random) is what lists and
 * logs show to recognise a key, and the secret is 32 random bytes (256 bits) in base64url. Only the key's SHA-256
 * is stored: a key of that entropy needs no slow hash, and a leaked table gives no key. Plain Java, shared by the
 * api (its {@code /api/keys}) and {@code runstream-migrate create-key} (the first key of a tenant).
 */
public final class ApiKeys {

    private static final Pattern FORM = Pattern.compile("rsk_([0-9a-f]{12})_[A-Za-z0-9_-]{43}");

    /** What a tenant's name may be. */
    public static final String TENANT_RULE = "1 to 63 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit";
    private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    /** What a key's name may be. */
    public static final String NAME_RULE = "1 to 100 characters, none of them a control character";
    private static final Pattern NAME = Pattern.compile("[^\\p{Cntrl}]{1,100}");

    private ApiKeys() {
    }

    public static boolean isTenant(String tenant) {
        return tenant != null && TENANT.matcher(tenant).matches();
    }

    public static boolean isName(String name) {
        return name != null && !name.isBlank() && NAME.matcher(name).matches();
    }

    /** A new key: shown once to whoever created it; {@link #hash} is what is kept. */
    public record NewKey(String key, String prefix, byte[] hash) {
    }

    public static NewKey generate() {
        byte[] id = new byte[6];
        byte[] secret = new byte[32];
        // made per key, not held in a static field: a native image would otherwise carry a seeded generator
        SecureRandom random = new SecureRandom();
        random.nextBytes(id);
        random.nextBytes(secret);
        String prefix = HexFormat.of().formatHex(id);
        String key = "rsk_" + prefix + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new NewKey(key, prefix, hash(key));
    }

    /** The prefix of {@code presented}, or null when it does not have the form of a key. */
    public static String prefixOf(String presented) {
        if (presented == null || presented.length() != 4 + 12 + 1 + 43) {
            return null;
        }
        Matcher matcher = FORM.matcher(presented);
        return matcher.matches() ? matcher.group(1) : null;
    }

    /** SHA-256 of {@code key}. */
    public static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Whether {@code presented} is the key whose hash is {@code stored}, in time that does not depend on where they differ. */
    public static boolean matches(String presented, byte[] stored) {
        return MessageDigest.isEqual(hash(presented), stored);
    }
}
