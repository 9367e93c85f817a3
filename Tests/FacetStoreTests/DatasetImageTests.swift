import Foundation
import GROQ
import Testing
import TestSupport
@testable import FacetStore

/// The image a dataset keeps of its documents: a reopened dataset reads it (and the history
/// after it) instead of every document, and sees exactly what a full read sees; an image that
/// cannot be trusted for any reason is passed over, never half-used.
@Suite("Dataset images", .ownThread())
struct DatasetImageTests {
    /// A store whose datasets keep an image from the first document.
    static let eager = ImagePolicy(minimumDocuments: 1, rewriteAfterRevisions: 1, maximumCatchUp: 10_000)
    /// A store that reads images and never writes one.
    static let reading = ImagePolicy(minimumDocuments: .max)

    final class Directory: @unchecked Sendable {
        let path = NSTemporaryDirectory() + "facet-image-test-" + UUID().uuidString
        var image: String { path + "/datasets/production.sqlite.image" }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func store(_ policy: ImagePolicy = DatasetImageTests.eager) throws -> DocumentStore {
            try DocumentStore(directory: path, imagePolicy: policy)
        }

        /// What a full read of the dataset gives, every document in id order.
        func fullRead() throws -> JSONValue {
            let store = try store(.none)
            defer { store.close() }
            let dataset = try store.dataset()
            guard case .documents = dataset.openedFrom else { throw StoreError.invalid("read from an image", advice: "") }
            return try dataset.query("*")
        }
    }

    static func fill(_ dataset: Dataset, count: Int, prefix: String = "c") throws {
        for start in stride(from: 0, to: count, by: 100) {
            try dataset.mutate((start..<min(count, start + 100)).map { index in .create(document(prefix, index)) })
        }
    }

    static func document(_ prefix: String, _ index: Int) -> JSONObject {
        var document: JSONObject = ["_type": "customer", "city": "Paris"]
        document["_id"] = .string("\(prefix)-\(index)")
        document["name"] = .string("Client ñ \(index)")
        document["total"] = .number(Double(index) * 1.25)
        document["vip"] = .bool(index % 3 == 0)
        document["note"] = index % 5 == 0 ? .null : "x"
        document["tags"] = .array(["ring", .string("t\(index % 7)")])
        document["address"] = .object(["city": "Paris", "zip": .number(75_000 + Double(index % 20))])
        return document
    }

    @Test func aReopenedDatasetReadsItsImageAndSeesWhatAFullReadSees() throws {
        let directory = Directory()
        do {
            let store = try directory.store()
            let dataset = try store.dataset("production", create: true)
            try Self.fill(dataset, count: 300)
            try dataset.mutate([.create(["_id": "drafts.c-1", "_type": "customer", "name": "Draft"]), .delete(.ids(["c-2"]))])
            #expect(dataset.openedFrom == .documents(reason: "there is no image"))
            store.close()
        }
        #expect(FileManager.default.fileExists(atPath: directory.image))
        let store = try directory.store()
        defer { store.close() }
        let dataset = try store.dataset()
        guard case .image(let sequence, let caughtUp) = dataset.openedFrom else {
            Issue.record("opened from \(dataset.openedFrom)")
            return
        }
        #expect(sequence == dataset.snapshot.sequence)
        #expect(caughtUp == 0)
        let read = try dataset.query("*")
        #expect(read == (try directory.fullRead()))
        #expect(read.arrayValue?.count == 300)
        #expect(try dataset.query("*[_id == 'c-7'][0].address.zip") == 75_007)
        #expect(try dataset.query("count(*[_type == 'customer' && vip])") == 100)
    }

