import Testing
import TestSupport

@testable import GROQ

/// `diff::changedOnly`, and `before()`, `after()` and `delta::` in a mutation context (what a
/// listener filter sees): the conformance suite has no case for these.
@Suite("GROQ mutation context", .ownThread(computing: true))
struct MutationContextTests {
    let empty = InMemoryDataset([])

    func run(_ query: String, before: JSONValue? = nil, after: JSONValue? = nil) throws(GROQError) -> JSONValue {
        try GROQQuery(query).evaluate(in: empty, options: EvaluationOptions(before: before, after: after))
    }

    @Test func changedOnlyHoldsWhenEveryChangeIsUnderTheSelector() throws {
        let before: JSONValue = ["title": "a", "tags": ["x"], "price": 1]
        #expect(try run(#"diff::changedOnly(\#(before.serialized()), {"title": "b", "tags": ["x"], "price": 1}, title)"#) == true)
        #expect(try run(#"diff::changedOnly(\#(before.serialized()), {"title": "b", "tags": ["y"], "price": 1}, title)"#) == false)
        #expect(try run(#"diff::changedOnly(\#(before.serialized()), {"title": "b", "tags": ["y"], "price": 1}, (title, tags))"#) == true)
        #expect(try run(#"diff::changedOnly(\#(before.serialized()), \#(before.serialized()), price)"#) == true)
    }

    @Test func changedAnyLooksOnlyAtTheSelectedPaths() throws {
        #expect(try run(#"diff::changedAny({"a": 1, "b": 1}, {"a": 1, "b": 2}, a)"#) == false)
        #expect(try run(#"diff::changedAny({"a": 1, "b": 1}, {"a": 1, "b": 2}, b)"#) == true)
        #expect(try run(#"diff::changedAny({"items": [{"n": 1}]}, {"items": [{"n": 1}, {"n": 2}]}, items[])"#) == true)
        // Key order is not a change.
        #expect(try run(#"diff::changedAny({"o": {"x": 1, "y": 2}}, {"o": {"y": 2, "x": 1}}, o)"#) == false)
    }

    @Test func beforeAndAfterReadTheMutation() throws {
        let before: JSONValue = ["_id": "p", "status": "draft"]
        let after: JSONValue = ["_id": "p", "status": "published"]
        #expect(try run("before().status", before: before, after: after) == "draft")
        #expect(try run("after().status", before: before, after: after) == "published")
        #expect(try run("delta::changedAny(status)", before: before, after: after) == true)
        #expect(try run("delta::changedAny(_id)", before: before, after: after) == false)
        #expect(try run("delta::changedOnly(status)", before: before, after: after) == true)
        // A creation has no before.
        #expect(try run("before()", after: after) == nil)
    }

    @Test func operationNamesWhatTheMutationDid() throws {
        let before: JSONValue = ["_id": "p", "status": "draft"]
        let after: JSONValue = ["_id": "p", "status": "published"]
        #expect(try run("delta::operation()", after: after) == "create")
        #expect(try run("delta::operation()", before: before, after: after) == "update")
        #expect(try run("delta::operation()", before: before) == "delete")
        #expect(try run("delta::operation()") == nil)
        #expect(try run("delta::operation() == 'update' && after().status == 'published'", before: before, after: after) == true)
        #expect(GROQText.render(try GROQQuery("*[delta::operation() == 'delete']").root) == #"*[delta::operation() == "delete"]"#)
        do throws(GROQError) {
            _ = try run("delta::operation(status)")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .query)
            #expect(error.message.contains("takes no arguments"))
        }
    }

    @Test func deltaWithoutAMutationIsAClearError() {
        do throws(GROQError) {
            _ = try run("delta::changedAny(status)")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .evaluation)
            #expect(error.message.contains("mutation context"))
        }
    }
}

extension MutationContextTests {
    @Test func changedOnlyOverlooksTheRevisionAndUpdateTime() throws {
        let before: JSONValue = ["_id": "o", "_rev": "r1", "_updatedAt": "2026-01-01T00:00:00Z", "notes": "a", "total": 1]
        let after: JSONValue = ["_id": "o", "_rev": "r2", "_updatedAt": "2026-01-02T00:00:00Z", "notes": "b", "total": 1]
        #expect(try run("delta::changedOnly(notes)", before: before, after: after) == true)
        #expect(try run("delta::changedOnly(total)", before: before, after: after) == false)
        #expect(try run("delta::changedAny(_rev)", before: before, after: after) == true)
    }
}
