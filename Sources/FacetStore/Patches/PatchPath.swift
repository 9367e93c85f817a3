import GROQ

/// A JSONMatch path, the language Sanity patches use to address places in a document.
///
/// Supported forms, freely combined (`items[_key=="a"].tags[0]`):
///
/// | Form | Meaning |
/// |---|---|
/// | `a`, `a.b.c` | object attributes |
/// | `["odd key"]`, `['x']` | an attribute whose name is not an identifier |
/// | `a[3]`, `a[-1]` | an array element; negative indices count from the end |
/// | `a[2:4]`, `a[2:]`, `a[:4]`, `a[-2:]` | a slice, end exclusive |
/// | `a[_key=="k"]`, `a[_key == 'k']` | the elements whose attribute equals a string, number or boolean |
/// | `a[*]` | every element |
///
/// Spaces between tokens are ignored, as Sanity's parser does. Malformed paths throw a ``PatchError`` whose
/// reason gives the character position, counted from 0 as Sanity's own error messages do.
///
/// ```swift
/// let path = try PatchPath(parsing: #"items[_key == "a"].title"#)
/// path.description    // items[_key=="a"].title
/// path.rootAttribute  // "items"
/// ```
public struct PatchPath: Sendable, Hashable, CustomStringConvertible {
    /// One step of a path.
    enum Segment: Sendable, Hashable {
        case attribute(String)
        case index(Int)
        /// `nil` bounds mean "from the start" / "to the end".
        case slice(start: Int?, end: Int?)
        /// `[attribute == value]`: selects array elements that are objects with that member value.
        case match(attribute: String, value: JSONValue)
        case wildcard

        /// Selectors address array elements; only attributes address object members.
        var isSelector: Bool {
            if case .attribute = self { return false }
            return true
        }
    }

    /// Paths longer than this are refused: they cannot address anything in a document within the nesting limit.
    static let maximumSegments = 64

    let segments: [Segment]

    /// Parses a JSONMatch path such as `items[_key=="a"].title`.
    ///
    /// ```swift
    /// let last = try PatchPath(parsing: "tags[-1]")
    /// ```
    ///
    /// - Throws: ``PatchError`` (operation `"patch"`) naming the path and the character position of the problem.
    public init(parsing text: String) throws(PatchError) {
        var parser = PatchPathParser(text: text)
        self.segments = try parser.parse()
    }

    /// The first attribute name (e.g. `"items"` for `items[0].title`), used to guard system fields.
    ///
    /// `nil` when the path starts with a selector such as `[0]`.
    public var rootAttribute: String? {
        if case .attribute(let name)? = segments.first { return name }
        return nil
    }

    /// The path in canonical JSONMatch form: `items[_key=="a"].title`, `["odd key"]`, `tags[-1]`.
    public var description: String {
        var text = ""
        for (offset, segment) in segments.enumerated() {
            switch segment {
            case .attribute(let name):
                if Self.isIdentifier(name) {
                    if offset > 0 { text += "." }
                    text += name
                } else {
                    text += "[" + Self.quoted(name) + "]"
                }
            case .index(let index):
                text += "[\(index)]"
            case .slice(let start, let end):
                text += "[" + (start.map(String.init) ?? "") + ":" + (end.map(String.init) ?? "") + "]"
            case .match(let attribute, let value):
                let name = Self.isIdentifier(attribute) ? attribute : Self.quoted(attribute)
                text += "[" + name + "==" + Self.literal(value) + "]"
            case .wildcard:
                text += "[*]"
            }
        }
        return text
    }

    /// JSONMatch identifiers: what may follow a `.` without quoting.
    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isIdentifierStart(first) else { return false }
        return name.unicodeScalars.allSatisfy(isIdentifierPart)
    }

    static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    static func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
        isIdentifierStart(scalar) || ("0"..."9").contains(scalar)
    }

    static func quoted(_ string: String) -> String {
        var text = "\""
        for character in string {
            if character == "\"" || character == "\\" { text.append("\\") }
            text.append(character)
        }
        return text + "\""
    }

    static func literal(_ value: JSONValue) -> String {
        switch value {
        case .string(let string): return quoted(string)
        case .number(let number): return formatNumber(number)
        case .bool(let bool): return bool ? "true" : "false"
        case .null: return "null"
        case .array, .object: return "?"
        }
    }

    /// Whole numbers print without a fraction so that `[n==3]` reads back as written.
    static func formatNumber(_ number: Double) -> String {
        if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }
}

/// A concrete place in a document, built while unwinding from a failure, to name where a
/// multi-match path (`items[*].count`) went wrong.
enum PatchLocationStep: Sendable, Equatable {
    case key(String)
    case index(Int)

    static func render(_ steps: [PatchLocationStep]) -> String {
        if steps.isEmpty { return "the document" }
        var text = ""
        for (offset, step) in steps.enumerated() {
            switch step {
            case .key(let name):
                if PatchPath.isIdentifier(name) {
                    if offset > 0 { text += "." }
                    text += name
                } else {
                    text += "[" + PatchPath.quoted(name) + "]"
                }
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }
}