    @Test func commitsAfterTheImageAreReadFromHistory() throws {
        let directory = Directory()
        do {
            let store = try directory.store()
            try Self.fill(try store.dataset("production", create: true), count: 200)
            store.close()
        }
        let imageSequence: Int64
        do {
            // A store that writes no image changes the dataset after it.
            let store = try directory.store(.none)
            let dataset = try store.dataset()
            imageSequence = dataset.snapshot.sequence
            try dataset.mutate([.delete(.ids(["c-3"])), .createOrReplace(["_id": "c-4", "_type": "customer", "name": "Replaced"])])
            try dataset.mutate([try Mutation(json: ["patch": ["id": "c-5", "set": ["name": "Patched"]]])])
            try dataset.mutate([.create(["_id": "c-new", "_type": "customer", "name": "New"])])
            try dataset.mutate([.delete(.ids(["c-new"]))])
            try dataset.mutate([.create(["_id": "a-first", "_type": "customer", "name": "Sorted first"])])
            store.close()
        }
        let store = try directory.store(ImagePolicy(minimumDocuments: 1, rewriteAfterRevisions: 1_000))
        defer { store.close() }
        let dataset = try store.dataset()
        #expect(dataset.openedFrom == .image(sequence: imageSequence, caughtUp: 6))
        #expect(try dataset.query("*") == (try directory.fullRead()))
        #expect(try dataset.query("*[0]._id") == "a-first")
        #expect(try dataset.query("*[_id in ['c-3', 'c-new']]") == [])
        #expect(try dataset.query("*[_id == 'c-5'][0].name") == "Patched")
        // A write after opening from an image goes on from the right place in history.
        #expect(try dataset.query("count(*)") == 200)
        try dataset.mutate([.create(["_id": "c-after", "_type": "customer"])])
        #expect(try dataset.query("count(*)") == 201)
    }

    @Test func anImageTooFarBehindIsNotUsed() throws {
        let directory = Directory()
        do {
            let store = try directory.store()
            try Self.fill(try store.dataset("production", create: true), count: 100)
            store.close()
        }
        do {
            let store = try directory.store(.none)
            try Self.fill(try store.dataset(), count: 100, prefix: "later")
            store.close()
        }
        let store = try directory.store(ImagePolicy(minimumDocuments: 1, rewriteAfterRevisions: 1, maximumCatchUp: 10))
        let dataset = try store.dataset()
        #expect(dataset.openedFrom == .documents(reason: "the image is 100 revisions behind"))
        #expect(try dataset.query("count(*)") == 200)
        store.close()
        // Closing wrote a new one.
        let again = try directory.store()
        defer { again.close() }
        #expect(try again.dataset().openedFrom == .image(sequence: try again.dataset().snapshot.sequence, caughtUp: 0))
    }

    /// Each damage is met by a full read that loses nothing, whatever byte was changed.
    @Test func aDamagedImageIsPassedOver() throws {
        let directory = Directory()
        do {
            let store = try directory.store()
            try Self.fill(try store.dataset("production", create: true), count: 1_500)
            store.close()
        }
        // An image is only a quicker way in, and a write that fails (a loaded machine's busy
        // database) is skipped: opening and closing again writes it, which this test needs.
        for _ in 0..<5 where !FileManager.default.fileExists(atPath: directory.image) {
            let store = try directory.store()
            _ = try store.dataset()
            store.close()
        }
        let expected = try directory.fullRead()
        let original = try Data(contentsOf: URL(fileURLWithPath: directory.image))
        #expect(original.count > 100_000)
        var damages: [(String, Data)] = [
            ("a byte in the middle", { var d = original; d[d.count / 2] ^= 0x40; return d }()),
            ("a byte of the header", { var d = original; d[30] ^= 0x01; return d }()),
            ("the last chunk cut off", original.prefix(original.count * 3 / 4)),
            ("the last byte cut off", original.dropLast()),
            ("a byte added", original + [0]),
            ("nothing", Data()),
            ("another format", Data("FACETIMG\u{2}\0\0\0\0\0\0\0".utf8)),
        ]
        // A chunk repeated in place of the next one.
        damages.append(("its chunks out of order", Self.swappingFirstChunks(original)))
        for (what, bytes) in damages {
            try bytes.write(to: URL(fileURLWithPath: directory.image))
            let store = try directory.store(Self.reading)
            let dataset = try store.dataset()
            guard case .documents(let reason) = dataset.openedFrom else {
                Issue.record("\(what): the image was used")
                store.close()
                continue
            }
            #expect(reason.contains("image") && reason != "there is no image", "\(what): \(reason)")
            #expect(try dataset.query("*") == expected, "\(what)")
            store.close()
        }
    }

