import Foundation
@testable import Tether
import XCTest

// The XCTest mirror of android/src/sharedTest/kotlin/dev/tether/TetherTest.kt: one test per
// Kotlin test, named `test` + its name, with the same scenarios, steps and assertions
// (ios/README.md pairs them). Where Swift differs it says so at the spot: streams are created
// (and a bad view throws) at `list(...)`, not on collection; Swift frees objects with their
// last reference instead of `close()`; there is no JVM thread count.
// No test sleeps: every wait is `withTimeout` around a stream condition, a `Deferred` or the
// server's request log.

private let sessions = #"{"kind": "session", "sort": [{"path": "/sessionId"}]}"#
private let active = #"{"kind": "session", "filter": [{"op": "eq", "path": "/status", "value": "active"}], "sort": [{"path": "/sessionId"}]}"#

final class TetherTests: XCTestCase {
    static let small = TestServer.started("sessions-small.json")
    static let ticker = TestServer.started("ticker.json")

    override class func setUp() {
        super.setUp()
        _ = small
        _ = ticker
    }

    override class func tearDown() {
        small.close()
        ticker.close()
        super.tearDown()
    }

    func testConnectAndSeeTheListFillThroughTheFlow() async throws {
        let tether = try Tether.open(TestServer.config(TetherTests.small.url))
        defer { tether.close() }
        let full = try await withTimeout { try await tether.list(sessions).firstValue { $0.items.count == 3 } }
        XCTAssertEqual(full.items.map { $0.id }, ["s-alpha", "s-beta", "s-gamma"])
        XCTAssertTrue(full.items[0].json.contains(#""userId":"user-1""#))
        XCTAssertTrue(try XCTUnwrap(tether.get(kind: "session", id: "s-beta")).contains(#""status":"active""#))
    }

    func testStateFlowReachesOpen() async throws {
        let tether = try Tether.open(TestServer.config(TetherTests.small.url))
        defer { tether.close() }
        _ = try await withTimeout { try await tether.state.firstValue { $0 == .open } }
    }

    func testCloseCompletesTheFlowsAndStateIsClosed() async throws {
        let tether = try Tether.open(TestServer.config(TetherTests.ticker.url))
        let listStarted = Deferred<Void>()
        let entityStarted = Deferred<Void>()
        let list = try tether.list(sessions)
        let entity = try tether.entity(kind: "session", id: "t-1")
        let collected = Task { () -> Int in
            var count = 0
            for await _ in list {
                listStarted.complete()
                count += 1
            }
            return count
        }
        let entityDone = Task { () -> Int in
            var count = 0
            for await _ in entity {
                entityStarted.complete()
                count += 1
            }
            return count
        }
        try await withTimeout {
            try await listStarted.value()
            try await entityStarted.value()
            _ = try await tether.state.firstValue { $0 == .open }
        }
        tether.close()
        // Both streams end (they would wait forever if anything were still attached).
        try await withTimeout {
            _ = await awaitTask(collected)
            _ = await awaitTask(entityDone)
        }
        XCTAssertEqual(tether.currentState, .closed(reason: .byClient))
        do {
            // Swift: the stream is refused where it is created.
            _ = try tether.list(sessions)
            XCTFail("a stream after close must throw")
        } catch TetherError.Closed {
        }
    }

    /// The listener is never called after `shutdown()` returns, while another client keeps
    /// receiving updates from the same stream (so updates were there to be delivered).
    func testNoEmissionAfterClose() async throws {
        let closedReturned = LockedFlag()
        let late = Counter()
        let before = Counter()
        let gotThree = Deferred<Void>()
        let client = try TetherClient.open(config: TestServer.config(TetherTests.ticker.url))
        let handle = try client.watchList(viewJson: sessions, listener: ListCallback { _ in
            if closedReturned.isSet {
                late.add()
            } else if before.add() >= 3 {
                gotThree.complete()
            }
        })
        try await withTimeout { try await gotThree.value() }
        client.shutdown()
        closedReturned.set()
        XCTAssertTrue(handle.isCancelled())

        do {
            let control = try Tether.open(TestServer.config(TetherTests.ticker.url))
            defer { control.close() }
            let seen = Counter()
            _ = try await withTimeout { try await control.list(sessions).firstValue { _ in seen.add() >= 5 } }
        }
        XCTAssertEqual(late.current, 0, "listener calls after shutdown() returned")
        // Kotlin's handle.close() and client.close(): Swift frees both with their last reference.
        withExtendedLifetime((handle, client)) {}
    }

    func testThousandCreateCloseCyclesLeaveNoThreads() async throws {
        func cycle() async throws {
            let tether = try Tether.open(TestServer.config(TetherTests.small.url))
            defer { tether.close() }
            _ = try await withTimeout { try await tether.list(sessions).firstValue() }
        }
        for _ in 0..<20 { try await cycle() } // warm-up: the runtime, the cooperative pool
        let nativeBefore = nativeThreads()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<1000 { try await cycle() }
        let ms = (DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
        let nativeAfter = nativeThreads()
        print("1000 cycles in \(ms) ms; native threads \(nativeBefore) -> \(nativeAfter)")
        // Swift has no JVM thread count (Kotlin's first assertion); native threads as in Kotlin:
        // the core's runtime has a fixed number of workers; allow a couple of tokio blocking-pool
        // threads that idle out on their own.
        XCTAssertLessThanOrEqual(nativeAfter, nativeBefore + 4, "native threads \(nativeBefore) -> \(nativeAfter)")
    }

    func testBadRulesJsonIsRules() throws {
        do {
            _ = try Tether.open(TestServer.config(TetherTests.small.url, rulesJson: "{not json"))
            XCTFail("expected TetherError.Rules")
        } catch TetherError.Rules(let reason) {
            XCTAssertFalse(reason.isEmpty)
        }
    }

    func testBadUrlIsConfig() throws {
        for url in ["not a url", "ftp://example.com/events"] {
            do {
                _ = try Tether.open(TestServer.config(url))
                XCTFail("expected TetherError.Config for \(url)")
            } catch TetherError.Config(let reason) {
                XCTAssertFalse(reason.isEmpty)
            }
        }
    }

    func testBadViewIsConfig() async throws {
        let tether = try Tether.open(TestServer.config(TetherTests.small.url))
        defer { tether.close() }
        do {
            // Swift: a bad view throws where the stream is created (Kotlin: on first()).
            _ = try tether.list(#"{"kind": "session", "sortt": []}"#)
            XCTFail("expected TetherError.Config")
        } catch TetherError.Config(let reason) {
            XCTAssertTrue(reason.contains("sortt"), reason)
        }
    }

    func testHydrateAndClearShowInTheEntityFlow() async throws {
        let tether = try Tether.open(TestServer.config(TetherTests.small.url))
        defer { tether.close() }
        let seen = Deferred<String>()
        let entity = try tether.entity(kind: "note", id: "n1")
        let cleared = Task { () -> Bool in
            for await json in entity {
                if let json {
                    seen.complete(json)
                } else if seen.isCompleted {
                    return true
                }
            }
            return false
        }
        let report = try await tether.hydrate(kind: "note", entitiesJson: #"[{"id": "n1", "value": {"text": "hi"}, "version": 1}]"#)
        XCTAssertEqual(report.applied, 1)
        let hydrated = try await withTimeout { try await seen.value() }
        XCTAssertEqual(hydrated, #"{"text":"hi"}"#)
        try await tether.clear()
        let backToNil = try await withTimeout { await awaitTask(cleared) }
        XCTAssertTrue(backToNil, "the entity stream ended before it showed the clear")
        XCTAssertNil(tether.get(kind: "note", id: "n1"))
    }

    func testDroppedConnectionResumesWithoutLossOrDuplicates() async throws {
        // `drops.json`: five sessions, then every open stream is dropped, forever.
        let server = try TestServer("drops.json")
        defer { server.close() }
        let tether = try Tether.open(TestServer.config(server.url))
        defer { tether.close() }
        let list = try await withTimeout {
            try await tether.list(sessions).firstValue { $0.items.count >= 20 && tether.metrics().connects >= 3 }
        }
        let ids = list.items.map { $0.id }
        XCTAssertEqual(ids.count, Set(ids).count, "no duplicate in the list")
        XCTAssertEqual(Set(ids), contiguous(ids, prefix: "d-"), "no loss: every session up to the newest")
        let stats = tether.stats()
        XCTAssertEqual(stats.duplicateIds, 0)
        XCTAssertGreaterThanOrEqual(tether.metrics().reconnects, 2, "reconnects \(tether.metrics())")
        // The reconnects resumed from the last event they had.
        _ = try await withTimeout { try await server.awaitRequest { $0.contains(#"last-event-id="evt-"#) } }
    }

    func testBackgroundSuspendsAndForegroundResumesWithTheMissedEvents() async throws {
        let server = try TestServer("ticker.json")
        defer { server.close() }
        var config = TestServer.config(server.url)
        config.backgroundGraceMs = 0
        let tether = try Tether.open(config)
        defer { tether.close() }
        try await withTimeout {
            _ = try await tether.state.firstValue { $0 == .open }
            _ = try await tether.list(sessions).firstValue { $0.items.count >= 3 }
        }
        tether.setAppState(.background)
        _ = try await withTimeout {
            try await tether.state.firstValue { $0 == .suspended(reason: .background) }
        }
        let resumeFrom = tether.lastEventId()
        let eventsWhenSuspended = tether.metrics().events
        let missedUpTo = try XCTUnwrap(Int(resumeFrom.dropFirst("evt-".count)), resumeFrom) + 10
        let missed = "t-\(missedUpTo)"
        // A second client on the same stream shows the server kept publishing meanwhile.
        do {
            let control = try Tether.open(TestServer.config(server.url))
            defer { control.close() }
            _ = try await withTimeout {
                try await control.list(sessions).firstValue { update in update.items.contains { $0.id == missed } }
            }
        }
        XCTAssertEqual(tether.metrics().events, eventsWhenSuspended, "nothing received while suspended")
        XCTAssertEqual(tether.lastEventId(), resumeFrom)

        tether.setAppState(.foreground)
        let ids = try await withTimeout { () -> [String] in
            _ = try await tether.state.firstValue { $0 == .open }
            let list = try await tether.list(sessions).firstValue { update in update.items.contains { $0.id == missed } }
            _ = try await server.awaitRequest { $0.contains("last-event-id=\"\(resumeFrom)\"") }
            return list.items.map { $0.id }
        }
        XCTAssertEqual(Set(ids), contiguous(ids, prefix: "t-"))
    }

    func testTokenProviderIsAskedToRefreshAfter401AndTheRetryOpens() async throws {
        // `unauthorized.json`: the first request gets 401, the next ones stream.
        let server = try TestServer("unauthorized.json")
        defer { server.close() }
        let calls = Locked<[Bool]>([])
        let provider = TetherTokenProvider { refresh in
            calls.withLock { $0.append(refresh) }
            try await Task.sleep(nanoseconds: 5_000_000) // a real provider suspends on its auth call
            return refresh ? "fresh-token" : "stale-token"
        }
        var config = TestServer.config(server.url)
        config.tokenProvider = provider
        let tether = try Tether.open(config)
        defer { tether.close() }
        try await withTimeout {
            _ = try await tether.state.firstValue { $0 == .open }
            _ = try await tether.list(sessions).firstValue { $0.items.count == 3 }
            _ = try await server.requestLog().firstValue { $0.count >= 2 }
        }
        XCTAssertEqual(Array(calls.current.prefix(2)), [false, true])
        XCTAssertEqual(server.requests.count, 2, "one refusal, one retry")
    }

    func testFatalTokenProviderErrorFailsTheConnection() async throws {
        let provider = TetherTokenProvider { _ in throw TokenProviderError.Fatal(reason: "signed out") }
        var config = TestServer.config(TetherTests.small.url)
        config.tokenProvider = provider
        let tether = try Tether.open(config)
        defer { tether.close() }
        let failed = try await withTimeout { try await tether.state.firstValue { $0.isFailed } }
        guard case .failed(let error) = failed else {
            return XCTFail("not Failed: \(failed)")
        }
        XCTAssertTrue(error.message.contains("signed out"), "\(error)")
    }

    func testCacheViewsFollowMergeAndDelete() async throws {
        // `merge-delete.json`: alpha merged (progress 50), beta completed, gamma deleted.
        let server = try TestServer("merge-delete.json")
        defer { server.close() }
        let tether = try Tether.open(TestServer.config(server.url))
        defer { tether.close() }
        let list = try await withTimeout {
            try await tether.list(sessions).firstValue { update in
                update.items.map { $0.id } == ["s-alpha", "s-beta"]
                    && update.items[0].json.contains(#""progress":50"#)
                    && update.items[1].json.contains(#""status":"completed""#)
            }
        }
        // Merge keeps the fields the update did not name.
        XCTAssertTrue(list.items[0].json.contains(#""userId":"user-1""#), list.items[0].json)
        XCTAssertTrue(list.items[0].json.contains(#""status":"active""#), list.items[0].json)
        let activeList = try await withTimeout { try await tether.list(active).firstValue() }
        XCTAssertEqual(activeList.items.map { $0.id }, ["s-alpha"])
        let gamma = try await withTimeout { try await tether.entity(kind: "session", id: "s-gamma").firstValue() }
        XCTAssertNil(gamma)
        XCTAssertNil(tether.get(kind: "session", id: "s-gamma"))
    }

    func testSignalsFlowReportsAnUnmatchedEvent() async throws {
        // `merge-delete.json` ends, 500 ms after the rest, with an event no rule matches.
        let server = try TestServer("merge-delete.json")
        defer { server.close() }
        let tether = try Tether.open(TestServer.config(server.url))
        defer { tether.close() }
        let signal = try await withTimeout { try await tether.signals().firstValue() }
        XCTAssertEqual(signal, .unmatched(eventType: "message", typeValue: "mystery.happened"))
        XCTAssertEqual(tether.stats().unmatched, 1)
    }

    func testRestartReconnectsAndResumesFromTheLastEventId() async throws {
        let server = try TestServer("ticker.json")
        defer { server.close() }
        let tether = try Tether.open(TestServer.config(server.url))
        defer { tether.close() }
        _ = try await withTimeout { try await tether.list(sessions).firstValue { $0.items.count >= 3 } }
        XCTAssertEqual(tether.metrics().connects, 1)
        tether.restart()
        let ids = try await withTimeout { () -> [String] in
            _ = try await server.awaitRequest { $0.contains(#"last-event-id="evt-"#) }
            let list = try await tether.list(sessions).firstValue { _ in tether.metrics().connects >= 2 }
            return list.items.map { $0.id }
        }
        XCTAssertEqual(Set(ids), contiguous(ids, prefix: "t-"))
        XCTAssertEqual(tether.stats().duplicateIds, 0)
    }

    func testCorruptSqliteFileIsStorageUnlessRecoveryIsAsked() throws {
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("tether-corrupt-\(UUID().uuidString).db")
        defer {
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: file.path + suffix)
            }
        }
        try Data(repeating: 0x5a, count: 8192).write(to: file)
        // Nothing listens on port 1: the cache alone is under test.
        var config = TestServer.config("http://127.0.0.1:1/events")
        config.sqlitePath = file.path
        do {
            try Tether.open(config).close()
            XCTFail("expected TetherError.Storage")
        } catch TetherError.Storage(let reason) {
            XCTAssertFalse(reason.isEmpty)
        }
        config.recoverUnreadableStorage = true
        let tether = try Tether.open(config)
        defer { tether.close() }
        XCTAssertEqual(tether.stats().appliedTotal, 0)
        XCTAssertNil(tether.get(kind: "session", id: "s-alpha"))
    }

    /// 10,000 events through watchers whose listeners run on Rust runtime threads and call back
    /// into Rust (`get`, `stats`) while four threads hammer the same client: every event
    /// arrives exactly once and nothing deadlocks (all under a timeout).
    func testTenThousandEventsReachListenersOnRustThreadsWithoutLossOrDeadlock() async throws {
        let server = try TestServer("load.json")
        defer { server.close() }
        let start = DispatchTime.now().uptimeNanoseconds
        var config = TestServer.config(server.url)
        config.batchWindowMs = 16
        let client = try TetherClient.open(config: config)
        let added = Locked<Set<String>>([])
        let duplicates = Counter()
        let reentrant = Counter()
        let allAdded = Deferred<Void>()
        let topIs10000 = Deferred<Void>()
        let lastEntity = Deferred<String>()
        let handles = [
            try client.watchList(viewJson: sessions, listener: ListCallback { update in
                let total = added.withLock { seen -> Int in
                    for id in update.added {
                        if !seen.insert(id).inserted { duplicates.add() }
                    }
                    return seen.count
                }
                reentrant.add(Int(client.stats().received)) // Rust → Swift → Rust
                if total == 10_000 { allAdded.complete() }
            }),
            try client.watchList(
                viewJson: #"{"kind": "session", "sort": [{"path": "/n", "descending": true}], "limit": 1}"#,
                listener: ListCallback { update in
                    _ = client.get(kind: "session", id: "load-1")
                    if update.items.first?.id == "load-10000" { topIs10000.complete() }
                }),
            try client.watchEntity(kind: "session", id: "load-10000", listener: EntityCallback { update in
                if let json = update.json { lastEntity.complete(json) }
            }),
        ]
        // Meanwhile four threads read the same client as fast as they can.
        let stopHammers = LockedFlag()
        let hammers = DispatchGroup()
        for _ in 0..<4 {
            hammers.enter()
            Thread {
                while !stopHammers.isSet && !allAdded.isCompleted {
                    _ = client.get(kind: "session", id: "load-5000")
                    _ = client.stats()
                    _ = client.metrics()
                }
                hammers.leave()
            }.start()
        }
        func stopAll() async {
            stopHammers.set()
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                hammers.notify(queue: .global()) { done.resume() }
            }
            for handle in handles { handle.cancel() }
            client.shutdown()
        }
        let entity: String
        do {
            entity = try await withTimeout(loadTimeoutSeconds) { () -> String in
                try await allAdded.value()
                try await topIs10000.value()
                return try await lastEntity.value()
            }
        } catch {
            await stopAll()
            throw error
        }
        await stopAll()
        print("10,000 events in \((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000) ms; \(client.metrics())")
        XCTAssertTrue(entity.contains(#""n":10000"#), entity)
        XCTAssertEqual(duplicates.current, 0)
        XCTAssertEqual(added.current.count, 10_000)
        let stats = client.stats()
        XCTAssertEqual(stats.received, 10_000)
        XCTAssertEqual(stats.applied, 10_000)
        XCTAssertEqual(client.metrics().events, 10_000)
        XCTAssertGreaterThan(reentrant.current, 0)
    }

    func testAThrowingListenerDoesNotKillTheWatcher() async throws {
        let client = try TetherClient.open(config: TestServer.config(TetherTests.ticker.url))
        let calls = Counter()
        let fifth = Deferred<Void>()
        let handle = try client.watchList(viewJson: sessions, listener: ListCallback { _ in
            let n = calls.add()
            if n >= 5 { fifth.complete() }
            if n <= 3 { throw ListenerBug("listener bug #\(n)") }
        })
        let stateCalls = Counter()
        let open = Deferred<Void>()
        let stateHandle = client.watchState(listener: StateCallback { state in
            if state == .open { open.complete() }
            if stateCalls.add() == 1 { throw ListenerBug("state listener bug") }
        })
        // Kotlin's finally { close() }: cancel and shut down here, Swift frees them after.
        defer {
            handle.cancel()
            stateHandle.cancel()
            client.shutdown()
        }
        try await withTimeout {
            try await fifth.value()
            try await open.value()
        }
        XCTAssertFalse(handle.isCancelled())
    }

    /// What the platform observers do (`TetherLifecycle.register()`): one process-wide signal
    /// reaches every open client, and a client opened in the background waits for the
    /// foreground without a request.
    func testProcessSignalsReachEveryClientAndClientsOpenedLater() async throws {
        let server = try TestServer("ticker.json")
        defer { server.close() }
        var config = TestServer.config(server.url)
        config.backgroundGraceMs = 0
        defer { setProcessAppState(state: .foreground) }
        let first = try Tether.open(config)
        defer { first.close() }
        let second = try Tether.open(config)
        defer { second.close() }
        try await withTimeout {
            _ = try await first.state.firstValue { $0 == .open }
            _ = try await second.state.firstValue { $0 == .open }
        }
        setProcessAppState(state: .background)
        let background = ConnectionState.suspended(reason: .background)
        try await withTimeout {
            _ = try await first.state.firstValue { $0 == background }
            _ = try await second.state.firstValue { $0 == background }
        }
        let requests = server.requests.count
        let late = try Tether.open(config)
        defer { late.close() }
        let lateState = try await withTimeout { try await late.state.firstValue { $0 != .idle } }
        XCTAssertEqual(lateState, background)
        XCTAssertEqual(server.requests.count, requests, "no request while in the background")
        setProcessAppState(state: .foreground)
        try await withTimeout {
            for tether in [first, second, late] {
                _ = try await tether.state.firstValue { $0 == .open }
            }
        }
    }

    /// One core client per `instanceName`: what React Native's JavaScript and native screens
    /// share.
    func testANamedInstanceIsSharedUntilClosed() async throws {
        var config = TestServer.config(TetherTests.small.url)
        config.instanceName = "swift-shared"
        XCTAssertNil(Tether.shared("swift-shared"))
        let native = try Tether.open(config)
        defer { native.close() }
        let js = try XCTUnwrap(Tether.shared("swift-shared"), "the open instance is found by name")
        let full = try await withTimeout { try await js.list(sessions).firstValue { $0.items.count == 3 } }
        XCTAssertEqual(full.items.map { $0.id }, ["s-alpha", "s-beta", "s-gamma"])
        do {
            let again = try Tether.open(config)
            defer { again.close() }
            XCTAssertEqual(native.lastEventId(), again.lastEventId(), "opening the name again attaches")
            XCTAssertEqual(native.stats(), again.stats())
        }
        // Closing any wrapper shuts the shared client down for all.
        XCTAssertNil(Tether.shared("swift-shared"))
        _ = try await withTimeout { try await native.state.firstValue { $0 == .closed(reason: .byClient) } }
        var other = config
        other.url = TetherTests.small.url + "?other"
        do {
            try Tether.open(other).close()
        } catch TetherError.Config(let reason) {
            XCTFail("a closed name can be opened again, with any URL: \(reason)")
        }
    }
}

private extension ConnectionState {
    var isFailed: Bool {
        if case .failed = self { return true }
        return false
    }
}
