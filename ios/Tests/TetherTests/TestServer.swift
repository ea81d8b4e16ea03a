import Foundation
import Tether

/// A scenario from `android/src/test/resources/` played on an OS-chosen loopback port: the
/// Swift twin of the Kotlin suite's `TestServer` (same scenarios, same URL shape, same request
/// log lines), serving in-process with `SSEServer` where the Kotlin one starts `tether serve`.
///
/// Each request is logged as `GET /events last-event-id="evt-3"` (never header values) into
/// `requests`; tests wait on those lines instead of sleeping.
final class TestServer: Sendable {
    let url: String
    private let server: SSEServer
    private let log: Watched<[String]>

    init(_ scenario: String) throws {
        let played = try Scenario.load(Fixtures.scenario(scenario))
        let log = Watched<[String]>([])
        self.log = log
        server = try SSEServer(scenario: played) { line in
            log.update { $0.append(line) }
        }
        url = "http://127.0.0.1:\(server.port)/events"
        server.start()
    }

    /// Request lines logged so far, in order (the Kotlin `requests.value`).
    var requests: [String] {
        log.current
    }

    /// The request lines now, then after every request (the Kotlin `requests` flow).
    func requestLog() -> AsyncStream<[String]> {
        log.values()
    }

    /// Waits (no timeout of its own: wrap it in `withTimeout`) for a logged request line
    /// matching `predicate`.
    func awaitRequest(_ predicate: @escaping @Sendable (String) -> Bool) async throws -> String {
        let lines = try await requestLog().firstValue { lines in lines.contains(where: predicate) }
        guard let line = lines.first(where: predicate) else {
            throw WaitFailure(description: "no matching request line")
        }
        return line
    }

    func close() {
        server.stop()
    }

    /// A server the whole suite shares; a scenario that cannot be served is a broken checkout.
    static func started(_ scenario: String) -> TestServer {
        do {
            return try TestServer(scenario)
        } catch {
            fatalError("cannot serve \(scenario): \(error)")
        }
    }

    /// The shared rules, `tests/fixtures/sync/sessions.rules.json`.
    static let rules: String = {
        do {
            return try String(contentsOf: Fixtures.rulesFile, encoding: .utf8)
        } catch {
            fatalError("cannot read \(Fixtures.rulesFile.path): \(error) (set TETHER_REPO?)")
        }
    }()

    static func config(_ url: String, rulesJson: String = rules) -> ClientConfig {
        ClientConfig(url: url, rulesJson: rulesJson, batchWindowMs: 5, initialRetryMs: 100)
    }
}
