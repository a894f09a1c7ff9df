// swift-tools-version:6.0
// libFuzzer targets for the parsers of hostile input (docs/testing.md, Fuzzing). A package of
// its own, so that `swift build`, `swift test` and the release build of the main package never
// compile them nor pay for the sanitizer; its build directory (Fuzz/.build) holds the
// instrumented copies of the fuzzed modules. Build with `make fuzz`, or:
//   swift build --package-path Fuzz -Xswiftc -sanitize=fuzzer,address
import PackageDescription

// The main package's strict settings (its Package.swift) for these targets too.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "library-api-fuzz",
    dependencies: [
        .package(name: "library-api", path: ".."),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // libFuzzer's entry point, called from each target's main (see FuzzSupport).
        .target(name: "CFuzzerDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzerDriver"]),

        .executableTarget(
            name: "FuzzJSON",
            dependencies: [
                "FuzzSupport", .product(name: "JSON", package: "library-api"),
            ]),
        .executableTarget(
            name: "FuzzJWT",
            dependencies: [
                "FuzzSupport", .product(name: "Security", package: "library-api"),
            ]),
        .executableTarget(
            name: "FuzzCGIParameters",
            dependencies: [
                "FuzzSupport", .product(name: "FastCGI", package: "library-api"),
            ]),
        .executableTarget(
            name: "FuzzQuery",
            dependencies: [
                "FuzzSupport", .product(name: "LibraryApp", package: "library-api"),
                .product(name: "Storage", package: "library-api"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
        .executableTarget(
            name: "FuzzHeaders",
            dependencies: [
                "FuzzSupport", .product(name: "LibraryApp", package: "library-api"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
        .executableTarget(
            name: "FuzzCacheEntry",
            dependencies: [
                "FuzzSupport", .product(name: "LibraryApp", package: "library-api"),
            ]),
        .executableTarget(
            name: "FuzzRequestBody",
            dependencies: [
                "FuzzSupport", .product(name: "LibraryApp", package: "library-api"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JSON", package: "library-api"),
            ]),
    ]
)

for target in package.targets {
    target.swiftSettings = (target.swiftSettings ?? []) + strictSettings
}
