import Foundation

/// A value behind a lock. The layer's state is touched at once from Rust runtime threads
/// (listener calls), the app's threads and Swift tasks, so every access goes through here.
/// `NSLock` because `OSAllocatedUnfairLock` needs iOS 16 and the package supports iOS 15.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with the value, holding the lock. `body` must not call back into code that
    /// takes the same lock (NSLock is not recursive): finishing an AsyncStream runs its
    /// termination handler, so callers collect continuations here and finish them after.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
