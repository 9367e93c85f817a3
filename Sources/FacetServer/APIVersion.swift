import Hummingbird

/// The version segment every API path starts with: `v1`, or a date such as `v2025-02-19`, as
/// Sanity's clients send it. Facet answers all of them the same way.
struct APIVersionMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: FacetRequestContext, next: (Request, FacetRequestContext) async throws -> Response) async throws -> Response {
        let version = context.parameters.get("apiVersion") ?? ""
        guard Self.isVersion(version) else {
            throw APIError.notFound("Unknown API version \"\(version)\": use v1 or a date such as v2025-02-19")
        }
        return try await next(request, context)
    }

    static func isVersion(_ text: String) -> Bool {
        if text == "v1" || text == "vX" { return true }
        let bytes = Array(text.utf8)
        guard bytes.count == 11, bytes[0] == UInt8(ascii: "v"), bytes[5] == UInt8(ascii: "-"), bytes[8] == UInt8(ascii: "-") else { return false }
        return [1, 2, 3, 4, 6, 7, 9, 10].allSatisfy { bytes[$0] >= 48 && bytes[$0] <= 57 }
    }
}
