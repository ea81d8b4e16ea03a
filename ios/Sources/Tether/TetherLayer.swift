// The idiomatic Swift face of a Tether sync client. (Not named Tether.swift: the generated
// bindings keep that name in Generated/, and swiftc refuses two files of one name in a module.)

/// A Tether sync client: the connection state and the cache's list, entity and signal views as
/// `AsyncStream`s.
///
/// This layer only adapts: every behaviour (reconnects, merging, filtering, ordering, what a
/// lifecycle signal does) is the Rust core's. Rust calls the listeners behind the streams on
/// its runtime threads; they only hand values to the streams.
///
/// Streams are created eagerly: `list`, `entity` and `signals` start their Rust watcher when
/// called (so a bad view throws there, where the Kotlin layer's cold flows throw on
/// collection) and buffer every update until read. A stream's end, however it comes (the
/// consumer's task cancelled, the stream and its iterator released, `close()`), cancels its
/// Rust watcher. A stream keeps its `Tether` alive until it ends, as a Flow being collected
/// keeps its Kotlin `Tether` reachable.
///
/// Releasing a `Tether` does not close it (call `close()`): a wrapper from `shared(_:)` shares
/// its core client with other wrappers, and releasing one must not shut it down for all. The
/// core closes a client itself once nothing references it any more.
public final class Tether: Sendable {
    private let client: TetherClient
    private let streams = OpenStreams()
    private let stateCell: StateCell
    private let stateHandle: TaskHandle

    /// Validates `config` and its rules, opens the cache and starts connecting.
    /// - Throws: `TetherError.Config` for a bad URL, header or setting, `.Rules` for refused
    ///   rules, `.Storage` for an unusable cache file.
    public static func `open`(_ config: ClientConfig) throws -> Tether {
        try Tether(client: TetherClient.open(config: config))
    }

    /// The open client named `name` (`ClientConfig.instanceName`), e.g. the one React Native's
    /// JavaScript opened, or `nil`. The wrapper shares the core client: `close()` on any
    /// wrapper shuts it down for all.
    public static func shared(_ name: String) -> Tether? {
        sharedClient(name: name).map { Tether(client: $0) }
    }

    private init(client: TetherClient) {
        self.client = client
        let cell = StateCell(client.state())
        stateCell = cell
        stateHandle = client.watchState(listener: cell)
    }

    /// The connection state now, then every transition; a slow reader skips to the newest
    /// (conflated, as a `StateFlow` is). Each access is a new stream; all share one watcher.
    /// Ends after `close()`, holding the final state.
    public var state: AsyncStream<ConnectionState> {
        stateCell.stream(owner: self)
    }

    /// The connection state now (a `StateFlow`'s `value`).
    public var currentState: ConnectionState {
        stateCell.current
    }

    /// The list described by `viewJson` (`{"kind", "filter"?, "sort"?, "limit"?}`, the core's
    /// `ListView`): the current value first, then one update per batch that changes it. Every
    /// update is kept (`added`/`removed`/`updated` describe each step).
    /// - Throws: `TetherError.Config` for a bad view, `.Closed` after `close()`.
    public func list(_ viewJson: String) throws -> AsyncStream<ListUpdate> {
        try watch { continuation in
            try client.watchList(viewJson: viewJson, listener: ListForwarder(continuation))
        }
    }

    /// The entity as JSON (`nil` while absent), then one value per batch that changes it.
    /// - Throws: `TetherError.Closed` after `close()`.
    public func entity(kind: String, id: String) throws -> AsyncStream<String?> {
        try watch { continuation in
            try client.watchEntity(kind: kind, id: id, listener: EntityForwarder(continuation))
        }
    }

    /// Signals for the app to act on (refetch after `.resync` or `.discontinuity`, unmatched
    /// events, storage errors), from this call on; no current value.
    /// - Throws: `TetherError.Closed` after `close()`.
    public func signals() throws -> AsyncStream<SyncSignal> {
        try watch { continuation in
            try client.watchSignals(listener: SignalForwarder(continuation))
        }
    }

    /// The entity now, as JSON.
    public func get(kind: String, id: String) -> String? {
        client.get(kind: kind, id: id)
    }

    /// Seeds or refreshes `kind` from the app's own fetch: `[{"id", "value", "version"?}]`.
    /// Writes to the cache file, so it runs on a GCD queue, off the caller's thread.
    public func hydrate(kind: String, entitiesJson: String) async throws -> HydrateReport {
        let client = self.client
        return try await onIOQueue {
            try client.hydrate(kind: kind, entitiesJson: entitiesJson)
        }
    }

    /// Logout: wipes the cache, the dedup window, the resume point and the file's contents
    /// (on a GCD queue, off the caller's thread).
    public func clear() async throws {
        let client = self.client
        try await onIOQueue {
            try client.clear()
        }
    }

    /// What the sync client did with the events it received, since open.
    public func stats() -> SyncStats {
        client.stats()
    }

    /// The connection's counters: connects, reconnects, bytes, events, time disconnected.
    public func metrics() -> ConnectionMetrics {
        client.metrics()
    }

    /// The resume point (`""` before any event id).
    public func lastEventId() -> String {
        client.lastEventId()
    }

    /// Drops the current stream and reconnects at once, resuming with `Last-Event-ID`.
    public func restart() {
        client.restart()
    }

    /// This client's own lifecycle signal. Apps report the process's lifecycle once, with
    /// `TetherLifecycle` (or `setProcessAppState`), which every following client receives.
    public func setAppState(_ state: AppState) {
        client.setAppState(state: state)
    }

    /// This client's own network signal. Apps report the device's network once, with
    /// `TetherNetwork` (or `setProcessNetwork`), which every following client receives.
    public func setNetwork(_ state: NetworkState) {
        client.setNetwork(state: state)
    }

    /// Closes the connection. Once it returns no stream yields again: list, entity and signal
    /// streams end, `state` streams end holding the final state, and `currentState` keeps it.
    /// Idempotent. The Rust object itself is freed with the last reference to this `Tether`.
    public func close() {
        guard streams.markClosed() else { return }
        client.shutdown()
        // Cancel first: once cancel() returns no state delivery is under way, so the final
        // state stored next cannot be overwritten by an older one still in flight.
        stateHandle.cancel()
        stateCell.set(client.state())
        stateCell.finish()
        streams.finishAll()
    }

    /// Starts a watcher whose listener feeds a new stream, and ties the two together: the
    /// stream's end cancels the watcher, and `close()` ends the stream.
    private func watch<Element: Sendable>(
        _ start: (AsyncStream<Element>.Continuation) throws -> TaskHandle
    ) throws -> AsyncStream<Element> {
        // After close() the layer refuses new streams in the FFI's own terms.
        if streams.isClosed { throw TetherError.Closed }
        var captured: AsyncStream<Element>.Continuation?
        let stream = AsyncStream(Element.self, bufferingPolicy: .unbounded) { captured = $0 }
        guard let continuation = captured else {
            preconditionFailure("AsyncStream calls its build closure before returning")
        }
        let handle: TaskHandle
        do {
            handle = try start(continuation)
        } catch {
            continuation.finish()
            throw error
        }
        guard let id = streams.add({ continuation.finish() }) else {
            // A close() that raced with start() has already stopped the watcher (shutdown
            // cancels every watcher); end the stream too.
            handle.cancel()
            continuation.finish()
            return stream
        }
        continuation.onTermination = { _ in
            self.streams.remove(id)
            handle.cancel()
        }
        return stream
    }
}
