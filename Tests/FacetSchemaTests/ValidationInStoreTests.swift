@testable import FacetStore
import Foundation
import GROQ
import TestSupport
import Testing
@testable import FacetSchema

@Suite("Validation in the mutation pipeline", .ownThread(computing: true))
struct ValidationInStoreTests {
    static let schema = try! Schema([
        SchemaType.document("customer") {
            Field("name", .string()).rules(.required())
            Field("email", .email).rules(.email(), .unique())
            Field("tier", .string(options: ["gold", "silver"]))
        },
    ])

    private func withStore(_ body: (Dataset) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "facet-schema-test-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try DocumentStore(directory: directory, validator: Validator(schema: Self.schema))
        defer { store.close() }
        try body(try store.dataset("production", create: true))
    }

    private func error(_ body: () throws -> Void) -> StoreError? {
        do { try body(); return nil } catch let error as StoreError { return error } catch { return nil }
    }

    @Test func publishedDocumentsWithErrorsAreRefusedWithEveryMarker() throws {
        try withStore { dataset in
            let refused = error { try dataset.mutate([.create(["_id": "c-1", "_type": "customer", "email": "nope", "tier": "bronze"])]) }
            #expect(refused?.status == 400)
            #expect(refused?.type == "validationError")
            #expect(refused?.message == "Document \"c-1\" has 3 validation errors: name: Required; email: Must be a valid email address; tier: Must be one of \"gold\", \"silver\"")
            #expect(refused?.details["markers"]?.arrayValue?.count == 3)
            #expect(dataset.document(id: "c-1") == nil)
            try dataset.mutate([.create(["_id": "c-1", "_type": "customer", "name": "Ada", "email": "ada@example.com"])])
            #expect(dataset.document(id: "c-1") != nil)
        }
    }

