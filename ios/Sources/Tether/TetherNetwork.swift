#if canImport(Network)
import Dispatch
import Network

/// Forwards the device's network into the core: by default into `setProcessNetwork`, the
/// process-wide signal that every client following it receives. No decisions here: offline
/// parks the core's retries, online resumes at once without backoff, a repeated online
/// changes nothing (so every path update is forwarded as it comes).
///
/// `NWPathMonitor` reports the current path right after it starts, so the first forward says
/// where the device stands (Android has to send offline by hand for "no network"). Mapping:
/// `.unsatisfied` is offline; `.satisfied` is online, and so is `.requiresConnection` (an
/// on-demand VPN or a dormant cellular link that an attempt brings up: calling it offline would
/// park the very retries that activate it). Captive portals and flaky links are the core's
/// backoff's job, as on Android, where an unvalidated network also counts as online.
public final class TetherNetwork: @unchecked Sendable {
    // @unchecked: NWPathMonitor is safe to cancel from any thread; this class only starts it
    // once (in `register`) and cancels it.
    private let monitor = NWPathMonitor()

    private init() {}

    /// Forwards the device's network into `setProcessNetwork` until `close()`.
    @discardableResult
    public static func register() -> TetherNetwork {
        register(processSignal)
    }

    /// Where `register()` forwards: the process-wide signal.
    static let processSignal: @Sendable (NetworkState) -> Void = { state in
        setProcessNetwork(state: state)
    }

    /// Forwards the device's network into `onNetwork` (called on a private serial queue) until
    /// `close()`.
    @discardableResult
    public static func register(
        _ onNetwork: @escaping @Sendable (NetworkState) -> Void
    ) -> TetherNetwork {
        let network = TetherNetwork()
        network.monitor.pathUpdateHandler = { path in
            TetherNetwork.forward(path.status, to: onNetwork)
        }
        network.monitor.start(queue: DispatchQueue(label: "dev.tether.network"))
        return network
    }

    /// One path update, forwarded: all the monitor's handler does. The tests call it with the
    /// statuses a monitor reports (a real `NWPathMonitor` reports the machine's path and cannot
    /// be fed one).
    static func forward(_ status: NWPath.Status, to onNetwork: (NetworkState) -> Void) {
        onNetwork(state(of: status))
    }

    /// The core's view of a path status (see the type's documentation for why).
    static func state(of status: NWPath.Status) -> NetworkState {
        switch status {
        case .unsatisfied:
            return .offline
        case .satisfied, .requiresConnection:
            return .online
        @unknown default:
            // A status this SDK does not know: never park the retries on a guess.
            return .online
        }
    }

    /// Stops forwarding. Idempotent.
    public func close() {
        monitor.cancel()
    }
}
#endif
