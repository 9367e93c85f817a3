import HTTPTypes
import Hummingbird

/// Cross-origin access for the browser origins the configuration names (`*` for any): a request
/// from one of them gets `Access-Control-Allow-Origin` with its own origin, and a preflight is
/// answered at once. Any other origin gets no CORS headers, so browsers keep it out; with no
/// origins configured (the default) this middleware is not installed at all.
struct AllowedOrigins: RouterMiddleware {
    let origins: [String]

    func handle(_ request: Request, context: FacetRequestContext, next: (Request, FacetRequestContext) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins == ["*"] || origins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers = corsHeaders(origin)
            headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
            headers[.accessControlAllowHeaders] = "Content-Type, Authorization, Last-Event-ID"
            headers[.accessControlMaxAge] = "600"
            return Response(status: .noContent, headers: headers)
        }
        do {
            var response = try await next(request, context)
            for field in corsHeaders(origin) { response.headers[field.name] = field.value }
            return response
        } catch let error as APIError {
            var response = try error.response(from: request, context: context)
            for field in corsHeaders(origin) { response.headers[field.name] = field.value }
            return response
        }
    }

    private func corsHeaders(_ origin: String) -> HTTPFields {
        [.accessControlAllowOrigin: origin, .vary: "Origin"]
    }
}
