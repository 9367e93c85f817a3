import FacetSecurity
import Hummingbird

/// What a route needs of the caller. Every route declares one, so that the security layer only
/// has to say who the caller is and what their role allows.
public enum RouteAccess: String, Sendable, CaseIterable {
    /// Anyone, signed in or not (liveness, sign-in).
    case open
    /// Reading documents, history, the schema.
    case read
    /// Writing documents and running document actions.
    case write
    /// Managing datasets and the server.
    case admin
}

/// Decides who is asking and whether they may do what the route needs: returns the caller, or
/// throws an ``APIError`` (401 or 403) when they may not.
///
/// A `nil` caller is unrestricted. ``LoopbackAccess`` answers `nil` for everyone: the policy of
/// embedded tests and tools, safe only on a server that its own machine alone can reach.
public protocol AccessPolicy: Sendable {
    func authorize(_ request: Request, context: FacetRequestContext, access: RouteAccess) async throws -> Principal?
}

/// Everyone may do everything: the policy of a server that only its own machine can reach.
public struct LoopbackAccess: AccessPolicy {
    public init() {}
    public func authorize(_ request: Request, context: FacetRequestContext, access: RouteAccess) async throws -> Principal? { nil }
}

/// Asks the policy before a route group's handlers run.
struct AccessMiddleware: RouterMiddleware {
    let access: RouteAccess
    let policy: any AccessPolicy

    func handle(_ request: Request, context: FacetRequestContext, next: (Request, FacetRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        context.principal = try await policy.authorize(request, context: context, access: access)
        return try await next(request, context)
    }
}
