// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "library-api",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "library-app", targets: ["LibraryCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
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

        // The application: configuration, HTTP types, router, blueprints.
        .target(
            name: "LibraryApp",
            dependencies: [
                "FastCGI",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The `library-app` command: serve, and the administrative subcommands.
        .executableTarget(
            name: "LibraryCLI",
            dependencies: [
                "LibraryApp",
                "FastCGI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(
            name: "LibraryAppTests",
            dependencies: ["LibraryApp"]
        ),
    ]
)
