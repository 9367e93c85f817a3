@testable import FacetSecurity
import FacetStore
import Foundation
import GRDB
import GROQ
import Testing
import TestSupport

/// A sealed store's dataset image: it holds the documents opened, so it is sealed with a key of
/// its own, never holds a plaintext value on disk, and dies with any erasure.
@Suite("Sealed dataset images", .ownThread())
struct DatasetImageSealingTests {
    static let eager = ImagePolicy(minimumDocuments: 1, rewriteAfterRevisions: 1)

    static func store(_ fixture: EncryptionFixture, sealing: (any DocumentSealing)?) throws -> DocumentStore {
        try DocumentStore(directory: fixture.directory, sealing: sealing, imagePolicy: eager)
    }

    static func imagePath(_ fixture: EncryptionFixture) -> String {
        fixture.directory + "/datasets/production.sqlite.image"
    }

    @Test func theImageIsSealedAndOpensOnlyWithItsKey() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        do {
            let store = try Self.store(fixture, sealing: fixture.security.encryption)
            _ = try GDPRTests.populate(try store.dataset("production", create: true))
            store.close()
        }
        #expect(FileManager.default.fileExists(atPath: Self.imagePath(fixture)))
        // No plaintext of a sealed field in any file, the image included.
        for value in [EncryptionFixture.email, EncryptionFixture.phone, "Talked about the spring collection", "Prefers rose gold"] {
            #expect(try fixture.filesContaining(value) == [], "\(value)")
        }
        let store = try Self.store(fixture, sealing: fixture.security.encryption)
        let dataset = try store.dataset()
        guard case .image = dataset.openedFrom else {
            Issue.record("opened from \(dataset.openedFrom)")
            store.close()
            return
        }
        #expect(dataset.document(id: "c-1")?["email"] == .string(EncryptionFixture.email))
        #expect(dataset.document(id: "c-1")?["notes"] == "Prefers rose gold")
        store.close()

        // A store that seals nothing never takes a sealed image (it would show plain values a
        // full read of its own shows sealed), nor a sealed store a plain one.
        let plain = try Self.store(fixture, sealing: nil)
        let plainDataset = try plain.dataset()
        #expect(plainDataset.openedFrom == .documents(reason: "the image is sealed and this store seals nothing"))
        #expect(EncryptionFixture.envelope(plainDataset.document(id: "c-1")?["email"]) != nil)
        plain.close()
        let sealed = try Self.store(fixture, sealing: fixture.security.encryption)
        defer { sealed.close() }
        #expect(try sealed.dataset().openedFrom == .documents(reason: "the image is not sealed"))
        #expect(try sealed.dataset().document(id: "c-1")?["email"] == .string(EncryptionFixture.email))
    }

    @Test func erasureDestroysTheImageAndItsKey() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let copy = fixture.directory + ".image-copy"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        do {
            let store = try Self.store(fixture, sealing: fixture.security.encryption)
            _ = try GDPRTests.populate(try store.dataset("production", create: true))
            store.close()
        }
        // Someone copied the image before the erasure.
        try FileManager.default.copyItem(atPath: Self.imagePath(fixture), toPath: copy)
        do {
            let store = try Self.store(fixture, sealing: fixture.security.encryption)
            let dataset = try store.dataset()
            let request = PersonalDataRequest(dataset: dataset, encryption: fixture.security.encryption, audit: fixture.security.audit,
                                              personalDataFields: fixture.schema.personalDataFields)
            let erasure = try request.erase("c-1", actor: .system("dpo"))
            // The count names the person's keys; the image's goes besides.
            #expect(erasure.destroyedKeys == 2)
            #expect(!FileManager.default.fileExists(atPath: Self.imagePath(fixture)))
            let destroyedImageKeys = try fixture.security.database.read { db in
                try db.value("SELECT count(*) FROM destroyed_keys WHERE subject = ?", [SubjectKey.image], as: Int.self)
            }
            #expect(destroyedImageKeys == 1)
            store.close()
        }
        // Closing wrote a new image under a new key; the old copy put back does not open.
        #expect(FileManager.default.fileExists(atPath: Self.imagePath(fixture)))
        try FileManager.default.removeItem(atPath: Self.imagePath(fixture))
        try FileManager.default.copyItem(atPath: copy, toPath: Self.imagePath(fixture))
        let store = try Self.store(fixture, sealing: fixture.security.encryption)
        defer { store.close() }
        let dataset = try store.dataset()
        guard case .documents(let reason) = dataset.openedFrom else {
            Issue.record("the erased image was used")
            return
        }
        // History would bring it up to date (the erasure's deletions come after it); its key is
        // what refuses it.
        #expect(reason == "its key was destroyed")
        #expect(dataset.document(id: "c-1") == nil)
        #expect(dataset.document(id: "c-2")?["email"] == "grace@example.com")
    }
}
