import FacetStore

/// Why a webhook could not be made, changed, found or delivered: what was wrong, where (the
/// field concerned), and what to do.
public struct WebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The hook as sent is wrong (a field, its filter, its address). HTTP 400.
        case invalid
        /// No such hook or delivery. HTTP 404.
        case notFound
        /// The database cannot be reached for now. HTTP 503.
        case unavailable
        /// The records could not be read or written. HTTP 500.
        case storage
    }

    public var kind: Kind
    public var message: String
    /// The field of the hook concerned (`filter`, `headers.x-shop`), when there is one.
    public var field: String?
    public var advice: String?

    public init(_ kind: Kind, _ message: String, field: String? = nil, advice: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
        self.advice = advice
    }

    public var description: String { message + (advice.map { ". " + $0 } ?? "") }

    /// A failure of the records, as hooks report it: a database out of reach as `unavailable`.
    static func records(_ error: any Error, doing what: String) -> WebhookError {
        switch error {
        case let error as WebhookError: error
        case let error as StoreError where error.kind == .unavailable:
            WebhookError(.unavailable, "\(what): \(error.message)", advice: "Try again once the database answers.")
        default:
            WebhookError(.storage, "\(what): \(error)")
        }
    }
}
