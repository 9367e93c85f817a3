/// Why a `diffMatchPatch` patch could not be used: the patch text is malformed, one of its hunks could
/// not be placed in the current text, or applying it would leave half of a character behind.
///
/// ``description`` is written for the person who sent the patch: it says what was wrong, where (the
/// 1-based hunk number and line of the patch text) and what to do about it. The other properties
/// carry the same facts for code that wants to react to them.
public struct DiffMatchPatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem.
    public enum Reason: Sendable, Equatable {
        /// A line that should be a hunk header (`@@ -a,b +c,d @@`) is not one.
        case malformedHeader
        /// A hunk body line starts with something other than `+`, `-` or a space.
        case invalidLine
        /// A line's `%` escapes are not valid UTF-8 (JavaScript's `decodeURI` would throw).
        case malformedEscape
        /// A hunk's context was not found in the text, so the hunk could not be applied.
        case hunkDidNotApply
        /// The hunks applied, but the result would cut a surrogate pair (an emoji, say) in half.
        case splitsCharacter
    }

    /// The kind of problem.
    public var reason: Reason
    /// The 1-based number of the hunk concerned, when one is.
    public var hunk: Int?
    /// The 1-based line of the patch text concerned, when one is.
    public var line: Int?
    /// The header of the hunk concerned (`@@ -13,7 +13,7 @@`), when one is.
    public var header: String?
    /// The complete explanation, as ``description`` returns it.
    public var message: String

    /// Creates an error; ``message`` should already say what went wrong, where, and what to do.
    public init(reason: Reason, hunk: Int? = nil, line: Int? = nil, header: String? = nil, message: String) {
        self.reason = reason
        self.hunk = hunk
        self.line = line
        self.header = header
        self.message = message
    }

    /// What was wrong, where, and what to do.
    public var description: String { message }
}

extension DiffMatchPatchError {
    static let remakeAdvice = "The text changed since the patch was made; fetch the document and make the patch again."

    static let formatAdvice = "Make the patch with a diff-match-patch library (patch_toText, or stringifyPatches "
        + "in @sanity/diff-match-patch) and send its text unchanged."

    static func malformedHeader(line: Int, text: Substring) -> DiffMatchPatchError {
        DiffMatchPatchError(
            reason: .malformedHeader, line: line,
            message: "diffMatchPatch: line \(line) of the patch, \(quoted(text)), is not a hunk header; "
                + "expected `@@ -start,length +start,length @@`. \(formatAdvice)")
    }

    static func invalidLine(hunk: Int, line: Int, header: String, text: Substring) -> DiffMatchPatchError {
        DiffMatchPatchError(
            reason: .invalidLine, hunk: hunk, line: line, header: header,
            message: "diffMatchPatch: line \(line) of the patch (in hunk \(hunk), \(quoted(header[...]))) starts with "
                + "\(quoted(text.prefix(1))); hunk lines must start with `+`, `-` or a space. \(formatAdvice)")
    }

    static func malformedEscape(hunk: Int, line: Int, header: String, reason: String) -> DiffMatchPatchError {
        DiffMatchPatchError(
            reason: .malformedEscape, hunk: hunk, line: line, header: header,
            message: "diffMatchPatch: line \(line) of the patch (in hunk \(hunk), \(quoted(header[...]))) has a bad "
                + "%-escape: \(reason). Lines are encoded with encodeURI, so `%` itself must be written `%25`. "
                + formatAdvice)
    }

    private static func quoted(_ text: Substring) -> String {
        let shown = text.count > 80 ? text.prefix(77) + "..." : text
        return "`\(shown)`"
    }
}
