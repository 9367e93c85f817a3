import FacetSecurity
import Foundation
import GROQ
import HTTPTypes
import Hummingbird

/// The access policy of a secure server: every route but the open ones needs
/// `Authorization: Bearer <token>` (an access token from `/v1/auth/login` or an API token), and
/// the admin routes need a role that may manage datasets.
///
/// ```swift
/// let security = try SecuritySystem(directory: data, policy: CRMRoles.policy(schema: schema), schema: schema)
/// let api = FacetAPI(store: try security.documentStore(validator: validator), schema: schema,
///                    access: TokenAccess(security: security), security: security)
/// ```
///
/// Refusals are Sanity-shaped errors: 401 `unauthorized` with `WWW-Authenticate: Bearer` (the
/// same answer whatever was wrong with the token), 403 naming the role and what it lacks.
public struct TokenAccess: AccessPolicy {
    public let security: SecuritySystem

    public init(security: SecuritySystem) {
        self.security = security
    }

    public func authorize(_ request: Request, context: FacetRequestContext, access: RouteAccess) async throws -> Principal? {
        let token = Self.bearerToken(request)
        guard access != .open else {
            // Sign-in and liveness work for anyone; a caller who says who they are is still known.
            guard let token else { return nil }
            return try? await security.sessions.principal(forBearer: token)
        }
        guard let token else { throw SecurityHTTPError(.unauthenticated) }
        let principal: Principal
        do {
            principal = try await security.sessions.principal(forBearer: token)
        } catch {
            throw SecurityHTTPError(error)
        }
        if access == .admin, !security.policy.allows(principal.role, .datasets) {
            throw SecurityHTTPError(SecurityError(.forbidden, "Role \(principal.role.rawValue) may not manage datasets or the server",
                                                  advice: "Ask an admin: this needs a role with the datasets capability."))
        }
        return principal
    }

    /// The token of an `Authorization: Bearer <token>` header (the scheme in any case), or `nil`.
    static func bearerToken(_ request: Request) -> String? {
        guard let value = request.headers.first(.authorization) else { return nil }
        // Read as bytes: every request passes here, and splitting, lowercasing and trimming
        // strings cost more than the rest of the check once the token is known.
        let bytes = value.utf8
        var start = bytes.startIndex
        for letter in "bearer".utf8 {
            guard start != bytes.endIndex, bytes[start] | 0x20 == letter else { return nil }
            start = bytes.index(after: start)
        }
        guard start != bytes.endIndex, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") else { return nil }
        var end = bytes.endIndex
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while start != end, isBlank(bytes[start]) { start = bytes.index(after: start) }
        while start != end, isBlank(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return start == end ? nil : String(value[start..<end])
    }
}

/// A ``SecurityError`` answered over HTTP: Sanity's error shape with the status its kind means,
/// and the headers that tell a client what to do (`WWW-Authenticate` on 401, `Retry-After` on
/// 429).
struct SecurityHTTPError: Error, HTTPResponseError {
    let error: SecurityError

    init(_ error: SecurityError) {
        self.error = error
    }

    var status: HTTPResponse.Status {
        switch error.kind {
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .invalid: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .throttled: .tooManyRequests
        case .storage: .internalServerError
        case .unavailable: .serviceUnavailable
        }
    }

    /// The error as the client sees it; storage failures say nothing of files or paths.
    var apiError: APIError {
        switch error.kind {
        case .unauthenticated:
            return APIError(.unauthorized, type: "unauthorized", "Authentication required",
                            details: ["advice": .string(SecurityError.unauthenticated.advice ?? "")])
        case .storage:
            return APIError(.internalServerError, type: "internalError", "The server could not complete the request; try again later")
        default:
            let type = switch error.kind {
            case .forbidden: "permissionDenied"
            case .invalid: "badRequest"
            case .notFound: "notFound"
            case .conflict: "conflict"
            case .unavailable: "databaseUnavailable"
            default: "tooManyRequests"
            }
            var details: JSONObject = [:]
            if let advice = error.advice { details["advice"] = .string(advice) }
            if let retryAfter = error.retryAfter { details["retryAfter"] = .number(Double(retryAfter)) }
            return APIError(status, type: type, error.message, details: details)
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        switch error.kind {
        case .unauthenticated: headers[.wwwAuthenticate] = "Bearer"
        case .throttled: headers[.retryAfter] = String(max(1, error.retryAfter ?? 1))
        case .unavailable: headers[.retryAfter] = String(max(1, error.retryAfter ?? 5))
        default: break
        }
        return JSONBody.response(apiError.json, status: status, headers: headers)
    }
}
