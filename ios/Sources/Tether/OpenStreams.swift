/// The data streams (list, entity, signals) a `Tether` has handed out and that have not ended
/// yet, so `close()` can finish them; and the closed flag that refuses new ones.
final class OpenStreams: Sendable {
    private struct Registry {
        var closed = false
        var lastID = 0
        var finishers: [Int: @Sendable () -> Void] = [:]
    }

    private let registry = Locked(Registry())

    var isClosed: Bool {
        registry.withLock { $0.closed }
    }

    /// Registers a stream's `finish`. `nil` once closed: the caller then ends the stream itself.
    func add(_ finish: @escaping @Sendable () -> Void) -> Int? {
        registry.withLock { registry in
            guard !registry.closed else { return nil }
            registry.lastID += 1
            registry.finishers[registry.lastID] = finish
            return registry.lastID
        }
    }

    /// Forgets a stream that ended on its own (its consumer went away).
    func remove(_ id: Int) {
        registry.withLock { registry in
            _ = registry.finishers.removeValue(forKey: id)
        }
    }

    /// Refuses new streams from now on. `true` only for the first call, which makes `close()`
    /// idempotent.
    func markClosed() -> Bool {
        registry.withLock { registry in
            if registry.closed { return false }
            registry.closed = true
            return true
        }
    }

    /// Finishes every registered stream. The finishers run outside the lock: finishing a stream
    /// runs its termination handler, which calls `remove`.
    func finishAll() {
        let finishers = registry.withLock { registry -> [@Sendable () -> Void] in
            let all = Array(registry.finishers.values)
            registry.finishers = [:]
            return all
        }
        for finish in finishers {
            finish()
        }
    }
}
