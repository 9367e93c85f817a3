/// Sanity's document id rules, id generation, and the `drafts.` convention.
///
/// An id is 1 to 128 characters from `a-z A-Z 0-9 _ - .`; dots split it into path segments, and
/// no segment may be empty or start with `-`. A document whose id starts with `drafts.` is the
/// draft of the document named by the rest.
///
/// ```swift
/// try DocumentID.validate("customer.c-1")      // fine
/// DocumentID.draft(of: "c-1")                  // "drafts.c-1"
/// DocumentID.published(of: "drafts.c-1")       // "c-1"
/// DocumentID.resolve(requested: "drafts.")     // "drafts.Xq3…", a new id under that prefix
/// ```
public enum DocumentID {
    /// The longest id accepted.
    public static let maxLength = 128
    /// The prefix that marks a draft.
    public static let draftPrefix = "drafts."
    /// The prefix of release versions (`versions.<release>.<id>`), kept out of the published view.
    public static let versionPrefix = "versions."

    /// Throws a 400-style error naming what is wrong with `id`.
    public static func validate(_ id: String) throws(StoreError) {
        func fail(_ why: String) -> StoreError {
            StoreError(.invalid, type: "validationError", message: "Malformed document ID: \"\(id)\" (\(why))",
                       advice: "Use 1 to \(maxLength) characters from a-z, A-Z, 0-9, '_', '-' and '.', with no segment starting with '-' and no empty segment.",
                       documentID: id)
        }
        let bytes = id.utf8
        guard !bytes.isEmpty else { throw fail("it is empty") }
        guard bytes.count <= maxLength else { throw fail("it is \(bytes.count) characters long") }
        var segmentStart = true
        var offset = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "."):
                if segmentStart { throw fail(offset == 0 ? "it starts with '.'" : "it has an empty segment at character \(offset + 1)") }
                segmentStart = true
            case UInt8(ascii: "-"):
                if segmentStart { throw fail("a segment starts with '-' at character \(offset + 1)") }
                segmentStart = false
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                segmentStart = false
            default:
                let character = id.utf8.index(id.utf8.startIndex, offsetBy: offset)
                throw fail("character \(offset + 1), \"\(id[character...].prefix(1))\", is not allowed")
            }
            offset += 1
        }
        if segmentStart { throw fail("it ends with '.'") }
    }

    /// The id a create uses: a new random id when none is given, the prefix plus a random id when
    /// the requested id ends with `.` (`drafts.` makes a new draft), the requested id otherwise.
    public static func resolve(requested: String?) -> String {
        guard let requested, !requested.isEmpty else { return generate() }
        if requested.hasSuffix(".") { return requested + generate() }
        return requested
    }

    /// A new random id: 22 characters of base 62, as Sanity generates (about 131 bits).
    public static func generate() -> String {
        randomToken(length: 22)
    }

    /// Whether `id` names a draft.
    public static func isDraft(_ id: String) -> Bool { id.hasPrefix(draftPrefix) }

    /// Whether `id` names a release version.
    public static func isVersion(_ id: String) -> Bool { id.hasPrefix(versionPrefix) }

    /// Whether `id` is a published document's id: neither a draft nor a version.
    public static func isPublished(_ id: String) -> Bool { !isDraft(id) && !isVersion(id) }

    /// The draft id of a document (`c-1` → `drafts.c-1`); a draft id is returned unchanged.
    public static func draft(of id: String) -> String { isDraft(id) ? id : draftPrefix + id }

    /// The published id of a document (`drafts.c-1` → `c-1`); a published id is returned unchanged.
    public static func published(of id: String) -> String {
        isDraft(id) ? String(id.dropFirst(draftPrefix.count)) : id
    }

    /// The published id a draft or a release version stands for (`drafts.c-1` and
    /// `versions.spring.c-1` → `c-1`); a published id is returned unchanged.
    public static func published(ofVariant id: String) -> String {
        if isDraft(id) { return String(id.dropFirst(draftPrefix.count)) }
        guard isVersion(id) else { return id }
        // `versions.<release>.<id>`: the release is one segment, the id may have dots of its own.
        let rest = id.dropFirst(versionPrefix.count)
        guard let dot = rest.firstIndex(of: "."), rest.index(after: dot) < rest.endIndex else { return id }
        return String(rest[rest.index(after: dot)...])
    }
}

private let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

/// A random string of base-62 characters, for ids, revisions and array keys.
func randomToken(length: Int) -> String {
    var generator = SystemRandomNumberGenerator()
    var bytes = [UInt8](repeating: 0, count: length)
    for i in 0..<length { bytes[i] = base62[Int(generator.next(upperBound: UInt64(62)))] }
    return String(decoding: bytes, as: UTF8.self)
}
