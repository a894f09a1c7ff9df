import Foundation
import Glibc
import JSON

/// RFC 3339 timestamps in UTC with `Z` and whole seconds (`2026-11-26T08:00:00Z`), the one
/// time format of the API.
enum Timestamp {
    static func format(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}

extension JSONWriter {
    mutating func field(_ name: String, _ date: Date?) {
        key(name)
        if let date { string(Timestamp.format(date)) } else { null() }
    }
}
