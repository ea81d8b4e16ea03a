package dev.tether.android

import android.app.Activity
import android.app.Application
import android.content.ComponentCallbacks2
import android.content.Context
import android.content.ContextWrapper
import android.net.ConnectivityManager
import android.net.IConnectivityManager
import android.net.Network
import dev.tether.AppState
import dev.tether.ConnectionState
import dev.tether.NetworkState
import dev.tether.SuspendReason
import dev.tether.Tether
import dev.tether.TestServer
import dev.tether.setProcessAppState
import dev.tether.setProcessNetwork
import java.io.File
import java.lang.reflect.Proxy
import java.nio.file.Files
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.BeforeClass
import org.junit.Test

private const val TIMEOUT_MS = 10_000L

/**
 * The Android-only layer (`dev.tether.android`) run on a plain JVM against the real Android 16
 * framework classes (Robolectric's `android-all` jar, no Robolectric runtime): the framework
 * objects these observers use — `Application`'s callback lists, `ConnectivityManager`'s
 * callbacks, `ContextWrapper` — are plain Java there. What a device adds (a main looper, real
 * activities, the connectivity service) is replaced by calling the framework's own dispatch
 * methods, activities allocated without a constructor, and a `ConnectivityManager` whose two
 * service-backed methods answer from the test. Run by `scripts/test-android-jvm`.
 */
class TetherAndroidJvmTest {
    companion object {
        private lateinit var server: TestServer

        @BeforeClass @JvmStatic
        fun start() {
            server = TestServer("sessions-small.json")
        }

        @AfterClass @JvmStatic
        fun stop() {
            server.close()
        }

        /** An `Activity` without running its constructor (which needs a main looper); the
         *  observers only pass it through. */
        private fun activity(): Activity {
            val field = sun.misc.Unsafe::class.java.getDeclaredField("theUnsafe")
            field.isAccessible = true
            val unsafe = field.get(null) as sun.misc.Unsafe
            return unsafe.allocateInstance(Activity::class.java) as Activity
        }
    }

    /** What the framework does when an activity starts or stops: `Application`'s own
     *  package-private dispatch to every registered callback. */
    private fun Application.dispatch(method: String, activity: Activity) {
        val dispatch = Application::class.java.getDeclaredMethod(method, Activity::class.java)
        dispatch.isAccessible = true
        dispatch.invoke(this, activity)
    }

    private fun Application.started(activity: Activity) = dispatch("dispatchActivityStarted", activity)
    private fun Application.stopped(activity: Activity) = dispatch("dispatchActivityStopped", activity)

    /** The system's connectivity service, reduced to what `TetherNetwork` asks of it. */
    private class Connectivity(context: Context, val active: Network?) : ConnectivityManager(
        context,
        Proxy.newProxyInstance(
            IConnectivityManager::class.java.classLoader,
            arrayOf(IConnectivityManager::class.java),
        ) { _, method, _ -> error("unexpected service call ${method.name}") } as IConnectivityManager,
    ) {
        val registered = CopyOnWriteArrayList<NetworkCallback>()
        override fun getActiveNetwork(): Network? = active
        override fun registerDefaultNetworkCallback(callback: NetworkCallback) {
            registered.add(callback)
        }
        override fun unregisterNetworkCallback(callback: NetworkCallback) {
            registered.remove(callback)
        }
    }

    /** A context whose connectivity service is [connectivity] (built on first use). */
    private class TestContext(private val active: Network?) : ContextWrapper(null) {
        val connectivity: Connectivity by lazy { Connectivity(this, active) }
        override fun getSystemServiceName(serviceClass: Class<*>): String? =
            if (serviceClass == ConnectivityManager::class.java) Context.CONNECTIVITY_SERVICE else null
        override fun getSystemService(name: String): Any? =
            if (name == Context.CONNECTIVITY_SERVICE) connectivity else null
        override fun getApplicationContext(): Context = this
    }

    @Test
    fun startedActivitiesDecideForegroundAndBackground() {
        val application = Application()
        val seen = CopyOnWriteArrayList<AppState>()
        val (first, second) = activity() to activity()
        TetherLifecycle.register(application) { seen.add(it) }.use {
            application.started(first)
            application.started(second) // 1 → 2: still foreground, nothing sent
            application.stopped(first)
            application.stopped(second)
            application.started(first)
        }
        assertEquals(listOf(AppState.FOREGROUND, AppState.BACKGROUND, AppState.FOREGROUND), seen)
    }

