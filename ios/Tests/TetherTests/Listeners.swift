import Tether

// Listeners from closures, for the tests that drive `TetherClient` directly (Kotlin writes
// them as anonymous objects). Called on Rust runtime threads; a thrown error reaches Rust as
// an unexpected callback error, which the core logs before going on.

final class ListCallback: ListListener {
    private let body: @Sendable (ListUpdate) throws -> Void

    init(_ body: @escaping @Sendable (ListUpdate) throws -> Void) {
        self.body = body
    }

    func onUpdate(update: ListUpdate) throws {
        try body(update)
    }
}

final class EntityCallback: EntityListener {
    private let body: @Sendable (EntityUpdate) throws -> Void

    init(_ body: @escaping @Sendable (EntityUpdate) throws -> Void) {
        self.body = body
    }

    func onUpdate(update: EntityUpdate) throws {
        try body(update)
    }
}

final class StateCallback: StateListener {
    private let body: @Sendable (ConnectionState) throws -> Void

    init(_ body: @escaping @Sendable (ConnectionState) throws -> Void) {
        self.body = body
    }

    func onState(state: ConnectionState) throws {
        try body(state)
    }
}

/// The error a deliberately broken listener throws.
struct ListenerBug: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
