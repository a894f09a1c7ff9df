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
        guard let start, let began = Double(start), began.isFinite else { return nil }
        let waited = max(0, now - began)
        return waited < implausibleSeconds ? waited : nil
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
