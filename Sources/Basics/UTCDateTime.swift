public import Foundation

/// A civil date and time in UTC, to the second: the one place that turns instants into
/// calendar fields and back (API timestamps, log lines, MariaDB DATETIME values, the current
/// year). Plain arithmetic (H. Hinnant's days-from-civil): no Calendar, TimeZone or `tm`,
/// no dependence on the process time zone, nothing allocated but the text asked for.
public struct UTCDateTime: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The fields of the whole second `seconds` after 1970-01-01T00:00:00Z.
    public init(secondsSince1970 seconds: Int64) {
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let civil = Self.civil(fromDays: days)
        self.init(
            year: Int(civil.year), month: Int(civil.month), day: Int(civil.day), hour: Int(secondOfDay / 3600),
            minute: Int(secondOfDay % 3600 / 60), second: Int(secondOfDay % 60))
    }

    /// The fields of `date`, its fraction of a second dropped.
    public init(_ date: Date) {
        self.init(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    public var secondsSince1970: Int64 {
        Self.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day)) * 86_400
            + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
    }

    public var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSince1970)) }

    /// The year now, in UTC.
    public static func currentYear(at now: Date = Date()) -> Int {
        UTCDateTime(now).year
    }

    // MARK: RFC 3339

    /// `2026-11-26T08:00:00Z`: RFC 3339 in UTC with whole seconds, the API's one time format.
    public var rfc3339: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        appendRFC3339(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `rfc3339`, or with `milliseconds` the log form `2026-11-26T08:00:00.123Z`.
    public func appendRFC3339(to bytes: inout [UInt8], milliseconds: Int? = nil) {
        appendRFC3339DateAndTime(to: &bytes)
        Self.appendRFC3339Ending(milliseconds: milliseconds, to: &bytes)
    }

    /// `2026-11-26T08:00:00`: `rfc3339` without its ending (`appendRFC3339Ending`), for a
    /// writer that keeps it through a second (the access log's clock).
    ///
    /// Written into 19 bytes on the stack and appended at once: a list page writes 40 of them,
    /// and an append per digit cost several times the digits themselves.
    public func appendRFC3339DateAndTime(to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 19) { text in
            func twoDigits(_ value: Int, endingAt end: Int, after separator: UInt8) {
                text[end - 3] = separator
                Self.put(value, digits: 2, endingAt: end, in: text)
            }
            twoDigits(month, endingAt: 7, after: UInt8(ascii: "-"))
            twoDigits(day, endingAt: 10, after: UInt8(ascii: "-"))
            twoDigits(hour, endingAt: 13, after: UInt8(ascii: "T"))
            twoDigits(minute, endingAt: 16, after: UInt8(ascii: ":"))
            twoDigits(second, endingAt: 19, after: UInt8(ascii: ":"))
            if (0...9999).contains(year) {
                Self.put(year, digits: 4, endingAt: 4, in: text)
                bytes.append(contentsOf: UnsafeBufferPointer(text))
            } else {
                bytes.append(contentsOf: String(year).utf8)
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[4...]))
            }
        }
    }

    /// `Z`, or with `milliseconds` `.123Z`.
    public static func appendRFC3339Ending(milliseconds: Int?, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 5) { text in
            var count = 0
            if let milliseconds {
                text[0] = UInt8(ascii: ".")
                put(milliseconds, digits: 3, endingAt: 4, in: text)
                count = 4
            }
            text[count] = UInt8(ascii: "Z")
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[...count]))
        }
    }

    /// The inverse of `rfc3339`: exactly `YYYY-MM-DDTHH:MM:SSZ` naming a real date and time, else nil.
    public init?(rfc3339 text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    // MARK: civil calendar

    /// Days from 1970-01-01 to the given proleptic Gregorian date.
    public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date `days` after 1970-01-01.
    public static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The last `digits` decimal digits of `value`, zero-padded, into `text` before `end`.
    private static func put(_ value: Int, digits: Int, endingAt end: Int, in text: UnsafeMutableBufferPointer<UInt8>) {
        var rest = value
        for index in stride(from: end - 1, through: end - digits, by: -1) {
            text[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }
}
