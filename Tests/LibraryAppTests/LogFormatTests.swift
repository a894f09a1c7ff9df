import Basics
import Foundation
import Glibc
import JSON
import Logging
import Testing
@testable import LibraryApp

@Suite struct LogFormatTests {
    /// Logs one record through a handler writing into a pipe; returns what came out.
    private func logged(_ format: LogFormat, _ message: Logger.Message, metadata: Logger.Metadata) -> String {
        var ends: [Int32] = [0, 0]
        pipe(&ends)
        defer { close(ends[0]) }
        let output = LogOutput(fileDescriptor: ends[1], bufferBytes: 0)
        let logger = Logger(label: "library-app") { label in LineLogHandler(label: label, level: .info, format: format, output: output) }
        logger.warning(message, metadata: metadata)
        close(ends[1])
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = read(ends[0], &bytes, bytes.count)
        return String(decoding: bytes.prefix(max(0, count)), as: UTF8.self)
    }

    @Test func jsonIsOneObjectALineWithTheFieldsOfTheTextFormat() throws {
        let metadata: Logger.Metadata = ["request_id": "abc", "client": "127.0.0.1", "message": "forged\nline"]
        let text = logged(.text, "GET /health 200 0.120ms", metadata: metadata)
        let json = logged(.json, "GET /health 200 0.120ms", metadata: metadata)
        #expect(text.hasSuffix(" warning library-app: GET /health 200 0.120ms client=127.0.0.1 message=forged line request_id=abc\n"))
        #expect(json.hasSuffix("\n") && json.filter { $0 == "\n" }.count == 1)
        guard case let .object(values) = try JSONParser.parse(Array(json.utf8.dropLast())) else {
            Issue.record("not an object: \(json)")
            return
        }
        #expect(values["level"] == .string("warning"))
        #expect(values["logger"] == .string("library-app"))
        #expect(values["message"] == .string("GET /health 200 0.120ms"))
        #expect(values["request_id"] == .string("abc"))
        #expect(values["client"] == .string("127.0.0.1"))
        #expect(values["meta_message"] == .string("forged\nline"))
        guard case let .string(time) = values["time"] else { Issue.record("no time"); return }
        #expect(text.hasPrefix(String(time.prefix(16))))  // same clock and shape: 2026-11-26T08:00
        #expect(time.hasSuffix("Z") && time.count == 24)
    }

    /// The access line written straight from the request's texts is the line the general path
    /// writes for the same record (after the timestamp), control characters blanked the same way.
    @Test func theAccessLineIsTheLineSwiftLogWouldWrite() throws {
        let access = AccessLine(method: "GET", path: "/books/7\nforged", status: 200, microseconds: 1_005)
        #expect(access.description == "GET /books/7\nforged 200 1.005ms")
        #expect(AccessLine(method: "HEAD", path: "/", status: 304, microseconds: 120).description == "HEAD / 304 0.120ms")
        #expect(AccessLine(method: "GET", path: "/", status: 200, microseconds: 98_765_432).description == "GET / 200 98765.432ms")

        var ends: [Int32] = [0, 0]
        pipe(&ends)
        defer { close(ends[0]) }
        let output = LogOutput(fileDescriptor: ends[1], bufferBytes: 0)
        let handler = LineLogHandler(label: "library-app", level: .info, output: output)
        var clock = LogClock()
        #expect(handler.logAccess(access, client: "127.0.0.1", requestID: "abc", clock: &clock))
        Logger(label: "library-app") { _ in handler }.info(
            "\(access)", metadata: ["request_id": .string("abc"), "client": .string("127.0.0.1")])
        close(ends[1])
        var written: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while case let count = read(ends[0], &chunk, chunk.count), count > 0 { written += chunk.prefix(count) }  // two writes
        let lines = String(decoding: written, as: UTF8.self).split(separator: "\n")
        try #require(lines.count == 2)
        let timestamp = "2026-11-26T08:00:00.123Z".count
        #expect(lines[0].dropFirst(timestamp) == " info library-app: GET /books/7 forged 200 1.005ms client=127.0.0.1 request_id=abc")
        #expect(lines[0].dropFirst(timestamp) == lines[1].dropFirst(timestamp))

        // JSON lines, and a handler with metadata of its own, take the general path.
        let json = LineLogHandler(label: "library-app", level: .info, format: .json, output: output)
        #expect(!json.logAccess(access, client: "c", requestID: "r", clock: &clock))
        var tagged = LineLogHandler(label: "library-app", level: .info, output: output)
        tagged.metadata["worker"] = "1"
        #expect(!tagged.logAccess(access, client: "c", requestID: "r", clock: &clock))
    }

    /// The worker's clock writes what `UTCDateTime` writes, the date and time made again only
    /// when the second changes.
    @Test func theAccessLinesClockWritesEachSecondAndItsMilliseconds() {
        var clock = LogClock()
        func stamp(_ seconds: Int, _ nanoseconds: Int) -> String {
            var line: [UInt8] = [0x3E]
            clock.append(timespec(tv_sec: seconds, tv_nsec: nanoseconds), to: &line)
            return String(decoding: line, as: UTF8.self)
        }
        #expect(stamp(1_764_144_000, 7_000_000) == ">2025-11-26T08:00:00.007Z")
        #expect(stamp(1_764_144_000, 999_999_999) == ">2025-11-26T08:00:00.999Z")
        #expect(stamp(1_764_144_001, 0) == ">2025-11-26T08:00:01.000Z")
        #expect(stamp(1_764_230_399, 120_000_000) == ">2025-11-27T07:59:59.120Z")
        #expect(stamp(0, 5_000_000) == ">1970-01-01T00:00:00.005Z")
        var line: [UInt8] = []
        clock.appendNow(to: &line)
        let now = UTCDateTime(secondsSince1970: Int64(time(nil))).rfc3339
        #expect(line.count == 24 && String(decoding: line.prefix(16), as: UTF8.self) == String(now.prefix(16)))
    }

    @Test func logFormatIsReadFromTheEnvironment() throws {
        let key = String(repeating: "k", count: 32)
        #expect(try Configuration.fromEnvironment(["SECRET_KEY": key]).logFormat == .text)
        #expect(try Configuration.fromEnvironment(["SECRET_KEY": key, "LOG_FORMAT": "json"]).logFormat == .json)
        #expect(throws: Configuration.Invalid.self) { try Configuration.fromEnvironment(["LOG_FORMAT": "xml"]) }
    }
}
