package android.system;

/**
 * Test-only stand-in for the framework's {@code android.system.Os} (libcore's system calls,
 * native on a device), first on the classpath of {@code scripts/test-android-jvm}:
 * {@code NetworkRequest.Builder} asks {@code Process.myUid()}, which asks this. An app's uid.
 */
public final class Os {
    private Os() {}

    public static int getuid() { return 10_123; }
    public static int getgid() { return 10_123; }
    public static int getpid() { return (int) ProcessHandle.current().pid(); }
    public static int gettid() { return (int) Thread.currentThread().getId(); }
}
