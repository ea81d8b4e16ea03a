package dev.tether

import java.io.File
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.BeforeClass
import org.junit.Test

private const val SESSIONS = """{"kind": "session", "sort": [{"path": "/sessionId"}]}"""
private const val ACTIVE = """{"kind": "session", "filter": [{"op": "eq", "path": "/status", "value": "active"}], "sort": [{"path": "/sessionId"}]}"""
private const val TIMEOUT_MS = 10_000L
private const val LOAD_TIMEOUT_MS = 30_000L

/** `prefix-1 … prefix-max` for the highest number among [ids]: what a lossless stream holds. */
private fun contiguous(ids: List<String>, prefix: String): Set<String> {
    val max = ids.maxOf { it.removePrefix(prefix).toInt() }
    return (1..max).map { "$prefix$it" }.toSet()
}

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
    fun connectAndSeeTheListFillThroughTheFlow(): Unit = runBlocking {
        Tether.open(TestServer.config(small.url)).use { tether ->
            val full = withTimeout(TIMEOUT_MS) { tether.list(SESSIONS).first { it.items.size == 3 } }
            assertEquals(listOf("s-alpha", "s-beta", "s-gamma"), full.items.map { it.id })
            assertTrue(full.items[0].json.contains("\"userId\":\"user-1\""))
            assertTrue(tether.get("session", "s-beta")!!.contains("\"status\":\"active\""))
        }
    }

    @Test
    fun stateFlowReachesOpen(): Unit = runBlocking {
        Tether.open(TestServer.config(small.url)).use { tether ->
            withTimeout(TIMEOUT_MS) { tether.state.first { it is ConnectionState.Open } }
            Unit
        }
    }

    @Test
    fun closeCompletesTheFlowsAndStateIsClosed(): Unit = runBlocking {
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
    fun noEmissionAfterClose(): Unit = runBlocking {
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
    fun thousandCreateCloseCyclesLeaveNoThreads(): Unit = runBlocking {
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
    fun badViewIsConfig(): Unit = runBlocking {
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
    fun hydrateAndClearShowInTheEntityFlow(): Unit = runBlocking {
        Tether.open(TestServer.config(small.url)).use { tether ->
            val seen = CompletableDeferred<String>()
            val cleared = async(Dispatchers.Default) {
                tether.entity("note", "n1")
                    .onEach { if (it != null) seen.complete(it) }
                    .first { it == null && seen.isCompleted }
            }
            val report = tether.hydrate("note", """[{"id": "n1", "value": {"text": "hi"}, "version": 1}]""")
            assertEquals(1uL, report.applied)
            assertEquals("""{"text":"hi"}""", withTimeout(TIMEOUT_MS) { seen.await() })
            tether.clear()
            withTimeout(TIMEOUT_MS) { cleared.await() }
            assertNull(tether.get("note", "n1"))
        }
    }

    @Test
    fun droppedConnectionResumesWithoutLossOrDuplicates(): Unit = runBlocking {
        // `drops.json`: five sessions, then every open stream is dropped, forever.
        TestServer("drops.json").use { server ->
            Tether.open(TestServer.config(server.url)).use { tether ->
                val list = withTimeout(TIMEOUT_MS) {
                    tether.list(SESSIONS).first { it.items.size >= 20 && tether.metrics().connects >= 3uL }
                }
                val ids = list.items.map { it.id }
                assertEquals("no duplicate in the list", ids.size, ids.toSet().size)
                assertEquals("no loss: every session up to the newest", contiguous(ids, "d-"), ids.toSet())
                val stats = tether.stats()
                assertEquals(0uL, stats.duplicateIds)
                assertTrue("reconnects ${tether.metrics()}", tether.metrics().reconnects >= 2uL)
                // The reconnects resumed from the last event they had.
                withTimeout(TIMEOUT_MS) { server.awaitRequest { it.contains("""last-event-id="evt-""") } }
            }
        }
    }

    @Test
    fun backgroundSuspendsAndForegroundResumesWithTheMissedEvents(): Unit = runBlocking {
        TestServer("ticker.json").use { server ->
            val config = TestServer.config(server.url).copy(backgroundGraceMs = 0u)
            Tether.open(config).use { tether ->
                withTimeout(TIMEOUT_MS) {
                    tether.state.first { it is ConnectionState.Open }
                    tether.list(SESSIONS).first { it.items.size >= 3 }
                }
                tether.setAppState(AppState.BACKGROUND)
                withTimeout(TIMEOUT_MS) {
                    tether.state.first { it == ConnectionState.Suspended(SuspendReason.BACKGROUND) }
                }
                val resumeFrom = tether.lastEventId()
                val eventsWhenSuspended = tether.metrics().events
                val missedUpTo = resumeFrom.removePrefix("evt-").toInt() + 10
                // A second client on the same stream shows the server kept publishing meanwhile.
                Tether.open(TestServer.config(server.url)).use { control ->
                    withTimeout(TIMEOUT_MS) {
                        control.list(SESSIONS).first { u -> u.items.any { it.id == "t-$missedUpTo" } }
                    }
                }
                assertEquals("nothing received while suspended", eventsWhenSuspended, tether.metrics().events)
                assertEquals(resumeFrom, tether.lastEventId())

                tether.setAppState(AppState.FOREGROUND)
                withTimeout(TIMEOUT_MS) {
                    tether.state.first { it is ConnectionState.Open }
                    val list = tether.list(SESSIONS).first { u -> u.items.any { it.id == "t-$missedUpTo" } }
                    val ids = list.items.map { it.id }
                    assertEquals(contiguous(ids, "t-"), ids.toSet())
                    server.awaitRequest { it.contains("""last-event-id="$resumeFrom"""") }
                }
            }
        }
    }

    @Test
    fun tokenProviderIsAskedToRefreshAfter401AndTheRetryOpens() = runBlocking {
        // `unauthorized.json`: the first request gets 401, the next ones stream.
        TestServer("unauthorized.json").use { server ->
            val calls = CopyOnWriteArrayList<Boolean>()
            val provider = TokenProvider { refresh ->
                calls.add(refresh)
                delay(5) // a real provider suspends on its auth call
                if (refresh) "fresh-token" else "stale-token"
            }
            Tether.open(TestServer.config(server.url).copy(tokenProvider = provider)).use { tether ->
                withTimeout(TIMEOUT_MS) {
                    tether.state.first { it is ConnectionState.Open }
                    tether.list(SESSIONS).first { it.items.size == 3 }
                    server.requests.first { it.size >= 2 }
                }
                assertEquals(listOf(false, true), calls.take(2))
                assertEquals("one refusal, one retry", 2, server.requests.value.size)
            }
        }
    }

    @Test
    fun fatalTokenProviderErrorFailsTheConnection(): Unit = runBlocking {
        val provider = TokenProvider { throw TokenProviderException.Fatal("signed out") }
        Tether.open(TestServer.config(small.url).copy(tokenProvider = provider)).use { tether ->
            val failed = withTimeout(TIMEOUT_MS) { tether.state.first { it is ConnectionState.Failed } }
            val error = (failed as ConnectionState.Failed).error
            assertTrue("$error", error.message.contains("signed out"))
        }
    }

    @Test
    fun cacheViewsFollowMergeAndDelete(): Unit = runBlocking {
        // `merge-delete.json`: alpha merged (progress 50), beta completed, gamma deleted.
        TestServer("merge-delete.json").use { server ->
            Tether.open(TestServer.config(server.url)).use { tether ->
                val list = withTimeout(TIMEOUT_MS) {
                    tether.list(SESSIONS).first { u ->
                        u.items.map { it.id } == listOf("s-alpha", "s-beta") &&
                            u.items[0].json.contains("\"progress\":50") &&
                            u.items[1].json.contains("\"status\":\"completed\"")
                    }
                }
                // Merge keeps the fields the update did not name.
                assertTrue(list.items[0].json, list.items[0].json.contains("\"userId\":\"user-1\""))
                assertTrue(list.items[0].json, list.items[0].json.contains("\"status\":\"active\""))
                val active = withTimeout(TIMEOUT_MS) { tether.list(ACTIVE).first() }
                assertEquals(listOf("s-alpha"), active.items.map { it.id })
                assertNull(withTimeout(TIMEOUT_MS) { tether.entity("session", "s-gamma").first() })
                assertNull(tether.get("session", "s-gamma"))
            }
        }
    }

    @Test
    fun signalsFlowReportsAnUnmatchedEvent(): Unit = runBlocking {
        // `merge-delete.json` ends, 500 ms after the rest, with an event no rule matches.
        TestServer("merge-delete.json").use { server ->
            Tether.open(TestServer.config(server.url)).use { tether ->
                val signal = withTimeout(TIMEOUT_MS) { tether.signals().first() }
                assertEquals(SyncSignal.Unmatched("message", "mystery.happened"), signal)
                assertEquals(1uL, tether.stats().unmatched)
            }
        }
    }

    @Test
    fun restartReconnectsAndResumesFromTheLastEventId(): Unit = runBlocking {
        TestServer("ticker.json").use { server ->
            Tether.open(TestServer.config(server.url)).use { tether ->
                withTimeout(TIMEOUT_MS) { tether.list(SESSIONS).first { it.items.size >= 3 } }
                assertEquals(1uL, tether.metrics().connects)
                tether.restart()
                withTimeout(TIMEOUT_MS) {
                    server.awaitRequest { it.contains("""last-event-id="evt-""") }
                    val list = tether.list(SESSIONS).first { tether.metrics().connects >= 2uL }
                    val ids = list.items.map { it.id }
                    assertEquals(contiguous(ids, "t-"), ids.toSet())
                }
                assertEquals(0uL, tether.stats().duplicateIds)
            }
        }
    }

    @Test
    fun corruptSqliteFileIsStorageUnlessRecoveryIsAsked() {
        val file = File.createTempFile("tether-corrupt", ".db")
        try {
            file.writeBytes(ByteArray(8192) { 0x5a })
            // Nothing listens on port 1: the cache alone is under test.
            val config = TestServer.config("http://127.0.0.1:1/events").copy(sqlitePath = file.path)
            try {
                Tether.open(config).close()
                fail("expected TetherException.Storage")
            } catch (e: TetherException.Storage) {
                assertTrue(e.reason.isNotEmpty())
            }
            Tether.open(config.copy(recoverUnreadableStorage = true)).use { tether ->
                assertEquals(0uL, tether.stats().appliedTotal)
                assertNull(tether.get("session", "s-alpha"))
            }
        } finally {
            file.delete()
            File(file.path + "-wal").delete()
            File(file.path + "-shm").delete()
        }
    }

    /**
     * 10,000 events through watchers whose listeners run on Rust runtime threads and call back
     * into Rust (`get`, `stats`) while JVM threads hammer the same client: every event arrives
     * exactly once and nothing deadlocks (all under a timeout).
     */
    @Test
    fun tenThousandEventsReachListenersOnRustThreadsWithoutLossOrDeadlock(): Unit = runBlocking {
        TestServer("load.json").use { server ->
            val start = System.nanoTime()
            val client = TetherClient.open(TestServer.config(server.url).copy(batchWindowMs = 16u))
            val added = ConcurrentHashMap.newKeySet<String>()
            val duplicates = AtomicInteger(0)
            val reentrant = AtomicLong(0)
            val allAdded = CompletableDeferred<Unit>()
            val topIs10000 = CompletableDeferred<Unit>()
            val lastEntity = CompletableDeferred<String>()
            val handles = listOf(
                client.watchList(SESSIONS, object : ListListener {
                    override fun onUpdate(update: ListUpdate) {
                        update.added.forEach { if (!added.add(it)) duplicates.incrementAndGet() }
                        reentrant.addAndGet(client.stats().received.toLong()) // Rust → Kotlin → Rust
                        if (added.size == 10_000) allAdded.complete(Unit)
                    }
                }),
                client.watchList("""{"kind": "session", "sort": [{"path": "/n", "descending": true}], "limit": 1}""",
                    object : ListListener {
                        override fun onUpdate(update: ListUpdate) {
                            client.get("session", "load-1")
                            if (update.items.firstOrNull()?.id == "load-10000") topIs10000.complete(Unit)
                        }
                    }),
                client.watchEntity("session", "load-10000", object : EntityListener {
                    override fun onUpdate(update: EntityUpdate) {
                        update.json?.let { lastEntity.complete(it) }
                    }
                }),
            )
            // Meanwhile JVM threads read the same client as fast as they can.
            val hammers = (1..4).map {
                launch(Dispatchers.Default) {
                    while (isActive && !allAdded.isCompleted) {
                        client.get("session", "load-5000")
                        client.stats()
                        client.metrics()
                    }
                }
            }
            try {
                withTimeout(LOAD_TIMEOUT_MS) {
                    allAdded.await()
                    topIs10000.await()
                    assertTrue(lastEntity.await().contains("\"n\":10000"))
                }
            } finally {
                hammers.forEach { it.cancelAndJoin() }
                handles.forEach { it.cancel(); it.close() }
                client.shutdown()
            }
            System.err.println("10,000 events in ${(System.nanoTime() - start) / 1_000_000} ms; ${client.metrics()}")
            assertEquals(0, duplicates.get())
            assertEquals(10_000, added.size)
            val stats = client.stats()
            assertEquals(10_000uL, stats.received)
            assertEquals(10_000uL, stats.applied)
            assertEquals(10_000uL, client.metrics().events)
            assertTrue(reentrant.get() > 0)
            client.close()
        }
    }

    @Test
    fun aThrowingListenerDoesNotKillTheWatcher(): Unit = runBlocking {
        val client = TetherClient.open(TestServer.config(ticker.url))
        val calls = AtomicInteger(0)
        val fifth = CompletableDeferred<Unit>()
        val handle = client.watchList(SESSIONS, object : ListListener {
            override fun onUpdate(update: ListUpdate) {
                val n = calls.incrementAndGet()
                if (n >= 5) fifth.complete(Unit)
                if (n <= 3) throw IllegalStateException("listener bug #$n")
            }
        })
        val stateCalls = AtomicInteger(0)
        val open = CompletableDeferred<Unit>()
        val stateHandle = client.watchState(object : StateListener {
            override fun onState(state: ConnectionState) {
                if (state is ConnectionState.Open) open.complete(Unit)
                if (stateCalls.incrementAndGet() == 1) throw RuntimeException("state listener bug")
            }
        })
        try {
            withTimeout(TIMEOUT_MS) {
                fifth.await()
                open.await()
            }
            assertFalse(handle.isCancelled())
        } finally {
            handle.close()
            stateHandle.close()
            client.close()
        }
    }

    /** What the platform observers do (`TetherLifecycle.register(application)`): one
     *  process-wide signal reaches every open client, and a client opened in the background
     *  waits for the foreground without a request. */
    @Test
    fun processSignalsReachEveryClientAndClientsOpenedLater(): Unit = runBlocking {
        TestServer("ticker.json").use { server ->
            val config = TestServer.config(server.url).copy(backgroundGraceMs = 0u)
            try {
                Tether.open(config).use { first ->
                    Tether.open(config).use { second ->
                        withTimeout(TIMEOUT_MS) {
                            first.state.first { it is ConnectionState.Open }
                            second.state.first { it is ConnectionState.Open }
                        }
                        setProcessAppState(AppState.BACKGROUND)
                        val background = ConnectionState.Suspended(SuspendReason.BACKGROUND)
                        withTimeout(TIMEOUT_MS) {
                            first.state.first { it == background }
                            second.state.first { it == background }
                        }
                        val requests = server.requests.value.size
                        Tether.open(config).use { late ->
                            assertEquals(background, withTimeout(TIMEOUT_MS) { late.state.first { it !is ConnectionState.Idle } })
                            assertEquals("no request while in the background", requests, server.requests.value.size)
                            setProcessAppState(AppState.FOREGROUND)
                            withTimeout(TIMEOUT_MS) {
                                for (tether in listOf(first, second, late)) {
                                    tether.state.first { it is ConnectionState.Open }
                                }
                            }
                        }
                    }
                }
            } finally {
                setProcessAppState(AppState.FOREGROUND)
            }
        }
    }

    /** One core client per `instanceName`: what React Native's JavaScript and native screens
     *  share. */
    @Test
    fun aNamedInstanceIsSharedUntilClosed(): Unit = runBlocking {
        val config = TestServer.config(small.url).copy(instanceName = "jvm-shared")
        assertNull(Tether.shared("jvm-shared"))
        val native = Tether.open(config)
        try {
            val js = Tether.shared("jvm-shared") ?: error("the open instance is found by name")
            val full = withTimeout(TIMEOUT_MS) { js.list(SESSIONS).first { it.items.size == 3 } }
            assertEquals(listOf("s-alpha", "s-beta", "s-gamma"), full.items.map { it.id })
            Tether.open(config).use { again ->
                assertEquals("opening the name again attaches", native.lastEventId(), again.lastEventId())
                assertEquals(native.stats(), again.stats())
            }
            // Closing any wrapper shuts the shared client down for all.
            assertNull(Tether.shared("jvm-shared"))
            withTimeout(TIMEOUT_MS) { native.state.first { it == ConnectionState.Closed(CloseReason.BY_CLIENT) } }
            try {
                Tether.open(config.copy(url = small.url + "?other"))
                    .close()
            } catch (e: TetherException.Config) {
                fail("a closed name can be opened again, with any URL: ${e.message}")
            }
        } finally {
            native.close()
        }
    }

    private fun nativeThreads(): Int = File("/proc/self/task").list()?.size ?: 0
}
