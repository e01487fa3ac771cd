// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ChangeGate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "changegate", targets: ["ChangeGateCLI"]),
        .executable(name: "changegate-server", targets: ["ChangeGateServerCLI"]),
        .executable(name: "changegate-postgres", targets: ["ChangeGatePostgresCLI"]),
        .executable(name: "changegate-bench", targets: ["ChangeGateBench"]),
        .library(name: "ChangeGate", targets: ["ChangeGate"]),
        .library(name: "PolicyDSL", targets: ["PolicyDSL"]),
        .library(name: "ChangeGatePostgres", targets: ["ChangeGatePostgres"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // DocC (`make docs-api`); a command plugin, built only when invoked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
        // The service (`changegate serve`), linked only into `changegate-server`.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // The web view's templates (`/ui/…`), in the service only.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]
        ),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        .target(name: "PolicyDSL"),
        .target(
            name: "ChangeGate",
            dependencies: [
                "CGit2",
                "CYAML",
                "PolicyDSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The shared trail on PostgreSQL: a target of its own, so that what does not use it does not
        // link swift-nio.
        .target(
            name: "ChangeGatePostgres",
            dependencies: [
                "ChangeGate",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // The failover simulation (`changegate simulate`): real clusters on loopback, started as
        // processes. Foundation and the library only, so that the hook's binary stays as light.
        .target(name: "ChangeGateSimulation", dependencies: ["ChangeGate"]),
        // The commands, parsed and run; shared by the two executables below.
        .target(
            name: "ChangeGateCommands",
            dependencies: [
                "ChangeGate",
                "ChangeGateSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `changegate`, the hook's binary: no swift-nio, so that each push starts it fast. It hands a
        // PostgreSQL location to `changegate-postgres` and `serve` to `changegate-server` (ServerDispatch).
        .executableTarget(
            name: "ChangeGateCLI",
            dependencies: [
                "ChangeGate",
                "ChangeGateCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The service: its configuration, webhooks, API and metrics over Hummingbird. A target of its
        // own, linked only into `changegate-server`: the hook's binary never pays for it.
        .target(
            name: "ChangeGateServer",
            dependencies: [
                "ChangeGate",
                "ChangeGatePostgres",
                "PolicyDSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // `changegate-postgres`: the same commands with PostgreSQL, and nothing of the service (no
        // Hummingbird, no URLSession and so no libcurl): what `changegate` hands a PostgreSQL location to.
        .executableTarget(
            name: "ChangeGatePostgresCLI",
            dependencies: ["ChangeGateCommands", "ChangeGatePostgres"]
        ),
        // `changegate-server`: the same commands with PostgreSQL, and `serve`.
        .executableTarget(
            name: "ChangeGateServerCLI",
            dependencies: [
                "ChangeGate", "ChangeGateCommands", "ChangeGatePostgres", "ChangeGateServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "ChangeGateBench", dependencies: ["ChangeGate", "PolicyDSL", "TestSupport"]),
        // What the tests and the bench share: the seeded generator and the synthetic audit trail.
        .target(name: "TestSupport", dependencies: ["ChangeGate"], path: "Tests/TestSupport"),
        // The audit tests' writer processes (many at once, one killed mid-append).
        .executableTarget(
            name: "ChangeGateAuditFill", dependencies: ["ChangeGate", "ChangeGatePostgres", "TestSupport"],
            path: "Tests/AuditFill"),
        .testTarget(
            name: "ChangeGateTests",
            dependencies: [
                "ChangeGate", "ChangeGateCommands", "ChangeGatePostgres", "ChangeGateSimulation", "TestSupport",
            ]),
        .testTarget(name: "PolicyDSLTests", dependencies: ["PolicyDSL", "TestSupport"]),
        // The service started for real on a loopback port.
        .testTarget(
            name: "ChangeGateServerTests",
            dependencies: [
                "ChangeGate", "ChangeGateCommands", "ChangeGateServer", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
