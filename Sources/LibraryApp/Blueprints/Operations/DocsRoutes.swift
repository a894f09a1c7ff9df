import Foundation
import Logging
import HTTPTypes

/// The API documents (docs/api.md, Operations): `GET /swagger.yaml`, the OpenAPI document
/// (`static/swagger.yaml`, read once at start-up), and `GET /api/docs`, a page that runs
/// Swagger UI on it. The Swagger UI assets themselves are static files the web server serves
/// under `/static/swagger-ui/` (installed from a package by `scripts/install-test-tools.sh`),
/// so the page works without internet access.
enum DocsBlueprint {
    /// Names the document's path; without it the document is looked for in `static/` of the
    /// working directory, then of the folders above the executable, then the installed copy.
    static let documentVariable = "OPENAPI_DOCUMENT"
    static let installedDocument = "/usr/local/share/library-api/static/swagger.yaml"
    static let assetsPath = "/static/swagger-ui"

    static func make(logger: Logger) -> Blueprint {
        let document = loadDocument(logger: logger)
        var docs = Blueprint("docs")
        docs.defaultLimit = .exempt
        docs.get("/swagger.yaml", access: .everyone) { _, _ in
            guard let document else {
                throw ProblemError(.notFound, detail: "The OpenAPI document is not installed on this server")
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml"
            headers[.cacheControl] = "no-cache"
            return Response(status: .ok, headers: headers, body: document)
        }
        docs.get("/api/docs", access: .everyone) { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.cacheControl] = "no-cache"
            // Everything from this origin: the page works offline, and nothing else may load.
            headers[.contentSecurityPolicy] =
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
            headers[.xContentTypeOptions] = "nosniff"
            return Response(status: .ok, headers: headers, body: Array(page.utf8))
        }
        return docs
    }

    /// The first readable candidate, or nil (then `/swagger.yaml` answers `404`, and the log says why).
    static func loadDocument(
        logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> [UInt8]?
    {
        let candidates = documentCandidates(environment: environment)
        for path in candidates {
            if let data = FileManager.default.contents(atPath: path) {
                logger.debug("OpenAPI document loaded", metadata: ["path": "\(path)", "bytes": "\(data.count)"])
                return Array(data)
            }
            if environment[documentVariable] != nil {
                logger.error("\(documentVariable) names a file that cannot be read", metadata: ["path": "\(path)"])
                return nil
            }
        }
        logger.warning(
            "no OpenAPI document found; GET /swagger.yaml will answer 404",
            metadata: ["looked_in": "\(candidates.joined(separator: ", "))"])
        return nil
    }

    static func documentCandidates(environment: [String: String]) -> [String] {
        if let path = environment[documentVariable], !path.isEmpty { return [path] }
        var candidates = [FileManager.default.currentDirectoryPath + "/static/swagger.yaml"]
        // .build/x86_64-unknown-linux-gnu/debug/library-app → the checkout's static/
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
            while folder.path != "/" && !folder.path.isEmpty {
                candidates.append(folder.appendingPathComponent("static/swagger.yaml").path)
                folder.deleteLastPathComponent()
            }
        }
        candidates.append(installedDocument)
        return candidates
    }

    /// Swagger UI on `/swagger.yaml`; "Authorize" takes a token from `POST /users/login`.
    static let page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Library API — Swagger UI</title>
          <link rel="stylesheet" href="\(assetsPath)/swagger-ui.css">
          <link rel="icon" type="image/png" href="\(assetsPath)/favicon-32x32.png">
        </head>
        <body>
          <div id="swagger-ui"></div>
          <noscript>Swagger UI needs JavaScript; the document itself is at <a href="/swagger.yaml">/swagger.yaml</a>.</noscript>
          <script src="\(assetsPath)/swagger-ui-bundle.js"></script>
          <script>
            window.addEventListener("load", function () {
              window.ui = SwaggerUIBundle({
                url: "/swagger.yaml",
                dom_id: "#swagger-ui",
                deepLinking: true,
                persistAuthorization: true,
                displayRequestDuration: true,
                validatorUrl: null,
                presets: [SwaggerUIBundle.presets.apis],
                layout: "BaseLayout"
              });
            });
          </script>
        </body>
        </html>

        """
}
