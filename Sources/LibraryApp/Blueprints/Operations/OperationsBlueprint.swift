import HTTPTypes
import JSON

/// Operational endpoints: health and metrics. Never rate limited.
enum OperationsBlueprint {
    static func make() -> Blueprint {
        var blueprint = Blueprint("operations")
        blueprint.defaultLimit = .exempt
        blueprint.get("/health", access: .everyone, health)
        // The web server lets only loopback addresses reach it (conf/nginx, conf/lighttpd).
        blueprint.get("/metrics", access: .everyone, metrics)
        return blueprint
    }

    /// `200` while the database answers (`"status": "degraded"` if memcached does not: the
    /// service still works, slower), `503` with `Retry-After` when the database does not; from
    /// a probe at most a second old (`HealthCheck`).
    @Sendable static func health(_ request: Request, _ context: Context) throws -> Response {
        let probe = context.healthCheck.current(context)
        let (databaseUp, cacheUp) = (probe.databaseUp, probe.cacheUp)
        let status = !databaseUp ? "unavailable" : cacheUp ? "ok" : "degraded"
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        if !databaseUp { headers[.retryAfter] = String(Application.databaseRetryAfterSeconds) }
        return .json(databaseUp ? .ok : .serviceUnavailable, headers: headers) { json in
            json.object { health in
                health.field("status", status)
                health.field("database", databaseUp ? "ok" : "unavailable")
                health.field("cache", cacheUp ? "ok" : "unavailable")
            }
        }
    }

    @Sendable static func metrics(_ request: Request, _ context: Context) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: AppMetrics.exposition())
    }
}
