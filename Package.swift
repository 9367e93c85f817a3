// swift-tools-version: 6.1
import PackageDescription

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "Facet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "facet", targets: ["facet"]),
        .library(name: "GROQ", targets: ["GROQ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // The query language alone: JSON values, lexer, parser, evaluator, functions.
        .target(
            name: "GROQ",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: strictSwift
        ),
        // The command line: thin, parses arguments and calls the libraries.
        .executableTarget(
            name: "facet",
            dependencies: [
                "GROQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "GROQTests", dependencies: ["GROQ"], exclude: ["conformance-baseline.json"], swiftSettings: strictSwift),
        .testTarget(name: "FacetCLITests", dependencies: ["GROQ"], swiftSettings: strictSwift),
    ]
)