    @Test
    fun aLateRegistrationCountsTheActivityAlreadyShowingAndNeverGoesBelowZero() {
        val application = Application()
        val seen = CopyOnWriteArrayList<AppState>()
        val shown = activity()
        // Registered while an activity shows (a React Native module): its stop is background.
        TetherLifecycle.register(application, startedActivities = 1) { seen.add(it) }.use {
            application.stopped(shown)
        }
        assertEquals(listOf(AppState.BACKGROUND), seen)
        seen.clear()
        // Registered as if nothing showed while something did: a stop is ignored, not -1.
        TetherLifecycle.register(application) { seen.add(it) }.use {
            application.stopped(shown)
            application.started(shown)
        }
        assertEquals(listOf(AppState.FOREGROUND), seen)
    }

    @Test
    fun uiHiddenIsBackgroundOtherTrimLevelsAreNotAndCloseStopsForwarding() {
        val application = Application()
        val seen = CopyOnWriteArrayList<AppState>()
        val lifecycle = TetherLifecycle.register(application) { seen.add(it) }
        @Suppress("DEPRECATION")
        application.onTrimMemory(ComponentCallbacks2.TRIM_MEMORY_RUNNING_LOW)
        application.onTrimMemory(ComponentCallbacks2.TRIM_MEMORY_UI_HIDDEN)
        assertEquals(listOf(AppState.BACKGROUND), seen)
        lifecycle.close()
        lifecycle.close() // idempotent
        application.started(activity())
        application.onTrimMemory(ComponentCallbacks2.TRIM_MEMORY_UI_HIDDEN)
        assertEquals("nothing after close", listOf(AppState.BACKGROUND), seen)
    }

    @Test
    fun theLifecycleReachesAnOpenClientThroughTheProcessSignal(): Unit = runBlocking {
        val application = Application()
        val shown = activity()
        try {
            TetherLifecycle.register(application).use {
                Tether.open(TestServer.config(server.url).copy(backgroundGraceMs = 0u)).use { tether ->
                    withTimeout(TIMEOUT_MS) { tether.state.first { it is ConnectionState.Open } }
                    application.started(shown)
                    application.stopped(shown)
                    withTimeout(TIMEOUT_MS) {
                        tether.state.first { it == ConnectionState.Suspended(SuspendReason.BACKGROUND) }
                    }
                    application.started(shown)
                    withTimeout(TIMEOUT_MS) { tether.state.first { it is ConnectionState.Open } }
                }
            }
        } finally {
            setProcessAppState(AppState.FOREGROUND)
        }
    }

    @Test
    fun onlyLosingTheCurrentDefaultNetworkIsOffline() {
        val context = TestContext(active = null)
        val seen = CopyOnWriteArrayList<NetworkState>()
        val network = TetherNetwork.register(context) { seen.add(it) }
        assertEquals("no default network at registration", listOf(NetworkState.OFFLINE), seen)
        assertEquals(listOf(network.callback), context.connectivity.registered)
        val (wifi, cellular) = Network(100) to Network(101)
        network.callback.onAvailable(wifi)
        network.callback.onAvailable(cellular) // the default moved before wifi's onLost
        network.callback.onLost(wifi)
        network.callback.onLost(cellular)
        assertEquals(
            listOf(NetworkState.OFFLINE, NetworkState.ONLINE, NetworkState.ONLINE, NetworkState.OFFLINE),
            seen,
        )
        network.close()
        network.close() // idempotent
        assertTrue("unregistered", context.connectivity.registered.isEmpty())
    }

    @Test
    fun theNetworkReachesAnOpenClientThroughTheProcessSignal(): Unit = runBlocking {
        val wifi = Network(100)
        val context = TestContext(active = wifi)
        try {
            TetherNetwork.register(context).use { network ->
                Tether.open(TestServer.config(server.url)).use { tether ->
                    withTimeout(TIMEOUT_MS) { tether.state.first { it is ConnectionState.Open } }
                    network.callback.onAvailable(wifi)
                    network.callback.onLost(wifi)
                    withTimeout(TIMEOUT_MS) {
                        tether.state.first { it == ConnectionState.Suspended(SuspendReason.OFFLINE) }
                    }
                    network.callback.onAvailable(wifi)
                    withTimeout(TIMEOUT_MS) { tether.state.first { it is ConnectionState.Open } }
                }
            }
        } finally {
            setProcessNetwork(NetworkState.ONLINE)
        }
    }

    @Test
    fun defaultDatabasePathIsUnderNoBackupFilesAndCreatesItsFolder() {
        val dir = Files.createTempDirectory("tether-no-backup").toFile()
        val context = object : ContextWrapper(null) {
            override fun getNoBackupFilesDir(): File = dir
        }
        val path = TetherAndroid.defaultDatabasePath(context)
        assertEquals(File(dir, "tether/cache.db"), path)
        assertTrue("the folder exists", path.parentFile!!.isDirectory)
        dir.deleteRecursively()
    }
}