    /// The image with its first two chunks swapped (each still whole and valid on its own).
    static func swappingFirstChunks(_ image: Data) -> Data {
        let bytes = [UInt8](image)
        let headerLength = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        var offset = 16 + headerLength
        func chunk() -> [UInt8] {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
            defer { offset += 4 + length }
            return Array(bytes[offset..<offset + 4 + length])
        }
        let start = offset
        let first = chunk(), second = chunk()
        return Data(bytes[..<start] + second + first + bytes[offset...])
    }

    @Test func anImageOfAnotherHistoryIsNotUsed() throws {
        let directory = Directory()
        do {
            let store = try directory.store()
            try Self.fill(try store.dataset("production", create: true), count: 50)
            store.close()
        }
        let saved = try Data(contentsOf: URL(fileURLWithPath: directory.image))
        // The dataset deleted (its image with it) and made again with the same number of
        // transactions but other contents.
        do {
            let store = try directory.store(.none)
            try store.deleteDataset("production")
            #expect(!FileManager.default.fileExists(atPath: directory.image))
            let dataset = try store.dataset("production", create: true)
            try Self.fill(dataset, count: 50, prefix: "other")
            store.close()
        }
        try saved.write(to: URL(fileURLWithPath: directory.image))
        let store = try directory.store(Self.reading)
        defer { store.close() }
        let dataset = try store.dataset()
        #expect(dataset.openedFrom == .documents(reason: "the image's last transaction is not in this dataset's history"))
        #expect(try dataset.query("*[0]._id") == "other-0")
    }

    @Test func aWriterKilledHalfwayLeavesNothingBehindForLong() throws {
        let directory = Directory()
        let store = try directory.store()
        try Self.fill(try store.dataset("production", create: true), count: 20)
        // What a process killed while writing leaves: a temporary file named after it.
        let abandoned = directory.image + ".tmp-999999999-half"
        let mine = directory.image + ".tmp-\(getpid())-in-progress"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: abandoned))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: mine))
        store.close()
        #expect(FileManager.default.fileExists(atPath: directory.image))
        #expect(!FileManager.default.fileExists(atPath: abandoned))
        // A file of a live process (this one) is left to it.
        #expect(FileManager.default.fileExists(atPath: mine))
    }

    /// Large documents make chunks of a few: the image holds them whole and a chunk stays far
    /// below the reader's limit.
    @Test func largeDocumentsAreChunkedBySize() throws {
        let directory = Directory()
        do {
            let store = try directory.store()
            let dataset = try store.dataset("production", create: true)
            try Self.fill(dataset, count: 100)
            let large = String(repeating: "facet ", count: 250_000)
            for batch in 0..<4 {
                try dataset.mutate((0..<5).map { index in
                    .create(["_id": .string("z-large-\(batch)-\(index)"), "_type": "note", "text": .string(large + "\(index)")])
                })
            }
            store.close()
        }
        let size = try FileManager.default.attributesOfItem(atPath: directory.image)[.size] as? Int ?? 0
        #expect(size > 20 * 1_500_000)
        let store = try directory.store(Self.reading)
        defer { store.close() }
        let dataset = try store.dataset()
        guard case .image = dataset.openedFrom else {
            Issue.record("opened from \(dataset.openedFrom)")
            return
        }
        #expect(try dataset.query("*") == (try directory.fullRead()))
        #expect(try dataset.query("count(*[_type == 'note'])") == 20)
    }

    @Test func smallDatasetsKeepNoImage() throws {
        let directory = Directory()
        let store = try directory.store(ImagePolicy())
        try Self.fill(try store.dataset("production", create: true), count: 100)
        store.close()
        #expect(!FileManager.default.fileExists(atPath: directory.image))
    }

    @Test func anImportedDatasetKeepsTheImageItWasClosedWith() throws {
        let directory = Directory()
        let store = try directory.store()
        defer { store.close() }
        let sequence = try store.creatingDataset("production") { (dataset) throws(StoreError) -> Int64 in
            do { try Self.fill(dataset, count: 30) } catch let error as StoreError { throw error } catch { throw StoreError.invalid("\(error)", advice: "") }
            return dataset.snapshot.sequence
        }
        #expect(FileManager.default.fileExists(atPath: directory.image))
        #expect(try store.dataset().openedFrom == .image(sequence: sequence, caughtUp: 0))
        #expect(try store.dataset().query("count(*)") == 30)
    }
}

