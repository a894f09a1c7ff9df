import Foundation
import Glibc

/// A FastCGI client speaking to a unix socket as nginx does (responder role, requests one after
/// another on a kept connection), for tests of the server itself. Blocking I/O, one connection
/// per client; use one client per thread.
final class FastCGITestClient {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private enum RecordType: UInt8 {
        case beginRequest = 1, endRequest = 3, params = 4, stdin = 5, stdout = 6, stderr = 7
    }

    private let fd: Int32

    init(socketPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard socketPath.utf8.count < capacity else { throw Failure(description: "socket path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: socketPath.utf8)
            raw[socketPath.utf8.count] = 0
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)  // a hung server fails the test instead of hanging it
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "connect \(socketPath): errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// Sends one request, keeping the connection for the next, and reads its whole response.
    func send(
        method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = [],
        requestID: UInt16 = 1
    ) throws -> Response {
        let query = path.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        var parameters: [(String, String)] = [
            ("REQUEST_METHOD", method), ("REQUEST_URI", path), ("QUERY_STRING", query),
            ("REMOTE_ADDR", "127.0.0.1"), ("CONTENT_LENGTH", String(body.count)),
        ]
        for (name, value) in headers {
            let cgiName = name == "Content-Type" ? "CONTENT_TYPE" : "HTTP_" + name.uppercased().replacingDashes()
            parameters.append((cgiName, value))
        }
        var out: [UInt8] = []
        out += record(.beginRequest, [0, 1, 1, 0, 0, 0, 0, 0], requestID)  // responder, keep the connection
        out += record(.params, parameters.flatMap { Self.pair($0.0, $0.1) }, requestID)
        out += record(.params, [], requestID)
        if !body.isEmpty { out += record(.stdin, body, requestID) }
        out += record(.stdin, [], requestID)
        try writeAll(out)

        var stdout: [UInt8] = []
        while true {
            let header = try readExactly(8)
            let length = Int(header[4]) << 8 | Int(header[5])
            let content = try readExactly(length + Int(header[6]))[..<length]
            switch RecordType(rawValue: header[1]) {
            case .stdout?: stdout += content
            case .endRequest?: return try Self.parse(stdout)
            default: continue
            }
        }
    }

    private func record(_ type: RecordType, _ content: [UInt8], _ requestID: UInt16) -> [UInt8] {
        precondition(content.count <= 0xFFFF)
        let padding = (8 - content.count % 8) % 8
        return [
            1, type.rawValue, UInt8(requestID >> 8), UInt8(requestID & 0xFF),
            UInt8(content.count >> 8), UInt8(content.count & 0xFF), UInt8(padding), 0,
        ]
            + content + [UInt8](repeating: 0, count: padding)
    }

    private static func pair(_ name: String, _ value: String) -> [UInt8] {
        func length(_ count: Int) -> [UInt8] {
            count < 128
                ? [UInt8(count)]
                : [UInt8(count >> 24 | 0x80), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
        }
        return length(name.utf8.count) + length(value.utf8.count) + Array(name.utf8) + Array(value.utf8)
    }

    /// The CGI response: `Status:` line, headers, blank line, body.
    private static func parse(_ bytes: [UInt8]) throws -> Response {
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { bytes[$0..<$0 + 4].elementsEqual([13, 10, 13, 10]) }) else {
            throw Failure(description: "no end of headers in \(String(decoding: bytes, as: UTF8.self))")
        }
        var headers: [String: String] = [:]
        for line in String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: [" "])
        }
        guard let status = headers["Status"]?.split(separator: " ").first.flatMap({ Int($0) }) else {
            throw Failure(description: "no Status header")
        }
        return Response(status: status, headers: headers, body: Array(bytes[(end + 4)...]))
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw Failure(description: "write: errno \(errno)") }
            offset += written
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = bytes[offset...].withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard got > 0 else { throw Failure(description: got == 0 ? "connection closed" : "read: errno \(errno)") }
            offset += got
        }
        return bytes
    }
}

private extension String {
    func replacingDashes() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}