    @Test func draftsAreStoredWithErrorsButCannotBePublished() throws {
        try withStore { dataset in
            try dataset.mutate([.create(["_id": "drafts.c-2", "_type": "customer", "email": "half-typed"])])
            #expect(dataset.document(id: "drafts.c-2") != nil)
            let publish = error { try dataset.publish(id: "c-2") }
            #expect(publish?.type == "validationError")
            #expect(publish?.message.contains("name: Required") == true)
            #expect(dataset.document(id: "c-2") == nil && dataset.document(id: "drafts.c-2") != nil)
            try dataset.mutate(Mutation.list(parsing: #"[{"patch": {"id": "drafts.c-2", "set": {"name": "Bea", "email": "bea@example.com"}}}]"#))
            try dataset.publish(id: "c-2")
            #expect(dataset.document(id: "c-2")?["name"] == "Bea")
        }
    }

    @Test func undeclaredTypesAreRefusedEvenAsDrafts() throws {
        try withStore { dataset in
            let refused = error { try dataset.mutate([.create(["_id": "drafts.x", "_type": "invoice"])]) }
            #expect(refused?.message == "Document \"drafts.x\": Unknown document type \"invoice\"; the schema declares customer")
        }
    }

    @Test func uniqueLooksAtTheOtherDocumentsButNotAtTheDocumentsOwnDraft() throws {
        try withStore { dataset in
            try dataset.mutate([.create(["_id": "c-1", "_type": "customer", "name": "Ada", "email": "ada@example.com"])])
            try dataset.mutate([.create(["_id": "drafts.c-1", "_type": "customer", "name": "Ada L.", "email": "ada@example.com"])])
            try dataset.publish(id: "c-1")
            let duplicate = error { try dataset.mutate([.create(["_id": "c-9", "_type": "customer", "name": "Other", "email": "ada@example.com"])]) }
            #expect(duplicate?.message.contains("email: Must be unique: another customer has this value") == true)
        }
    }

    /// Uniqueness is answered from the dataset's value index, kept from one transaction to the
    /// next: across many transactions (the older documents folded into the snapshot's base, the
    /// newer ones still in its overlay), in the same transaction, and beside a document's own
    /// draft, it decides as a scan of every document would.
    @Test func uniqueHoldsAcrossManyTransactionsAsAScanWould() async throws {
        // Seconds of work: on a thread of its own, not one the servers of other tests need.
        try await offThePool {
            try withStore { dataset in
                for batch in 0..<24 {
                    try dataset.mutate((0..<250).map { index in
                        let n = batch * 250 + index
                        return .create(["_id": .string("c-\(n)"), "_type": "customer", "name": .string("Client \(n)"), "email": .string("client\(n)@example.com")])
                    })
                }
                // Carried through the 24 commits, never built again from every document (which
                // cost a seed the square of its size).
                #expect(dataset.snapshot.uniqueValues.commitsCarried == 24)
                dataset.bulkLoad { }  // folds the overlay into the base, as the background compaction does
                #expect(dataset.snapshot.uniqueValues.commitsCarried == 24, "the compaction keeps the values it was given")
                try dataset.mutate([.create(["_id": "c-late", "_type": "customer", "name": "Late", "email": "late@example.com"])])
                for taken in ["client0@example.com", "client5999@example.com", "late@example.com"] {
                    let duplicate = error { try dataset.mutate([.create(["_id": "c-new", "_type": "customer", "name": "New", "email": .string(taken)])]) }
                    #expect(duplicate?.message.contains("email: Must be unique: another customer has this value") == true, "\(taken)")
                }
                // The same value twice in one transaction, and an edit of a document's own draft.
                let twice = error {
                    try dataset.mutate([.create(["_id": "c-a", "_type": "customer", "name": "A", "email": "same@example.com"]),
                                        .create(["_id": "c-b", "_type": "customer", "name": "B", "email": "same@example.com"])])
                }
                #expect(twice?.message.contains("Must be unique") == true)
                try dataset.mutate([.createOrReplace(["_id": "drafts.c-17", "_type": "customer", "name": "Client 17 (edited)", "email": "client17@example.com"])])
                try dataset.mutate([.createOrReplace(["_id": "c-17", "_type": "customer", "name": "Client 17", "email": "client17@example.com"])])
                // Case matters, as it does to `==`.
                try dataset.mutate([.create(["_id": "c-case", "_type": "customer", "name": "Case", "email": "Client0@example.com"])])
            }
        }
    }

    /// The holders of each unique value are carried from one snapshot to the next instead of
    /// being looked up in indexes rebuilt per transaction. After random creations, edits and
    /// deletions of documents and their drafts, first with the overlay never folded into the
    /// base (as a seed or import runs), then folded: a duplicate is refused exactly when a model
    /// of the dataset says so, and `_type == "customer" && email == $e` answers as a scan does.
    @Test func theHoldersOfUniqueValuesFollowEveryChangeAsAScanWould() async throws {
        try await offThePool {
            try withStore { dataset in
                var rounds = UniqueValueRounds()
                try dataset.bulkLoad { () throws in
                    for _ in 0..<80 { try rounds.round(in: dataset) }
                }
                for _ in 0..<40 { try rounds.round(in: dataset) }
                // A value freed and taken in one transaction.
                if let (holder, address) = rounds.model.first(where: { DocumentID.isPublished($0.key) }) {
                    let taker = holder == "c-99" ? "c-98" : "c-99"
                    // Every document holding it leaves (drafts of other clients may hold it too).
                    let holders = rounds.model.filter { $0.value == address }.map(\.key).sorted()
                    try dataset.mutate([.delete(.ids(holders + [holder, DocumentID.draft(of: holder)])),
                                        .create(["_id": .string(taker), "_type": "customer", "name": "Taker", "email": .string(address)])])
                    try UniqueValueRounds.check(dataset)
                }
                #expect(rounds.commits > 20 && rounds.refusals > 5, "\(rounds.commits) commits, \(rounds.refusals) refusals")
            }
        }
    }

    @Test func anImportTheSchemaRefusesWritesNothingUnlessToldToSkip() throws {
        try withStore { dataset in
            try dataset.mutate([.create(["_id": "c-1", "_type": "customer", "name": "Ada", "email": "ada@example.com"])])
            let file = NSTemporaryDirectory() + "facet-import-" + UUID().uuidString + ".ndjson"
            defer { try? FileManager.default.removeItem(atPath: file) }
            try """
                {"_id": "c-2", "_type": "customer", "name": "Bea", "email": "bea@example.com"}
                {"_id": "c-3", "_type": "customer", "email": "not-an-email"}
                {"_id": "drafts.c-4", "_type": "customer", "email": "half"}
                {"_id": "i-1", "_type": "invoice"}
                {"_id": "c-5", "_type": "customer", "name": "Cy", "email": "ada@example.com"}
                """.write(toFile: file, atomically: true, encoding: .utf8)
            let refused = error { _ = try dataset.importNDJSON(path: file) }
            #expect(refused?.message == """
                3 of 5 lines cannot be imported; nothing was imported:
                  line 2 (c-3): Document "c-3" has 2 validation errors: name: Required; email: Must be a valid email address
                  line 4 (i-1): Document "i-1": Unknown document type "invoice"; the schema declares customer
                  line 5 (c-5): Document "c-5" has 1 validation error: email: Must be unique: another customer has this value
                """)
            #expect(dataset.document(id: "c-2") == nil)
            let report = try dataset.importNDJSON(path: file, options: ImportOptions(allowFailing: true))
            #expect(report.imported == 2 && report.failures.map(\.line) == [2, 4, 5])
            #expect(dataset.document(id: "c-2") != nil && dataset.document(id: "drafts.c-4") != nil)
        }
    }

    @Test func referencesMustPointAtATypeTheFieldAllowsAndStayStrongWhereTheSchemaSaysSo() throws {
        let schema = try Schema([
            SchemaType.document("customer") { Field("name", .string()) },
            SchemaType.document("product") { Field("name", .string()) },
            SchemaType.document("order") {
                Field("customer", .reference(to: "customer"))
                Field("items", .array(of: .reference(to: "product")))
                Field("pickup", .geopoint)
                Field("photos", .array(of: .primitive(.image)))
            },
        ])
        let directory = NSTemporaryDirectory() + "facet-schema-test-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try DocumentStore(directory: directory, validator: Validator(schema: schema))
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        try dataset.mutate([.create(["_id": "c-1", "_type": "customer", "name": "Ada"]), .create(["_id": "p-1", "_type": "product", "name": "Ring"])])
        let wrongType = error {
            try dataset.mutate([.create(["_id": "o-1", "_type": "order", "customer": ["_ref": "p-1"], "items": [["_key": "a", "_ref": "c-1"]]])])
        }
        #expect(wrongType?.message == #"Document "o-1" has 2 validation errors: customer: Must reference a customer; "p-1" is a product; items[_key=="a"]: Must reference a product; "c-1" is a customer"#)
        let weakened = error { try dataset.mutate([.create(["_id": "o-2", "_type": "order", "customer": ["_ref": "c-1", "_weak": true]])]) }
        #expect(weakened?.message == #"Document "o-2" has 1 validation error: customer._weak: Must be a strong reference: the schema does not allow weak references here; remove _weak"#)
        let offTheMap = error { try dataset.mutate([.create(["_id": "o-3", "_type": "order", "pickup": ["lat": 95.5, "lng": -200]])]) }
        #expect(offTheMap?.message == "Document \"o-3\" has 2 validation errors: pickup.lat: Must be a latitude from -90 to 90, found 95.5; pickup.lng: Must be a longitude from -180 to 180, found -200")
        try dataset.mutate([.create(["_id": "o-4", "_type": "order", "customer": ["_ref": "c-1"], "items": [["_key": "a", "_ref": "p-1"]],
                                     "pickup": ["lat": 48.86, "lng": 2.33],
                                     "photos": [["_key": "f", "_type": "image", "url": "https://cdn.maison.example/ring.jpg", "alt": "Ring"]]])])
        #expect(dataset.document(id: "o-4") != nil)
    }
}

/// Random transactions on a few clients and their drafts sharing a few emails, with a model of
/// which emails each document holds.
private struct UniqueValueRounds {
    private var state: UInt64 = 7
    /// Each stored document's email, by id.
    var model: [String: String] = [:]
    var commits = 0
    var refusals = 0

    private mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }

    static func email(_ n: Int) -> String { "person\(n)@example.com" }

    /// `_type == "customer" && email == $e` answers as a scan of every client does.
    static func check(_ dataset: Dataset) throws {
        let all = try dataset.query("*[_type == 'customer']{_id, email}").arrayValue ?? []
        for n in 0..<30 {
            let held = try dataset.query("*[_type == 'customer' && email == $e]._id", params: ["e": .string(email(n))])
            let scanned = JSONValue.array(all.filter { $0["email"]?.stringValue == email(n) }.compactMap { $0["_id"] })
            #expect(held == scanned, "\(email(n))")
        }
    }

    /// One to four random writes in one transaction, refused exactly when they leave a written
    /// published document's email held by another document that is not a version of it.
    mutating func round(in dataset: Dataset) throws {
        var after = model
        var written: [String] = []
        var mutations: [Mutation] = []
        for _ in 0..<(1 + next(4)) {
            let id = (next(3) == 0 ? "drafts.c-" : "c-") + String(next(16))
            if next(5) == 0 {
                mutations.append(.delete(.ids([id])))
                after[id] = nil
                written.removeAll { $0 == id }
            } else {
                let address = Self.email(next(30))
                mutations.append(.createOrReplace(["_id": .string(id), "_type": "customer", "name": "Client", "email": .string(address)]))
                after[id] = address
                written.append(id)
            }
        }
        var duplicate = false
        // A draft is stored with its findings; a published document with an error is refused.
        for id in written where DocumentID.isPublished(id) {
            for (other, address) in after where address == after[id] && DocumentID.published(of: other) != DocumentID.published(of: id) {
                duplicate = true
            }
        }
        let refusal: String?
        do {
            try dataset.mutate(mutations)
            refusal = nil
        } catch {
            refusal = error.message
        }
        if let refusal {
            #expect(duplicate && refusal.contains("Must be unique"), "\(refusal)")
            refusals += 1
        } else {
            #expect(!duplicate, "a duplicate was accepted")
            model = after
            commits += 1
        }
        try Self.check(dataset)
    }
}
