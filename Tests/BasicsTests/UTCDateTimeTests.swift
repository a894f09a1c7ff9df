import Basics
import Foundation
import Testing

@Suite struct UTCDateTimeTests {
    @Test func formatAndParseAreInverse() throws {
        let date = Date(timeIntervalSince1970: 1_795_651_200)
        #expect(UTCDateTime(date).rfc3339 == "2026-11-26T00:00:00Z")
        #expect(UTCDateTime(rfc3339: "2026-11-26T00:00:00Z")?.date == date)
        let late = Date(timeIntervalSince1970: 86_399.75)  // the fraction is dropped
        #expect(UTCDateTime(late).rfc3339 == "1970-01-01T23:59:59Z")
        #expect(UTCDateTime(rfc3339: UTCDateTime(late).rfc3339)?.date == Date(timeIntervalSince1970: 86_399))
    }

    @Test(arguments: [
        "", "2026-11-26", "2026-11-26T00:00:00", "2026-11-26 00:00:00Z", "2026-1a-26T00:00:00Z",
        "2026-11-26T00:00:00+01:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-11-26T24:00:00Z", "2026-11-26T23:60:00Z", "2026-11-26T23:59:60Z", "2026-00-10T00:00:00Z",
    ])
    func otherShapesAndImpossibleDatesAreRefused(text: String) {
        #expect(UTCDateTime(rfc3339: text) == nil)
    }

    @Test func leapDaysParse() {
        #expect(UTCDateTime(rfc3339: "2024-02-29T12:00:00Z") != nil)
        #expect(UTCDateTime(rfc3339: "2000-02-29T12:00:00Z") != nil)
        #expect(UTCDateTime(rfc3339: "1900-02-29T12:00:00Z") == nil)
    }

    /// Agrees with Foundation's Gregorian calendar in UTC, second by second over a sample of
    /// 1600 to 2400 (negative times included).
    @Test func agreesWithFoundationsCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var seconds: Int64 = -11_676_096_000  // 1600-01-01 (Foundation switches to Julian before 1582)
        while seconds < 13_569_465_600 {  // 2400-01-01
            let fields = UTCDateTime(secondsSince1970: seconds)
            let parts = calendar.dateComponents(
                [.year, .month, .day, .hour, .minute, .second],
                from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect(
                [fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second]
                    == [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second].map { $0 ?? -1 })
            #expect(fields.secondsSince1970 == seconds)
            #expect(
                fields.rfc3339
                    == String(
                        format: "%04d-%02d-%02dT%02d:%02d:%02dZ", fields.year, fields.month, fields.day, fields.hour,
                        fields.minute, fields.second))
            seconds += 7_777_777  // about 90 days and an odd time of day
        }
    }

    @Test func logTimestampsCarryMilliseconds() {
        var bytes: [UInt8] = []
        UTCDateTime(secondsSince1970: 1_795_651_200 + 8 * 3600 + 5).appendRFC3339(to: &bytes, milliseconds: 7)
        #expect(String(decoding: bytes, as: UTF8.self) == "2026-11-26T08:00:05.007Z")
    }

    /// Years outside 0...9999 (never from the database, whose DATETIME ends at 9999) keep all
    /// their digits; what was in the buffer before stays.
    @Test func yearsOfOtherWidthsAndAppendingToABuffer() {
        var bytes = Array("at ".utf8)
        UTCDateTime(secondsSince1970: 253_402_300_800).appendRFC3339DateAndTime(to: &bytes)  // 10000-01-01
        #expect(String(decoding: bytes, as: UTF8.self) == "at 10000-01-01T00:00:00")
        #expect(UTCDateTime(secondsSince1970: -62_135_596_800 + 59).rfc3339 == "0001-01-01T00:00:59Z")
    }

    @Test func currentYearIsTheUTCYear() {
        #expect(UTCDateTime.currentYear(at: Date(timeIntervalSince1970: 1_798_761_599)) == 2026)  // 2026-12-31T23:59:59Z
        #expect(UTCDateTime.currentYear(at: Date(timeIntervalSince1970: 1_798_761_600)) == 2027)
    }
}
