@testable import FacetSecurity
import FacetStore
import Foundation
import GRDB
import GROQ
import Testing
import TestSupport

/// Field encryption at rest: what reaches the disk, what reads back, and what refuses to open.
@Suite("Field encryption", .ownThread())
struct EncryptionTests {
    @Test func sensitiveFieldsNeverReachTheDiskInClear() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        let created = try dataset.mutate([.create(EncryptionFixture.customer("c-1"))])
        try dataset.mutate([try Mutation(json: ["patch": ["id": "c-1", "set": ["email": "second.known@example.com", "phone": "+44 20 7946 0958"]]])])
        try dataset.mutate([.createOrReplace(EncryptionFixture.customer("drafts.c-1", email: "draft.known@example.com"))])
        let export = try fixture.export(dataset)

        // Read back opened, in this process and in a new one (loading from the file).
        #expect(dataset.document(id: "c-1")?["email"] == "second.known@example.com")
        #expect(dataset.document(id: "c-1")?["address"]?["city"] == "London")
        let first = try dataset.document(id: "c-1", at: .revision(created.transactionId))
        #expect(first?["email"] == .string(EncryptionFixture.email))
        #expect(first?["birthday"] == "1815-12-10")
        let again = try fixture.reopened()
        defer { again.close() }
        let reloaded = try again.production
        #expect(reloaded.document(id: "c-1") == dataset.document(id: "c-1"))
        #expect(reloaded.document(id: "drafts.c-1")?["email"] == "draft.known@example.com")
        #expect(try reloaded.query("*[email == $e][0]._id", params: ["e": "second.known@example.com"]) == "c-1")

        // The stored row holds envelopes; the type and non-sensitive fields stay as they are.
        let stored = try fixture.storedBody("c-1")
        for field in ["email", "phone", "address", "birthday"] {
            let envelope = try #require(EncryptionFixture.envelope(stored[field]), "\(field) is not sealed")
            #expect(envelope.nonce.count == 12)
            #expect(envelope.tag.count == 16)
        }
        #expect(stored["segment"] == "vip")
        #expect(stored["_type"] == "customer")

