import FacetMigration
import FacetStore
import Foundation
import GROQ
import Synchronization
import Testing
import TestSupport

/// The DSL's handlers on nested documents, and the dry run's output: everything a migration
/// says before anything is written.
@Suite("migration handlers and dry run", .ownThread(computing: true))
struct MigrationHandlerTests {
    /// A nested document: objects in objects, keyed and unkeyed arrays, every JSON kind.
    static let nested: JSONValue = [
        "_id": "c-1", "_type": "customer", "_rev": "r1", "name": "Ada", "phone": "+44 20 7946 0958",
        "address": ["city": "London", "country": "gb"],
        "contacts": [
            ["_key": "k1", "_type": "contact", "label": "office", "phone": "020 7946 0000"],
            ["_key": "k2", "_type": "contact", "label": "assistant", "phone": "+44 20 7946 0001", "active": true],
        ],
        "tags": ["a", "b"], "score": 3, "archived": false, "note": nil,
    ]

    static func dataset(_ documents: [JSONValue]) throws -> (DocumentStore, Dataset, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-migration-\(UUID().uuidString)")
        let store = try DocumentStore(directory: directory.path)
        let dataset = try store.dataset("test", create: true)
        if !documents.isEmpty {
            try dataset.mutate(documents.map { .create($0.objectValue ?? [:]) })
        }
        return (store, dataset, directory)
    }

