import Foundation
import GROQ
import Synchronization
import Testing
import TestSupport
@testable import FacetStore

@Suite("Import and export", .ownThread())
struct TransferTests {
    private func write(_ lines: [String], in fixture: StoreFixture) throws -> String {
        let path = fixture.directory + "/input-\(UUID().uuidString).ndjson"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func export(_ dataset: Dataset, _ options: ExportOptions = ExportOptions()) -> [JSONValue] {
        var bytes: [UInt8] = []
        do { try dataset.exportNDJSON(options) { bytes.append(contentsOf: $0) } } catch { Issue.record("export failed: \(error)") }
        var reader = NDJSONReader(bytes: bytes)
        var documents: [JSONValue] = []
        while let document = try? reader.next() { documents.append(document) }
        return documents
    }

    /// Imports (atomic units of several transactions) while another process commits as fast as
    /// it can: each import takes the write lock, works itself out on top of what the other
    /// committed, and is never refused, however often the other wins the race to the lock.
    @Test(arguments: StorageKind.available)
    func importsRacingABusyWriterAreNeverRefused(_ storage: StorageKind) async throws {
        let fixture = try StoreFixture(storage)
        let importer = try fixture.dataset
        let other = try fixture.otherStore()
        defer { other.close() }
        let writer = try other.dataset("production", create: false)
        let outcome = try await offThePool { () throws -> (written: Int, imported: Int, failures: [String]) in
            let stop = Mutex(false), written = Mutex(0)
            let done = DispatchSemaphore(value: 0)
            Thread {
                var index = 0
                while !stop.withLock({ $0 }) {
                    if (try? writer.mutate([.createOrReplace(["_id": .string("w-\(index)"), "_type": "note"])])) != nil { written.withLock { $0 += 1 } }
                    index += 1
                }
                done.signal()
            }.start()
            var imported = 0, failures: [String] = []
            for round in 0..<12 {
                var batches = (0..<3).map { batch in
                    (0..<20).map { item in Mutation.create(["_id": .string("i-\(round)-\(batch)-\(item)"), "_type": "note"]) }
                }
                do {
                    try importer.commitAll({ () throws(StoreError) -> [Mutation]? in batches.isEmpty ? nil : batches.removeFirst() })
                    imported += 60
                } catch {
                    failures.append("\(error)")
                }
            }
            stop.withLock { $0 = true }
            done.wait()
            return (written.withLock { $0 }, imported, failures)
        }
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")
        #expect(outcome.imported == 12 * 60)
        try importer.refresh()
        #expect(try importer.query("count(*)") == .number(Double(outcome.written + outcome.imported)))
        try writer.refresh()
        #expect(writer.snapshot.sequence == importer.snapshot.sequence)
    }

    @Test(arguments: StorageKind.available)
    func exportThenImportReproducesTheDataset(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let source = try fixture.dataset
        var random = SeededRandom(seed: 7)
        try source.mutate((0..<300).map { index in
            .create(["_id": .string("c-\(index)"), "_type": "customer", "name": .string("Customer \(index)"),
                     "tags": ["vip", .string("t\(random.next(9))")], "address": ["city": "Paris", "lines": [["n": 1]]]])
        })
        try source.mutate((0..<200).map { index in
            .create(["_id": .string("o-\(index)"), "_type": "order", "customer": ["_ref": .string("c-\(random.next(300))")],
                     "total": .number(Double(random.next(10_000)) / 100)])
        })
        try source.mutate([.create(["_id": "drafts.c-1", "_type": "customer", "name": "Draft"])])
        let exported = export(source)
        #expect(exported.count == 501)
        let path = fixture.directory + "/export.ndjson"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try source.exportNDJSON { try handle.write(contentsOf: $0) }
        try handle.close()

        let target = try fixture.store.createDataset("copy")
        let report = try target.importNDJSON(path: path, options: ImportOptions(batchSize: 64))
        #expect(report.imported == 501)
        #expect(report.transactions == 8)
        #expect(report.failures.isEmpty)
        // Import keeps ids, content and timestamps; only _rev is new.
        func withoutRev(_ documents: [JSONValue]) -> [JSONValue] {
            documents.map { document in
                guard case .object(var object) = document else { return document }
                object.removeValue(forKey: "_rev")
                return .object(object)
            }
        }
        #expect(withoutRev(export(target)) == withoutRev(exported))
        #expect(export(target, ExportOptions(types: ["order"])).count == 200)
        #expect(export(target, ExportOptions(includeDrafts: false)).count == 500)
        let mixed = export(target, ExportOptions(types: ["order", "customer"])).map { $0["_id"]?.stringValue ?? "" }
        #expect(mixed == mixed.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } && mixed.count == 501)
    }

    @Test(arguments: StorageKind.available)
    func aBadLineImportsNothingUnlessFailuresAreAllowed(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "existing", "_type": "x"])])
        let path = try write([
            #"{"_id": "a", "_type": "x"}"#,
            #"{"_id": "b", "_type": "x", "broken": }"#,
            #"{"_id": "c", "_type": "x", "ref": {"_ref": "a"}}"#,
            "",
            #"{"_id": "d", "_type": "x", "ref": {"_ref": "nowhere"}}"#,
            #"{"_id": "e", "_type": "x", "ref": {"_ref": "d"}}"#,
            #"{"_id": "existing", "_type": "x"}"#,
            #"{"_type": "x"}"#,
            #"{"_id": "f", "_type": "x", "ref": {"_ref": "existing"}}"#,
        ], in: fixture)
        let error = storeError { _ = try dataset.importNDJSON(path: path) }
        #expect(error?.type == "importError")
        for fragment in ["line 2", "line 5 (d): references non-existent document \"nowhere\"", "line 6 (e)", "line 7 (existing)", "line 8"] {
            #expect(error?.message.contains(fragment) == true, "\(fragment) in \(error?.message ?? "")")
        }
        #expect(try dataset.query("count(*)") == 1, "nothing was imported")

        let report = try dataset.importNDJSON(path: path, options: ImportOptions(allowFailing: true))
        #expect(report.imported == 3)
        #expect(report.failures.map(\.line) == [2, 5, 6, 7, 8])
        #expect(try dataset.query("*[_id in ['a', 'c', 'f']]._id") == ["a", "c", "f"])
    }

    @Test(arguments: StorageKind.available)
    func importModesDecideWhatHappensToExistingDocuments(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "a", "_type": "x", "v": "old"])])
        let path = try write([#"{"_id": "a", "_type": "x", "v": "new"}"#, #"{"_id": "b", "_type": "x"}"#], in: fixture)
        _ = try dataset.importNDJSON(path: path, options: ImportOptions(mode: .createIfNotExists))
        #expect(dataset.document(id: "a")?["v"] == "old")
        #expect(dataset.document(id: "b") != nil)
        _ = try dataset.importNDJSON(path: path, options: ImportOptions(mode: .createOrReplace))
        #expect(dataset.document(id: "a")?["v"] == "new")
        #expect(storeError { _ = try dataset.importNDJSON(path: fixture.directory + "/missing.ndjson") }?.message.contains("missing.ndjson") == true)
    }
}
