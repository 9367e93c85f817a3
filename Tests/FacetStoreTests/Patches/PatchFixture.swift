import FacetStore
import GROQ

/// Shared helpers for the patch tests: patches and documents are written as JSON text, and results are
/// compared as serialised JSON so that key order is part of every assertion.
enum PatchFixture {
    struct NotAnObject: Error {}

    static func patch(_ body: String) throws -> Patch {
        guard case .object(let object) = try JSONValue(parsing: body) else { throw NotAnObject() }
        return try Patch(json: object)
    }

    /// The patched document as JSON text (insertion order preserved).
    static func apply(_ body: String, to document: String) throws -> String {
        try patch(body).applied(to: JSONValue(parsing: document)).serialized()
    }

    /// `text` re-serialised, so expectations can be written with any spacing.
    static func json(_ text: String) throws -> String {
        try JSONValue(parsing: text).serialized()
    }

    /// The error parsing or applying the patch throws, or `nil` when it succeeds.
    static func error(_ body: String, on document: String = "{}") -> PatchError? {
        do {
            _ = try patch(body).applied(to: JSONValue(parsing: document))
            return nil
        } catch let error as PatchError {
            return error
        } catch {
            return PatchError(operation: "fixture", reason: "unexpected \(error)", advice: "")
        }
    }

    /// The error parsing `path` throws, or `nil`.
    static func pathError(_ path: String) -> PatchError? {
        do {
            _ = try PatchPath(parsing: path)
            return nil
        } catch {
            return error
        }
    }
}

/// Gives the patch suites short `apply` / `json` helpers as members, so they never collide with
/// top-level names elsewhere in the test target.
protocol PatchTestSuite {}

extension PatchTestSuite {
    func apply(_ body: String, _ document: String) throws -> String {
        try PatchFixture.apply(body, to: document)
    }

    func json(_ text: String) throws -> String {
        try PatchFixture.json(text)
    }
}
