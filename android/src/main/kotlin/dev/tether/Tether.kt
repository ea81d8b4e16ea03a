package dev.tether

import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.SendChannel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.withContext

/**
 * The idiomatic Kotlin face of a Tether sync client: the connection state as a [StateFlow],
 * list and entity views as cold [Flow]s, [AutoCloseable].
 *
 * This layer only adapts: every behaviour (reconnects, merging, filtering, ordering) is the
 * Rust core's. Listeners are called on Rust runtime threads; the values are handed to
 * coroutine channels and nothing else runs there.
 */
class Tether private constructor(private val client: TetherClient) : AutoCloseable {

    companion object {
        /**
         * Validates [config] and its rules, opens the cache and starts connecting.
         * @throws TetherException.Config for a bad URL, header or setting,
         *   [TetherException.Rules] for refused rules, [TetherException.Storage] for an unusable
         *   cache file.
         */
        @JvmStatic
        fun open(config: ClientConfig): Tether = Tether(TetherClient.open(config))

        /**
         * The open client named [name] (`ClientConfig.instanceName`), e.g. the one React
         * Native's JavaScript opened, or `null`. The wrapper shares the core client: [close] on
         * any wrapper shuts it down for all.
         */
        @JvmStatic
        fun shared(name: String): Tether? = sharedClient(name)?.let(::Tether)
    }

    private val closed = AtomicBoolean(false)
    private val stateValue = MutableStateFlow(client.state())
    private val stateHandle: TaskHandle = client.watchState(object : StateListener {
        override fun onState(state: ConnectionState) {
            stateValue.value = state
        }
    })
    /** Channels of the flows being collected now, completed by [close]. */
    private val open = ConcurrentHashMap.newKeySet<SendChannel<*>>()

    /** The connection state now and every transition after it (conflated, as a StateFlow is). */
    val state: StateFlow<ConnectionState> = stateValue.asStateFlow()

    /**
     * The list described by [viewJson] (`{"kind", "filter"?, "sort"?, "limit"?}`, see the
     * core's `ListView`): the current value first, then one update per batch that changes it.
     * Cancelling the collection cancels the Rust watcher; [close] completes the flow.
     * Unbuffered updates are kept (`added`/`removed`/`updated` describe each step); apply
     * `conflate()` when only [ListUpdate.items] matters.
     * @throws TetherException.Config for a bad view, [TetherException.Closed] after [close].
     */
    fun list(viewJson: String): Flow<ListUpdate> = watch { channel ->
        client.watchList(viewJson, object : ListListener {
            override fun onUpdate(update: ListUpdate) {
                channel.trySend(update)
            }
        })
    }

    /** The entity as JSON (`null` while absent), then one value per batch that changes it. */
    fun entity(kind: String, id: String): Flow<String?> = watch { channel ->
        client.watchEntity(kind, id, object : EntityListener {
            override fun onUpdate(update: EntityUpdate) {
                channel.trySend(update.json)
            }
        })
    }

    /**
     * Signals for the app to act on (refetch after [SyncSignal.Resync] or
     * [SyncSignal.Discontinuity], unmatched events, storage errors), from the start of the
     * collection on; no current value. Cancelling the collection cancels the Rust watcher.
     */
    fun signals(): Flow<SyncSignal> = watch { channel ->
        client.watchSignals(object : SignalListener {
            override fun onSignal(signal: SyncSignal) {
                channel.trySend(signal)
            }
        })
    }

    /** The entity now, as JSON. */
    fun get(kind: String, id: String): String? = client.get(kind, id)

    /**
     * Seeds or refreshes [kind] from the app's own fetch: `[{"id", "value", "version"?}]`.
     * Writes to the cache file, so it runs on [Dispatchers.IO].
     */
    suspend fun hydrate(kind: String, entitiesJson: String): HydrateReport =
        withContext(Dispatchers.IO) { client.hydrate(kind, entitiesJson) }

    /** Logout: wipes the cache, the dedup window, the resume point and the file's contents (on [Dispatchers.IO]). */
    suspend fun clear() = withContext(Dispatchers.IO) { client.clear() }

    /** What the sync client did with the events it received, since open. */
    fun stats(): SyncStats = client.stats()

    /** The connection's counters: connects, reconnects, bytes, events, time disconnected. */
    fun metrics(): ConnectionMetrics = client.metrics()

    /** The resume point (`""` before any event id). */
    fun lastEventId(): String = client.lastEventId()

    /** Drops the current stream and reconnects at once, resuming with `Last-Event-ID`. */
    fun restart() = client.restart()

    fun setAppState(state: AppState) = client.setAppState(state)

    fun setNetwork(state: NetworkState) = client.setNetwork(state)

    /**
     * Closes the connection and frees the client. Once it returns no flow emits again: list and
     * entity flows complete, [state] holds the final state. Idempotent.
     */
    override fun close() {
        if (!closed.compareAndSet(false, true)) return
        client.shutdown()
        // Cancel first: once cancel() returns no delivery is in flight, so none can overwrite
        // the final state set below.
        stateHandle.cancel()
        stateHandle.close()
        stateValue.value = client.state()
        open.forEach { it.close() }
        client.close()
    }

    private fun <T> watch(start: (SendChannel<T>) -> TaskHandle): Flow<T> = callbackFlow {
        // The Rust client is freed by close(): say so in the FFI's own terms.
        if (closed.get()) throw TetherException.Closed()
        open.add(channel)
        val handle = try {
            start(channel)
        } catch (e: Throwable) {
            open.remove(channel)
            throw e
        }
        // A close() that raced with start() has already stopped the watcher; end the flow too.
        if (closed.get()) channel.close()
        awaitClose {
            open.remove(channel)
            handle.cancel()
            handle.close()
        }
    }.buffer(Channel.UNLIMITED)
}

/**
 * A [TokenProvider] from a suspending lambda: `ClientConfig(..., tokenProvider = TokenProvider { refresh -> auth.token(refresh) })`.
 * It is asked before every attempt and with `refresh = true` after a 401/403; throw
 * [TokenProviderException.Fatal] to fail the connection, anything else backs off and retries.
 */
fun TokenProvider(block: suspend (refresh: Boolean) -> String?): TokenProvider = object : TokenProvider {
    override suspend fun token(refresh: Boolean): String? = block(refresh)
}
