import Hummingbird
import Reporting

/// Turns every error a handler throws into `{"error": "..."}` with a 4xx/5xx status, so a
/// client never sees an empty 500 and a bad request never takes the daemon down.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return jsonResponse(.object([("error", .string(error.message))]), status: .init(code: error.status))
        } catch let error as HTTPError {
            let message = error.body ?? (error.status == .notFound ? "no such endpoint: \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return jsonResponse(.object([("error", .string(message))]), status: error.status)
        } catch {
            return jsonResponse(.object([("error", .string("internal error: \(error)"))]), status: .internalServerError)
        }
    }
}

/// Requires `Authorization: Bearer <token>` on requests that change state (POST) when a token
/// is configured. Reads stay open: metrics scrapers on the same host need no secret.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let token, request.method != .get, request.method != .head {
            let header = request.headers[.authorization] ?? ""
            guard header.hasPrefix("Bearer "), Self.constantTimeEqual(Array(header.utf8.dropFirst(7)), Array(token.utf8)) else {
                var response = jsonResponse(.object([("error", .string("missing or wrong bearer token"))]), status: .unauthorized)
                response.headers[.wwwAuthenticate] = "Bearer realm=\"akssim\""
                return response
            }
        }
        return try await next(request, context)
    }

    /// Compares without an early exit, so response time does not reveal how much of the token matched.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return diff == 0
    }
}
