/// Operational endpoints: health (and, with later issues, metrics and the API documents).
enum OperationsBlueprint {
    static func make() -> Blueprint {
        var blueprint = Blueprint("operations")
        blueprint.get("/health", access: .everyone, health)
        return blueprint
    }

    /// `200` while the database answers, `503` with `Retry-After` when it does not; the body
    /// says which dependency is down, so a load balancer and a person can both read it.
    @Sendable static func health(_ request: Request, _ context: Context) throws -> Response {
        var databaseUp = true
        do {
            try context.database().ping()
        } catch {
            databaseUp = false
        }
        var headers = HTTPHeaders()
        headers.set("Cache-Control", "no-store")
        if !databaseUp { headers.set("Retry-After", String(Application.databaseRetryAfterSeconds)) }
        return .json(databaseUp ? .ok : .serviceUnavailable, headers: headers) { json in
            json.object { health in
                health.field("status", databaseUp ? "ok" : "unavailable")
                health.field("database", databaseUp ? "ok" : "unavailable")
            }
        }
    }
}
