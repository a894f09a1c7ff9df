import Basics
import CMariaDB
import Foundation

/// Date ⇄ MYSQL_TIME in UTC, by the civil-calendar arithmetic of `UTCDateTime`: no Calendar or
/// TimeZone objects on the hot path, and no dependence on the process time zone.
enum DateTimeConversion {
    static func mysqlTime(from date: Date) -> MYSQL_TIME {
        let totalMicros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = totalMicros / 1_000_000
        var micros = totalMicros % 1_000_000
        if micros < 0 { micros += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = UTCDateTime.civil(fromDays: days)

        var time = MYSQL_TIME()
        time.year = UInt32(clamping: year)
        time.month = UInt32(month)
        time.day = UInt32(day)
        time.hour = UInt32(secondOfDay / 3600)
        time.minute = UInt32(secondOfDay % 3600 / 60)
        time.second = UInt32(secondOfDay % 60)
        time.second_part = UInt(micros)
        time.time_type = MYSQL_TIMESTAMP_DATETIME
        return time
    }

    /// nil for the zero date ('0000-00-00'), which names no instant.
    static func date(from time: MYSQL_TIME) -> Date? {
        guard time.month >= 1, time.day >= 1 else { return nil }
        let days = UTCDateTime.daysFromCivil(year: Int64(time.year), month: Int64(time.month), day: Int64(time.day))
        let seconds = days * 86_400 + Int64(time.hour) * 3600 + Int64(time.minute) * 60 + Int64(time.second)
        return Date(timeIntervalSince1970: Double(seconds) + Double(time.second_part) / 1_000_000)
    }
}
