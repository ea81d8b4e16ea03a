package dev.tether

import java.io.File
import java.util.concurrent.TimeUnit

/**
 * The real `tether serve` (built by cargo) on an OS-chosen loopback port, playing a scenario
 * from `android/src/test/resources/`. Paths come from `scripts/test-kotlin`.
 */
class TestServer(scenario: String) : AutoCloseable {
    private val process: Process
    val url: String

    init {
        val bin = env("TETHER_BIN")
        val resources = File(env("TETHER_TEST_RESOURCES"))
        val log = File(System.getProperty("java.io.tmpdir"), "tether-serve-$scenario.log")
        process = ProcessBuilder(bin, "serve", "--port", "0", "--scenario", File(resources, scenario).path)
            .redirectError(ProcessBuilder.Redirect.to(log))
            .start()
        // `tether serve` prints the stream URL on its first stdout line once it listens.
        url = process.inputStream.bufferedReader().readLine()
            ?: error("tether serve exited: ${log.readText()}")
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly()
    }

    companion object {
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
