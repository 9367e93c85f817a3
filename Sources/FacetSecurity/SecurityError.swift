/// What went wrong in the security layer, with what to do about it.
///
/// `unauthenticated` errors deliberately carry no detail an attacker could use (which of user
/// name, password or token was wrong); the detail goes to the audit log instead.
public struct SecurityError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// No valid credentials: HTTP 401.
        case unauthenticated
        /// Valid credentials, not allowed: HTTP 403.
        case forbidden
        /// Malformed input: HTTP 400.
        case invalid
        /// Missing user, token or key: HTTP 404.
        case notFound
        /// Already exists: HTTP 409.
        case conflict
        /// Too many requests or failed attempts: HTTP 429.
        case throttled
        /// A key, the database or the key file is unusable: HTTP 500.
        case storage
        /// The database cannot be reached for now: HTTP 503, with `retryAfter`.
        case unavailable
    }

    public var kind: Kind
    public var message: String
    public var advice: String?
    /// Seconds to wait before trying again (throttled and locked-out requests).
    public var retryAfter: Int?

    public init(_ kind: Kind, _ message: String, advice: String? = nil, retryAfter: Int? = nil) {
        self.kind = kind
        self.message = message
        self.advice = advice
        self.retryAfter = retryAfter
    }

    public var description: String { advice.map { "\(message). \($0)" } ?? message }

    /// The one answer every failed authentication gets.
    public static let unauthenticated = SecurityError(.unauthenticated, "Authentication required",
                                                      advice: "Sign in, or send a valid token as Authorization: Bearer <token>.")
}