    @Test("node handlers visit every kind of node with its path, parents first, skipping _-members")
    func visitsNodes() throws {
        let seen = Visits()
        let migration = Migration(id: "visit", title: "Visit", documentTypes: ["customer"], nodes: NodeHandlers(
            object: { node, _ in seen.add("object \(node.path)"); return [] },
            array: { node, _ in seen.add("array \(node.path)"); return [] },
            string: { node, _ in seen.add("string \(node.path)"); return [] },
            number: { node, _ in seen.add("number \(node.path)=\(node.value.numberValue ?? -1)"); return [] },
            boolean: { node, _ in seen.add("boolean \(node.path)"); return [] },
            null: { node, _ in seen.add("null \(node.path)"); return [] }))
        let (store, dataset, directory) = try Self.dataset([Self.nested])
        defer { store.close(); try? FileManager.default.removeItem(at: directory) }
        let summary = try MigrationRunner(migration: migration, dataset: dataset).plan()
        #expect(summary.matched == 1 && summary.changed == 0)
        #expect(seen.all == [
            "object (document)", "string name", "string phone", "object address", "string address.city", "string address.country",
            "array contacts", #"object contacts[_key=="k1"]"#, #"string contacts[_key=="k1"].label"#, #"string contacts[_key=="k1"].phone"#,
            #"object contacts[_key=="k2"]"#, #"string contacts[_key=="k2"].label"#, #"string contacts[_key=="k2"].phone"#,
            #"boolean contacts[_key=="k2"].active"#, "array tags", "string tags[0]", "string tags[1]", "number score=3.0",
            "boolean archived", "null note",
        ])
    }

    @Test("edits deep in a nested document become one guarded patch, shown as a readable diff")
    func nestedEditsAndDiff() throws {
        let migration = Migration(id: "nested", title: "Nested", documentTypes: ["customer"], nodes: NodeHandlers(
            object: { node, _ in
                // Rename `label` to `kind` wherever it appears.
                guard let label = node.value["label"] else { return [] }
                return [.set(node.path.field("kind"), label), .unset(node.path.field("label"))]
            },
            string: { node, _ in
                guard node.path.fieldName == "country", let code = node.value.stringValue, code != code.uppercased() else { return [] }
                return [node.set(.string(code.uppercased()))]
            },
            null: { node, _ in [node.unset()] }))
        let (store, dataset, directory) = try Self.dataset([Self.nested, ["_id": "c-2", "_type": "customer", "name": "Bea"]])
        defer { store.close(); try? FileManager.default.removeItem(at: directory) }
        var diffs: [String] = []
        let runner = MigrationRunner(migration: migration, dataset: dataset)
        let plan = try runner.plan { diffs.append($0.diff) }
        #expect(plan.matched == 2 && plan.changed == 1 && plan.unchanged == 1 && plan.mutations == 1)
        #expect(plan.text == "nested (dry run): 2 matched, 1 would change, 1 unchanged; 1 mutation")
        #expect(diffs == ["""
            ~ c-1 (customer)
                address.country: "gb" → "GB"
                contacts[_key=="k1"].label: "office" → (absent)
                contacts[_key=="k1"].kind: (absent) → "office"
                contacts[_key=="k2"].label: "assistant" → (absent)
                contacts[_key=="k2"].kind: (absent) → "assistant"
                note: null → (absent)
            """])
        // The dry run wrote nothing.
        #expect(dataset.document(id: "c-1")?["address"]?["country"] == "gb")

        let applied = try runner.apply()
        #expect(applied.changed == 1 && applied.transactions == 1)
        let after = try #require(dataset.document(id: "c-1"))
        #expect(after["address"]?["country"] == "GB")
        #expect(after["contacts"]?[0]?["kind"] == "office" && after["contacts"]?[0]?["label"] == nil)
        #expect(after["contacts"]?[1]?["kind"] == "assistant" && after["contacts"]?[1]?["active"] == true)
        #expect(after["note"] == nil && after["name"] == "Ada")
        let history = try dataset.transactions(documentIDs: ["c-1"])
        #expect(history.last?.author == "migration:nested")
    }

    @Test("a document handler can replace, create and delete; a second run changes nothing")
    func wholeMutations() throws {
        let migration = Migration(id: "split", title: "Split notes", documentTypes: ["customer"], document: { document, _ in
            guard let id = document["_id"]?.stringValue, let note = document["legacyNote"] else { return [] }
            return [.createIfNotExists(["_id": .string("note.\(id)"), "_type": "note", "text": note, "customer": ["_ref": .string(id)]]),
                    .unset(["legacyNote"]), .delete("obsolete.\(id)")]
        })
        let (store, dataset, directory) = try Self.dataset([
            ["_id": "c-1", "_type": "customer", "legacyNote": "likes pearls"], ["_id": "c-2", "_type": "customer"],
            ["_id": "obsolete.c-1", "_type": "scratch"],
        ])
        defer { store.close(); try? FileManager.default.removeItem(at: directory) }
        var diffs: [String] = []
        let runner = MigrationRunner(migration: migration, dataset: dataset)
        let plan = try runner.plan { diffs.append($0.diff) }
        #expect(plan.changed == 1 && plan.mutations == 3)
        #expect(diffs == ["~ c-1 (customer)\n    legacyNote: \"likes pearls\" → (absent)\n    + create note.c-1 (note)\n    - delete obsolete.c-1"])
        try runner.apply()
        #expect(dataset.document(id: "note.c-1")?["text"] == "likes pearls")
        #expect(dataset.document(id: "obsolete.c-1") == nil && dataset.document(id: "c-1")?["legacyNote"] == nil)
        let sequence = dataset.snapshot.sequence
        let again = try runner.apply()
        #expect(again.changed == 0 && again.transactions == 0 && dataset.snapshot.sequence == sequence)
    }

    @Test("a document can delete itself, guarded by its revision")
    func deletesItself() throws {
        let migration = Migration(id: "purge", title: "Purge test clients", documentTypes: ["customer"], filter: "test == true",
                                  document: { document, _ in [.delete(document["_id"]?.stringValue ?? "")] })
        let (store, dataset, directory) = try Self.dataset([
            ["_id": "t-1", "_type": "customer", "test": true], ["_id": "c-1", "_type": "customer", "test": false],
        ])
        defer { store.close(); try? FileManager.default.removeItem(at: directory) }
        var diffs: [String] = []
        let runner = MigrationRunner(migration: migration, dataset: dataset)
        let plan = try runner.plan { diffs.append($0.diff) }
        #expect(plan.matched == 1 && plan.changed == 1 && plan.mutations == 2)
        #expect(diffs == ["~ t-1 (customer)\n    - delete t-1"])
        try runner.apply()
        #expect(dataset.document(id: "t-1") == nil && dataset.document(id: "c-1") != nil)
        #expect(try runner.plan().matched == 0)
    }

    @Test("a handler addressing a path that is not there is an error naming the document and path")
    func badPath() throws {
        let migration = Migration(id: "bad", title: "Bad", document: { _, _ in [.set(MigrationPath([.field("tags"), .key("nope")]), "x")] })
        let (store, dataset, directory) = try Self.dataset([Self.nested])
        defer { store.close(); try? FileManager.default.removeItem(at: directory) }
        #expect {
            try MigrationRunner(migration: migration, dataset: dataset).plan()
        } throws: { error in
            let error = error as? MigrationError
            return error?.kind == .handler && error?.documentID == "c-1" && (error?.message.contains(#"tags[_key=="nope"]"#) ?? false)
        }
    }

    @Test("a GROQ filter narrows the documents; a malformed one is a definition error")
    func filter() throws {
        let (store, dataset, directory) = try Self.dataset([
            ["_id": "a", "_type": "customer", "vip": true], ["_id": "b", "_type": "customer"], ["_id": "c", "_type": "order", "vip": true],
        ])
        defer { store.close(); try? FileManager.default.removeItem(at: directory) }
        let mark = Migration(id: "mark", title: "Mark", documentTypes: ["customer"], filter: "vip == true",
                             document: { _, _ in [.set(["marked"], true)] })
        let plan = try MigrationRunner(migration: mark, dataset: dataset).plan()
        #expect(plan.matched == 1 && plan.changed == 1)
        var broken = mark
        broken.filter = "vip =="
        #expect(throws: MigrationError.self) { try MigrationRunner(migration: broken, dataset: dataset).plan() }
    }
}

/// Records handler calls from `@Sendable` closures.
final class Visits: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
    var count: Int { lines.withLock { $0.count } }
}

