package dev.tether

import java.io.File
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.BeforeClass
import org.junit.Test

private const val SESSIONS = """{"kind": "session", "sort": [{"path": "/sessionId"}]}"""
private const val TIMEOUT_MS = 10_000L

class TetherTest {
    companion object {
        private lateinit var small: TestServer
        private lateinit var ticker: TestServer

        @BeforeClass @JvmStatic
        fun start() {
            small = TestServer("sessions-small.json")
            ticker = TestServer("ticker.json")
        }

        @AfterClass @JvmStatic
        fun stop() {
            small.close()
            ticker.close()
        }
    }

    @Test
    fun connectAndSeeTheListFillThroughTheFlow() = runBlocking {
        Tether.open(TestServer.config(small.url)).use { tether ->
            val full = withTimeout(TIMEOUT_MS) { tether.list(SESSIONS).first { it.items.size == 3 } }
            assertEquals(listOf("s-alpha", "s-beta", "s-gamma"), full.items.map { it.id })
            assertTrue(full.items[0].json.contains("\"userId\":\"user-1\""))
            assertTrue(tether.get("session", "s-beta")!!.contains("\"status\":\"active\""))
        }
    }

    @Test
    fun stateFlowReachesOpen() = runBlocking {
        Tether.open(TestServer.config(small.url)).use { tether ->
            withTimeout(TIMEOUT_MS) { tether.state.first { it is ConnectionState.Open } }
            Unit
        }
    }

    @Test
    fun closeCompletesTheFlowsAndStateIsClosed() = runBlocking {
        val tether = Tether.open(TestServer.config(ticker.url))
        val listStarted = CompletableDeferred<Unit>()
        val entityStarted = CompletableDeferred<Unit>()
        val collected = async(Dispatchers.Default) {
            tether.list(SESSIONS).onEach { listStarted.complete(Unit) }.toList()
        }
        val entity = async(Dispatchers.Default) {
            tether.entity("session", "t-1").onEach { entityStarted.complete(Unit) }.toList()
        }
        withTimeout(TIMEOUT_MS) {
            listStarted.await()
            entityStarted.await()
            tether.state.first { it is ConnectionState.Open }
        }
        tether.close()
        // Both flows complete (they would hang forever if anything were still attached).
        withTimeout(TIMEOUT_MS) {
            collected.await()
            entity.await()
        }
        assertEquals(ConnectionState.Closed(CloseReason.BY_CLIENT), tether.state.value)
        try {
            tether.list(SESSIONS).first()
            fail("a flow after close must throw")
        } catch (e: TetherException.Closed) {
        }
    }

    /** The listener is never called after `shutdown()` returns, while another client keeps
     *  receiving updates from the same stream (so updates were there to be delivered). */
    @Test
    fun noEmissionAfterClose() = runBlocking {
        val closedReturned = AtomicBoolean(false)
        val late = AtomicInteger(0)
        val before = AtomicInteger(0)
        val gotThree = CompletableDeferred<Unit>()
        val client = TetherClient.open(TestServer.config(ticker.url))
        val handle = client.watchList(SESSIONS, object : ListListener {
            override fun onUpdate(update: ListUpdate) {
                if (closedReturned.get()) late.incrementAndGet()
                else if (before.incrementAndGet() >= 3) gotThree.complete(Unit)
            }
        })
        withTimeout(TIMEOUT_MS) { gotThree.await() }
        client.shutdown()
        closedReturned.set(true)
        assertTrue(handle.isCancelled())

        Tether.open(TestServer.config(ticker.url)).use { control ->
            val seen = AtomicInteger(0)
            withTimeout(TIMEOUT_MS) {
                control.list(SESSIONS).first { seen.incrementAndGet() >= 5 }
            }
        }
        assertEquals("listener calls after shutdown() returned", 0, late.get())
        handle.close()
        client.close()
    }

    @Test
    fun thousandCreateCloseCyclesLeaveNoThreads() = runBlocking {
        fun cycle() {
            Tether.open(TestServer.config(small.url)).use { tether ->
                runBlocking { withTimeout(TIMEOUT_MS) { tether.list(SESSIONS).first() } }
            }
        }
        repeat(20) { cycle() } // warm-up: the runtime, JNA, the cleaner thread
        System.gc()
        val jvmBefore = Thread.getAllStackTraces().size
        val nativeBefore = nativeThreads()
        val start = System.nanoTime()
        repeat(1000) { cycle() }
        val ms = (System.nanoTime() - start) / 1_000_000
        System.gc()
        val jvmAfter = Thread.getAllStackTraces().size
        val nativeAfter = nativeThreads()
        System.err.println(
            "1000 cycles in $ms ms; JVM threads $jvmBefore -> $jvmAfter; native threads $nativeBefore -> $nativeAfter"
        )
        // JNA attaches runtime threads only for the length of a callback.
        assertTrue("JVM threads $jvmBefore -> $jvmAfter", jvmAfter <= jvmBefore + 1)
        // The core's runtime has a fixed number of workers; allow a couple of tokio blocking-pool
        // threads that idle out on their own.
        assertTrue("native threads $nativeBefore -> $nativeAfter", nativeAfter <= nativeBefore + 4)
    }

    @Test
    fun badRulesJsonIsRules() {
        try {
            Tether.open(TestServer.config(small.url, rulesJson = "{not json"))
            fail("expected TetherException.Rules")
        } catch (e: TetherException.Rules) {
            assertTrue(e.reason.isNotEmpty())
        }
    }

    @Test
    fun badUrlIsConfig() {
        for (url in listOf("not a url", "ftp://example.com/events")) {
            try {
                Tether.open(TestServer.config(url))
                fail("expected TetherException.Config for $url")
            } catch (e: TetherException.Config) {
                assertFalse(e.reason.isEmpty())
            }
        }
    }

    @Test
    fun badViewIsConfig() = runBlocking {
        Tether.open(TestServer.config(small.url)).use { tether ->
            try {
                tether.list("""{"kind": "session", "sortt": []}""").first()
                fail("expected TetherException.Config")
            } catch (e: TetherException.Config) {
                assertTrue(e.reason.contains("sortt"))
            }
        }
    }

    @Test
    fun hydrateShowsInTheEntityFlow() = runBlocking {
        Tether.open(TestServer.config(small.url)).use { tether ->
            val values = CopyOnWriteArrayList<String?>()
            val seen = async(Dispatchers.Default) {
                tether.entity("note", "n1").first { values.add(it); it != null }
            }
            val report = tether.hydrate("note", """[{"id": "n1", "value": {"text": "hi"}, "version": 1}]""")
            assertEquals(1uL, report.applied)
            assertEquals("""{"text":"hi"}""", withTimeout(TIMEOUT_MS) { seen.await() })
        }
    }

    private fun nativeThreads(): Int = File("/proc/self/task").list()?.size ?: 0
}
