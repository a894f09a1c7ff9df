import Glibc
import HTTPTypes

/// Load shedding (docs/api.md, Degraded operation: overload): how long a request waited
/// before a worker could start it, from `REQUEST_START` — the time the web server began the
/// request (nginx's `$msec`, sent with `fastcgi_param`). libfcgi cannot see its own backlog;
/// the web server's clock can. A request that waited past `MAX_QUEUE_WAIT_MS` is refused at
/// once with `503` and `Retry-After`: its client has likely given up, and serving it late
/// would only make every request behind it later still.
enum QueueWait {
    /// Longer than any request waits in line: a clock apart from the web server's (another
    /// host without NTP), not a queue. Such a start time is ignored rather than shed every request.
    static let implausibleSeconds = 60.0

    /// Seconds since `start`, or nil when the web server sent no start time (or an implausible one).
    static func seconds(since start: String?, now: Double = currentTime()) -> Double? {
        guard let start, let began = epochSeconds(start), began.isFinite else { return nil }
        let waited = max(0, now - began)
        return waited < implausibleSeconds ? waited : nil
    }

    /// `$msec` (`1732612345.678`), read by hand: it comes with every request, and `Double(_:)`
    /// goes through `strtod`. Anything but `digits` or `digits.digits` (18 digits at most) is
    /// left to `Double(_:)`.
    static func epochSeconds(_ text: String) -> Double? {
        var text = text
        // Over the contiguous bytes: the view's iterator cost ~50 instructions a byte.
        let read = text.withUTF8 { bytes -> Double? in
            var whole = 0, fraction = 0, scale = 1, wholeDigits = 0, fractionDigits = 0, seenPoint = false
            for byte in bytes {
                if byte == UInt8(ascii: "."), !seenPoint {
                    seenPoint = true
                    continue
                }
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), wholeDigits + fractionDigits < 18 else { return nil }
                if seenPoint {
                    fraction = fraction * 10 + Int(byte - UInt8(ascii: "0"))
                    scale *= 10
                    fractionDigits += 1
                } else {
                    whole = whole * 10 + Int(byte - UInt8(ascii: "0"))
                    wholeDigits += 1
                }
            }
            guard wholeDigits > 0, !seenPoint || fractionDigits > 0 else { return nil }
            return Double(whole) + Double(fraction) / Double(scale)
        }
        return read ?? Double(text)
    }

    static func overloaded(waited: Double) -> Response {
        var headers = HTTPFields()
        headers[.retryAfter] = "1"
        let milliseconds = Int(waited * 1000)
        return ProblemError(
            .serviceUnavailable, detail: "The service is overloaded (the request waited \(milliseconds) ms); try again shortly",
            headers: headers
        ).response
    }

    static func currentTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
