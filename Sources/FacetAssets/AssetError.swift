/// Why an asset could not be stored or served: what was wrong, and what to do instead.
///
/// Each kind maps to one HTTP status, so the server answers every refusal the same way:
/// `tooLarge` is 413, `unsupportedType` 415, `unreadable` and `tooManyPixels` 422, `badParameter`
/// 400, `notFound` 404, `timedOut` and `unavailable` 503.
public struct AssetError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The body is over the configured size.
        case tooLarge
        /// The bytes are not of a type the route takes (an SVG or a PDF sent as an image).
        case unsupportedType
        /// The bytes claim a type they do not hold, or are truncated or corrupt.
        case unreadable
        /// The image's width × height is over the configured pixel limit (a decompression bomb).
        case tooManyPixels
        /// An image URL parameter has a value the transform does not take.
        case badParameter
        /// No such asset.
        case notFound
        /// The transform did not finish within its time limit.
        case timedOut
        /// The storage could not write or read (disk full, permissions).
        case storage
        /// The database the assets are kept in cannot be reached for now: 503, tried again.
        case unavailable
    }

    public var kind: Kind
    public var message: String
    /// What the caller can do about it.
    public var advice: String

    public init(_ kind: Kind, _ message: String, advice: String = "") {
        self.kind = kind
        self.message = message
        self.advice = advice
    }

    public var description: String { advice.isEmpty ? message : message + "; " + advice }
}
