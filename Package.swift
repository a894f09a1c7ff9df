// swift-tools-version:6.0
import PackageDescription

// Strict settings for every target (as Hummingbird's): existentials spelled `any`, imports
// internal unless a file says `public import` (what a module's API exposes is stated where it
// is used), and members visible only from modules the file itself imports.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Linux only: the code imports Glibc and uses epoll, so no Apple platform is declared (and
// none is claimed). Synchronization.Mutex needs Swift 6 on Linux.
let package = Package(
    name: "library-api",
    products: [
        .executable(name: "library-app", targets: ["LibraryCLI"]),
        // For the fuzz targets in Fuzz/ (a package of their own, built with -sanitize=fuzzer).
        .library(name: "JSON", targets: ["JSON"]),
        .library(name: "Security", targets: ["Security"]),
        .library(name: "FastCGI", targets: ["FastCGI"]),
        .library(name: "LibraryApp", targets: ["LibraryApp"]),
        .library(name: "Storage", targets: ["Storage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // The HTTP vocabulary of the Swift server ecosystem (Hummingbird, Vapor): status, method,
        // header fields (names checked as tokens, values cleaned of CR/LF/NUL).
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // Basics every module may need, with no dependency of its own: hex digits, UTC date
        // and time. The lowest layer, so Cache and Database need not depend on JSON or each other.
        .target(name: "Basics"),
        .testTarget(name: "BasicsTests", dependencies: ["Basics"]),

        // C libraries, one system-library target each (headers and link flags from pkg-config).
        .systemLibrary(
            name: "CFastCGI",
            pkgConfig: "fcgi",
            providers: [.apt(["libfcgi-dev"])]
        ),

        // Thin Swift wrappers: the only code that touches C pointers.
        .target(
            name: "FastCGI",
            dependencies: [
                "CFastCGI",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI"]),

        // JSON: a strict parser for request bodies and token parts, and a fast ordered writer.
        .target(name: "JSON", dependencies: ["Basics"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),

        // The domain types (User, Book, Loan) and their rules, free of HTTP and SQL.
        .target(name: "Models"),
        .testTarget(name: "ModelsTests", dependencies: ["Models"]),

        // All the SQL: the stores behind the repository protocols the handlers use, their
        // transactions and retries, and constraint violations turned into domain errors. No HTTP
        // type, no JSON: the handlers give it domain input.
        .target(name: "Storage", dependencies: ["Basics", "Database", "Models"]),
        // The same repositories in memory, with the same invariants and errors: handler tests
        // run in process against them, with no server.
        .target(name: "StorageInMemory", dependencies: ["Storage", "Database", "Models"], path: "Tests/StorageInMemory"),

        // The application: configuration, HTTP types, router, blueprints.
        .target(
            name: "LibraryApp",
            dependencies: [
                "Basics",
                "FastCGI",
                "JSON",
                "Database",
                "Cache",
                "Security",
                "Models",
                "Storage",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The `library-app` command: serve, and the administrative subcommands.
        .executableTarget(
            name: "LibraryCLI",
            dependencies: [
                "Basics",
                "LibraryApp",
                "FastCGI",
                "Cache",
                "Database",
                "Security",
                "Models",
                "Storage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MariaDB Connector/C, and its Swift wrapper (connections, statements, migrations).
        .systemLibrary(
            name: "CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]
        ),
        .target(
            name: "Database",
            dependencies: [
                "Basics",
                "CMariaDB",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Unit tests need no server; the integration tests start a throwaway mariadbd
        // (Tests/DatabaseIntegrationTests/Support) or use TEST_DATABASE_URL. They test the
        // stores of Storage too (StorageTests), on the same server.
        .testTarget(name: "DatabaseTests", dependencies: ["Database"]),
        .testTarget(
            name: "DatabaseIntegrationTests",
            dependencies: ["Database", "Storage", "Models", .product(name: "Logging", package: "swift-log")]
        ),

        // libmemcached, and its Swift wrapper (client, counters, fixed-window rate limiter).
        // Long keys are shortened with SHA-256 from Security (OpenSSL stays behind that one wrapper).
        .systemLibrary(
            name: "CMemcached",
            pkgConfig: "libmemcached",
            providers: [.apt(["libmemcached-dev"])]
        ),
        .target(
            name: "Cache",
            dependencies: [
                "Basics",
                "CMemcached",
                "Security",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Unit tests need no server; the integration tests start private memcached processes
        // (Tests/CacheIntegrationTests/Support).
        .testTarget(name: "CacheTests", dependencies: ["Cache", "Security"]),
        .testTarget(name: "CacheIntegrationTests", dependencies: ["Cache"]),

        .testTarget(
            name: "LibraryAppTests",
            dependencies: [
                "LibraryApp", "JSON", "FastCGI", "Security", "Cache", "Database", "Storage", "StorageInMemory", "Models",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),

        // Passwords (scrypt) and JWT (HS256) over libcrypto; the only code touching OpenSSL pointers.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "Security",
            dependencies: ["Basics", "COpenSSL", "JSON"]
        ),
        .testTarget(
            name: "SecurityTests",
            dependencies: ["Security", "Basics"]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + strictSettings
}
