import Foundation
import Glibc
import Testing
@testable import FastCGI

/// `serve --socket`: who may connect to the socket the app makes itself.
@Suite(.serialized) struct ListenSocketTests {
    private func temporaryPath() -> String {
        NSTemporaryDirectory() + "library-listen-\(getpid())-\(UUID().uuidString.prefix(8)).sock"
    }

    private func fileStatus(_ path: String) -> stat {
        var status = stat()
        #expect(stat(path, &status) == 0)
        return status
    }

    private func boundAddress(_ fd: Int32) -> (family: Int32, address: String) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let family = Int32(storage.ss_family)
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        withUnsafeBytes(of: &storage) { raw in
            if family == AF_INET {
                var address = raw.load(as: sockaddr_in.self).sin_addr
                inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
            } else if family == AF_INET6 {
                var address = raw.load(as: sockaddr_in6.self).sin6_addr
                inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
            }
        }
        return (family, String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    // MARK: parsing

    @Test func addressesParse() throws {
        #expect(try ListenAddress(parsing: "/run/app.sock") == .unix(path: "/run/app.sock"))
        #expect(try ListenAddress(parsing: "app.sock") == .unix(path: "app.sock"))
        #expect(try ListenAddress(parsing: ":9000") == .tcp(host: "127.0.0.1", port: 9000))
        #expect(try ListenAddress(parsing: "0.0.0.0:9000") == .tcp(host: "0.0.0.0", port: 9000))
        #expect(try ListenAddress(parsing: "10.0.0.5:9000") == .tcp(host: "10.0.0.5", port: 9000))
        #expect(try ListenAddress(parsing: "[::1]:9000") == .tcp(host: "::1", port: 9000))
        #expect(try ListenAddress(parsing: "localhost:9000") == .tcp(host: "localhost", port: 9000))
    }

    @Test(arguments: [":", ":x", ":70000", "host:", ":-1", ":９０"])
    func badPortsAreRefused(_ text: String) {
        #expect(throws: ListenAddress.ParseError.badPort(text)) { try ListenAddress(parsing: text) }
    }

    @Test(arguments: ["::1:9000", "[::1:9000", "[]:9000"])
    func ipv6WithoutBracketsIsRefused(_ text: String) {
        #expect(throws: ListenAddress.ParseError.badHost(text)) { try ListenAddress(parsing: text) }
    }

    // MARK: Unix socket

    @Test func unixSocketIsOnlyForOwnerAndGroup() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let socket = try ListenSocket.open(.unix(path: path))
        defer { close(socket.fileDescriptor) }
        let status = fileStatus(path)
        #expect(status.st_mode & S_IFMT == S_IFSOCK)
        #expect(status.st_mode & 0o777 == 0o660)
        #expect(status.st_gid == getegid())
    }

    @Test func unixSocketTakesTheGivenGroupByNameOrNumber() throws {
        // Root may give any group; anyone else one of their own.
        let groupID: gid_t = geteuid() == 0 ? 65534 : getegid()
        let name = getgrgid(groupID).map { String(cString: $0.pointee.gr_name) } ?? String(groupID)
        for group in [name, String(groupID)] {
            let path = temporaryPath()
            defer { unlink(path) }
            let socket = try ListenSocket.open(.unix(path: path), group: group)
            defer { close(socket.fileDescriptor) }
            let status = fileStatus(path)
            #expect(status.st_gid == groupID)
            #expect(status.st_mode & 0o777 == 0o660)
        }
    }

    @Test func aStaleSocketIsReplacedAndStillRestricted() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        close(try ListenSocket.open(.unix(path: path)).fileDescriptor)
        chmod(path, 0o666)
        let socket = try ListenSocket.open(.unix(path: path))
        defer { close(socket.fileDescriptor) }
        #expect(fileStatus(path).st_mode & 0o777 == 0o660)
    }

    @Test func anUnknownGroupIsAClearError() {
        let path = temporaryPath()
        defer { unlink(path) }
        #expect(throws: ListenSocket.Failure.self) {
            try ListenSocket.open(.unix(path: path), group: "no-such-group-library")
        }
        #expect(access(path, F_OK) != 0)
    }

    @Test func aGroupForATCPSocketIsRefused() {
        #expect(throws: ListenSocket.Failure.self) {
            try ListenSocket.open(.tcp(host: "127.0.0.1", port: 0), group: "0")
        }
    }

    // MARK: TCP

    @Test func aPortAloneListensOnLoopbackOnly() throws {
        let socket = try ListenSocket.open(ListenAddress(parsing: ":0"))
        defer { close(socket.fileDescriptor) }
        let bound = boundAddress(socket.fileDescriptor)
        #expect(bound.family == AF_INET && bound.address == "127.0.0.1")
        #expect(ListenSocket.boundPort(socket.fileDescriptor) != 0)
    }

    @Test func anExplicitAddressIsHonoured() throws {
        let any = try ListenSocket.open(ListenAddress(parsing: "0.0.0.0:0"))
        defer { close(any.fileDescriptor) }
        #expect(boundAddress(any.fileDescriptor).address == "0.0.0.0")
        let v6 = try ListenSocket.open(ListenAddress(parsing: "[::1]:0"))
        defer { close(v6.fileDescriptor) }
        let bound = boundAddress(v6.fileDescriptor)
        #expect(bound.family == AF_INET6 && bound.address == "::1")
    }

    @Test func aPortInUseIsAnErrorNotAnExit() throws {
        let first = try ListenSocket.open(ListenAddress(parsing: ":0"))
        defer { close(first.fileDescriptor) }
        let port = ListenSocket.boundPort(first.fileDescriptor)
        #expect(throws: ListenSocket.Failure.self) { try ListenSocket.open(.tcp(host: "127.0.0.1", port: port)) }
    }
}
