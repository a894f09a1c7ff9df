/// Operational endpoints: health (and, with later issues, metrics and the API documents).
enum OperationsBlueprint {
    static func make() -> Blueprint {
        var blueprint = Blueprint("operations")
        blueprint.get("/health") { _, _ in
            .json { json in
                json.object { health in
                    health.key("status"); health.string("ok")
                }
            }
        }
        return blueprint
    }
}
