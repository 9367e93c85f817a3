/// Where something is in a query: a byte offset into its UTF-8 text, with the line and column a
/// person would count (both 1-based; the column counts characters, not bytes).
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    public let offset: Int
    public let line: Int
    public let column: Int

    /// Locates `offset` (a UTF-8 byte offset) in `source`.
    public init(offset: Int, in source: String) {
        var line = 1
        var column = 1
        var consumed = 0
        for scalar in source.unicodeScalars {
            if consumed >= offset { break }
            consumed += UTF8.width(scalar)
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column)" }
}

/// An error in a GROQ query: a syntax error found while parsing, a query the language rejects
/// (an unknown function, a wrong number of arguments), or a problem found while evaluating it.
///
/// Every error knows where in the query it happened and says what was expected, so that
/// ``formatted`` can show the offending line with a caret under the problem:
///
/// ```
/// GROQ syntax error at line 1, column 18: expected ']' to close the filter, found end of query
///   *[_type == "post"
///                    ^
/// ```
public struct GROQError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem this is.
    public enum Kind: String, Sendable {
        /// The text is not GROQ.
        case syntax
        /// The text parses but the query is not valid (unknown function, wrong arity, misuse).
        case query
        /// The query is valid but could not be evaluated (for example a missing parameter).
        case evaluation
        /// The evaluation ran past ``EvaluationOptions/deadline`` and was stopped.
        case timeout
        /// The evaluation was stopped through ``EvaluationOptions/cancellation``.
        case cancelled
    }

    public let kind: Kind
    public let message: String
    /// Where in the query the problem is, when it can be pinned down.
    public let position: SourcePosition?
    /// The query text, kept so the error can show the line it refers to.
    public let source: String
    /// What the evaluation was doing when it stopped (`scanning all 101455 documents (no index
    /// answers this filter) for *[total > 5]`), for a time limit or a cancellation.
    public private(set) var activity: String?

    public init(_ kind: Kind, _ message: String, at offset: Int?, in source: String) {
        self.kind = kind
        self.message = message
        self.source = source
        self.position = offset.map { SourcePosition(offset: $0, in: source) }
    }

    /// The same error, saying what the evaluation was doing.
    func during(_ activity: String) -> GROQError {
        var copy = self
        copy.activity = activity
        return copy
    }

    public var description: String {
        let label = switch kind {
        case .syntax: "GROQ syntax error"
        case .query: "invalid GROQ query"
        case .evaluation: "GROQ evaluation error"
        case .timeout: "GROQ evaluation timed out"
        case .cancelled: "GROQ evaluation cancelled"
        }
        let what = activity.map { "\(message), while \($0)" } ?? message
        if let position { return "\(label) at \(position): \(what)" }
        return "\(label): \(what)"
    }

    /// The message followed by the query line it refers to and a caret under the position.
    public var formatted: String {
        guard let position else { return description }
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard position.line - 1 < lines.count else { return description }
        let line = lines[position.line - 1]
        let caret = String(repeating: " ", count: max(0, position.column - 1)) + "^"
        return "\(description)\n  \(line)\n  \(caret)"
    }
}
