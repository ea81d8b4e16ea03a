package dev.tether

import android.app.Activity
import android.app.Application
import android.content.ComponentCallbacks2
import android.net.ConnectivityManager
import android.net.Network
import android.os.Build
import androidx.test.platform.app.InstrumentationRegistry
import dev.tether.android.TetherAndroid
import dev.tether.android.TetherLifecycle
import dev.tether.android.TetherNetwork
import java.io.File
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assume.assumeTrue
import org.junit.BeforeClass
import org.junit.Test

private const val SESSIONS = """{"kind": "session", "sort": [{"path": "/sessionId"}]}"""
private const val TIMEOUT_MS = 10_000L

/**
 * The Android-only code (`dev.tether.android`) on a device, with framework classes only: the
 * real [Application] of the test process, the real [ConnectivityManager], framework callbacks
 * called directly (no ActivityScenario, no AndroidX Lifecycle). The forwarding is checked twice:
 * into a recording function, and into a real client whose state flow must follow.
 */
class TetherAndroidTest {
    companion object {
        private lateinit var small: TestServer

        @BeforeClass @JvmStatic
        fun start() {
            small = TestServer("sessions-small.json")
        }

        @AfterClass @JvmStatic
        fun stop() {
            small.close()
        }
    }

    private val instrumentation = InstrumentationRegistry.getInstrumentation()
    private val application = instrumentation.targetContext.applicationContext as Application
    private val connectivity = application.getSystemService(ConnectivityManager::class.java)!!

    /** An unattached Activity: enough to be an argument (its constructor needs the main looper). */
    private fun newActivity(): Activity {
        var activity: Activity? = null
        instrumentation.runOnMainSync { activity = Activity() }
        return activity!!
    }

    /** The framework calls lifecycle callbacks on the main thread; so do these tests. */
    private fun onMain(block: () -> Unit) = instrumentation.runOnMainSync(block)

    @Test
    fun startedActivitiesDriveAppState() {
        val seen = CopyOnWriteArrayList<AppState>()
        val a = newActivity()
        val b = newActivity()
        TetherLifecycle.register(application) { seen.add(it) }.use { lifecycle ->
            onMain { lifecycle.onActivityStarted(a) } // 0 → 1
            assertEquals(listOf(AppState.FOREGROUND), seen)
            onMain {
                lifecycle.onActivityStarted(b) // a second activity: no change
                lifecycle.onActivityStopped(a) // still one started: no change
            }
            assertEquals(listOf(AppState.FOREGROUND), seen)
            onMain { lifecycle.onActivityStopped(b) } // 1 → 0
            assertEquals(listOf(AppState.FOREGROUND, AppState.BACKGROUND), seen)
        }
    }

    @Test
    fun stopBeforeAnyStartSendsNothing() {
        val seen = CopyOnWriteArrayList<AppState>()
        val a = newActivity()
        TetherLifecycle.register(application) { seen.add(it) }.use { lifecycle ->
            onMain { lifecycle.onActivityStopped(a) } // registered after a start: never below zero
            assertEquals(emptyList<AppState>(), seen)
            onMain { lifecycle.onActivityStarted(a) }
            assertEquals(listOf(AppState.FOREGROUND), seen)
        }
    }

    /** Through the real Application's own dispatch to registered ComponentCallbacks2. */
    @Test
    fun trimMemoryUiHiddenIsBackgroundUntilClosed() {
        val seen = CopyOnWriteArrayList<AppState>()
        val lifecycle = TetherLifecycle.register(application) { seen.add(it) }
        onMain { application.onTrimMemory(ComponentCallbacks2.TRIM_MEMORY_BACKGROUND) }
        assertEquals(emptyList<AppState>(), seen)
        onMain { application.onTrimMemory(ComponentCallbacks2.TRIM_MEMORY_UI_HIDDEN) }
        assertEquals(listOf(AppState.BACKGROUND), seen)
        lifecycle.close()
        lifecycle.close() // idempotent
        onMain { application.onTrimMemory(ComponentCallbacks2.TRIM_MEMORY_UI_HIDDEN) }
        assertEquals(listOf(AppState.BACKGROUND), seen)
    }

