import Foundation

/// Apple platform facts the core cannot know on its own.
///
/// Loading the library: nothing to call. `TetherFFI.xcframework` is a static library linked
/// into the app; the generated bindings check on first use that they match it.
public enum TetherApple {
    /// Where the cache lives by default: `Application Support/tether/cache.db`, the `tether`
    /// folder excluded from iCloud and iTunes/Finder backups (a restored cache would resume
    /// from a stale event id; the folder rather than the file, so SQLite's `-wal` and `-shm`
    /// files are excluded too). On macOS, where Application Support is shared by every
    /// unsandboxed app, the folder sits under the bundle identifier. Creates the folders
    /// (SQLite does not) and returns the file's URL, which the core creates.
    /// Use it as `ClientConfig(..., sqlitePath: try TetherApple.defaultDatabasePath().path)`.
    public static func defaultDatabasePath() throws -> URL {
        let files = FileManager.default
        let support = try files.url(
            for: .applicationSupportDirectory, in: .userDomainMask,
            appropriateFor: nil, create: true)
        #if os(macOS)
        let base = Bundle.main.bundleIdentifier.map {
            support.appendingPathComponent($0, isDirectory: true)
        } ?? support
        #else
        let base = support
        #endif
        var folder = base.appendingPathComponent("tether", isDirectory: true)
        try files.createDirectory(at: folder, withIntermediateDirectories: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try folder.setResourceValues(values)
        return folder.appendingPathComponent("cache.db", isDirectory: false)
    }
}
