package dev.tether

import androidx.test.platform.app.InstrumentationRegistry
import kotlinx.coroutines.flow.StateFlow
import org.junit.AssumptionViolatedException

/**
 * The device-side twin of the JVM suite's `TestServer`, with the same API so `TetherTest.kt`
 * runs here unchanged (it is a copy of `android/src/test/kotlin/dev/tether/TetherTest.kt`).
 *
 * A device cannot start `tether serve`, so one server per scenario runs on the host, on the
 * fixed port in [PORTS] (`scripts/build-android --connected-test` reads this table and starts
 * them), and the emulator reaches the host's loopback at `10.0.2.2`. The host part of the URL
 * is the instrumentation argument `tetherServeUrl` (default `http://10.0.2.2`), which
 * `android/build.gradle.kts` fills from the `TETHER_SERVE_URL` environment variable; on a
 * physical device use `adb reverse tcp:<port> tcp:<port>` for each port and
 * `TETHER_SERVE_URL=http://127.0.0.1`. The rules are the shared
 * `tests/fixtures/sync/sessions.rules.json`, packaged as an androidTest asset.
 *
 * Two differences from the JVM twin, both explicit:
 * - the servers live for the whole run, so a test that opens "a fresh server" gets the shared
 *   one (each stateful scenario — drops, unauthorized, load — is used by one test only);
 * - the host's request log is not visible from the device: reading [requests] or calling
 *   [awaitRequest] skips the test (JUnit assumption), it never hangs or fails.
 */
class TestServer(private val scenario: String) : AutoCloseable {
    val url: String = run {
        val port = PORTS[scenario]
            ?: error("no host server for $scenario: add it to TestServer.PORTS (scripts/build-android reads the table)")
        "${argument("tetherServeUrl", "http://10.0.2.2").trimEnd('/')}:$port/events"
    }

    /** Not observable from a device: skips the calling test. */
    val requests: StateFlow<List<String>>
        get() = throw AssumptionViolatedException("$scenario: the host server's request log is not visible from a device")

    /** Not observable from a device: skips the calling test. */
    @Suppress("UNUSED_PARAMETER")
    suspend fun awaitRequest(predicate: (String) -> Boolean): String =
        throw AssumptionViolatedException("$scenario: the host server's request log is not visible from a device")

    /** The server belongs to the host: nothing to stop. */
    override fun close() {}

    companion object {
        /** Scenario file (android/src/test/resources/) → host port. One entry per line: scripts/build-android parses it. */
        val PORTS: Map<String, Int> = mapOf(
            "sessions-small.json" to 8787,
            "ticker.json" to 8788,
            "drops.json" to 8789,
            "unauthorized.json" to 8790,
            "merge-delete.json" to 8791,
            "load.json" to 8792,
        )

        private fun argument(name: String, default: String): String =
            InstrumentationRegistry.getArguments().getString(name)?.takeIf { it.isNotEmpty() } ?: default

        val rules: String by lazy {
            // androidTest assets live in the test APK: the instrumentation's own context.
            InstrumentationRegistry.getInstrumentation().context.assets
                .open("sessions.rules.json").bufferedReader().use { it.readText() }
        }

        fun config(url: String, rulesJson: String = rules) = ClientConfig(
            url = url,
            rulesJson = rulesJson,
            batchWindowMs = 5u,
            initialRetryMs = 100u,
        )
    }
}
