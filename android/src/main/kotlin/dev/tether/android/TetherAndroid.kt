package dev.tether.android

import android.content.Context
import java.io.File

/**
 * Android facts the core cannot know on its own.
 *
 * Loading the library: nothing to call. The generated bindings bind `libtether_ffi.so` through
 * JNA's direct mapping on first use; on Android JNA loads both its own `libjnidispatch.so` (from
 * the `net.java.dev.jna:jna` AAR) and `libtether_ffi.so` (from this AAR's `jniLibs/<abi>/`)
 * with `System.loadLibrary`, i.e. from the APK. The `jna.nosys` system property that older
 * UniFFI samples set is not needed: JNA 5 defaults it to `true` and ignores it on Android
 * (`Native.loadNativeDispatchLibrary` calls `System.loadLibrary` whenever
 * `Platform.isAndroid()`). A missing ABI shows up as `UnsatisfiedLinkError` on the first call
 * into the bindings (usually `TetherClient.open`).
 */
object TetherAndroid {
    /**
     * Where the cache lives by default: `<noBackupFilesDir>/tether/cache.db`, excluded from
     * Auto Backup and device transfer (a restored cache would resume from a stale event id).
     * Creates the `tether/` folder (SQLite does not) and returns the file, which the core creates.
     * Use it as `ClientConfig(sqlitePath = TetherAndroid.defaultDatabasePath(context).path, ...)`.
     */
    @JvmStatic
    fun defaultDatabasePath(context: Context): File {
        val file = File(context.noBackupFilesDir, "tether/cache.db")
        file.parentFile?.mkdirs()
        return file
    }
}
