package dalvik.system;

/**
 * Test-only stand-in for ART's {@code dalvik.system.VMRuntime}, first on the classpath of
 * {@code scripts/test-android-jvm}: {@code Build}'s static initialiser asks it (through
 * {@code Process.is64Bit}) whether the runtime is 64-bit, and the framework's array-backed
 * collections ({@code SparseIntArray}, filled by {@code ConnectivityManager}'s) allocate through
 * it: native methods on a device.
 */
public final class VMRuntime {
    private static final VMRuntime RUNTIME = new VMRuntime();

    private VMRuntime() {}

    public static VMRuntime getRuntime() { return RUNTIME; }

    public boolean is64Bit() { return true; }

    public Object newUnpaddedArray(Class<?> componentType, int minLength) {
        return java.lang.reflect.Array.newInstance(componentType, minLength);
    }

    public Object newNonMovableArray(Class<?> componentType, int length) {
        return java.lang.reflect.Array.newInstance(componentType, length);
    }
}
