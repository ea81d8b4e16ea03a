package android.util;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Test-only stand-in for the framework's {@code android.util.Log}, first on the classpath of
 * {@code scripts/test-android-jvm}: the real one is backed by native methods that exist only on
 * a device, and framework classes call it from their static initialisers (e.g.
 * {@code ConnectivityManager}). Lines go to stderr; nothing here is packaged.
 */
public final class Log {
    private Log() {}

    public static boolean isLoggable(String tag, int level) { return false; }

    public static int println(int priority, String tag, String msg) {
        System.err.println(priority + "/" + tag + ": " + msg);
        return 0;
    }

    public static int v(String tag, String msg) { return println(2, tag, msg); }
    public static int v(String tag, String msg, Throwable tr) { return println(2, tag, msg + '\n' + getStackTraceString(tr)); }
    public static int d(String tag, String msg) { return println(3, tag, msg); }
    public static int d(String tag, String msg, Throwable tr) { return println(3, tag, msg + '\n' + getStackTraceString(tr)); }
    public static int i(String tag, String msg) { return println(4, tag, msg); }
    public static int i(String tag, String msg, Throwable tr) { return println(4, tag, msg + '\n' + getStackTraceString(tr)); }
    public static int w(String tag, String msg) { return println(5, tag, msg); }
    public static int w(String tag, String msg, Throwable tr) { return println(5, tag, msg + '\n' + getStackTraceString(tr)); }
    public static int w(String tag, Throwable tr) { return println(5, tag, getStackTraceString(tr)); }
    public static int e(String tag, String msg) { return println(6, tag, msg); }
    public static int e(String tag, String msg, Throwable tr) { return println(6, tag, msg + '\n' + getStackTraceString(tr)); }
    public static int wtf(String tag, String msg) { return println(7, tag, msg); }
    public static int wtf(String tag, Throwable tr) { return println(7, tag, getStackTraceString(tr)); }
    public static int wtf(String tag, String msg, Throwable tr) { return println(7, tag, msg + '\n' + getStackTraceString(tr)); }

    public static String getStackTraceString(Throwable tr) {
        if (tr == null) return "";
        StringWriter out = new StringWriter();
        tr.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
