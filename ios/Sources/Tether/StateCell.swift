/// The connection state behind `Tether.state` and `Tether.currentState`: the latest value and
/// the streams following it. It is its client's one `StateListener` (called on a Rust runtime
/// thread), so any number of `state` streams share one Rust watcher. Each stream keeps only
/// the newest value it has not read yet: a consumer that falls behind skips intermediate
/// states, as a Kotlin `StateFlow` collector does.
final class StateCell: StateListener {
    private struct Inner {
        var value: ConnectionState
        var lastID = 0
        var subscribers: [Int: AsyncStream<ConnectionState>.Continuation] = [:]
        var finished = false
    }

    private let inner: Locked<Inner>

    init(_ initial: ConnectionState) {
        inner = Locked(Inner(value: initial))
    }

    var current: ConnectionState {
        inner.withLock { $0.value }
    }

    func onState(state: ConnectionState) {
        set(state)
    }

    /// Stores `state` and hands it to every stream, unless it equals the stored value (a
    /// `StateFlow` skips those too: the watcher's first call repeats the value read at open).
    /// Yielding inside the lock keeps every stream in the order the values were stored;
    /// `yield` never runs a termination handler, so it cannot re-enter the lock.
    func set(_ state: ConnectionState) {
        inner.withLock { inner in
            guard state != inner.value else { return }
            inner.value = state
            for continuation in inner.subscribers.values {
                continuation.yield(state)
            }
        }
    }

    /// A stream that starts with the current value. After `finish()` it yields the final value
    /// and ends at once. The stream keeps `owner` alive until it ends.
    func stream(owner: AnyObject & Sendable) -> AsyncStream<ConnectionState> {
        var captured: AsyncStream<ConnectionState>.Continuation?
        let stream = AsyncStream(ConnectionState.self, bufferingPolicy: .bufferingNewest(1)) {
            captured = $0
        }
        guard let continuation = captured else {
            preconditionFailure("AsyncStream calls its build closure before returning")
        }
        let id: Int? = inner.withLock { inner in
            continuation.yield(inner.value)
            guard !inner.finished else { return nil }
            inner.lastID += 1
            inner.subscribers[inner.lastID] = continuation
            return inner.lastID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = owner
            self?.remove(id)
        }
        return stream
    }

    /// Ends every stream; later streams yield the final value and end.
    func finish() {
        let continuations = inner.withLock { inner -> [AsyncStream<ConnectionState>.Continuation] in
            inner.finished = true
            let all = Array(inner.subscribers.values)
            inner.subscribers = [:]
            return all
        }
        for continuation in continuations {
            continuation.finish()
        }
    }

    private func remove(_ id: Int) {
        inner.withLock { inner in
            _ = inner.subscribers.removeValue(forKey: id)
        }
    }
}
