import FacetSecurity
import GROQ
import Hummingbird
import NIOCore

extension FacetAPI {
    /// `POST /v1/auth/login`, `/refresh`, `/logout` and `GET /v1/auth/me`, on a secure server
    /// (one with ``security``). Signing in and refreshing are open; signing out and `/me` need a
    /// valid token.
    func addAuthRoutes(to router: RouterGroup<FacetRequestContext>) {
        guard let security else { return }
        let sessions = security.sessions
        let open = group(router, "auth", .open)
        let signedIn = group(router, "auth", .read)

        open.post("login") { request, context in
            let body = try await JSONBody.parse(request, context: context)
            let username = try Self.credential("username", in: body)
            let password = try Self.credential("password", in: body)
            do {
                let tokens = try await sessions.login(username: username, password: password, address: context.remoteAddress)
                return Self.sessionResponse(tokens)
            } catch let error as SecurityError {
                throw SecurityHTTPError(error)
            }
        }

        open.post("refresh") { request, context in
            let body = try await JSONBody.parse(request, context: context)
            let token = try Self.credential("refreshToken", in: body)
            do {
                return Self.sessionResponse(try await sessions.refresh(token: token, address: context.remoteAddress))
            } catch let error as SecurityError {
                throw SecurityHTTPError(error)
            }
        }

        signedIn.post("logout") { request, context in
            // The body is optional: a client that also holds the refresh token sends it.
            var refreshToken: String?
            let bytes: ByteBuffer
            do { bytes = try await request.body.collect(upTo: 64 * 1024) } catch {
                throw APIError(.contentTooLarge, type: "requestTooLarge", "The sign-out body is over 64 KiB; send at most the refresh token")
            }
            if bytes.readableBytes > 0 {
                let body: JSONValue
                do { body = try JSONValue(parsing: Array(bytes.readableBytesView)) } catch {
                    throw APIError.badRequest("The body is not valid JSON: \(String(describing: error))", type: "invalidJSON")
                }
                guard case .object = body else {
                    throw APIError.badRequest(#"The body must be a JSON object such as {"refreshToken": "…"}, or empty"#)
                }
                refreshToken = body["refreshToken"]?.stringValue
            }
            do {
                try await sessions.logout(accessToken: TokenAccess.bearerToken(request), refreshToken: refreshToken,
                                          address: context.remoteAddress)
            } catch let error as SecurityError {
                throw SecurityHTTPError(error)
            }
            return JSONBody.response(["loggedOut": true])
        }

        signedIn.get("me") { _, context in
            guard let principal = context.principal else { throw SecurityHTTPError(.unauthenticated) }
            return JSONBody.response([
                "id": .string(principal.id), "name": .string(principal.name), "role": .string(principal.role.rawValue),
                "kind": .string(principal.kind.rawValue), "staffId": principal.staffID.map(JSONValue.string) ?? .null,
                "permissions": security.policy.json(for: principal.role),
            ])
        }
    }

    /// The string member `name` of a sign-in body; 400 naming it when missing.
    private static func credential(_ name: String, in body: JSONValue) throws -> String {
        guard let value = body[name]?.stringValue, !value.isEmpty else {
            throw APIError.badRequest("The body needs a string \"\(name)\"", type: "badRequest")
        }
        return value
    }

    private static func sessionResponse(_ tokens: SessionTokens) -> Response {
        var headers = HTTPFields()
        // Tokens must not be kept by caches or proxies.
        headers[.cacheControl] = "no-store"
        return JSONBody.response([
            "accessToken": .string(tokens.accessToken), "refreshToken": .string(tokens.refreshToken),
            "expiresIn": .number(Double(tokens.expiresIn)), "tokenType": "Bearer",
        ], headers: headers)
    }
}
