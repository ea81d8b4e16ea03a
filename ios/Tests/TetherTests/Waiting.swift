import Foundation
@testable import Tether

/// How long a test waits for a condition before it fails (the Kotlin suite's values).
let timeoutSeconds: TimeInterval = 10
let loadTimeoutSeconds: TimeInterval = 30

/// Why a wait ended without its value.
struct WaitFailure: Error, CustomStringConvertible {
    let description: String
}

/// Runs `body`, failing with `WaitFailure` after `seconds`: Kotlin's `withTimeout`. On timeout
/// `body`'s task is cancelled; every wait in this suite ends on cancellation (AsyncStream
/// iteration, `Deferred`, `awaitTask`), so the group never waits for it forever.
func withTimeout<T: Sendable>(
    _ seconds: TimeInterval = timeoutSeconds,
    file: StaticString = #filePath,
    line: UInt = #line,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
            throw WaitFailure(description: "timed out after \(seconds) s (\(file):\(line))")
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else {
            throw WaitFailure(description: "no result")
        }
        return first
    }
}

extension AsyncSequence {
    /// The first element matching `predicate`: Kotlin's `Flow.first { }`. Throws when the
    /// sequence ends first (or the waiting task is cancelled, which ends an AsyncStream).
    func firstValue(where predicate: (Element) throws -> Bool = { _ in true }) async throws -> Element {
        for try await element in self {
            if try predicate(element) {
                return element
            }
        }
        throw WaitFailure(description: "the stream ended before a matching value")
    }
}

/// A task's value, cancelling the task when the waiter is cancelled (plain `task.value` keeps
/// waiting, which would keep `withTimeout` from ever returning).
func awaitTask<T: Sendable>(_ task: Task<T, Never>) async -> T {
    await withTaskCancellationHandler {
        await task.value
    } onCancel: {
        task.cancel()
    }
}

/// Completed once, awaited by any number of tasks: Kotlin's `CompletableDeferred`.
final class Deferred<T: Sendable>: Sendable {
    private struct State {
        var result: T?
        var lastID = 0
        var waiters: [Int: CheckedContinuation<T, Error>] = [:]
    }

    private let state = Locked(State())

    var isCompleted: Bool {
        state.withLock { $0.result != nil }
    }

    /// Stores `value` and wakes every waiter; `false` if it was already completed.
    @discardableResult
    func complete(_ value: T) -> Bool {
        let waiters = state.withLock { state -> [CheckedContinuation<T, Error>]? in
            guard state.result == nil else { return nil }
            state.result = value
            let waiters = Array(state.waiters.values)
            state.waiters = [:]
            return waiters
        }
        guard let waiters else { return false }
        for waiter in waiters {
            waiter.resume(returning: value)
        }
        return true
    }

    /// The value, once completed; throws `CancellationError` if the waiting task is cancelled.
    func value() async throws -> T {
        let state = self.state
        let id = state.withLock { state -> Int in
            state.lastID += 1
            return state.lastID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                let outcome = state.withLock { state -> Result<T, Error>? in
                    if let result = state.result { return .success(result) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let outcome {
                    continuation.resume(with: outcome)
                }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }
}

extension Deferred where T == Void {
    @discardableResult
    func complete() -> Bool {
        complete(Void())
    }
}

/// A value that changes, observed as a stream that starts with the current value: the
/// request log (Kotlin's `StateFlow<List<String>>`).
final class Watched<Value: Sendable>: Sendable {
    private struct State {
        var value: Value
        var lastID = 0
        var subscribers: [Int: AsyncStream<Value>.Continuation] = [:]
    }

    private let state: Locked<State>

    init(_ value: Value) {
        state = Locked(State(value: value))
    }

    var current: Value {
        state.withLock { $0.value }
    }

    func update(_ change: (inout Value) -> Void) {
        state.withLock { state in
            change(&state.value)
            for subscriber in state.subscribers.values {
                subscriber.yield(state.value)
            }
        }
    }

    /// The current value, then every later one (a slow reader skips to the newest).
    func values() -> AsyncStream<Value> {
        var captured: AsyncStream<Value>.Continuation?
        let stream = AsyncStream(Value.self, bufferingPolicy: .bufferingNewest(1)) { captured = $0 }
        guard let continuation = captured else { preconditionFailure("AsyncStream builds at once") }
        let id = state.withLock { state -> Int in
            state.lastID += 1
            state.subscribers[state.lastID] = continuation
            continuation.yield(state.value)
            return state.lastID
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }
}
