import Foundation

/// Starts, once per process, the Swift layer's observers (`TetherLifecycle`, `TetherNetwork`,
/// compiled into this pod from the native bundle's Swift sources) feeding the core's
/// process-wide signals, which every client follows, whether JS or a native screen opened it.
/// They run on the main queue and NWPathMonitor's queue, independent of the JS thread.
@objc(TetherProcessObservers)
public final class TetherProcessObservers: NSObject {
    @MainActor private static var lifecycle: AnyObject?
    @MainActor private static var network: AnyObject?

    /// Idempotent. Called by TetherModule.mm on the main queue.
    @MainActor @objc public static func start() {
        #if canImport(UIKit) && !os(watchOS)
        if lifecycle == nil { lifecycle = TetherLifecycle.register() }
        #endif
        #if canImport(Network)
        if network == nil { network = TetherNetwork.register() }
        #endif
    }
}
