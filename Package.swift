// swift-tools-version: 6.1
import PackageDescription

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

/// Where glib's headers are, which libvips's headers include: Homebrew's on macOS, Debian's
/// multiarch folders on Linux.
let glibIncludes: [SwiftSetting] = {
    #if os(macOS)
    let folders = ["/opt/homebrew/include/glib-2.0", "/opt/homebrew/lib/glib-2.0/include", "/opt/homebrew/include",
                   "/usr/local/include/glib-2.0", "/usr/local/lib/glib-2.0/include", "/usr/local/include"]
    #elseif arch(arm64)
    let folders = ["/usr/include/glib-2.0", "/usr/lib/aarch64-linux-gnu/glib-2.0/include"]
    #else
    let folders = ["/usr/include/glib-2.0", "/usr/lib/x86_64-linux-gnu/glib-2.0/include"]
    #endif
    return [.unsafeFlags(folders.flatMap { ["-Xcc", "-I" + $0] })]
}()

/// Where the linker finds libvips and glib: Homebrew's folders on macOS; Linux's defaults suffice.
let libraryFolders: [LinkerSetting] = {
    #if os(macOS)
    return [.unsafeFlags(["-L/opt/homebrew/lib", "-L/usr/local/lib"])]
    #else
    return []
    #endif
}()

