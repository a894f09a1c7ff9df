import Basics
import Glibc

/// The timestamp of a worker's access lines, `2026-11-26T08:00:00.123Z`: the date and time to
/// the second are worked out and written once a second and copied for every line in it, not
/// computed anew per request (the calendar's divisions and seven numbers to digits). Per worker
/// (`AccessLogWriter`), so no lock.
struct LogClock {
    private var second = Int.min
    /// `2026-11-26T08:00:00` of `second`.
    private var text: [UInt8] = []

    init() {}

    /// Appends the current time.
    mutating func appendNow(to line: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        append(now, to: &line)
    }

    mutating func append(_ time: timespec, to line: inout [UInt8]) {
        if time.tv_sec != second {
            second = time.tv_sec
            text.removeAll(keepingCapacity: true)
            UTCDateTime(secondsSince1970: Int64(time.tv_sec)).appendRFC3339DateAndTime(to: &text)
        }
        line.append(contentsOf: text)
        UTCDateTime.appendRFC3339Ending(milliseconds: time.tv_nsec / 1_000_000, to: &line)
    }
}
