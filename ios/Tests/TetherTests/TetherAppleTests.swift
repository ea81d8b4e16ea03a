import Foundation
@testable import Tether
import XCTest
#if canImport(UIKit) && !os(watchOS)
import UIKit
#endif
#if canImport(Network)
import Network
#endif

// The XCTest mirror of android/src/jvmAndroidTest/kotlin/dev/tether/android/TetherAndroidJvmTest.kt:
// the platform observers and the default database path. One test per Kotlin test, named `test`
// + its name where iOS has the behaviour; where it has not, the closest iOS test under its own
// name (ios/README.md, "Android observer tests ↔ XCTest", pairs them and says why).
//
// What a device adds is replaced as the Kotlin suite replaces it: UIKit's notifications are
// posted on a private `NotificationCenter` (no other observer in the process sees them) and
// delivered on the posting thread; the path updates an `NWPathMonitor` would report go through
// the same `TetherNetwork.forward` its handler calls (a real monitor reports the machine's
// path). `@testable`: those two entry points are internal. The lifecycle tests need UIKit and
// skip on macOS.

private let uikitOnly = "TetherLifecycle observes UIKit's notifications: iOS and the simulator only"

/// What an observer forwarded, in order (its callbacks may come on any thread).
private final class Seen<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Value] = []

    func add(_ value: Value) {
        lock.lock()
        defer { lock.unlock() }
        recorded.append(value)
    }

    var values: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    func clear() {
        lock.lock()
        defer { lock.unlock() }
        recorded.removeAll()
    }
}

final class TetherAppleTests: XCTestCase {
    static let small = TestServer.started("sessions-small.json")

    override class func setUp() {
        super.setUp()
        _ = small
    }

    override class func tearDown() {
        small.close()
        super.tearDown()
    }

    // --- TetherLifecycle -----------------------------------------------------------------------

    /// Kotlin counts started activities; UIKit posts the app's transitions itself, so the
    /// foreground/background/foreground sequence comes from `willEnterForeground` and
    /// `didEnterBackground`. The "1 → 2 activities: still foreground, nothing sent" step is the
    /// app becoming active and resigning active (Control Center, an alert), which send nothing.
    @MainActor
    func testStartedActivitiesDecideForegroundAndBackground() throws {
        #if canImport(UIKit) && !os(watchOS)
        let center = NotificationCenter()
        let seen = Seen<AppState>()
        let lifecycle = TetherLifecycle.register(on: center, queue: nil) { seen.add($0) }
        center.post(name: UIApplication.willEnterForegroundNotification, object: nil)
        center.post(name: UIApplication.didBecomeActiveNotification, object: nil) // still foreground
        center.post(name: UIApplication.willResignActiveNotification, object: nil) // still foreground
        center.post(name: UIApplication.didEnterBackgroundNotification, object: nil)
        center.post(name: UIApplication.willEnterForegroundNotification, object: nil)
        lifecycle.close()
        XCTAssertEqual(seen.values, [.foreground, .background, .foreground])
        #else
        throw XCTSkip(uikitOnly)
        #endif
    }

    /// The closest iOS test to `aLateRegistrationCountsTheActivityAlreadyShowingAndNeverGoesBelowZero`,
    /// which has no iOS equivalent: UIKit reports transitions, not activities, so there is no
    /// count to seed at a late registration nor to keep from going below zero. A registration at
    /// any time sends nothing and forwards the next transition as it comes: the first
    /// `didEnterBackground` after a late registration (a React Native module) is background, and
    /// a foreground with no background before it is forwarded (the core ignores a state it is
    /// already in).
    @MainActor
    func testALateRegistrationForwardsTheNextTransitionAsItComes() throws {
        #if canImport(UIKit) && !os(watchOS)
        let center = NotificationCenter()
        let seen = Seen<AppState>()
        let late = TetherLifecycle.register(on: center, queue: nil) { seen.add($0) }
        XCTAssertEqual(seen.values, [], "nothing at registration")
        center.post(name: UIApplication.didEnterBackgroundNotification, object: nil)
        late.close()
        XCTAssertEqual(seen.values, [.background])
        seen.clear()
        let fresh = TetherLifecycle.register(on: center, queue: nil) { seen.add($0) }
        center.post(name: UIApplication.willEnterForegroundNotification, object: nil)
        fresh.close()
        XCTAssertEqual(seen.values, [.foreground])
        #else
        throw XCTSkip(uikitOnly)
        #endif
    }

    /// iOS has no trim levels: the memory warning stands for the levels that are not background
    /// and sends nothing; `didEnterBackground` (the UI hidden) is background. Nothing after
    /// `close()`, which is idempotent.
    @MainActor
    func testUiHiddenIsBackgroundOtherTrimLevelsAreNotAndCloseStopsForwarding() throws {
        #if canImport(UIKit) && !os(watchOS)
        let center = NotificationCenter()
        let seen = Seen<AppState>()
        let lifecycle = TetherLifecycle.register(on: center, queue: nil) { seen.add($0) }
        center.post(name: UIApplication.didReceiveMemoryWarningNotification, object: nil)
        center.post(name: UIApplication.didEnterBackgroundNotification, object: nil)
        XCTAssertEqual(seen.values, [.background])
        lifecycle.close()
        lifecycle.close() // idempotent
        center.post(name: UIApplication.willEnterForegroundNotification, object: nil)
        center.post(name: UIApplication.didEnterBackgroundNotification, object: nil)
        XCTAssertEqual(seen.values, [.background], "nothing after close")
        #else
        throw XCTSkip(uikitOnly)
        #endif
    }

