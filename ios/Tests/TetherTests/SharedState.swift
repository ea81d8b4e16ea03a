import Foundation

// State that listeners on Rust threads, helper threads and the test share.

/// A value behind a lock, for state that listeners on Rust threads and the test share.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value {
        withLock { $0 }
    }
}

/// An atomic counter (Kotlin's `AtomicInteger`/`AtomicLong`).
final class Counter: Sendable {
    private let value = Locked(0)

    /// Adds `amount` and returns the new total.
    @discardableResult
    func add(_ amount: Int = 1) -> Int {
        value.withLock { value in
            value += amount
            return value
        }
    }

    var current: Int {
        value.current
    }
}

/// A flag set once, read from any thread.
final class LockedFlag: Sendable {
    private let value = Locked(false)

    var isSet: Bool {
        value.withLock { $0 }
    }

    /// Sets the flag; `true` if this call set it.
    @discardableResult
    func set() -> Bool {
        value.withLock { value in
            let wasSet = value
            value = true
            return !wasSet
        }
    }
}
