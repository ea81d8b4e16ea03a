// swift-tools-version:5.9
// Tools 5.9 (Xcode 15+, Xcode 16 included): the targets build in the Swift 5 language mode
// with complete concurrency checking as warnings. The generated UniFFI bindings are not
// Swift 6 language-mode clean; the hand-written layer is written to be.
import PackageDescription

let strictConcurrency: [SwiftSetting] = [.enableExperimentalFeature("StrictConcurrency")]

let package = Package(
    name: "Tether",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Tether", targets: ["Tether"]),
    ],
    targets: [
        // The Rust core as a static library per platform, with the C header and the
        // `TetherFFI` module map: built by scripts/build-xcframework (git-ignored output).
        // A release publishes the zipped XCFramework and swaps this line for the remote form:
        //   .binaryTarget(name: "TetherFFI",
        //                 url: "https://<release host>/TetherFFI.xcframework.zip",
        //                 checksum: "<swift package compute-checksum TetherFFI.xcframework.zip>"),
        .binaryTarget(name: "TetherFFI", path: "TetherFFI.xcframework"),
        // The generated bindings (Sources/Tether/Generated/Tether.swift, copied in by the
        // script) and the thin layer over them.
        .target(
            name: "Tether",
            dependencies: ["TetherFFI"],
            path: "Sources/Tether",
            swiftSettings: strictConcurrency
        ),
        // The XCTest mirror of android/src/sharedTest/kotlin/dev/tether/TetherTest.kt. It reads
        // the scenarios and rules from the repository through #filePath (see README.md).
        .testTarget(
            name: "TetherTests",
            dependencies: ["Tether"],
            path: "Tests/TetherTests",
            swiftSettings: strictConcurrency
        ),
    ]
)
