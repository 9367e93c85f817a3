import GROQ
import OrderedCollections

/// A parsed Sanity patch: the operations of one `{"patch": {...}}` mutation.
///
/// Parsing checks the whole body up front (known keys, value shapes, every path), so a patch that
/// parses can only fail later because of the document it meets. Applying is a pure function of the
/// document: the input is never modified and nothing is serialised.
///
/// Operations run in Sanity's order — `set`, `setIfMissing`, `unset`, `inc`, `dec`, `insert`,
/// `diffMatchPatch` — and within one operation in the order its keys were written.
///
/// ```swift
/// let patch = try Patch(json: [
///     "id": "post-1",                                 // ignored: the caller selects documents
///     "setIfMissing": ["tags": [], "views": 0],
///     "inc": ["views": 1],
///     "insert": ["after": "tags[-1]", "items": ["swift"]],
/// ])
/// let updated = try patch.applied(to: ["_id": "post-1", "title": "Hello"])
/// // {"_id": "post-1", "title": "Hello", "tags": ["swift"], "views": 1}
/// ```
public struct Patch: Sendable, Equatable {
    /// Where `insert` puts its items relative to the matched elements.
    enum InsertPosition: String, Sendable, Equatable {
        case before, after, replace
    }

    /// One parsed operation; the array of them is already in application order.
    enum Operation: Sendable, Equatable {
        case set(PatchPath, JSONValue)
        case setIfMissing(PatchPath, JSONValue)
        case unset(PatchPath)
        case inc(PatchPath, Double)
        case dec(PatchPath, Double)
        case insert(InsertPosition, PatchPath, [JSONValue])
        case diffMatchPatch(PatchPath, String)

        var name: String {
            switch self {
            case .set: "set"
            case .setIfMissing: "setIfMissing"
            case .unset: "unset"
            case .inc: "inc"
            case .dec: "dec"
            case .insert: "insert"
            case .diffMatchPatch: "diffMatchPatch"
            }
        }

        var path: PatchPath {
            switch self {
            case .set(let path, _), .setIfMissing(let path, _), .unset(let path), .inc(let path, _),
                .dec(let path, _), .insert(_, let path, _), .diffMatchPatch(let path, _):
                path
            }
        }
    }

    /// Values deeper than this are refused, matching the path limit, so patched documents stay bounded.
    static let maximumDepth = 64

    let operations: [Operation]

    /// Parses a patch body such as `{"set": {"title": "Hi"}, "unset": ["draft"]}`.
    ///
    /// `id`, `query`, `params` and `ifRevisionID` are accepted and ignored: they select or guard the
    /// document, which is the caller's business.
    ///
    /// ```swift
    /// let patch = try Patch(json: ["unset": ["items[_key==\"a\"]"]])
    /// ```
    ///
    /// - Throws: ``PatchError`` for an unknown key (listing the valid ones), a value of the wrong shape,
    ///   a malformed path (with the character position), or a value nested more than 64 levels deep.
    public init(json: JSONObject) throws(PatchError) {
        for key in json.keys where !PatchError.operationKeys.contains(key) && !PatchError.selectorKeys.contains(key) {
            throw PatchError.shape(
                "patch", "unknown key \"\(key)\" in the patch",
                advice: "Valid keys are " + (PatchError.operationKeys + PatchError.selectorKeys).joined(separator: ", "))
        }
        var operations: [Operation] = []
        for (path, value) in try Self.members(json, "set") {
            operations.append(.set(try Self.path(path, "set"), try Self.checkedDepth(value, "set", path)))
        }
        for (path, value) in try Self.members(json, "setIfMissing") {
            operations.append(
                .setIfMissing(try Self.path(path, "setIfMissing"), try Self.checkedDepth(value, "setIfMissing", path)))
        }
        for path in try Self.unsetPaths(json["unset"]) {
            operations.append(.unset(try Self.path(path, "unset")))
        }
        for (path, value) in try Self.members(json, "inc") {
            operations.append(.inc(try Self.path(path, "inc"), try Self.number(value, "inc", path)))
        }
        for (path, value) in try Self.members(json, "dec") {
            operations.append(.dec(try Self.path(path, "dec"), try Self.number(value, "dec", path)))
        }
        if let insert = json["insert"] {
            operations.append(try Self.insert(insert))
        }
        for (path, value) in try Self.members(json, "diffMatchPatch") {
            guard case .string(let text) = value else {
                throw PatchError(
                    operation: "diffMatchPatch", path: path,
                    reason: "the patch text is \(Self.article(value.typeName)), not a string",
                    advice: "Give each path a diff-match-patch text such as \"@@ -1,5 +1,5 @@\\n-Hello\\n+Howdy\\n\"")
            }
            operations.append(.diffMatchPatch(try Self.path(path, "diffMatchPatch"), text))
        }
        self.operations = operations
    }

    /// True when the patch has no operations (only `id`/`query`/`ifRevisionID`, or empty operation objects).
    public var isEmpty: Bool { operations.isEmpty }

    /// Every path the patch writes, in application order (for callers that guard fields such as `_id`).
    public var paths: [PatchPath] { operations.map(\.path) }

    // MARK: - Shapes

