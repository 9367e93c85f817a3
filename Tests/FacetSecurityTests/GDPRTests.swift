@testable import FacetSecurity
import FacetStore
import Foundation
import GRDB
import GROQ
import Testing
import TestSupport

/// A person's requests: everything held about them, and erasure by crypto-shredding.
@Suite("GDPR requests", .ownThread())
struct GDPRTests {
    static func request(_ fixture: EncryptionFixture) throws -> PersonalDataRequest {
        PersonalDataRequest(dataset: try fixture.production, encryption: fixture.security.encryption, audit: fixture.security.audit,
                            personalDataFields: fixture.schema.personalDataFields)
    }

    /// c-1 with a draft, history and an interaction; c-2, someone else.
    static func populate(_ dataset: Dataset) throws -> String {
        let created = try dataset.mutate([.create(EncryptionFixture.customer("c-1")),
                                          .create(EncryptionFixture.customer("c-2", name: "Grace Hopper", email: "grace@example.com"))])
        try dataset.mutate([try Mutation(json: ["patch": ["id": "c-1", "set": ["notes": "Prefers rose gold"]]])])
        try dataset.mutate([.create(EncryptionFixture.customer("drafts.c-1", email: "draft.known@example.com")),
                            .create(EncryptionFixture.interaction("i-1", customer: "c-1")),
                            .create(EncryptionFixture.interaction("i-2", customer: "c-2"))])
        return created.transactionId
    }

    @Test func exportHoldsEverythingAboutThePerson() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        _ = try Self.populate(try fixture.production)
        let export = try Self.request(fixture).export("c-1", actor: .system("dpo"))
        #expect(export["subject"] == "c-1")
        let documents = try #require(export["documents"]?.arrayValue)
        #expect(documents.compactMap { $0["_id"]?.stringValue } == ["c-1", "drafts.c-1"])
        #expect(documents[0]["email"] == .string(EncryptionFixture.email))
        #expect(documents[0]["address"]?["street"] == "12 St James's Square")
        #expect(documents[1]["email"] == "draft.known@example.com")
        let referencing = try #require(export["referencingDocuments"]?.arrayValue)
        #expect(referencing.compactMap { $0["_id"]?.stringValue } == ["i-1"])
        let personal = try #require(export["personalData"]?.arrayValue)
        #expect(personal.first?["fields"]?["email"] == .string(EncryptionFixture.email))
        #expect(personal.first?["fields"]?["notes"] == "Prefers rose gold")
        #expect(personal.first?["fields"]?["segment"] == nil)
        #expect(personal.contains { $0["documentId"] == "i-1" && $0["fields"]?["summary"] != nil })
        #expect(export["summary"]?["documents"] == 2)
        #expect(export["summary"]?["referencingDocuments"] == 1)
        #expect(export["summary"]?["referencingTypes"]?["interaction"] == 1)
        #expect(export["summary"]?["historyTransactions"] == 3)
        #expect(try fixture.auditActions().last == "gdpr-export")

        let missing = try #require(throws: SecurityError.self) { try Self.request(fixture).export("nobody", actor: .system()) }
        #expect(missing.kind == .notFound)
        #expect(missing.message.contains("\"nobody\""))
    }

    @Test func erasureShredsHistoryAndEarlierExports() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        let firstRevision = try Self.populate(dataset)
        let earlierExport = try fixture.export(dataset)
        let wrapped = try fixture.security.database.read { db in
            try db.values("SELECT wrapped FROM data_keys WHERE subject IN ('c-1', 'i-1')", as: Data.self)
        }
        #expect(wrapped.count == 2)

        let erasure = try Self.request(fixture).erase("c-1", actor: .system("dpo"))
        #expect(Set(erasure.deletedIDs) == ["c-1", "drafts.c-1", "i-1"])
        #expect(erasure.destroyedKeys == 2)

        // Gone now; the other person untouched.
        for id in ["c-1", "drafts.c-1", "i-1"] { #expect(dataset.document(id: id) == nil) }
        #expect(dataset.document(id: "c-2")?["email"] == "grace@example.com")
        #expect(dataset.document(id: "i-2") != nil)
        let erasing = try #require(try dataset.transactions(documentIDs: ["c-1"]).last)
        #expect(erasing.author == PersonalDataRequest.eraseAuthor)
        #expect(erasing.id == erasure.transactionID)
        #expect(Set(erasing.effects.map(\.documentID)) == ["c-1", "drafts.c-1", "i-1"])
        let actions = try fixture.auditActions()
        #expect(actions.suffix(2) == ["transaction", "gdpr-erase"])

        // History: the old revision is still there, but its sealed fields cannot be read.
        for reader in [dataset, try fixture.reopened().production] {
            let old = try #require(try reader.document(id: "c-1", at: .revision(firstRevision)))
            #expect(old["_id"] == "c-1")
            #expect(old["email"] == nil)
            #expect(old["address"] == nil)
            #expect(old["segment"] == "vip")
        }

        // The export taken before: its envelopes no longer open anywhere.
        let lines = try String(contentsOfFile: earlierExport, encoding: .utf8).split(separator: "\n").map { try JSONValue(parsing: String($0)) }
        let oldLine = try #require(lines.first { $0["_id"] == "c-1" })
        let envelope = try #require(EncryptionFixture.envelope(oldLine["email"]))
        #expect(try fixture.security.encryption.keyring.key(kid: envelope.kid) == nil)
        #expect(try fixture.security.encryption.unseal(oldLine, dataset: "production")["email"] == nil)
        // Importing it again cannot bring the erased values back: without them c-1 is invalid.
        let reimport = try #require(throws: StoreError.self) {
            try dataset.importNDJSON(path: earlierExport, options: ImportOptions(mode: .createIfNotExists))
        }
        #expect(reimport.message.contains("line 1 (c-1)"))
        #expect(dataset.document(id: "c-1") == nil)

        // The wrapped keys are not left in the security database's files either.
        for key in wrapped {
            let holding = try fixture.files().filter { $0.path.contains("security.sqlite") && $0.bytes.range(of: key) != nil }.map(\.path)
            #expect(holding == [])
        }
    }

    @Test func aRefusedErasureDeletesNothingAndKeepsTheKeys() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        _ = try Self.populate(dataset)
        // A document of another kind strongly referencing the interaction, written without the
        // schema: deleting i-1 would leave it dangling.
        let plain = try fixture.security.documentStore(validator: nil)
        defer { plain.close() }
        try plain.dataset("production").mutate([.create(["_id": "note-1", "_type": "note", "about": ["_type": "reference", "_ref": "i-1"]])])
        try dataset.refresh()
        let keys = try fixture.security.encryption.keyStatus().dataKeys
        let error = try #require(throws: SecurityError.self) { try Self.request(fixture).erase("c-1", actor: .system()) }
        #expect(error.message.contains("Cannot erase \"c-1\""))
        #expect(dataset.document(id: "c-1")?["email"] == .string(EncryptionFixture.email))
        #expect(try fixture.security.encryption.keyStatus().dataKeys == keys)
    }
}
