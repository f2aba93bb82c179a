// swift-tools-version:6.1
import PackageDescription

// Engine targets (AnchorDICOM, AnchorRT, ...) import Foundation only, so they and their tests
// build in seconds; see ../shared/ARCHITECTURE.md for the module graph.
let package = Package(
    name: "Anchor",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "AnchorDICOM", targets: ["AnchorDICOM"]),
        .library(name: "AnchorRT", targets: ["AnchorRT"]),
        .library(name: "AnchorDosimetry", targets: ["AnchorDosimetry"]),
        .executable(name: "anchor", targets: ["anchor"]),
        .executable(name: "anchor-fuzz", targets: ["AnchorFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "AnchorDICOM"),
        .target(name: "AnchorRT", dependencies: ["AnchorDICOM"]),
        .target(name: "AnchorDosimetry", dependencies: ["AnchorRT"]),
        .target(
            name: "AnchorCLI",
            dependencies: [
                "AnchorDICOM", "AnchorRT", "AnchorDosimetry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "anchor", dependencies: ["AnchorCLI"]),
        // Replays saved inputs normally; a libFuzzer entry point when built with
        // `swift build --product anchor-fuzz --sanitize=fuzzer -Xswiftc -DFUZZING`.
        .executableTarget(name: "AnchorFuzz", dependencies: ["AnchorDICOM", "AnchorRT"]),
        .target(name: "AnchorTestSupport", dependencies: ["AnchorDICOM", "AnchorRT", "AnchorDosimetry"], path: "Tests/AnchorTestSupport"),
        .testTarget(name: "AnchorDICOMTests", dependencies: ["AnchorDICOM", "AnchorTestSupport"], resources: [.copy("Regressions")]),
        .testTarget(name: "AnchorRTTests", dependencies: ["AnchorRT", "AnchorTestSupport"]),
        .testTarget(name: "AnchorDosimetryTests", dependencies: ["AnchorDosimetry", "AnchorTestSupport"]),
        .testTarget(name: "AnchorCLITests", dependencies: ["AnchorCLI", "AnchorTestSupport"]),
    ]
)
