import Basics
import Foundation
import JSON

extension JSONWriter {
    /// A date as the API writes every time: RFC 3339 in UTC, whole seconds (`2026-11-26T08:00:00Z`).
    mutating func field(_ name: String, _ date: Date?) {
        key(name)
        if let date { unescapedString { UTCDateTime(date).appendRFC3339(to: &$0) } } else { null() }
    }
}