    @Test
    fun backgroundAndForegroundReachTheCore() = runBlocking {
        Tether.open(TestServer.config(small.url)).use { tether ->
            withTimeout(TIMEOUT_MS) { tether.state.first { it is ConnectionState.Open } }
            val a = newActivity()
            TetherLifecycle.register(application).use { lifecycle ->
                onMain { lifecycle.onActivityStarted(a) }
                onMain { lifecycle.onActivityStopped(a) }
                // The core closes the socket once its background grace period has passed.
                withTimeout(TIMEOUT_MS) {
                    tether.state.first { it == ConnectionState.Suspended(SuspendReason.BACKGROUND) }
                }
                onMain { lifecycle.onActivityStarted(a) }
                withTimeout(TIMEOUT_MS) { tether.state.first { it is ConnectionState.Open } }
                val full = withTimeout(TIMEOUT_MS) { tether.list(SESSIONS).first { it.items.size == 3 } }
                assertEquals(listOf("s-alpha", "s-beta", "s-gamma"), full.items.map { it.id })
            }
        }
    }

    @Test
    fun defaultNetworkIsOnlineAtRegistration() = runBlocking {
        assumeTrue("the emulator has no network", connectivity.activeNetwork != null)
        val seen = CopyOnWriteArrayList<NetworkState>()
        TetherNetwork.register(application) { seen.add(it) }.use {
            // The framework calls onAvailable for the current default right after registration.
            withTimeout(TIMEOUT_MS) { while (seen.isEmpty()) delay(10) }
            assertEquals(NetworkState.ONLINE, seen.first())
        }
    }

    @Test
    fun onlyLosingTheCurrentDefaultIsOffline() = runBlocking {
        assumeTrue("Network.fromNetworkHandle needs API 28", Build.VERSION.SDK_INT >= 28)
        val active = connectivity.activeNetwork
        assumeTrue("the emulator has no network", active != null)
        val seen = CopyOnWriteArrayList<NetworkState>()
        TetherNetwork.register(application) { seen.add(it) }.use { network ->
            withTimeout(TIMEOUT_MS) { while (seen.isEmpty()) delay(10) }
            seen.clear()
            // Another network (same handle layout, next netId) going away is not this default.
            val other = Network.fromNetworkHandle(active!!.networkHandle + (1L shl 32))
            network.callback.onLost(other)
            assertEquals(emptyList<NetworkState>(), seen)
            network.callback.onLost(active)
            assertEquals(listOf(NetworkState.OFFLINE), seen)
            network.callback.onAvailable(active)
            assertEquals(listOf(NetworkState.OFFLINE, NetworkState.ONLINE), seen)
        }
    }

    @Test
    fun offlineAndOnlineReachTheCore() = runBlocking {
        val active = connectivity.activeNetwork
        assumeTrue("the emulator has no network", active != null)
        Tether.open(TestServer.config(small.url)).use { tether ->
            withTimeout(TIMEOUT_MS) { tether.state.first { it is ConnectionState.Open } }
            TetherNetwork.register(application).use { network ->
                network.callback.onLost(active!!)
                withTimeout(TIMEOUT_MS) {
                    tether.state.first { it == ConnectionState.Suspended(SuspendReason.OFFLINE) }
                }
                network.callback.onAvailable(active)
                withTimeout(TIMEOUT_MS) { tether.state.first { it is ConnectionState.Open } }
            }
        }
    }

    @Test
    fun defaultDatabasePathIsUnderNoBackupAndKeepsTheCache() = runBlocking {
        val path = TetherAndroid.defaultDatabasePath(application)
        assertEquals(File(application.noBackupFilesDir, "tether/cache.db"), path)
        assertTrue("the folder exists", path.parentFile!!.isDirectory)
        path.delete()
        try {
            val config = TestServer.config(small.url).copy(sqlitePath = path.path)
            Tether.open(config).use { tether ->
                tether.hydrate("note", """[{"id": "n1", "value": {"text": "kept"}, "version": 1}]""")
            }
            assertTrue("the cache file exists", path.length() > 0)
            Tether.open(config).use { tether ->
                assertEquals("""{"text":"kept"}""", tether.get("note", "n1"))
            }
        } finally {
            for (suffix in listOf("", "-wal", "-shm")) File(path.path + suffix).delete()
        }
    }
}
