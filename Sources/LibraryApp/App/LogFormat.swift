/// How log lines are written (`LOG_FORMAT`): `text` for people, `json` for log shippers.
///
///     2026-11-26T08:00:00.123Z info library-app: GET /health 200 0.120ms client=127.0.0.1 request_id=…
///     {"time":"2026-11-26T08:00:00.123Z","level":"info","logger":"library-app","message":"GET /health 200 0.120ms","client":"127.0.0.1","request_id":"…"}
///
/// The same fields either way; in JSON, metadata keys sit beside the fixed fields (a metadata
/// key that is one of `time`, `level`, `logger`, `message` is written as `meta_<key>`).
public enum LogFormat: String, Sendable {
    case text, json

    static let jsonFixedFields: Set<String> = ["time", "level", "logger", "message"]
}