/// The binary form of JSON values: exact round trips, and damaged bytes are errors.
@Suite("Binary JSON", .ownThread())
struct JSONBinaryTests {
    static func randomValue(_ generator: inout SystemRandomNumberGenerator, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth > 4 ? 4 : 6), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2:
            let special: [Double] = [0, -0.0, 1e308, -1e-308, .pi, 42, 2.5e-7, Double(Int64.max)]
            return .number(Bool.random(using: &generator) ? special.randomElement(using: &generator)! : Double.random(in: -1e9...1e9, using: &generator))
        case 3:
            let pieces = ["", "a", "é", "💍", "\"", "\\", "\n", "\u{0}", "long text that does not fit in a small string"]
            return .string((0..<Int.random(in: 0..<4, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        case 4: return .array((0..<Int.random(in: 0..<5, using: &generator)).map { _ in randomValue(&generator, depth: depth + 1) })
        default:
            var object = JSONObject()
            // Past 24 keys an object keeps a hash index: both shapes are covered.
            for index in 0..<(Bool.random(using: &generator) ? Int.random(in: 0..<6, using: &generator) : 30) {
                object["k\(index)\(Bool.random(using: &generator) ? "é" : "")"] = randomValue(&generator, depth: depth + 1)
            }
            return .object(object)
        }
    }

    static func decode(_ bytes: [UInt8]) throws(JSONError) -> (JSONValue, Int) {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in
                var offset = 0
                let value = try JSONValue(binary: buffer, offset: &offset)
                return (value, offset)
            }
        }.get()
    }

    @Test func valuesComeBackExactly() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let value = Self.randomValue(&generator)
            var bytes: [UInt8] = []
            value.appendBinary(to: &bytes)
            let (decoded, used) = try Self.decode(bytes)
            #expect(decoded == value)
            #expect(used == bytes.count)
            // Key order is kept, as the JSON text shows.
            #expect(decoded.serialized() == value.serialized())
        }
        var nan: [UInt8] = []
        JSONValue.number(-0.0).appendBinary(to: &nan)
        #expect(try Self.decode(nan).0.numberValue?.sign == .minus)
    }

    @Test func damagedBytesAreErrorsNeverCrashes() throws {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        JSONValue.object(["a": [1, "two", ["three": .null]], "b": .string(String(repeating: "x", count: 300))]).appendBinary(to: &bytes)
        for end in 0..<bytes.count {
            #expect(throws: JSONError.self) { try Self.decode(Array(bytes[..<end])) }
        }
        for _ in 0..<2_000 {
            var damaged = bytes
            damaged[Int.random(in: 0..<damaged.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            _ = try? Self.decode(damaged)
        }
        // A length far past the end, and nesting past the limit.
        #expect(throws: JSONError.self) { try Self.decode([4, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x41]) }
        #expect(throws: JSONError.self) { try Self.decode([5, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) }
        #expect(throws: JSONError.self) { try Self.decode([UInt8](repeating: 5, count: 10_000).flatMap { [$0, 1] }) }
        #expect(throws: JSONError.self) { try Self.decode([9]) }
    }
}
