/// Why a patch could not be parsed or applied: which operation, on which path, what was wrong and what to do.
///
/// Shape errors in the patch body (an unknown key, `unset` that is not an array, …) use the operation
/// `"patch"`, or the operation whose value has the wrong shape. Errors while applying name the operation
/// and the path as written in the patch; when the path matched several places (`items[*].count`), the
/// reason names the concrete place that failed (`items[2].count`).
///
/// ```swift
/// do {
///     _ = try Patch(json: ["inc": ["title": 1]]).applied(to: ["title": "Hello"])
/// } catch {
///     print(error)  // inc "title": title is a string, not a number. Advice: …
/// }
/// ```
public struct PatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The operation that failed: `"set"`, `"setIfMissing"`, `"unset"`, `"inc"`, `"dec"`, `"insert"`,
    /// `"diffMatchPatch"`, or `"patch"` for errors in the shape of the patch body itself.
    public var operation: String
    /// The path the error concerns, if any: exactly as written when it could not be parsed, otherwise in
    /// canonical form (``PatchPath/description``), so `items[ _key == 'a' ]` reads `items[_key=="a"]`.
    public var path: String?
    /// What was wrong.
    public var reason: String
    /// What the caller can do about it.
    public var advice: String

    /// Creates an error; the engine builds these itself, callers mostly read them.
    public init(operation: String, path: String? = nil, reason: String, advice: String) {
        self.operation = operation
        self.path = path
        self.reason = reason
        self.advice = advice
    }

    /// One line: operation, quoted path, reason and advice.
    public var description: String {
        var text = operation
        if let path { text += " \"\(path)\"" }
        text += ": \(reason)"
        if !advice.isEmpty { text += ". \(advice)" }
        return text
    }
}

extension PatchError {
    /// The operation keys a patch body may contain, in the order they are applied.
    static let operationKeys = ["set", "setIfMissing", "unset", "inc", "dec", "insert", "diffMatchPatch"]
    /// Keys that select or guard the document; the caller handles them, so the engine ignores them.
    static let selectorKeys = ["id", "query", "params", "ifRevisionID"]

    static func shape(_ operation: String, _ reason: String, advice: String) -> PatchError {
        PatchError(operation: operation, reason: reason, advice: advice)
    }
}
