import Foundation
import GROQ
import TestSupport
import Synchronization
import Testing
@testable import FacetStore

@Suite("Snapshots and concurrency", .ownThread())
struct SnapshotTests {
    @Test(arguments: StorageKind.available)
    func aSnapshotNeverChanges(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate((0..<10).map { .create(["_id": .string("d\($0)"), "_type": "x"]) })
        let before = dataset.snapshot
        try dataset.mutate([.delete(.ids(["d0"])), .create(["_id": "new", "_type": "x"])])
        let query = try GROQQuery("*[_type == 'x']._id")
        #expect(try query.evaluate(in: before.source(.raw)).arrayValue?.count == 10)
        #expect(try query.evaluate(in: before.source(.raw)).arrayValue?.contains("new") == false)
        #expect(try query.evaluate(in: dataset.snapshot.source(.raw)).arrayValue?.contains("new") == true)
    }

    @Test(arguments: StorageKind.available)
    func compactionKeepsEveryWriteAcrossThousandsOfCommits(_ storage: StorageKind) async throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        var random = SeededRandom(seed: 99)
        var model: [String: Double] = [:]
        // More single-document commits than the overlay holds, so the base is rebuilt in the
        // background several times while writes go on.
        for step in 0..<3_500 {
            let id = "d\(random.next(1_500))"
            if random.next(10) == 0, model[id] != nil {
                try dataset.mutate([.delete(.ids([id]))])
                model[id] = nil
            } else {
                try dataset.mutate([.createOrReplace(["_id": .string(id), "_type": "x", "v": .number(Double(step))])])
                model[id] = Double(step)
            }
            if step % 500 == 0 {
                let count = try dataset.query("count(*[_type == 'x'])")
                #expect(count == .number(Double(model.count)))
            }
        }
        // Let a background compaction finish, then compare everything.
        for _ in 0..<100 where !dataset.snapshot.overlay.isEmpty && dataset.snapshot.overlay.count > 1_024 {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(dataset.snapshot.base.sequence > 0, "at least one compaction happened")
        let stored = try dataset.query("*[_type == 'x']{_id, v}")
        let expected = JSONValue.array(model.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { ["_id": .string($0), "v": .number(model[$0]!)] })
        #expect(stored == expected)
        dataset.compact()
        #expect(dataset.snapshot.overlay.isEmpty)
        #expect(try dataset.query("*[_type == 'x']{_id, v}") == expected)
        try fixture.reopen()
        #expect(try fixture.dataset.query("*[_type == 'x']{_id, v}") == expected)
    }

    @Test(arguments: StorageKind.available)
    func searchesSeeEveryCommitAndKeepTheirIndexAcrossCompaction(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let names = ["Zoë López", "Zoe Lopez", "Ana Lopes", "Jean Dupont", "Lopez-Garcia", "María Zoé"]
        try dataset.mutate((0..<600).map { index in
            .create(["_id": .string("c\(1_000 + index)"), "_type": "customer", "name": .string(names[index % names.count] + " \(index)")])
        })
        dataset.compact()
        let search = try GROQQuery("*[_type == 'customer' && name match $q]._id")
        let scan = try GROQQuery("*[_type == 'customer' && (name match $q || false == true)]._id")
        func agree(_ pattern: String, _ comment: Comment) throws {
            let source = dataset.snapshot.source(.drafts)
            let indexed = try search.evaluate(in: source, params: ["q": .string(pattern)])
            // The same condition with a disjunct no index answers: a scan of every customer.
            #expect(indexed == (try scan.evaluate(in: source, params: ["q": .string(pattern)])), comment)
        }
        try agree("lop*", "before any index")
        #expect(dataset.snapshot.base.view(Perspective.drafts).indexedPaths == [.tokens(["name"])])
        // In the overlay: new, changed and deleted documents, and drafts over published ones.
        try dataset.mutate([
            .create(["_id": "c9999", "_type": "customer", "name": "Lopez New"]),
            .createOrReplace(["_id": "c1000", "_type": "customer", "name": "Renamed"]),
            .delete(.ids(["c1004"])),
            .create(["_id": "drafts.c1001", "_type": "customer", "name": "Zoé Lopéz draft"]),
        ])
        #expect(!dataset.snapshot.overlay.isEmpty)
        for pattern in ["lop*", "zoe", "renamed", "new lopez", "draft", "lopes"] { try agree(pattern, "with an overlay: \(pattern)") }
        let found = try search.evaluate(in: dataset.snapshot.source(.drafts), params: ["q": "lop* new"])
        #expect(found == ["c9999"])
        // Value lookups see the overlay too: the created, the renamed and the deleted.
        #expect(try dataset.query("*[name == 'Lopez New']._id", perspective: .drafts) == ["c9999"])
        #expect(try dataset.query("*[name in ['Renamed', 'Zoë López 0', 'Lopez-Garcia 4']]._id", perspective: .drafts) == ["c1000"])
        #expect(try dataset.query("*[name == 'Zoé Lopéz draft']._id", perspective: .drafts) == ["c1001"])
        // A rebuilt base builds the indexes its predecessor had, ahead of the next search.
        dataset.compact()
        #expect(dataset.snapshot.overlay.isEmpty)
        #expect(dataset.snapshot.base.view(Perspective.drafts).indexedPaths.sorted { "\($0)" < "\($1)" } == [.tokens(["name"]), .values(["name"])])
        for pattern in ["lop*", "zoe", "renamed", "draft"] { try agree(pattern, "after compaction: \(pattern)") }
    }

