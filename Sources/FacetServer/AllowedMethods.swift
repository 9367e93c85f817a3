import HTTPTypes
import Hummingbird
import Synchronization

/// The methods each route serves, so that a request the router cannot place is answered for
/// what it is: a known path with a method it does not serve gets 405 with `Allow` and a JSON
/// error, and an `OPTIONS` request on a known path gets 204 with `Allow`, or, when it is a CORS
/// preflight that ``AllowedOrigins`` did not answer (its origin is not allowed, or no origin is),
/// 403 with a JSON error. Paths the router does not know stay 404.
///
/// The table is filled once every route is added (``RouteMethods/record(_:)``), before the
/// server answers anything.
struct AllowedMethods: RouterMiddleware {
    let table: RouteMethods

    func handle(_ request: Request, context: FacetRequestContext, next: (Request, FacetRequestContext) async throws -> Response) async throws -> Response {
        if request.method == .options {
            let allowed = table.methods(forPath: request.uri.path)
            guard !allowed.isEmpty else { return try await next(request, context) }
            if request.headers[.origin] != nil, request.headers[.accessControlRequestMethod] != nil {
                throw APIError(.forbidden, type: "originNotAllowed",
                               "Cross-origin requests from \(request.headers[.origin] ?? "") are not allowed",
                               details: ["advice": "Add the origin to allowedOrigins in the server's configuration file (facet.json)."])
            }
            return Response(status: .noContent, headers: [.allow: Self.allowHeader(allowed)])
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // Also thrown by a route that serves this method (a studio file that is missing).
            let allowed = table.methods(forPath: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { throw error }
            var response = try APIError(.methodNotAllowed, type: "methodNotAllowed",
                                        "\(request.method.rawValue) is not served on \(request.uri.path)",
                                        details: ["advice": .string("Use " + Self.allowHeader(allowed) + ".")])
                .response(from: request, context: context)
            response.headers[.allow] = Self.allowHeader(allowed)
            return response
        }
    }

    static func allowHeader(_ methods: Set<String>) -> String {
        (methods.union(["OPTIONS"])).sorted().joined(separator: ", ")
    }
}

/// Which methods the router serves on each route pattern (`/{apiVersion}/data/query/{dataset}`).
final class RouteMethods: Sendable {
    private let routes = Mutex<[(segments: [Substring], method: String)]>([])

    /// Records the router's routes; call once they are all added.
    func record(_ descriptions: [(path: String, method: String)]) {
        routes.withLock { routes in
            routes = descriptions.map { (Self.segments($0.path), $0.method) }
        }
    }

    /// The methods served on `path`; empty when no route has that path.
    func methods(forPath path: String) -> Set<String> {
        let given = Self.segments(path)
        return routes.withLock { routes in
            Set(routes.filter { Self.matches($0.segments, given[...]) }.map(\.method))
        }
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    /// Whether a pattern's segments match a path's: `{name}`, `:name` and `*` match one segment,
    /// `**` one or more.
    private static func matches(_ pattern: [Substring], _ path: ArraySlice<Substring>) -> Bool {
        var path = path
        for segment in pattern {
            if segment == "**" { return !path.isEmpty }
            guard let first = path.first else { return false }
            let wildcard = segment == "*" || segment.hasPrefix(":") || (segment.hasPrefix("{") && segment.hasSuffix("}"))
            guard wildcard || segment == first else { return false }
            path = path.dropFirst()
        }
        return path.isEmpty
    }
}
