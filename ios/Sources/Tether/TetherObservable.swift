#if canImport(Combine)
import Combine

/// A SwiftUI model over one `Tether`: its connection state and one list view, published on the
/// main actor.
///
/// ```swift
/// struct Sessions: View {
///     @StateObject var model: TetherObservable
///     var body: some View {
///         List(model.items) { item in Text(item.json) }
///     }
/// }
/// ```
///
/// It only republishes what the streams deliver. Releasing the model cancels its two streams
/// (and with them the Rust watcher of the list); closing the `Tether` ends them.
@MainActor
public final class TetherObservable: ObservableObject {
    /// The connection state, as `Tether.state` delivers it.
    @Published public private(set) var state: ConnectionState
    /// The list's items, in the view's order (empty until the first value arrives).
    @Published public private(set) var items: [ListItem] = []
    /// The last list update (with its `added`/`removed`/`updated` ids); `nil` until the first.
    @Published public private(set) var lastUpdate: ListUpdate?

    private let tasks = TaskBag()

    /// Follows `tether`'s state and the list `viewJson` describes.
    /// - Throws: what `Tether.list` throws (`TetherError.Config` for a bad view, `.Closed`).
    public init(tether: Tether, viewJson: String) throws {
        state = tether.currentState
        let updates = try tether.list(viewJson)
        let states = tether.state
        // Tasks created here inherit the main actor, so the assignments below are on it.
        tasks.add(Task { [weak self] in
            for await update in updates {
                guard let self else { return }
                self.items = update.items
                self.lastUpdate = update
            }
        })
        tasks.add(Task { [weak self] in
            for await state in states {
                guard let self else { return }
                self.state = state
            }
        })
    }

    deinit {
        tasks.cancelAll()
    }
}

/// The model's tasks, reachable from its nonisolated `deinit`.
private final class TaskBag: Sendable {
    private let tasks = Locked<[Task<Void, Never>]>([])

    func add(_ task: Task<Void, Never>) {
        tasks.withLock { $0.append(task) }
    }

    func cancelAll() {
        let all = tasks.withLock { tasks -> [Task<Void, Never>] in
            let all = tasks
            tasks = []
            return all
        }
        for task in all {
            task.cancel()
        }
    }
}

/// List items already carry their entity id, which is all SwiftUI's `List`/`ForEach` need.
extension ListItem: Identifiable {}
#endif
