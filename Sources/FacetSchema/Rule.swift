import GROQ

/// A validation rule in Sanity's vocabulary, with its level and message.
///
/// ```swift
/// Field("email", .email).rules(.required(), .email())
/// Field("discount", .number()).rules(.min(0), .max(0.5).warning("Over half off: check with a manager"))
/// ```
public struct Rule: Sendable, Equatable {
    /// What the rule checks.
    public enum Check: Sendable, Equatable {
        case required
        case min(Double)
        case max(Double)
        case length(Int)
        case integer
        case positive
        case negative
        case precision(Int)
        case greaterThan(Double)
        case lessThan(Double)
        /// A regular expression the value must (or, inverted, must not) match.
        case regex(pattern: String, name: String?, invert: Bool)
        case email
        /// A URI, optionally limited to some schemes.
        case uri(schemes: [String])
        /// The value is unique among documents of the type.
        case unique
        /// At least or at most this many array items.
        case minItems(Int)
        case maxItems(Int)
        /// No two array items are equal.
        case uniqueItems
        /// Compared with another field of the same document: the value must be greater than it.
        case greaterThanField(String)
        case lessThanField(String)
        /// A named custom check; the function is registered with the validator under `name`.
        case custom(name: String)
    }

    /// How serious a failed rule is.
    public enum Level: String, Sendable, Equatable {
        case error
        case warning
        case info
    }

    public var check: Check
    public var level: Level = .error
    /// Overrides the default message.
    public var message: String?

    public init(_ check: Check, level: Level = .error, message: String? = nil) {
        self.check = check
        self.level = level
        self.message = message
    }

    public static func required() -> Rule { Rule(.required) }
    public static func min(_ value: Double) -> Rule { Rule(.min(value)) }
    public static func max(_ value: Double) -> Rule { Rule(.max(value)) }
    public static func length(_ value: Int) -> Rule { Rule(.length(value)) }
    public static func integer() -> Rule { Rule(.integer) }
    public static func positive() -> Rule { Rule(.positive) }
    public static func negative() -> Rule { Rule(.negative) }
    public static func precision(_ digits: Int) -> Rule { Rule(.precision(digits)) }
    public static func greaterThan(_ value: Double) -> Rule { Rule(.greaterThan(value)) }
    public static func lessThan(_ value: Double) -> Rule { Rule(.lessThan(value)) }
    public static func regex(_ pattern: String, name: String? = nil, invert: Bool = false) -> Rule {
        Rule(.regex(pattern: pattern, name: name, invert: invert))
    }
    public static func email() -> Rule { Rule(.email) }
    public static func uri(schemes: [String] = ["http", "https"]) -> Rule { Rule(.uri(schemes: schemes)) }
    public static func unique() -> Rule { Rule(.unique) }
    public static func minItems(_ count: Int) -> Rule { Rule(.minItems(count)) }
    public static func maxItems(_ count: Int) -> Rule { Rule(.maxItems(count)) }
    public static func uniqueItems() -> Rule { Rule(.uniqueItems) }
    public static func greaterThan(field: String) -> Rule { Rule(.greaterThanField(field)) }
    public static func lessThan(field: String) -> Rule { Rule(.lessThanField(field)) }
    public static func custom(_ name: String) -> Rule { Rule(.custom(name: name)) }

    /// The same rule as a warning.
    public func warning(_ message: String? = nil) -> Rule { Rule(check, level: .warning, message: message ?? self.message) }
    /// The same rule as information.
    public func info(_ message: String? = nil) -> Rule { Rule(check, level: .info, message: message ?? self.message) }
    /// The same rule with its own message.
    public func message(_ text: String) -> Rule { Rule(check, level: level, message: text) }
}
