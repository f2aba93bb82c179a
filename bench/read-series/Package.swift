// swift-tools-version:6.1
import PackageDescription

// Benchmarks live outside the main build: `swift build -c release --package-path bench/read-series`.
// Run them through bench/read-series/run.sh, which also measures cat, dcmdump and pydicom on the same files.
let package = Package(
    name: "AnchorBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Anchor", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "read-series",
            dependencies: [
                .product(name: "AnchorDICOM", package: "Anchor"),
                .product(name: "AnchorRT", package: "Anchor"),
            ],
            path: "Sources/read-series"
        ),
    ]
)
