// swift-tools-version:6.1
import PackageDescription

// Engine targets (AnchorDICOM, AnchorRT, ...) import no web stack, so they and their tests build in
// seconds; docs/architecture.md describes the module graph.
//
// ANCHOR_ENGINE_ONLY=1 leaves the platform out (the server, its tests and `serve`, `demo`, `admin`):
// the engine, its tests and the rest of the `anchor` command line then build without Vapor.
let engineOnly = Context.environment["ANCHOR_ENGINE_ONLY"] == "1"

let platformDependencies: [Package.Dependency] = engineOnly ? [] : [
    .package(url: "https://github.com/vapor/vapor", from: "4.110.0"),
    .package(url: "https://github.com/vapor/fluent", from: "4.12.0"),
    .package(url: "https://github.com/vapor/fluent-sqlite-driver", from: "4.8.0"),
    .package(url: "https://github.com/vapor/fluent-postgres-driver", from: "2.10.0"),
    .package(url: "https://github.com/vapor/leaf", from: "4.4.0"),
]

let platformTargets: [Target] = engineOnly ? [] : [
    // The platform: Vapor, Fluent (SQLite by default, PostgreSQL with DATABASE_URL), Leaf pages.
    .target(
        name: "AnchorServer",
        dependencies: [
            "AnchorDICOM", "AnchorRT", "AnchorDosimetry", "AnchorQA", "AnchorPhantoms",
            .product(name: "Vapor", package: "vapor"),
            .product(name: "Fluent", package: "fluent"),
            .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
            .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
            .product(name: "Leaf", package: "leaf"),
        ],
        resources: [.copy("Resources")]
    ),
    // `anchor serve`, `anchor demo`, `anchor admin`.
    .target(
        name: "AnchorPlatformCLI",
        dependencies: [
            "AnchorCLI", "AnchorServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]
    ),
    .testTarget(name: "AnchorServerTests", dependencies: [
        "AnchorServer", "AnchorTestSupport", .product(name: "VaporTesting", package: "vapor"),
    ]),
]

let package = Package(
    name: "Anchor",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "AnchorDICOM", targets: ["AnchorDICOM"]),
        .library(name: "AnchorRT", targets: ["AnchorRT"]),
        .library(name: "AnchorDosimetry", targets: ["AnchorDosimetry"]),
        .library(name: "AnchorQA", targets: ["AnchorQA"]),
        .library(name: "AnchorPhantoms", targets: ["AnchorPhantoms"]),
        .executable(name: "anchor", targets: ["anchor"]),
        .executable(name: "anchor-fuzz", targets: ["AnchorFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ] + platformDependencies,
    targets: [
        // The system zlib: raw DEFLATE and CRC-32 for deflated data sets and zip archives.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .target(name: "AnchorDICOM", dependencies: ["CZlib"]),
        .target(name: "AnchorRT", dependencies: ["AnchorDICOM"]),
        .target(name: "AnchorDosimetry", dependencies: ["AnchorRT"]),
        .target(
            name: "AnchorQA",
            dependencies: ["AnchorDosimetry", "AnchorRT", .product(name: "Yams", package: "Yams")],
            resources: [.copy("Resources/Protocols")]
        ),
        .target(name: "AnchorPhantoms", dependencies: ["AnchorRT", "AnchorDICOM"]),
        .target(
            name: "AnchorCLI",
            dependencies: [
                "AnchorDICOM", "AnchorRT", "AnchorDosimetry", "AnchorQA", "AnchorPhantoms",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "anchor", dependencies: engineOnly ? ["AnchorCLI"] : ["AnchorCLI", "AnchorPlatformCLI"]),
        // Replays saved inputs normally; a libFuzzer entry point when built with
        // `swift build --product anchor-fuzz --sanitize=fuzzer -Xswiftc -DFUZZING`.
        .executableTarget(name: "AnchorFuzz", dependencies: ["AnchorDICOM", "AnchorRT", "AnchorDosimetry"]),
        .target(name: "AnchorTestSupport", dependencies: ["AnchorDICOM", "AnchorRT", "AnchorDosimetry", "AnchorPhantoms", "CZlib"], path: "Tests/AnchorTestSupport"),
        .testTarget(name: "AnchorDICOMTests", dependencies: ["AnchorDICOM", "AnchorRT", "AnchorTestSupport"], resources: [.copy("Regressions")]),
        .testTarget(name: "AnchorRTTests", dependencies: ["AnchorRT", "AnchorTestSupport"]),
        .testTarget(name: "AnchorDosimetryTests", dependencies: ["AnchorDosimetry", "AnchorTestSupport"]),
        .testTarget(name: "AnchorQATests", dependencies: ["AnchorQA", "AnchorTestSupport"]),
        .testTarget(name: "AnchorPhantomsTests", dependencies: ["AnchorPhantoms", "AnchorDosimetry", "AnchorTestSupport"]),
        .testTarget(name: "AnchorCLITests", dependencies: ["AnchorCLI", "AnchorRT", "AnchorTestSupport"]),
    ] + platformTargets
)
