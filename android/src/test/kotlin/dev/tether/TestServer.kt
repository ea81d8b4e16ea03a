package dev.tether

import java.io.File
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.first

/**
 * The real `tether serve` (built by cargo) on an OS-chosen loopback port, playing a scenario
 * from `android/src/test/resources/`. Paths come from `scripts/test-kotlin`.
 *
 * The server logs each request to stderr (`GET /events last-event-id="evt-3"`, never header
 * values); a reader thread collects those lines into [requests], so tests wait on them instead
 * of sleeping. Everything it printed is also kept in `$TMPDIR/tether-serve-<scenario>.log`.
 */
class TestServer(scenario: String) : AutoCloseable {
    private val process: Process
    private val requestLines = MutableStateFlow<List<String>>(emptyList())
    val url: String

    /** Request lines logged so far, in order. */
    val requests: StateFlow<List<String>> = requestLines.asStateFlow()

    init {
        val bin = env("TETHER_BIN")
        val resources = File(env("TETHER_TEST_RESOURCES"))
        val log = File(System.getProperty("java.io.tmpdir"), "tether-serve-$scenario.log")
        process = ProcessBuilder(bin, "serve", "--port", "0", "--scenario", File(resources, scenario).path)
            .start()
        val stderr = process.errorStream.bufferedReader()
        Thread({
            log.printWriter().use { out ->
                stderr.lineSequence().forEach { line ->
                    out.println(line)
                    out.flush()
                    if (REQUEST.matches(line)) requestLines.value = requestLines.value + line
                }
            }
        }, "tether-serve-stderr").apply { isDaemon = true }.start()
        // `tether serve` prints the stream URL on its first stdout line once it listens.
        url = process.inputStream.bufferedReader().readLine()
            ?: error("tether serve exited: ${log.readText()}")
    }

    /** Waits (no timeout of its own: wrap it in `withTimeout`) for a logged request line matching [predicate]. */
    suspend fun awaitRequest(predicate: (String) -> Boolean): String =
        requests.first { lines -> lines.any(predicate) }.first(predicate)

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly()
    }

    companion object {
        private val REQUEST = Regex("""^[A-Z]+ /\S* last-event-id=.*$""")

        fun env(name: String): String = System.getenv(name) ?: error("$name is not set: run scripts/test-kotlin")

        val rules: String by lazy { File(env("TETHER_RULES")).readText() }

        fun config(url: String, rulesJson: String = rules) = ClientConfig(
            url = url,
            rulesJson = rulesJson,
            batchWindowMs = 5u,
            initialRetryMs = 100u,
        )
    }
}
