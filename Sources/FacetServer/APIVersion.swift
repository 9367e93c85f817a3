import Hummingbird

/// The version segment every API path starts with: `v1`, or a date such as `v2025-02-19`, as
/// Sanity's clients send it. Facet answers all of them the same way.
struct APIVersionMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: FacetRequestContext, next: (Request, FacetRequestContext) async throws -> Response) async throws -> Response {
        let version = context.parameters.get("apiVersion") ?? ""
        guard Self.isVersion(version) else {
            // A segment that is meant as a version (`v` and a digit) but is not one is the
            // client's mistake, said as such; anything else is a path that does not exist.
            let bytes = Array(version.utf8)
            if bytes.count >= 2, bytes[0] == UInt8(ascii: "v"), (48...57).contains(bytes[1]) {
                throw APIError(.badRequest, type: "invalidApiVersion",
                               "Invalid API version \"\(version.prefix(64))\": use v1 or a real date as vYYYY-MM-DD, such as v2025-02-19",
                               details: ["advice": "A dated version is a calendar date: month 01 to 12, and a day that month has."])
            }
            throw APIError.notFound("Unknown API version \"\(version.prefix(64))\": use v1 or a date such as v2025-02-19")
        }
        return try await next(request, context)
    }

    /// `v1`, `vX` (Sanity's experimental version), or `vYYYY-MM-DD` naming a real date.
    static func isVersion(_ text: String) -> Bool {
        if text == "v1" || text == "vX" { return true }
        let bytes = Array(text.utf8)
        guard bytes.count == 11, bytes[0] == UInt8(ascii: "v"), bytes[5] == UInt8(ascii: "-"), bytes[8] == UInt8(ascii: "-") else { return false }
        let digitPositions = [1, 2, 3, 4, 6, 7, 9, 10]
        guard digitPositions.allSatisfy({ bytes[$0] >= 48 && bytes[$0] <= 57 }) else { return false }
        func number(_ range: ClosedRange<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(bytes[$1] - 48) } }
        let year = number(1...4), month = number(6...7), day = number(9...10)
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }
}
