public import FastCGI
import Foundation
import Logging
import HTTPTypes

/// Turns a FastCGI exchange into a `Request`, runs the application, writes the CGI response
/// and the access-log line. One per worker thread.
public final class FastCGIAdapter: FastCGIResponder {
    private let application: Application
    private let context: Context
    /// A body this much larger than the limit is drained to keep the kept-alive connection
    /// usable; beyond it the connection is closed instead.
    private let discardLimit = 8 << 20
    /// The sum of all FastCGI parameters (CGI variables and headers) we accept.
    private let maximumParameterBytes = 64 << 10
    private let metrics: AppMetrics.RequestRecorder
    /// Request ids need to be unique, not secret: a fast generator per thread, seeded at random.
    /// Only `respond` touches it, on the adapter's one thread: no dynamic exclusivity check.
    @exclusivity(unchecked) private var requestIDs = SplitMix64()

    /// `worker`: the index of the worker thread, whose gauges (busy, connections) this adapter keeps.
    public init(application: Application, context: Context, worker: Int = 0) {
        self.application = application
        self.context = context
        metrics = AppMetrics.RequestRecorder(worker: worker)
    }

    public func respond(to exchange: FastCGIExchange) {
        let started = DispatchTime.now().uptimeNanoseconds
        metrics.begin()
        var headers = HTTPFields()
        headers.reserveCapacity(8)  // one allocation: nginx passes `Host`, `Proxy` and the client's few
        let cgi = exchange.parameters { name, value in
            // A token this thread verified, in the very bytes it came in before: its field, made
            // and checked once, is reused (no string of its ~200 bytes, no second check).
            if name == "Authorization", let known = context.verifiedTokens.field(ofValue: UnsafeRawBufferPointer(value)) {
                headers.append(known)
            } else {
                headers.append(received: name, value: CGIParameters.text(value))
            }
        }

        // nil when the web server passed something that is no token (nginx and lighttpd never do).
        let method = HTTPRequest.Method(cgi.method)
        let rawPath = Self.path(of: cgi.requestURI)
        let requestID = RequestID.resolve(incoming: headers.firstValue(.xRequestID), generator: &requestIDs)
        let remoteAddress = cgi.remoteAddress

        var response: Response
        var routeName = "unmatched"
        if cgi.totalBytes > maximumParameterBytes {
            response =
                ProblemError(.requestHeaderFieldsTooLarge, detail: "The request headers are larger than \(maximumParameterBytes) bytes")
                .response
            exchange.closeConnectionAfterResponse()
        } else if let waited = QueueWait.seconds(since: cgi.requestStart), waited > context.configuration.maximumQueueWaitSeconds,
            rawPath != "/metrics"
        {  // monitoring must see an overload
            response = QueueWait.overloaded(waited: waited)
            AppMetrics.overloadRejections.increment()
            // Unread body bytes would be read as the next request's on a kept connection.
            if cgi.contentLength.flatMap(Int.init) ?? 0 > 0, !exchange.discardBody(limit: discardLimit) {
                exchange.closeConnectionAfterResponse()
            }
        } else if let method {
            (response, routeName) = readAndDispatch(
                exchange: exchange, method: method, rawPath: rawPath, cgi: cgi,
                headers: headers, remoteAddress: remoteAddress, requestID: requestID)
        } else {
            response = ProblemError(.badRequest, detail: "The request method is not a valid HTTP method name").response
        }

        response.headers.append(HTTPField(name: .xRequestID, value: requestID))  // only set here: no scan for an earlier one
        // Into libfcgi's stream buffer, piece by piece (one record, one send).
        var output = exchange
        response.writeCGI(omitBody: method == .head, to: &output)

        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        metrics.record(
            route: routeName, status: response.status.code, nanoseconds: elapsed,
            databaseConnected: context.hasDatabaseConnection, memcachedConnected: context.hasMemcachedConnection)
        if context.configuration.accessLog {
            let access = AccessLine(method: cgi.method, path: rawPath, status: response.status.code, microseconds: elapsed / 1000)
            // Straight into the line when the handler is ours (always, when serving): no metadata dictionary per request.
            let written = context.accessLog?.logAccess(access, client: remoteAddress, requestID: requestID)
            if written != true {
                context.logger.info("\(access)", metadata: ["request_id": .string(requestID), "client": .string(remoteAddress)])
            }
        }
    }

    /// Reads the body within its bound, decodes the target and runs the application.
    private func readAndDispatch(
        exchange: FastCGIExchange, method: HTTPRequest.Method, rawPath: String, cgi: CGIParameters,
        headers: HTTPFields, remoteAddress: String, requestID: String
    ) -> (Response, String) {
        let limit = context.configuration.maximumBodyBytes
        func tooLarge() -> Response { ProblemError(.contentTooLarge, detail: "The request body is larger than \(limit) bytes").response }
        if let declared = cgi.contentLength.flatMap(Int.init), declared > limit {
            // Refuse without reading it into memory.
            if declared > discardLimit || !exchange.discardBody(limit: discardLimit) { exchange.closeConnectionAfterResponse() }
            return (tooLarge(), "unmatched")
        }
        guard let body = exchange.readBody(limit: limit) else {
            if !exchange.discardBody(limit: discardLimit) { exchange.closeConnectionAfterResponse() }
            return (tooLarge(), "unmatched")
        }

        guard rawPath.hasPrefix("/"), let segments = try? Self.segments(of: rawPath) else {
            return (ProblemError(.badRequest, detail: "The request path is not valid percent-encoded UTF-8").response, "unmatched")
        }
        let query: QueryParameters
        do {
            query = try QueryParameters(parsing: Substring(cgi.queryString))
        } catch {
            return (ProblemError(.badRequest, detail: "The query string is not valid percent-encoded UTF-8").response, "unmatched")
        }

        let request = Request(
            method: method, pathSegments: segments, rawPath: rawPath, query: query, headers: headers,
            remoteAddress: remoteAddress, body: body, requestID: requestID)
        return application.dispatch(request, context: context)
    }

    /// The percent-decoded segments of a path that starts with `/` (`/books/7` → `books`, `7`;
    /// empty segments kept), into one array sized up front. Cut over the path's contiguous
    /// bytes, not through `String.UTF8View` indices and substrings (every request).
    static func segments(of path: String) throws(PercentDecoding.Failure) -> [String] {
        var segments: [String] = []
        segments.reserveCapacity(4)
        var path = path
        let failure = path.withUTF8 { bytes -> PercentDecoding.Failure? in
            var start = 1
            while true {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
                do throws(PercentDecoding.Failure) {
                    segments.append(try PercentDecoding.decode(UnsafeBufferPointer(rebasing: bytes[start..<end])))
                } catch {
                    return error
                }
                guard end < bytes.endIndex else { return nil }
                start = end + 1
            }
        }
        if let failure { throw failure }
        return segments
    }

    /// The path of a request target: what comes before its `?` (the target itself, no copy,
    /// when it has no query).
    static func path(of target: String) -> String {
        guard let query = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return target }
        return String(target[..<query])
    }
}
