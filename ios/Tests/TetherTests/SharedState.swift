import Foundation
@testable import Tether

// State that listeners on Rust threads, helper threads and the test share.

/// Tests read the package's own `Locked` (internal: `@testable import`) in one step.
extension Locked {
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
