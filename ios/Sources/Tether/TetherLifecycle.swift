#if canImport(UIKit) && !os(watchOS)
import UIKit

/// Forwards the app's foreground/background transitions into the core: by default into
/// `setProcessAppState`, the process-wide signal that every client following it receives
/// (clients opened by native screens and by React Native alike, and clients opened later).
///
/// No decisions here: the core debounces background with a grace period (1 s by default, so a
/// quick app switch never reaches the socket), closes the stream cleanly once it passes and
/// resumes at once, with `Last-Event-ID`, in the foreground.
///
/// The signals are UIKit's app-level notifications, which scene-based apps get too:
/// `didEnterBackgroundNotification` is `.background`, `willEnterForegroundNotification` is
/// `.foreground`. Nothing is sent at registration, as on Android: a process launched into the
/// background (a push, a background fetch) stays in the state the core starts in until the
/// first transition. Register once, early (`application(_:didFinishLaunchingWithOptions:)` or
/// the `App`'s `init`); each forward is one non-blocking FFI call.
@MainActor
public final class TetherLifecycle {
    private let center: NotificationCenter
    private var observers: [NSObjectProtocol] = []

    private init(center: NotificationCenter) {
        self.center = center
    }

    /// Forwards the app's lifecycle into `setProcessAppState` until `close()`.
    @discardableResult
    public static func register() -> TetherLifecycle {
        register(on: .default, queue: .main, processSignal)
    }

    /// Forwards the app's lifecycle into `onAppState` (called on the main thread) until
    /// `close()`.
    @discardableResult
    public static func register(
        _ onAppState: @escaping @Sendable (AppState) -> Void
    ) -> TetherLifecycle {
        register(on: .default, queue: .main, onAppState)
    }

    /// Where `register()` forwards: the process-wide signal.
    static let processSignal: @Sendable (AppState) -> Void = { state in
        setProcessAppState(state: state)
    }

    /// The registration on any notification center, `onAppState` called on `queue` (`nil`:
    /// on the posting thread). The public `register`s pass `.default` and `.main`; the tests
    /// post on a private center (so no other observer sees their notifications) with `nil`.
    static func register(
        on center: NotificationCenter,
        queue: OperationQueue?,
        _ onAppState: @escaping @Sendable (AppState) -> Void
    ) -> TetherLifecycle {
        let lifecycle = TetherLifecycle(center: center)
        lifecycle.observers = [
            center.addObserver(
                forName: UIApplication.didEnterBackgroundNotification, object: nil, queue: queue
            ) { _ in onAppState(.background) },
            center.addObserver(
                forName: UIApplication.willEnterForegroundNotification, object: nil, queue: queue
            ) { _ in onAppState(.foreground) },
        ]
        return lifecycle
    }

    /// Stops forwarding. Idempotent.
    public func close() {
        for observer in observers {
            center.removeObserver(observer)
        }
        observers = []
    }
}
#endif