        // No file of the data directory, nor the export, holds a sealed value in clear.
        again.close()
        fixture.close()
        for secret in [EncryptionFixture.email, "second.known@example.com", "draft.known@example.com", "7946 0958", "42 60 00 00",
                       "St James", "1815-12-10"]
        {
            #expect(try fixture.filesContaining(secret, including: [export]) == [], "\(secret) found on disk")
        }
        let files = try fixture.files().map(\.path)
        #expect(files.contains { $0.hasSuffix("production.sqlite-wal") } || files.contains { $0.hasSuffix("production.sqlite") })
        // Fields that are not protected are stored as they are (the check above can fail).
        #expect(try !fixture.filesContaining("vip").isEmpty)
    }

    @Test func patchesAreSealedInTheRecordedMutations() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        try dataset.mutate([.create(EncryptionFixture.customer("c-1"))])
        try dataset.mutate([try Mutation(json: ["patch": ["id": "c-1", "set": ["email": "patched.known@example.com", "segment": "regular"]]])])
        try dataset.mutate([try Mutation(json: ["patch": ["query": "*[_id == \"c-1\"]", "set": ["phone": "+1 415 555 0100"]]])])
        #expect(dataset.document(id: "c-1")?["phone"] == "+1 415 555 0100")

        let queue = try fixture.datasetFile()
        defer { try? queue.close() }
        let recorded = try queue.read { db in try String.fetchAll(db, sql: "SELECT mutations FROM transactions ORDER BY seq") }
            .map { try JSONValue(parsing: $0) }
        try #require(recorded.count == 3)
        let byID = try #require(recorded[1][0]?["patch"]?["set"])
        #expect(EncryptionFixture.envelope(byID["email"]) != nil)
        #expect(byID["segment"] == "regular")
        let byQuery = try #require(recorded[2][0]?["patch"]?["set"])
        #expect(byQuery["phone"] == FieldEncryption.redactionMarker)
        // The create's body is its document's first revision (kept once, sealed there).
        #expect(recorded[0][0] == ["create": ["$document": "c-1", "$without": ["_rev"]]])
        #expect(try dataset.transactions(documentIDs: ["c-1"]).first?.mutations[0]["create"]?["email"] == .string(EncryptionFixture.email))
        for secret in ["patched.known@example.com", "415 555 0100", EncryptionFixture.email] {
            #expect(try fixture.filesContaining(secret) == [])
        }
    }

    /// A transaction's documents are sealed once: a `create` body that is its document (but for
    /// the fields the store adds) is recorded as a pointer to the document's revision, whose
    /// envelopes open to it in history; a body whose value the same transaction then changed,
    /// or that brought an envelope of its own, is sealed on its own and opens to what was asked.
    @Test func aTransactionsMutationsTakeTheEnvelopesOfTheDocumentsItWrote() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        let first = try dataset.mutate([.createOrReplace(EncryptionFixture.customer("c-1", email: "one.known@example.com")),
                                        .createOrReplace(EncryptionFixture.customer("c-2", email: "two.known@example.com")),
                                        .createOrReplace(EncryptionFixture.customer("c-3", email: "three.known@example.com")),
                                        try Mutation(json: ["patch": ["id": "c-3", "set": ["email": "three.patched@example.com"]]])])
        // (A draft, which the schema lets hold a value of the wrong shape while it is edited.)
        try dataset.mutate([.createOrReplace(EncryptionFixture.customer("drafts.c-4", email: "four.known@example.com"))])
        var resubmitted = EncryptionFixture.customer("drafts.c-4", email: "unused@example.com")
        resubmitted["email"] = try fixture.storedBody("drafts.c-4")["email"]
        try dataset.mutate([.createOrReplace(resubmitted)])

        let queue = try fixture.datasetFile()
        defer { try? queue.close() }
        let recorded = try queue.read { db in try String.fetchAll(db, sql: "SELECT mutations FROM transactions ORDER BY seq") }
            .map { try JSONValue(parsing: $0) }
        try #require(recorded.count == 3)
        let stored = try (1...3).map { try fixture.storedBody("c-\($0)") }
        let system: JSONValue = ["_createdAt", "_updatedAt", "_rev"]
        #expect(recorded[0][0] == ["createOrReplace": ["$document": "c-1", "$without": system]])
        #expect(recorded[0][1] == ["createOrReplace": ["$document": "c-2", "$without": system]])
        #expect(recorded[1][0] == ["createOrReplace": ["$document": "drafts.c-4", "$without": system]])
        let changed = try #require(EncryptionFixture.envelope(recorded[0][2]?["createOrReplace"]?["email"]))
        #expect(EncryptionFixture.envelope(stored[2]["email"]) != nil && recorded[0][2]?["createOrReplace"]?["email"] != stored[2]["email"])
        #expect(changed.tag.count == 16)
        #expect(dataset.document(id: "drafts.c-4")?["email"] == "four.known@example.com", "opened in memory as on disk")
        let again4 = try #require(EncryptionFixture.envelope(recorded[2][0]?["createOrReplace"]?["email"]))
        let firstRevision = try queue.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM revisions WHERE document_id = 'drafts.c-4' ORDER BY seq LIMIT 1")
        }
        let firstText = try #require(firstRevision)
        let first4 = try #require(EncryptionFixture.envelope(try JSONValue(parsing: firstText)["email"]))
        #expect(again4.nonce != first4.nonce)

        #expect(try dataset.transactions(documentIDs: ["drafts.c-4"]).last?.mutations[0]["createOrReplace"]?["email"] == "four.known@example.com")
        let history = try dataset.transactions(documentIDs: ["c-1", "c-3"])
        let opened = try #require(history.first { $0.id == first.transactionId })
        #expect(opened.mutations[0] == ["createOrReplace": .object(EncryptionFixture.customer("c-1", email: "one.known@example.com"))])
        #expect(opened.mutations[1] == ["createOrReplace": .object(EncryptionFixture.customer("c-2", email: "two.known@example.com"))])
        #expect(opened.mutations[2]["createOrReplace"]?["email"] == "three.known@example.com")
        #expect(opened.mutations[3]["patch"]?["set"]?["email"] == "three.patched@example.com")
        #expect(dataset.document(id: "c-3")?["email"] == "three.patched@example.com")
        let again = try fixture.reopened()
        defer { again.close() }
        #expect(try again.production.document(id: "c-1")?["email"] == "one.known@example.com")
        #expect(try again.production.document(id: "drafts.c-4")?["email"] == "four.known@example.com")
        for secret in ["one.known@example.com", "two.known@example.com", "three.known@example.com", "three.patched@example.com",
                       "four.known@example.com"]
        {
            #expect(try fixture.filesContaining(secret) == [], "\(secret) found on disk")
        }
    }

    /// A body that is its document but for the fields the store adds is sealed as the
    /// document was (its envelopes, in its member order, without those fields) and opens to the
    /// body exactly as it was sent; a body that differs is sealed on its own.
    @Test func aBodyItsDocumentRepeatsIsSealedAsTheDocument() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let body = EncryptionFixture.customer("c-1", email: "repeated.known@example.com")
        var document = body
        for (key, value) in [("_createdAt", "2026-01-01T00:00:00Z"), ("_updatedAt", "2026-01-01T00:00:00Z"), ("_rev", "tx-1")] {
            document[key] = .string(value)
        }
        var changed = body
        changed["segment"] = "regular"
        let transaction = CommittedTransaction(
            sequence: 1, id: "tx-1", timestamp: "2026-01-01T00:00:00Z", author: nil,
            mutations: [["createOrReplace": .object(body)], ["createIfNotExists": .object(changed)]],
            effects: [.init(documentID: "c-1", previousRevision: nil, resultRevision: "tx-1", document: .object(document))])
        let sealed = try fixture.security.encryption.sealTransaction(transaction, dataset: "production")
        var expected = try #require(sealed.effects[0].document?.objectValue)
        for key in ["_createdAt", "_updatedAt", "_rev"] { expected.removeValue(forKey: key) }
        #expect(sealed.mutations[0].serialized() == JSONValue.object(["createOrReplace": .object(expected)]).serialized())
        #expect(EncryptionFixture.envelope(sealed.mutations[0]["createOrReplace"]?["email"]) != nil)
        let opened = try fixture.security.encryption.unsealMutation(sealed.mutations[0], dataset: "production")
        #expect(opened.serialized() == transaction.mutations[0].serialized())
        // The other body is not its document: sealed on its own (taking the document's envelope
        // for the one value they share), and opened to what was sent.
        #expect(sealed.mutations[1]["createIfNotExists"]?["segment"] == "regular")
        #expect(EncryptionFixture.envelope(sealed.mutations[1]["createIfNotExists"]?["email"]) != nil)
        let reopened = try fixture.security.encryption.unsealMutation(sealed.mutations[1], dataset: "production")
        #expect(reopened.serialized() == transaction.mutations[1].serialized())
    }

    @Test func onlyTypesThatDeclareAFieldSealIt() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        try dataset.mutate([.create(EncryptionFixture.customer("c-1")), .create(EncryptionFixture.interaction("i-1", customer: "c-1"))])
        let interaction = try fixture.storedBody("i-1")
        #expect(interaction["channel"] == "phone")
        #expect(EncryptionFixture.envelope(interaction["summary"]) != nil)  // personal data of the interaction
        #expect(interaction["customer"]?["_ref"] == "c-1")
    }

    @Test func anEnvelopeMovedElsewhereDoesNotOpen() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        try dataset.mutate([.create(EncryptionFixture.customer("c-1")), .create(EncryptionFixture.customer("c-2", email: "other@example.com"))])
        let envelope = try #require(try fixture.storedBody("c-1")["email"])
        fixture.close()

        // Into another document.
        let queue = try fixture.datasetFile()
        var victim = try #require(try fixture.storedBody("c-2").objectValue)
        victim["email"] = envelope
        try queue.write { db in try db.execute(sql: "UPDATE documents SET body = ? WHERE id = 'c-2'", arguments: [JSONValue.object(victim).serialized()]) }
        try queue.close()
        let error = try #require(throws: StoreError.self) { _ = try fixture.reopened().production }
        #expect(error.message.contains("\"c-2\""))
        #expect(error.message.contains("email"))
        #expect(error.message.contains("does not authenticate"))

        // Into another field of the same document.
        let queue2 = try fixture.datasetFile()
        var original = try #require(try fixture.storedBody("c-1").objectValue)
        victim["email"] = original["email"]
        original["phone"] = envelope
        try queue2.write { db in
            try db.execute(sql: "UPDATE documents SET body = ? WHERE id = 'c-1'", arguments: [JSONValue.object(original).serialized()])
            try db.execute(sql: "DELETE FROM documents WHERE id = 'c-2'")
        }
        try queue2.close()
        let moved = try #require(throws: StoreError.self) { _ = try fixture.reopened().production }
        #expect(moved.message.contains("\"c-1\", field phone"))
    }

    @Test func alteredCiphertextIsAnErrorNamingTheField() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        try fixture.production.mutate([.create(EncryptionFixture.customer("c-1"))])
        fixture.close()
        var body = try #require(try fixture.storedBody("c-1").objectValue)
        var envelope = try #require(body["birthday"]?.objectValue)
        var bytes = try #require(Data(base64Encoded: envelope["ciphertext"]?.stringValue ?? ""))
        bytes[0] ^= 0x01
        envelope["ciphertext"] = .string(bytes.base64EncodedString())
        body["birthday"] = .object(envelope)
        let queue = try fixture.datasetFile()
        try queue.write { db in try db.execute(sql: "UPDATE documents SET body = ? WHERE id = 'c-1'", arguments: [JSONValue.object(body).serialized()]) }
        try queue.close()
        let error = try #require(throws: StoreError.self) { _ = try fixture.reopened().production }
        #expect(error.message.contains("\"c-1\", field birthday"))
        #expect(!error.advice.isEmpty)
    }

    @Test func exportsStaySealedAndImportsOpenThem() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        try dataset.mutate([.create(EncryptionFixture.customer("c-1")), .create(EncryptionFixture.customer("c-2", email: "two@example.com"))])
        let path = try fixture.export(dataset)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONValue(parsing: String($0)) }
        #expect(lines.count == 2)
        #expect(EncryptionFixture.envelope(lines[0]["email"]) != nil)

        // Back into the same dataset: the values open.
        try dataset.mutate([.delete(.ids(["c-1", "c-2"]))])
        let report = try dataset.importNDJSON(path: path)
        #expect(report.imported == 2)
        #expect(dataset.document(id: "c-1")?["email"] == .string(EncryptionFixture.email))
        #expect(dataset.document(id: "c-2")?["address"]?["country"] == "GB")

        // An envelope for another document is refused, naming the line and the document.
        var swapped = try #require(lines[1].objectValue)
        swapped["email"] = lines[0]["email"]
        let bad = try fixture.export(dataset, to: "swapped.ndjson")
        try (JSONValue.object(swapped).serialized() + "\n").write(toFile: bad, atomically: true, encoding: .utf8)
        let wrongDocument = try #require(throws: StoreError.self) { try dataset.importNDJSON(path: bad, options: ImportOptions(mode: .createOrReplace)) }
        #expect(wrongDocument.message.contains("line 1 (c-2)"))
        #expect(wrongDocument.message.contains("email"))
        #expect(dataset.document(id: "c-2")?["email"] == "two@example.com")

        // Into another dataset: the envelopes were made for production.
        let staging = try fixture.store.dataset("staging", create: true)
        let elsewhere = try #require(throws: StoreError.self) { try staging.importNDJSON(path: path) }
        #expect(elsewhere.message.contains("line 1 (c-1)"))
        #expect(staging.snapshot.count == 0)
    }

    @Test func exportsApplyTheReadersVisibilityBeforeSealing() throws {
        struct NoEmail: DocumentVisibility {
            var viewKey: String { "no-email" }
            func present(_ document: JSONValue) -> JSONValue? {
                guard document["_type"] == "customer", case .object(var object) = document else { return nil }
                object["email"] = nil
                return .object(object)
            }
        }
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        try dataset.mutate([.create(EncryptionFixture.customer("c-1")), .create(EncryptionFixture.interaction("i-1", customer: "c-1"))])
        var bytes: [UInt8] = []
        let count = try dataset.exportNDJSON(ExportOptions(visibility: NoEmail())) { bytes += $0 }
        #expect(count == 1)
        let line = try JSONValue(parsing: bytes.dropLast())
        #expect(line["_id"] == "c-1")
        #expect(line["email"] == nil)
        #expect(EncryptionFixture.envelope(line["phone"]) != nil)
    }

    @Test func aSubmittedEnvelopeMustBelongWhereItIsWritten() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        try dataset.mutate([.create(EncryptionFixture.customer("c-1"))])
        let envelope = try #require(try fixture.storedBody("c-1")["email"])
        // (A draft, which the schema lets hold a value of the wrong shape while it is edited.)
        var copy = EncryptionFixture.customer("drafts.c-2")
        copy["email"] = envelope
        let error = try #require(throws: StoreError.self) { try dataset.mutate([.create(copy)]) }
        #expect(error.status == 400)
        #expect(error.message.contains("\"drafts.c-2\", field email"))
        #expect(dataset.document(id: "drafts.c-2") == nil)
        #expect(try fixture.reopened().production.document(id: "drafts.c-2") == nil)

        // Sent back where it was made, it is taken as its value: validated, and kept in memory,
        // as the plain value a restart reads.
        var same = EncryptionFixture.customer("c-1", name: "Ada King")
        same["email"] = envelope
        try dataset.mutate([.createOrReplace(same)])
        #expect(dataset.document(id: "c-1")?["email"] == .string(EncryptionFixture.email))
        #expect(dataset.document(id: "c-1")?["name"] == "Ada King")
        #expect(try fixture.reopened().production.document(id: "c-1")?["email"] == .string(EncryptionFixture.email))
    }

    @Test func theMasterKeyFileIsCreatedPrivateAndKept() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let path = fixture.directory + "/" + MasterKey.fileName
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))?.count == 32)
        #expect(try fixture.security.encryption.masterKeySource == .keyFile)
        #expect(try fixture.security.encryption.masterKeyID.count == 16)
        try fixture.production.mutate([.create(EncryptionFixture.customer("c-1"))])

        let again = try fixture.reopened()
        defer { again.close() }
        #expect(try again.security.encryption.masterKeyID == fixture.security.encryption.masterKeyID)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)

        // A key file others may read is refused.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let exposed = try #require(throws: SecurityError.self) { try FieldEncryption(database: fixture.security.database, environment: [:]) }
        #expect(exposed.message.contains("may be read by other users"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)

        // Once data keys exist, a missing key file is an error, not a new key.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".aside")
        let missing = try #require(throws: SecurityError.self) { try FieldEncryption(database: fixture.security.database, environment: [:]) }
        #expect(missing.message.contains("is missing"))
        #expect(!FileManager.default.fileExists(atPath: path))
        try FileManager.default.moveItem(atPath: path + ".aside", toPath: path)
    }

    /// A sealing whose master key cannot be used fails only the writes that need a key: one
    /// with nothing to seal or open is written without looking at the keys.
    @Test func anUnusableMasterKeyFailsOnlyTheWritesThatNeedIt() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        try fixture.production.mutate([.create(EncryptionFixture.customer("c-1"))])
        let envelope = try #require(try fixture.storedBody("c-1")["email"])
        let path = fixture.directory + "/master.key"
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let unusable = FieldEncryption(database: fixture.security.database)  // seals no field, opens envelopes
        let other = NSTemporaryDirectory() + "facet-unusable-key-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: other) }
        let store = try DocumentStore(directory: other, sealing: unusable)
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        try dataset.mutate((0..<300).map { .create(["_id": .string("n-\($0)"), "_type": "note", "text": "plain"]) })
        #expect(try dataset.query("count(*)") == 300)
        let refused = try #require(throws: StoreError.self) {
            try dataset.mutate([.create(["_id": "n-x", "_type": "note", "text": envelope])])
        }
        #expect(refused.type == "encryptionError")
        #expect(refused.message.contains("may be read by other users"))
        #expect(dataset.document(id: "n-x") == nil)
    }

    @Test func theMasterKeyMayComeFromTheEnvironment() throws {
        let key = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let fixture = try EncryptionFixture(environment: ["FACET_MASTER_KEY": key])
        defer { fixture.remove() }
        #expect(try fixture.security.encryption.masterKeySource == .environment)
        #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/" + MasterKey.fileName))
        try fixture.production.mutate([.create(EncryptionFixture.customer("c-1"))])
        #expect(try fixture.reopened().production.document(id: "c-1")?["email"] == .string(EncryptionFixture.email))

        for (bad, expected) in [("not base64!", "is not base64"), (Data(repeating: 1, count: 16).base64EncodedString(), "holds 16 bytes")] {
            let error = try #require(throws: SecurityError.self) {
                try FieldEncryption(database: fixture.security.database, environment: ["FACET_MASTER_KEY": bad])
            }
            #expect(error.message.contains("FACET_MASTER_KEY"))
            #expect(error.message.contains(expected))
            #expect(error.advice?.contains("32") == true)
        }
        let other = Data(repeating: 7, count: 32).base64EncodedString()
        let wrong = try #require(throws: SecurityError.self) {
            try FieldEncryption(database: fixture.security.database, environment: ["FACET_MASTER_KEY": other])
        }
        #expect(wrong.message.contains("is not the one this data directory's keys are wrapped with"))
    }

    @Test func aDraftAndItsPublishedDocumentShareOneDataKey() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        try dataset.mutate([.create(EncryptionFixture.customer("c-1")), .create(EncryptionFixture.customer("drafts.c-1")),
                            .create(EncryptionFixture.customer("c-2", email: "two@example.com"))])
        let published = try #require(EncryptionFixture.envelope(try fixture.storedBody("c-1")["email"]))
        let draft = try #require(EncryptionFixture.envelope(try fixture.storedBody("drafts.c-1")["email"]))
        let other = try #require(EncryptionFixture.envelope(try fixture.storedBody("c-2")["email"]))
        #expect(published.kid == draft.kid)
        #expect(published.kid != other.kid)
        #expect(try fixture.security.encryption.keyStatus().dataKeys == 2)
    }
}
