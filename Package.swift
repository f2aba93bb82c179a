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
    // Imported by the server directly (they also come with Vapor, Fluent and Leaf).
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
    .package(url: "https://github.com/vapor/multipart-kit", from: "4.5.0"),
    .package(url: "https://github.com/vapor/leaf-kit", from: "1.10.0"),
    .package(url: "https://github.com/vapor/fluent-kit", from: "1.48.0"),
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
            .product(name: "LeafKit", package: "leaf-kit"),
            .product(name: "FluentSQL", package: "fluent-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "MultipartKit", package: "multipart-kit"),
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
        .library(name: "AnchorPlanning", targets: ["AnchorPlanning"]),
        .library(name: "AnchorNetwork", targets: ["AnchorNetwork"]),
        .executable(name: "anchor", targets: ["anchor"]),
        .executable(name: "anchor-fuzz", targets: ["AnchorFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
    ] + platformDependencies,
    targets: [
        // Compressed pixel data (JPEG-LS, JPEG 2000, 8-bit DCT JPEG) through Debian's C libraries; the
        // README's "Compressed pixel data" section lists the -dev packages these need.
        .systemLibrary(name: "CCharLS", pkgConfig: "charls", providers: [.apt(["libcharls-dev"])]),
        .systemLibrary(name: "COpenJPEG", pkgConfig: "libopenjp2", providers: [.apt(["libopenjp2-7-dev"])]),
        .systemLibrary(name: "CLibJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .target(name: "CAnchorCodecs", dependencies: ["COpenJPEG", "CLibJPEG"]),
        // SHA-256 and HMAC for de-identification from swift-crypto.
        // The system zlib: raw DEFLATE and CRC-32 for deflated data sets and zip archives.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // SHA-256 and HMAC for de-identification from swift-crypto.
        .target(name: "AnchorDICOM", dependencies: ["CCharLS", "CAnchorCodecs", "CZlib", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "AnchorRT", dependencies: ["AnchorDICOM"]),
        .target(name: "AnchorDosimetry", dependencies: ["AnchorRT"]),
        .target(
            name: "AnchorQA",
            dependencies: ["AnchorDosimetry", "AnchorRT", .product(name: "Yams", package: "Yams")],
            resources: [.copy("Resources/Protocols"), .copy("Resources/LateEffects")]
        ),
        .target(name: "AnchorPhantoms", dependencies: ["AnchorRT", "AnchorDICOM"]),
        // National service planning: demand for paediatric radiotherapy against capacity (Foundation only).
        .target(name: "AnchorPlanning", resources: [.copy("Resources/Data")]),
        // DICOM upper layer (PS3.8) and DIMSE C-ECHO / C-STORE (PS3.7) on SwiftNIO.
        .target(
            name: "AnchorNetwork",
            dependencies: [
                "AnchorDICOM", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "AnchorCLI",
            dependencies: [
                "AnchorDICOM", "AnchorRT", "AnchorDosimetry", "AnchorQA", "AnchorPhantoms", "AnchorPlanning", "AnchorNetwork",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(name: "anchor", dependencies: engineOnly ? ["AnchorCLI"] : ["AnchorCLI", "AnchorPlatformCLI"]),
        // Replays saved inputs normally; a libFuzzer entry point when built with
        // `swift build --product anchor-fuzz --sanitize=fuzzer -Xswiftc -DFUZZING`.
        .executableTarget(name: "AnchorFuzz", dependencies: ["AnchorDICOM", "AnchorRT", "AnchorDosimetry"]),
        .target(name: "AnchorTestSupport", dependencies: ["AnchorDICOM", "AnchorRT", "AnchorDosimetry", "AnchorPhantoms", "CZlib"], path: "Tests/AnchorTestSupport"),
        .testTarget(name: "AnchorDICOMTests", dependencies: ["AnchorDICOM", "AnchorRT", "AnchorTestSupport"], resources: [.copy("Regressions")]),
        .testTarget(name: "AnchorRTTests", dependencies: ["AnchorRT", "AnchorPhantoms", "AnchorTestSupport"]),
        .testTarget(name: "AnchorDosimetryTests", dependencies: ["AnchorDosimetry", "AnchorTestSupport"]),
        .testTarget(name: "AnchorQATests", dependencies: ["AnchorQA", "AnchorTestSupport"]),
        .testTarget(name: "AnchorPhantomsTests", dependencies: ["AnchorPhantoms", "AnchorDosimetry", "AnchorTestSupport"]),
        .testTarget(name: "AnchorNetworkTests", dependencies: ["AnchorNetwork", "AnchorPhantoms", "AnchorTestSupport"]),
        .testTarget(name: "AnchorCLITests", dependencies: ["AnchorCLI", "AnchorRT", "AnchorTestSupport", "AnchorNetwork"]),
        .testTarget(name: "AnchorPlanningTests", dependencies: ["AnchorPlanning", "AnchorTestSupport"]),
    ] + platformTargets
)