let package = Package(
    name: "Facet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "facet", targets: ["facet"]),
        .library(name: "GROQ", targets: ["GROQ"]),
        .library(name: "FacetStore", targets: ["FacetStore"]),
        .library(name: "FacetPostgres", targets: ["FacetPostgres"]),
        .library(name: "FacetSchema", targets: ["FacetSchema"]),
        .library(name: "SchemaTypes", targets: ["SchemaTypes"]),
        .library(name: "StudioConfig", targets: ["StudioConfig"]),
        .library(name: "FacetSecurity", targets: ["FacetSecurity"]),
        .library(name: "FacetAnalytics", targets: ["FacetAnalytics"]),
        .library(name: "FacetServer", targets: ["FacetServer"]),
        .library(name: "FacetMigration", targets: ["FacetMigration"]),
        .library(name: "Migrations", targets: ["Migrations"]),
        .library(name: "FacetAssets", targets: ["FacetAssets"]),
        .library(name: "FacetWebhooks", targets: ["FacetWebhooks"]),
        .library(name: "FacetSchedules", targets: ["FacetSchedules"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // The query language alone: JSON values, lexer, parser, evaluator, functions.
        .target(
            name: "GROQ",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: strictSwift
        ),
        // The document engine: mutations, transactions, history, drafts, references, listeners,
        // import/export, over a storage backend (SQLite through GRDB by default).
        .target(
            name: "FacetStore",
            dependencies: [
                "GROQ",
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HashTreeCollections", package: "swift-collections"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSwift
        ),
        // The PostgreSQL backend: datasets, history and commit notices in a database that several
        // servers share, behind the same storage protocol as SQLite.
        .target(
            name: "FacetPostgres",
            dependencies: [
                "GROQ", "FacetStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // The schema DSL and the compiled, self-checked schema (validation and structure follow).
        .target(
            name: "FacetSchema",
            dependencies: ["GROQ", "FacetStore", .product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: strictSwift
        ),
        // Identities, sessions, roles and permissions, field encryption, threat detection, the audit log.
        .target(
            name: "FacetSecurity",
            dependencies: [
                "GROQ", "FacetStore", "FacetSchema",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: strictSwift
        ),
        // GROQ-filtered webhooks: hooks, the outbox that follows each dataset's log, signed delivery
        // with retries, and the log of attempts.
        .target(
            name: "FacetWebhooks",
            dependencies: [
                "GROQ", "FacetStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        // Scheduled publishing: documents published or unpublished at a time, once, under a lease.
        .target(name: "FacetSchedules", dependencies: ["GROQ", "FacetStore"], swiftSettings: strictSwift),
        // libvips, the image library (Debian's libvips-dev), through non-variadic wrappers.
        // The include paths are glib's, given here rather than through pkg-config, whose flags
        // for libvips carry `-pthread`, which the package manager refuses with a warning.
        .systemLibrary(name: "CVips", providers: [.apt(["libvips-dev"])]),
        // zlib, for the gzip of dataset archives (Sanity's export .tar.gz).
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Uploaded images and files: type sniffing, image metadata and transforms, content-addressed storage.
        .target(
            name: "FacetAssets",
            dependencies: ["GROQ", "FacetStore", "CVips", "CZlib", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSwift + glibIncludes,
            linkerSettings: libraryFolders
        ),
        // Content migrations: the DSL (document and node handlers), the dry-run planner, and the
        // runner that applies them through the mutation pipeline and records what was applied.
        .target(
            name: "FacetMigration",
            dependencies: ["GROQ", "FacetStore", "FacetSchema", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSwift
        ),
        // The CRM's migrations, one file each, and the registry that lists them.
        .target(name: "Migrations", dependencies: ["FacetMigration", "SchemaTypes", "GROQ"], path: "migrations", swiftSettings: strictSwift),
        // Statistics and predictive models over plain Swift values (no HTTP, no GROQ).
        .target(name: "FacetAnalytics", swiftSettings: strictSwift),
        // The CRM's content model: its 13 document types, declared with the schema DSL.
        .target(name: "SchemaTypes", dependencies: ["FacetSchema", "FacetAnalytics", "GROQ"], path: "schemaTypes", swiftSettings: strictSwift),
        // The CRM's studio: desk structure, document actions and role policies.
        .target(name: "StudioConfig", dependencies: ["SchemaTypes", "FacetSchema", "FacetStore", "FacetSecurity", "FacetAnalytics", "GROQ"], path: "studio-config", swiftSettings: strictSwift),
        // The studio HTTP API: Sanity's data endpoints, the schema and structure, live updates.
        .target(
            name: "FacetServer",
            dependencies: [
                "GROQ", "FacetStore", "FacetSchema", "FacetSecurity", "FacetAssets", "FacetWebhooks", "FacetSchedules",
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The web studio: plain HTML, CSS and JavaScript modules, served as they are.
            resources: [.copy("Studio")],
            swiftSettings: strictSwift
        ),
        // The command line: thin, parses arguments and calls the libraries.
        .executableTarget(
            name: "facet",
            dependencies: [
                "GROQ",
                "FacetStore",
                "FacetPostgres",
                "FacetSchema",
                "SchemaTypes",
                "StudioConfig",
                "FacetSecurity",
                "FacetAnalytics",
                "FacetServer",
                "FacetAssets",
                "FacetWebhooks",
                "FacetSchedules",
                "FacetMigration",
                "Migrations",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "GROQTests", dependencies: ["GROQ", "TestSupport"], exclude: ["conformance-baseline.json"], swiftSettings: strictSwift),
        .testTarget(name: "FacetSchemaTests", dependencies: ["TestSupport", "FacetSchema", "FacetStore", "GROQ"], swiftSettings: strictSwift),
        .testTarget(name: "SchemaTypesTests", dependencies: ["TestSupport", "SchemaTypes", "StudioConfig", "FacetAnalytics", "FacetSchema", "FacetStore", "GROQ"],
                    swiftSettings: strictSwift),
        // What several test targets share: running long synchronous work off the task threads.
        .target(name: "TestSupport",
                dependencies: ["FacetAssets", "FacetStore", "FacetPostgres",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "HummingbirdTesting", package: "hummingbird"),
                               .product(name: "Crypto", package: "swift-crypto")],
                path: "Tests/TestSupport", swiftSettings: strictSwift),
        .testTarget(name: "FacetServerTests",
                    dependencies: ["TestSupport", "FacetServer", "FacetSchedules", "FacetAssets", "FacetStore", "FacetSchema", "FacetSecurity", "GROQ", "SchemaTypes", "StudioConfig",
                                   .product(name: "HummingbirdTesting", package: "hummingbird"),
                                   .product(name: "GRDB", package: "GRDB.swift"),
                                   .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                    swiftSettings: strictSwift),
        .testTarget(name: "FacetSecurityTests",
                    dependencies: ["TestSupport", "FacetPostgres", "FacetSecurity", "FacetStore", "FacetSchema", "GROQ", "SchemaTypes", "StudioConfig",
                                   .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
                                   .product(name: "JWTKit", package: "jwt-kit")],
                    swiftSettings: strictSwift),
        .testTarget(name: "FacetAnalyticsTests", dependencies: ["FacetAnalytics", "TestSupport"], resources: [.copy("Fixtures")], swiftSettings: strictSwift),
        .testTarget(name: "FacetAssetsTests", dependencies: ["TestSupport", "FacetAssets", "FacetStore", "GROQ"], swiftSettings: strictSwift + glibIncludes),
        .testTarget(name: "FacetStoreTests", dependencies: ["TestSupport", "FacetStore", "FacetPostgres", "GROQ"], swiftSettings: strictSwift),
        .testTarget(name: "FacetWebhooksTests",
                    dependencies: ["TestSupport", "FacetWebhooks", "FacetSchedules", "FacetStore", "FacetPostgres", "GROQ",
                                   .product(name: "Crypto", package: "swift-crypto"),
                                   .product(name: "Hummingbird", package: "hummingbird"),
                                   .product(name: "HummingbirdTesting", package: "hummingbird")],
                    swiftSettings: strictSwift),
        .testTarget(name: "FacetCLITests",
                    dependencies: ["TestSupport", "GROQ", "FacetStore", "FacetAssets",
                                   .product(name: "Hummingbird", package: "hummingbird"),
                                   .product(name: "HummingbirdTesting", package: "hummingbird")],
                    swiftSettings: strictSwift),
        .testTarget(name: "FacetMigrationTests",
                    dependencies: ["TestSupport", "FacetMigration", "Migrations", "FacetStore", "FacetSchema", "SchemaTypes", "GROQ"],
                    swiftSettings: strictSwift),
    ]
)
