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

    @Test func logFormatIsReadFromTheEnvironment() throws {
        let key = String(repeating: "k", count: 32)
        #expect(try Configuration.fromEnvironment(["SECRET_KEY": key]).logFormat == .text)
        #expect(try Configuration.fromEnvironment(["SECRET_KEY": key, "LOG_FORMAT": "json"]).logFormat == .json)
        #expect(throws: Configuration.Invalid.self) { try Configuration.fromEnvironment(["LOG_FORMAT": "xml"]) }
    }
}