    /// `register()`'s target, the process-wide signal, into the real core: background suspends
    /// an open client (`.suspended(reason: .background)`), foreground reopens it.
    @MainActor
    func testTheLifecycleReachesAnOpenClientThroughTheProcessSignal() async throws {
        #if canImport(UIKit) && !os(watchOS)
        defer { setProcessAppState(state: .foreground) }
        let center = NotificationCenter()
        let lifecycle = TetherLifecycle.register(on: center, queue: nil, TetherLifecycle.processSignal)
        defer { lifecycle.close() }
        var config = TestServer.config(TetherAppleTests.small.url)
        config.backgroundGraceMs = 0
        let tether = try Tether.open(config)
        defer { tether.close() }
        _ = try await withTimeout { try await tether.state.firstValue { $0 == .open } }
        center.post(name: UIApplication.willEnterForegroundNotification, object: nil)
        center.post(name: UIApplication.didEnterBackgroundNotification, object: nil)
        _ = try await withTimeout {
            try await tether.state.firstValue { $0 == .suspended(reason: .background) }
        }
        center.post(name: UIApplication.willEnterForegroundNotification, object: nil)
        _ = try await withTimeout { try await tether.state.firstValue { $0 == .open } }
        #else
        throw XCTSkip(uikitOnly)
        #endif
    }

    // --- TetherNetwork -------------------------------------------------------------------------

    /// The closest iOS test to `onlyLosingTheCurrentDefaultNetworkIsOffline`, which has no iOS
    /// equivalent: `NWPathMonitor` reports one status for the whole path, never a network lost
    /// while another is the default, so there is no handover to tell apart. Unsatisfied (what
    /// Android's "no default network" is) is offline; satisfied is online, repeated as often as
    /// it comes (a Wi-Fi → cellular handover reports satisfied twice) and so is
    /// requiresConnection; unsatisfied again is offline. `close()` is idempotent.
    func testRepeatedSatisfiedStaysOnlineAndOnlyUnsatisfiedIsOffline() throws {
        #if canImport(Network)
        let seen = Seen<NetworkState>()
        for status: NWPath.Status in [.unsatisfied, .satisfied, .satisfied, .requiresConnection, .unsatisfied] {
            TetherNetwork.forward(status) { seen.add($0) }
        }
        XCTAssertEqual(seen.values, [.offline, .online, .online, .online, .offline])
        let network = TetherNetwork.register { _ in }
        network.close()
        network.close() // idempotent
        #else
        throw XCTSkip("Network.framework only")
        #endif
    }

    /// `register()`'s target, the process-wide signal, into the real core: unsatisfied suspends
    /// an open client (`.suspended(reason: .offline)`), satisfied reopens it.
    func testTheNetworkReachesAnOpenClientThroughTheProcessSignal() async throws {
        #if canImport(Network)
        defer { setProcessNetwork(state: .online) }
        let tether = try Tether.open(TestServer.config(TetherAppleTests.small.url))
        defer { tether.close() }
        _ = try await withTimeout { try await tether.state.firstValue { $0 == .open } }
        TetherNetwork.forward(.satisfied, to: TetherNetwork.processSignal)
        TetherNetwork.forward(.unsatisfied, to: TetherNetwork.processSignal)
        _ = try await withTimeout {
            try await tether.state.firstValue { $0 == .suspended(reason: .offline) }
        }
        TetherNetwork.forward(.satisfied, to: TetherNetwork.processSignal)
        _ = try await withTimeout { try await tether.state.firstValue { $0 == .open } }
        #else
        throw XCTSkip("Network.framework only")
        #endif
    }

    // --- TetherApple ---------------------------------------------------------------------------

    /// iOS has no no-backup folder: the cache goes to `Application Support/tether/cache.db`
    /// (macOS: under the bundle id) with the `tether` folder excluded from backup. The function
    /// takes no directory, so this is the real Application Support; folders this test created
    /// are removed again.
    func testDefaultDatabasePathIsUnderNoBackupFilesAndCreatesItsFolder() throws {
        let files = FileManager.default
        let support = try files.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        #if os(macOS)
        let base = Bundle.main.bundleIdentifier.map {
            support.appendingPathComponent($0, isDirectory: true)
        } ?? support
        #else
        let base = support
        #endif
        let folder = base.appendingPathComponent("tether", isDirectory: true)
        let created = [base, folder].filter { !files.fileExists(atPath: $0.path) }
        defer {
            for url in created.reversed() {
                try? files.removeItem(at: url)
            }
        }

        let path = try TetherApple.defaultDatabasePath()
        XCTAssertEqual(path.standardizedFileURL.path,
                       folder.appendingPathComponent("cache.db").standardizedFileURL.path)
        var isDirectory: ObjCBool = false
        XCTAssertTrue(files.fileExists(atPath: folder.path, isDirectory: &isDirectory) && isDirectory.boolValue,
                      "the folder exists")
        let fresh = URL(fileURLWithPath: folder.path, isDirectory: true) // no cached resource values
        XCTAssertEqual(try fresh.resourceValues(forKeys: [.isExcludedFromBackupKey]).isExcludedFromBackup, true,
                       "the folder is excluded from backup")
    }
}
