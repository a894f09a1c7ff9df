import Glibc
import HTTPTypes
import JSON

/// Routes that exist only with `LIBRARY_ENV=testing`, for tests of the serving machinery itself
/// (graceful shutdown needs a request that is still running when `SIGTERM` arrives).
enum TestingBlueprint {
    static let maximumSleepMilliseconds = 10_000

    static func make() -> Blueprint {
        var blueprint = Blueprint("testing", prefix: "/_testing")
        blueprint.defaultLimit = .exempt
        blueprint.get("/sleep", access: .everyone) { request, _ in
            guard let text = request.query["ms"], let milliseconds = Int(text),
                (0...maximumSleepMilliseconds).contains(milliseconds)
            else {
                throw ProblemError(
                    .badRequest, detail: "ms must be an integer from 0 to \(maximumSleepMilliseconds)",
                    errors: ["ms": ["Must be between 0 and \(maximumSleepMilliseconds)."]])
            }
            usleep(useconds_t(milliseconds * 1000))
            return .json { json in
                json.object { body in
                    body.key("slept_ms"); body.integer(milliseconds)
                }
            }
        }
        return blueprint
    }
}