    private static func members(_ json: JSONObject, _ operation: String) throws(PatchError) -> JSONObject {
        guard let value = json[operation] else { return [:] }
        guard case .object(let members) = value else {
            throw PatchError.shape(
                operation, "\"\(operation)\" must be an object of paths to values, not \(article(value.typeName))",
                advice: "Write it as {\"\(operation)\": {\"path\": value}}")
        }
        return members
    }

    private static func unsetPaths(_ value: JSONValue?) throws(PatchError) -> [String] {
        guard let value else { return [] }
        let advice = "Write it as {\"unset\": [\"path\", …]}"
        guard case .array(let elements) = value else {
            throw PatchError.shape(
                "unset", "\"unset\" must be an array of path strings, not \(article(value.typeName))", advice: advice)
        }
        var paths: [String] = []
        paths.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .string(let path) = element else {
                throw PatchError.shape(
                    "unset", "element \(index) of \"unset\" is \(article(element.typeName)), not a path string",
                    advice: advice)
            }
            paths.append(path)
        }
        return paths
    }

    private static func number(_ value: JSONValue, _ operation: String, _ path: String) throws(PatchError) -> Double {
        guard case .number(let number) = value, number.isFinite else {
            throw PatchError(
                operation: operation, path: path,
                reason: "the amount is \(article(value.typeName)), not a number",
                advice: "Write it as {\"\(operation)\": {\"\(path)\": 1}}")
        }
        return number
    }

    private static func insert(_ value: JSONValue) throws(PatchError) -> Operation {
        let advice = "Write it as {\"insert\": {\"after\": \"items[-1]\", \"items\": [...]}} with exactly one of "
            + "before, after or replace"
        guard case .object(let spec) = value else {
            throw PatchError.shape("insert", "\"insert\" must be an object, not \(article(value.typeName))", advice: advice)
        }
        let positions = spec.keys.compactMap(InsertPosition.init(rawValue:))
        for key in spec.keys where key != "items" && InsertPosition(rawValue: key) == nil {
            throw PatchError.shape("insert", "unknown key \"\(key)\" in \"insert\"", advice: advice)
        }
        guard positions.count == 1, let position = positions.first else {
            let reason = positions.isEmpty
                ? "\"insert\" needs one of before, after or replace"
                : "\"insert\" has \(positions.map(\.rawValue).joined(separator: " and ")); it needs exactly one"
            throw PatchError.shape("insert", reason, advice: advice)
        }
        guard case .string(let pathText)? = spec[position.rawValue] else {
            throw PatchError.shape(
                "insert", "\"\(position.rawValue)\" must be a path string, not "
                    + article(spec[position.rawValue]?.typeName ?? "null"), advice: advice)
        }
        guard case .array(let items)? = spec["items"] else {
            let found = spec["items"].map { "is " + article($0.typeName) } ?? "is missing"
            throw PatchError(
                operation: "insert", path: pathText, reason: "\"items\" \(found); it must be an array",
                advice: advice)
        }
        let path = try Self.path(pathText, "insert")
        guard let last = path.segments.last, last.isSelector else {
            throw PatchError(
                operation: "insert", path: path.description,
                reason: "the path must end with an array selector",
                advice: "Point at elements of the array, e.g. \"\(path)[-1]\" to append or \"\(path)[0]\" to prepend")
        }
        for item in items {
            // Items land one level below their array, which is at least one level deep.
            _ = try checkedDepth(item, "insert", pathText, budget: maximumDepth - 1)
        }
        return .insert(position, path, items)
    }

    private static func path(_ text: String, _ operation: String) throws(PatchError) -> PatchPath {
        do {
            return try PatchPath(parsing: text)
        } catch {
            var error = error
            error.operation = operation
            throw error
        }
    }

    private static func checkedDepth(
        _ value: JSONValue, _ operation: String, _ path: String, budget: Int = maximumDepth
    ) throws(PatchError) -> JSONValue {
        guard value.nesting(within: budget) != nil else {
            throw PatchError(
                operation: operation, path: path,
                reason: "the value is nested more than \(maximumDepth) levels deep",
                advice: "Flatten the value; documents nest at most \(maximumDepth) levels")
        }
        return value
    }

    static func article(_ typeName: String) -> String {
        switch typeName {
        case "null": "null"
        case "array", "object": "an \(typeName)"
        default: "a \(typeName)"
        }
    }
}

extension JSONValue {
    /// How many container levels this value has (a scalar has 0), or `nil` as soon as it exceeds `limit`.
    ///
    /// Stops early so that a hostile, very deep value cannot make the check itself recurse without bound.
    func nesting(within limit: Int) -> Int? {
        guard limit >= 0 else { return nil }
        var deepest = 0
        switch self {
        case .array(let elements):
            guard limit >= 1 else { return nil }
            for element in elements {
                guard let depth = element.nesting(within: limit - 1) else { return nil }
                deepest = Swift.max(deepest, depth)
            }
            return deepest + 1
        case .object(let members):
            guard limit >= 1 else { return nil }
            for value in members.values {
                guard let depth = value.nesting(within: limit - 1) else { return nil }
                deepest = Swift.max(deepest, depth)
            }
            return deepest + 1
        default:
            return 0
        }
    }
}
