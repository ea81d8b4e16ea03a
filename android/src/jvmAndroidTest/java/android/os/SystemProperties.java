package android.os;

/**
 * Test-only stand-in for the framework's {@code android.os.SystemProperties}, first on the
 * classpath of {@code scripts/test-android-jvm}: the real one reads the device's property area
 * through native methods, and {@code Build}'s static initialiser (reached from
 * {@code ConnectivityManager}) calls it. A 64-bit Android 16 device's few properties
 * {@code Build} cannot do without; every other property is unset (the caller's default).
 */
public final class SystemProperties {
    public static final int PROP_NAME_MAX = Integer.MAX_VALUE;
    public static final int PROP_VALUE_MAX = 91;

    private static final java.util.Map<String, String> DEVICE = java.util.Map.ofEntries(
        java.util.Map.entry("ro.product.cpu.abilist", "arm64-v8a"),
        java.util.Map.entry("ro.product.cpu.abilist64", "arm64-v8a"),
        java.util.Map.entry("ro.build.version.sdk", "36"),
        java.util.Map.entry("ro.build.version.sdk_full", "36.0"),
        java.util.Map.entry("ro.build.version.release", "16"),
        java.util.Map.entry("ro.build.version.release_or_codename", "16"),
        java.util.Map.entry("ro.build.version.codename", "REL"),
        java.util.Map.entry("ro.build.version.all_codenames", "REL"),
        java.util.Map.entry("ro.build.version.known_codenames", "Baklava"),
        java.util.Map.entry("ro.build.version.min_supported_target_sdk", "28"));

    private SystemProperties() {}

    public static String get(String key) { return DEVICE.getOrDefault(key, ""); }
    public static String get(String key, String def) { return DEVICE.getOrDefault(key, def); }
    public static int getInt(String key, int def) {
        String value = DEVICE.get(key);
        return value == null ? def : Integer.parseInt(value);
    }
    public static long getLong(String key, long def) {
        String value = DEVICE.get(key);
        return value == null ? def : Long.parseLong(value);
    }
    public static boolean getBoolean(String key, boolean def) { return def; }
    public static void set(String key, String val) {}
    public static void addChangeCallback(Runnable callback) {}
    public static void removeChangeCallback(Runnable callback) {}
}
