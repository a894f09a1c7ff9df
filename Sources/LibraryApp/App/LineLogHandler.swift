import Basics
import Foundation
import Glibc
import JSON
public import Logging

/// A swift-log handler that formats each record as one line of bytes (text, or JSON: `LogFormat`) and hands it to a
/// `LogOutput` (standard error, written at once or through a buffer): no stdio buffer and no
/// lock held while writing (swift-log's `StreamLogHandler` takes a process-wide lock and
/// flushes per line, which cost a third of the throughput with one access-log line per request).
///
///     2026-11-26T08:00:00.123Z info library-app: GET /health 200 0.120ms client=127.0.0.1 request_id=…
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: LogFormat
    private let output: LogOutput

    public init(label: String, level: Logger.Level, format: LogFormat = .text, output: LogOutput = .standardError) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata {
            if merged.isEmpty { merged = extra } else { merged.merge(extra) { _, new in new } }
        }
        var line = format == .json ? jsonLine(event, merged) : textLine(event, merged)
        line.append(UInt8(ascii: "\n"))
        output.write(line, urgent: event.level >= .warning)
    }

    /// One JSON object; the writer escapes control characters, so it stays one line.
    private func jsonLine(_ event: LogEvent, _ merged: Logger.Metadata) -> [UInt8] {
        var time: [UInt8] = []
        Self.appendTimestamp(to: &time)
        var json = JSONWriter(capacity: 192)
        json.object { fields in
            fields.field("time", String(decoding: time, as: UTF8.self))
            fields.field("level", event.level.rawValue)
            fields.field("logger", label)
            fields.field("message", "\(event.message)")
            for key in merged.keys.sorted() {
                fields.field(LogFormat.jsonFixedFields.contains(key) ? "meta_\(key)" : key, "\(merged[key]!)")
            }
        }
        return json.bytes
    }

    /// A request's access line, exactly as `log` writes `info(line, metadata: ["client": …,
    /// "request_id": …])` in the text format, but without the message's string, the metadata
    /// dictionary and its sorting: one per request. False, having written nothing, when this
    /// handler's lines take the general path (JSON, metadata of its own). `clock`: the worker's,
    /// which writes the timestamp's date and time once a second.
    func logAccess(_ access: AccessLine, client: String, requestID: String, clock: inout LogClock) -> Bool {
        guard format == .text, metadata.isEmpty, metadataProvider == nil else { return false }
        guard logLevel <= .info else { return true }
        output.writeLine(urgent: false) { line in
            let start = line.count
            clock.appendNow(to: &line)
            appendLevelAndLabel(.info, to: &line)
            access.append(to: &line)
            line.append(contentsOf: " client=".utf8)  // the metadata's keys, sorted
            line.append(contentsOf: client.utf8)
            line.append(contentsOf: " request_id=".utf8)
            line.append(contentsOf: requestID.utf8)
            Self.blankControlCharacters(&line, from: start)
            line.append(UInt8(ascii: "\n"))
        }
        return true
    }

    private func textLine(_ event: LogEvent, _ merged: Logger.Metadata) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(160)
        appendTextLineHead(level: event.level, to: &line)
        // The texts' own bytes, not interpolated copies.
        line.append(contentsOf: event.message.description.utf8)
        for key in merged.keys.sorted() {
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: key.utf8)
            line.append(UInt8(ascii: "="))
            if case let .string(text)? = merged[key] {
                line.append(contentsOf: text.utf8)
            } else {
                line.append(contentsOf: "\(merged[key]!)".utf8)
            }
        }
        Self.blankControlCharacters(&line)
        return line
    }

    /// `<time> <level> <label>: `
    private func appendTextLineHead(level: Logger.Level, to line: inout [UInt8]) {
        Self.appendTimestamp(to: &line)
        appendLevelAndLabel(level, to: &line)
    }

    /// ` <level> <label>: `
    private func appendLevelAndLabel(_ level: Logger.Level, to line: inout [UInt8]) {
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: level.rawValue.utf8)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: label.utf8)
        line.append(contentsOf: ": ".utf8)
    }

    /// Control characters could forge log lines or drive a terminal: all become spaces (in
    /// `line` from `start` on: a buffered output's earlier lines are checked already).
    private static func blankControlCharacters(_ line: inout [UInt8], from start: Int = 0) {
        line.withUnsafeMutableBufferPointer { bytes in
            for index in ControlCharacters.skipClean(UnsafeBufferPointer(bytes), from: start)..<bytes.count
            where bytes[index] < 0x20 || bytes[index] == 0x7F {
                bytes[index] = UInt8(ascii: " ")
            }
        }
    }

    /// UTC with milliseconds, e.g. `2026-11-26T08:00:00.123Z`.
    private static func appendTimestamp(to line: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        UTCDateTime(secondsSince1970: Int64(now.tv_sec)).appendRFC3339(to: &line, milliseconds: now.tv_nsec / 1_000_000)
    }
}

/// A worker's `LineLogHandler`, held by reference for its access lines: a handler read from a
/// variable is copied (its label, output and metadata retained) at every call.
final class AccessLogWriter {
    let handler: LineLogHandler
    /// The access lines' timestamps (`LogClock`). Only its worker's thread writes lines here,
    /// one at a time: no dynamic exclusivity check.
    @exclusivity(unchecked) private var clock = LogClock()

    /// Nil unless `handler` is a `LineLogHandler` (other handlers take swift-log's path).
    init?(_ handler: any LogHandler) {
        guard let handler = handler as? LineLogHandler else { return nil }
        self.handler = handler
    }

    /// `LineLogHandler.logAccess`, with this worker's clock.
    func logAccess(_ access: AccessLine, client: String, requestID: String) -> Bool {
        handler.logAccess(access, client: client, requestID: requestID, clock: &clock)
    }
}