    @Test(arguments: StorageKind.available)
    func twoWritersWithTheSameRevisionExactlyOneWins(_ storage: StorageKind) async throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        for round in 0..<20 {
            let id = "race-\(round)"
            try dataset.mutate([.create(["_id": .string(id), "_type": "x", "winner": nil])])
            let rev = try #require(dataset.document(id: id)?["_rev"]?.stringValue)
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for writer in 0..<2 {
                    group.addTask {
                        let patch = try? PatchMutation(json: ["id": .string(id), "ifRevisionID": .string(rev), "set": ["winner": .number(Double(writer))]])
                        guard let patch else { return false }
                        return (try? dataset.mutate([.patch(patch)])) != nil
                    }
                }
                var results: [Bool] = []
                for await outcome in group { results.append(outcome) }
                return results
            }
            #expect(outcomes.filter { $0 }.count == 1, "round \(round): \(outcomes)")
            #expect(dataset.document(id: id)?["winner"]?.numberValue != nil)
        }
    }

    /// A transaction another process committed is applied in order: queries see it first, then
    /// this process's listeners hear of it, so a client that queries on an event finds what the
    /// event announced. The hook runs between the two steps; nothing here depends on timing.
    @Test(arguments: StorageKind.available)
    func aCaughtUpTransactionIsVisibleToQueriesBeforeListenersHearOfIt(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let reader = try fixture.dataset
        let subscription = try reader.listen("*[_type == 'x']")
        defer { subscription.cancel() }
        let before = subscription.backlog
        let seen = Mutex<[(sequence: Int64, visible: Bool, heard: Int)]>([])
        reader.catchUpProbe.withLock { probe in
            probe = { transaction in
                let visible = reader.document(id: "a")?["n"] == .number(Double(transaction.sequence))
                seen.withLock { $0.append((transaction.sequence, visible, subscription.backlog - before)) }
            }
        }
        let other = try fixture.otherStore()
        defer { other.close() }
        let writer = try other.dataset("production")
        try writer.mutate([.create(["_id": "a", "_type": "x", "n": 1])])
        try writer.mutate(mutations(#"[{"patch": {"id": "a", "set": {"n": 2}}}]"#))
        #expect(reader.document(id: "a") == nil, "not caught up yet")

        try reader.refresh()
        let steps = seen.withLock { $0 }
        #expect(steps.map(\.sequence) == [1, 2], "in commit order")
        #expect(steps.map(\.visible) == [true, true], "queries saw each transaction when it was applied")
        #expect(steps.map(\.heard) == [0, 1], "and listeners heard of it only afterwards")
        #expect(subscription.backlog - before == 2)
    }

    @Test(arguments: StorageKind.available)
    func twoStoresOnOneDirectoryCatchUpWithEachOther(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let first = try fixture.dataset
        let other = try fixture.otherStore()
        defer { other.close() }
        let second = try other.dataset("production")
        try first.mutate([.create(["_id": "a", "_type": "x", "n": 1])])
        #expect(second.document(id: "a") == nil, "a snapshot only moves on when asked or when writing")
        try second.refresh()
        let rev = try #require(second.document(id: "a")?["_rev"]?.stringValue)
        try first.mutate(mutations(#"[{"patch": {"id": "a", "set": {"n": 2}}}]"#))
        // The second store's write is worked out again on the newer state: its stale revision
        // check now fails, and a plain patch applies on top of the first store's change.
        let stale = storeError { try second.mutate(mutations(#"[{"patch": {"id": "a", "ifRevisionID": "\#(rev)", "set": {"n": 3}}}]"#)) }
        #expect(stale?.type == "documentRevisionIDDoesNotMatchError")
        try second.mutate(mutations(#"[{"patch": {"id": "a", "set": {"m": true}}}]"#))
        #expect(second.document(id: "a")?["n"] == 2 && second.document(id: "a")?["m"] == true)
        try first.refresh()
        #expect(first.document(id: "a") == second.document(id: "a"))
        #expect(try first.transactions(documentIDs: ["a"]).count == 3)
    }

    @Test(arguments: StorageKind.available)
    func datasetsAreNamedAndSeparate(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        try fixture.store.createDataset("staging")
        try fixture.dataset.mutate([.create(["_id": "a", "_type": "x"])])
        #expect(try fixture.store.datasetNames() == ["production", "staging"])
        #expect(try fixture.store.dataset("staging").document(id: "a") == nil)
        #expect(storeError { try fixture.store.createDataset("staging") }?.status == 409)
        #expect(storeError { _ = try fixture.store.dataset("nope") }?.status == 404)
        #expect(storeError { try fixture.store.createDataset("Bad Name") }?.status == 400)
        try fixture.store.deleteDataset("staging")
        #expect(try fixture.store.datasetNames() == ["production"])
    }
}

/// A sealing that writes `secret` reversed, and fails to open the documents it was told to.
private struct ReversingSealing: DocumentSealing {
    let unreadable: Set<String>

    func seal(_ document: JSONValue, dataset: String) throws(StoreError) -> JSONValue { flipped(document) }

    func unseal(_ document: consuming JSONValue, dataset: String) throws(StoreError) -> JSONValue {
        if let id = document["_id"]?.stringValue, unreadable.contains(id) {
            throw StoreError(.invalid, type: "unreadable", message: "cannot open \(id)")
        }
        return flipped(document)
    }

    func sealMutation(_ mutation: JSONValue, dataset: String) throws(StoreError) -> JSONValue { mutation }

    func unsealMutation(_ mutation: JSONValue, dataset: String) throws(StoreError) -> JSONValue { mutation }

    private func flipped(_ document: JSONValue) -> JSONValue {
        guard case .object(var object) = document, let secret = object["secret"]?.stringValue else { return document }
        object["secret"] = .string(String(secret.reversed()))
        return .object(object)
    }
}

@Suite("Opening a sealed dataset", .ownThread())
struct SealedLoadTests {
    /// Large enough to be opened on several threads.
    static let count = 10_000

    @Test func everyDocumentIsOpenedInOrderAndAFailureAnywhereIsReported() throws {
        let directory = NSTemporaryDirectory() + "facet-sealed-load-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writing = try DocumentStore(directory: directory, sealing: ReversingSealing(unreadable: []))
        try writing.dataset("production", create: true).mutate((0..<Self.count).map { index in
            .create(["_id": .string("doc-\(100_000 + index)"), "_type": "note", "secret": .string("secret \(index)")])
        })
        writing.close()

        let reading = try DocumentStore(directory: directory, sealing: ReversingSealing(unreadable: []))
        let documents = try reading.dataset("production").snapshot.source(.raw).documents
        #expect(documents.count == Self.count)
        #expect(documents.enumerated().allSatisfy { index, document in
            document["_id"] == .string("doc-\(100_000 + index)") && document["secret"] == .string("secret \(index)")
        })
        reading.close()

        // One document near the end cannot be opened: the load fails with its error.
        let failing = try DocumentStore(directory: directory, sealing: ReversingSealing(unreadable: ["doc-109990"]))
        defer { failing.close() }
        let error = storeError { _ = try failing.dataset("production").snapshot.count }
        #expect(error?.message == "cannot open doc-109990")
    }
}

@Suite("The lookup answers a snapshot keeps", .ownThread())
struct AnswerCacheTests {
    @Test(arguments: StorageKind.available)
    func theCacheStaysWithinItsBoundsAndAnswersStayRight(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let count = LayeredDocuments.maxAnswers + 500
        try dataset.mutate((0..<count).map { index in
            .create(["_id": .string("doc-\(100_000 + index)"), "_type": "note", "n": .number(Double(index))])
        })
        let source = try #require(dataset.snapshot.source(.raw) as? LayeredDocuments)
        for index in 0..<count {
            let found = source.documents(answering: .fields([FieldCondition(path: ["n"], keys: [.number(Double(index))])]))
            #expect(found?.count == 1 && found?.first?["_id"] == .string("doc-\(100_000 + index)"))
            #expect(source.cachedAnswers.answers <= LayeredDocuments.maxAnswers)
        }
        // A question asked again is answered the same from the cache.
        let again = source.documents(answering: .fields([FieldCondition(path: ["n"], keys: [.number(Double(count - 1))])]))
        #expect(again?.first?["_id"] == .string("doc-\(100_000 + count - 1)"))
        #expect(source.cachedAnswers.answers > 0 && source.cachedAnswers.documents <= LayeredDocuments.maxAnsweredDocuments)
    }
}

/// A validator that accepts everything and declares some indexed paths, as a schema does.
private struct DeclaringValidator: DocumentValidating {
    let indexedPaths: [[String]]
    func findings(for document: JSONValue, among documents: any DocumentSource) -> [ValidationFinding] { [] }
}

@Suite("Indexes the schema declares", .ownThread())
struct DeclaredIndexTests {
    @Test func everyViewHasThemFromTheStartAndKeepsThemAcrossCompaction() throws {
        let directory = NSTemporaryDirectory() + "facet-declared-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // More than the engine's own bound, so that being declared is what keeps them.
        let declared = (0..<(InMemoryDataset.maxBuiltValueIndexes + 4)).map { ["f\($0)"] } + [["customer", "_ref"]]
        let validator = DeclaringValidator(indexedPaths: declared)
        let writing = try DocumentStore(directory: directory, validator: validator)
        try writing.dataset("production", create: true).mutate((0..<50).map { index -> Mutation in
            let id = index % 5 == 0 ? "drafts.d-\(100 + index)" : "d-\(100 + index)"
            let customer: JSONValue = ["_ref": .string("c-\(index % 4)"), "_weak": true]
            return .create(["_id": .string(id), "_type": "order", "f0": .number(Double(index % 3)), "customer": customer])
        })
        writing.close()

        let store = try DocumentStore(directory: directory, validator: validator)
        defer { store.close() }
        let dataset = try store.dataset("production")
        let expected = Set(declared.map(IndexedPath.values))
        // Opened: the raw view has them before any query; the others as soon as they are built.
        #expect(Set(dataset.snapshot.base.raw.indexedPaths) == expected)
        #expect(Set(dataset.snapshot.base.view(Perspective.drafts).indexedPaths) == expected)
        #expect(Set(dataset.snapshot.base.view(Perspective.published).indexedPaths) == expected)
        // The engine still builds its own, up to its bound, beside them.
        for field in 0..<(InMemoryDataset.maxBuiltValueIndexes + 2) {
            _ = dataset.snapshot.base.raw.documents(answering: .fields([FieldCondition(path: ["g\(field)"], keys: [.string("x")])]))
        }
        #expect(dataset.snapshot.base.raw.indexedPaths.count == declared.count + InMemoryDataset.maxBuiltValueIndexes)
        // A commit and a compaction: the new base has them again.
        try dataset.mutate([.create(["_id": "d-999", "_type": "order", "customer": ["_ref": "c-1", "_weak": true]])])
        dataset.compact()
        #expect(expected.isSubset(of: Set(dataset.snapshot.base.raw.indexedPaths)))
        let found = try dataset.query(#"*[_type == "order" && customer._ref == "c-1"]._id"#, perspective: .drafts)
        #expect(found.arrayValue?.count == 14, "\(found)")
    }
}

@Suite("The drafts view", .ownThread())
struct DraftsPresentationTests {
    /// Without drafts or versions the published view is the raw one (no second set of indexes);
    /// a draft committed later is still left out of it, and a base with drafts builds its own.
    @Test(arguments: StorageKind.available)
    func aDatasetWithoutDraftsServesItsPublishedViewFromTheRawOne(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate((0..<20).map { index in
            .create(["_id": .string("p-\(index)"), "_type": "thing", "n": .number(Double(index)),
                     "prev": ["_type": "reference", "_ref": .string("p-\(max(0, index - 1))"), "_weak": true]])
        })
        dataset.compact()
        #expect(dataset.snapshot.base.view(.published) === dataset.snapshot.base.raw)
        // The drafts view shows the same documents in the same places, with `_originalId`: its
        // lookups by id, type and reference answer with its own documents.
        #expect(try dataset.query("*[references('p-3')]{_id, _originalId}", perspective: .drafts) == [["_id": "p-4", "_originalId": "p-4"]])
        #expect(try dataset.query("*[_id == 'p-6'][0]{_originalId, 'before': prev->n}", perspective: .drafts) == ["_originalId": "p-6", "before": 5])
        #expect(try dataset.query("count(*[_type == 'thing' && defined(_originalId)])", perspective: .drafts) == 20)
        try dataset.mutate([.create(["_id": "drafts.p-1", "_type": "thing", "n": 100]), .create(["_id": "drafts.new", "_type": "thing"])])
        #expect(try dataset.query("count(*)", perspective: .published) == 20)
        #expect(try dataset.query("*[_id == 'p-1'][0].n", perspective: .published) == 1)
        #expect(try dataset.query("*[_id == 'p-1'][0].n", perspective: .drafts) == 100)
        dataset.compact()
        let base = dataset.snapshot.base
        #expect(base.view(.published) !== base.raw)
        #expect(base.view(.published).documents.count == 20)
        #expect(try dataset.query("count(*)", perspective: .published) == 20)
        #expect(try dataset.query("count(*)") == 22)
    }

    /// The view merges drafts into the published documents' order; a dictionary and a sort by
    /// the shown id (how it was built before) must give the same documents in the same order.
    @Test func theMergedViewEqualsAChoiceAndASortOnRandomDatasets() {
        var random = SeededRandom(seed: 7)
        let alphabet = Array("aZ09._-bY")
        for round in 0..<40 {
            var documents: [String: JSONValue] = [:]
            for _ in 0..<random.next(300) {
                let name = String((0..<1 + random.next(4)).map { _ in alphabet[random.next(alphabet.count)] })
                let id = switch random.next(5) {
                case 0, 1: name
                case 2, 3: "drafts." + name
                default: "versions.r1." + name
                }
                documents[id] = ["_id": .string(id), "_type": "x", "n": .number(Double(random.next(1_000)))]
            }
            let raw = InMemoryDataset(Array(documents.values))
            var chosen: [String: JSONValue] = [:]
            for document in raw.documents {
                guard let id = document["_id"]?.stringValue, !DocumentID.isVersion(id) else { continue }
                let published = DocumentID.published(of: id)
                if DocumentID.isDraft(id) || chosen[published] == nil { chosen[published] = SnapshotBase.presented(document, as: published) }
            }
            let expected = InMemoryDataset(Array(chosen.values)).documents
            #expect(SnapshotBase.draftsView(of: raw) == expected, "round \(round)")
            #expect(SnapshotBase.draftsView(of: raw).map { $0["_originalId"] } == expected.map { $0["_originalId"] }, "round \(round)")
        }
    }

    @Test(arguments: StorageKind.available)
    func aPresentedDocumentKeepsItsMembersInOrderWithOriginalIdLast(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([
            .create(["_id": "a", "_type": "x", "z": 1, "b": 2]),
            .create(["_id": "drafts.a", "_type": "x", "z": 3]),
            .create(["_id": "b", "_type": "x", "_originalId": "kept in place", "c": 4]),
        ])
        dataset.compact()
        let presented = try dataset.query("*[_type == 'x'] | order(_id)", perspective: .drafts)
        guard case .array(let documents) = presented, documents.count == 2,
              case .object(let a) = documents[0], case .object(let b) = documents[1]
        else {
            Issue.record("expected two documents, got \(presented)")
            return
        }
        #expect(Array(a.keys.filter { !$0.hasPrefix("_") || $0 == "_id" || $0 == "_originalId" }) == ["_id", "z", "_originalId"])
        #expect(a["_id"] == "a" && a["_originalId"] == "drafts.a" && a["z"] == 3)
        // A stored member of that name keeps its place and takes the stored id, as assigning it would.
        #expect(Array(b.keys.filter { !$0.hasPrefix("_") || $0 == "_id" || $0 == "_originalId" }) == ["_id", "_originalId", "c"])
        #expect(b["_originalId"] == "b" && b["c"] == 4)
    }
}

@Suite("Opening a dataset from its file", .ownThread())
struct DatasetFileLoadTests {
    /// Large documents fill a batch by bytes before they fill it by count: each is loaded whole,
    /// in order, on either side of the batch's end.
    @Test func largeDocumentsLoadWholeAcrossBatches() async throws {
        let large = 4 << 20
        // Seconds of commits and parsing: on a thread of its own, not one the async tests share.
        let documents = try await offThePool { () throws -> [JSONValue] in
            let directory = NSTemporaryDirectory() + "facet-large-load-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let writing = try DocumentStore(directory: directory)
            for index in 0..<10 {
                let text = String(repeating: String(UnicodeScalar(UInt8(97 + index))), count: large)
                try writing.dataset("production", create: true).mutate([.create(["_id": .string("big-\(index)"), "_type": "note", "text": .string(text)])])
            }
            writing.close()
            let reading = try DocumentStore(directory: directory)
            defer { reading.close() }
            return try reading.dataset("production").snapshot.source(.raw).documents
        }
        #expect(documents.count == 10)
        for (index, document) in documents.enumerated() {
            let text = document["text"]?.stringValue
            #expect(document["_id"] == .string("big-\(index)") && text?.utf8.count == large
                    && text?.utf8.allSatisfy { $0 == UInt8(97 + index) } == true, "document \(index)")
        }
    }

    @Test func aDamagedBodyIsReportedByItsDocumentWhicheverCoreParsedIt() async throws {
        let (patched, error) = try await offThePool { () throws -> (Int, StoreError?) in
            let directory = NSTemporaryDirectory() + "facet-damaged-load-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: directory) }
            // No image: the damage must be met by a full read.
            let writing = try DocumentStore(directory: directory, imagePolicy: .none)
            // More than one batch, so the damaged body is in the second batch and its second half.
            try writing.dataset("production", create: true).mutate((0..<3_000).map { index in
                .create(["_id": .string("doc-\(100_000 + index)"), "_type": "note", "text": .string("marker-\(index)-end")])
            })
            writing.close()

            // Break one body's JSON without changing its length: SQLite reads it back as it is.
            let marker = Array("\"marker-2900-end\"".utf8), broken = Array("{marker-2900-end\"".utf8)
            var patched = 0
            for file in try FileManager.default.subpathsOfDirectory(atPath: directory) where file.contains("production.sqlite") {
                let path = directory + "/" + file
                var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
                var index = 0
                while index + marker.count <= bytes.count {
                    if bytes[index] == marker[0] && Array(bytes[index..<index + marker.count]) == marker {
                        bytes.replaceSubrange(index..<index + marker.count, with: broken)
                        patched += 1
                    }
                    index += 1
                }
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            }
            let reading = try DocumentStore(directory: directory, imagePolicy: .none)
            defer { reading.close() }
            return (patched, storeError { _ = try reading.dataset("production").snapshot.count })
        }
        #expect(patched > 0)
        #expect(error?.message.contains("The stored body of document doc-102900 is damaged") == true, "\(String(describing: error))")
        #expect(error?.advice.contains("Restore the dataset") == true)
    }
}
