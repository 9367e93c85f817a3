import GROQ

/// A place in a document: fields, array elements by `_key`, array elements by position.
///
/// Node handlers receive the path of the node they visit; edits name the place they change.
/// The description is the JSONMatch form Sanity's patches use (`phones[_key=="home"].number`),
/// which is also how the dry run prints a change.
///
/// ```swift
/// let path: MigrationPath = ["address", "country"]
/// path.description                        // address.country
/// MigrationPath(["phones"]).key("home").field("number").description   // phones[_key=="home"].number
/// ```
public struct MigrationPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// One step into a value.
    public enum Segment: Sendable, Hashable {
        /// An object member.
        case field(String)
        /// The array element whose `_key` is this string: stays right when elements move.
        case key(String)
        /// The array element at this position (elements without a `_key`).
        case index(Int)
    }

    public var segments: [Segment]

    public init(_ segments: [Segment] = []) { self.segments = segments }

    /// A path of fields only: `["address", "country"]`.
    public init(_ fields: [String]) { self.segments = fields.map(Segment.field) }

    public init(arrayLiteral elements: String...) { self.init(elements) }

    /// The document itself.
    public static let root = MigrationPath()

    public func field(_ name: String) -> MigrationPath { MigrationPath(segments + [.field(name)]) }
    public func key(_ key: String) -> MigrationPath { MigrationPath(segments + [.key(key)]) }
    public func index(_ index: Int) -> MigrationPath { MigrationPath(segments + [.index(index)]) }

    /// The name of the last field on the path, looking through array steps: `phone` for
    /// `contacts[_key=="a"].phone`, `tags` for `tags[2]`; `nil` at the root.
    public var fieldName: String? {
        for segment in segments.reversed() { if case .field(let name) = segment { return name } }
        return nil
    }

    /// The path without its last step (the root stays the root).
    public var parent: MigrationPath { MigrationPath(Array(segments.dropLast())) }

    public var isRoot: Bool { segments.isEmpty }

    /// JSONMatch form: `a.b`, `a[_key=="k"]`, `a[2]`, `["odd key"]`.
    public var description: String {
        var text = ""
        for segment in segments {
            switch segment {
            case .field(let name):
                if Self.isIdentifier(name) {
                    if !text.isEmpty { text += "." }
                    text += name
                } else {
                    text += "[" + Self.quoted(name) + "]"
                }
            case .key(let key): text += "[_key==" + Self.quoted(key) + "]"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text.isEmpty ? "(document)" : text
    }

    private static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || isLetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || isLetter($0) || ("0"..."9").contains($0) }
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }

    private static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }
}
