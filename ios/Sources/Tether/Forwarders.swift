/// The listeners handed to the Rust watchers. The core calls them on its runtime threads, one
/// call at a time per watcher, in order; each only hands the value to its AsyncStream and
/// returns (nothing else may run on a runtime thread). Yielding to a finished stream is a
/// no-op, so a call that races with the stream's end is harmless.

final class ListForwarder: ListListener {
    private let continuation: AsyncStream<ListUpdate>.Continuation

    init(_ continuation: AsyncStream<ListUpdate>.Continuation) {
        self.continuation = continuation
    }

    func onUpdate(update: ListUpdate) {
        continuation.yield(update)
    }
}

/// Entities cross as JSON text; `nil` while the entity is absent (never stored, or deleted).
final class EntityForwarder: EntityListener {
    private let continuation: AsyncStream<String?>.Continuation

    init(_ continuation: AsyncStream<String?>.Continuation) {
        self.continuation = continuation
    }

    func onUpdate(update: EntityUpdate) {
        continuation.yield(update.json)
    }
}

final class SignalForwarder: SignalListener {
    private let continuation: AsyncStream<SyncSignal>.Continuation

    init(_ continuation: AsyncStream<SyncSignal>.Continuation) {
        self.continuation = continuation
    }

    func onSignal(signal: SyncSignal) {
        continuation.yield(signal)
    }
}
