import Foundation

/// The repository's shared test data, read in place: the scenarios of the Kotlin JVM suite
/// (`android/src/test/resources/`) and the shared rules (`tests/fixtures/sync/`), so both
/// suites run on the same files. Paths come from this file's own location (#filePath), which
/// a macOS test run and the iOS simulator can both read; `TETHER_REPO` overrides the
/// repository root (for a checkout that moved after the build).
enum Fixtures {
    static let repository: URL = {
        if let root = ProcessInfo.processInfo.environment["TETHER_REPO"], !root.isEmpty {
            return URL(fileURLWithPath: root, isDirectory: true)
        }
        // ios/Tests/TetherTests/Fixtures.swift → the repository root is four levels up.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 {
            url.deleteLastPathComponent()
        }
        return url
    }()

    /// A scenario file of the Kotlin suite, e.g. `ticker.json`.
    static func scenario(_ name: String) -> URL {
        repository.appendingPathComponent("android/src/test/resources/\(name)")
    }

    /// The routing rules every test uses.
    static let rulesFile = repository.appendingPathComponent("tests/fixtures/sync/sessions.rules.json")
}
