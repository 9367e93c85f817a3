@testable import FacetSecurity
import FacetStore
import Foundation
import GRDB
import GROQ
import Synchronization
import Testing
import TestSupport

/// `facet keys rotate`: every envelope, history included, under new keys; nothing lost.
@Suite("Key rotation", .ownThread())
struct KeyRotationTests {
    /// A customer with history (created, then updated) and an interaction.
    static func populate(_ dataset: Dataset) throws -> String {
        let created = try dataset.mutate([.create(EncryptionFixture.customer("c-1")),
                                          .create(EncryptionFixture.customer("c-2", email: "two@example.com"))])
        try dataset.mutate([try Mutation(json: ["patch": ["id": "c-1", "set": ["email": "updated@example.com"]]])])
        try dataset.mutate([.create(EncryptionFixture.interaction("i-1", customer: "c-1"))])
        return created.transactionId
    }

    @Test func everyEnvelopeMovesToNewKeysAndStaysReadable() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        let firstRevision = try Self.populate(dataset)
        let staging = try fixture.store.dataset("staging", create: true)
        try staging.mutate([.create(EncryptionFixture.customer("s-1", email: "staging@example.com"))])
        let before = try fixture.keyIDsInRows().union(try fixture.keyIDsInRows(dataset: "staging"))
        let oldMaster = try fixture.security.encryption.masterKeyID
        let keyFile = fixture.directory + "/" + MasterKey.fileName
        let oldKeyText = try String(contentsOfFile: keyFile, encoding: .utf8)
        #expect(before.count == 4)  // c-1, c-2, i-1, s-1

        let report = try fixture.security.encryption.rotateKeys(grace: 0, audit: fixture.security.audit, actor: "test")
        #expect(report.masterKeyRotated)
        #expect(report.previousMasterKeyID == oldMaster)
        #expect(report.subjects == 4)
        #expect(report.retiredKeys == 4)
        #expect(report.datasets == ["production", "staging"])
        #expect(report.envelopes > 0)

        // Old key ids are gone from every row: documents, history revisions and mutations.
        let after = try fixture.keyIDsInRows().union(try fixture.keyIDsInRows(dataset: "staging"))
        #expect(after.count == 4)
        #expect(after.isDisjoint(with: before))
        let status = try fixture.security.encryption.keyStatus()
        #expect(status.dataKeys == 4)
        #expect(status.retiredKeys == 0)
        #expect(status.masterKeyID == report.masterKeyID)

        // The key file holds the new master key, private; the old one is gone.
        let newKeyText = try String(contentsOfFile: keyFile, encoding: .utf8)
        #expect(newKeyText != oldKeyText)
        #expect((try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        for leftover in [".next", ".old"] { #expect(!FileManager.default.fileExists(atPath: keyFile + leftover)) }

        // Everything reads back, in this process and in a new one, history included.
        #expect(dataset.document(id: "c-1")?["email"] == "updated@example.com")
        let again = try fixture.reopened()
        defer { again.close() }
        let reloaded = try again.production
        #expect(try again.security.encryption.masterKeyID == report.masterKeyID)
        #expect(reloaded.document(id: "c-1")?["email"] == "updated@example.com")
        #expect(reloaded.document(id: "i-1")?["summary"] == "Talked about the spring collection")
        #expect(try reloaded.document(id: "c-1", at: .revision(firstRevision))?["email"] == .string(EncryptionFixture.email))
        #expect(try again.store.dataset("staging").document(id: "s-1")?["email"] == "staging@example.com")
        let history = try reloaded.transactions(documentIDs: ["c-1"])
        #expect(history.count == 2)
        #expect(try again.auditActions().contains("key-rotation"))
        for secret in [EncryptionFixture.email, "updated@example.com", "staging@example.com"] {
            #expect(try fixture.filesContaining(secret) == [])
        }
    }

    @Test func aRunningStoreKeepsWorkingThroughARotation() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let server = try fixture.production
        _ = try Self.populate(server)

        // Another process rotates: its own security and store on the same directory.
        let rotator = try fixture.reopened()
        let report = try rotator.security.encryption.rotateKeys(grace: 0, audit: rotator.security.audit)
        rotator.close()
        #expect(report.retiredKeys == 3)

        // The server, which cached the old master and data keys, writes and reads on.
        try server.mutate([try Mutation(json: ["patch": ["id": "c-1", "set": ["phone": "+41 44 668 18 00"]]])])
        try server.mutate([.create(EncryptionFixture.customer("c-3", email: "three@example.com"))])
        let history = try server.transactions(documentIDs: ["c-1"])
        #expect(history.last?.effects.first?.document?["phone"] == "+41 44 668 18 00")
        let kids = try fixture.keyIDsInRows()
        let current = try rotator.security.database.read { db in try db.values("SELECT kid FROM data_keys WHERE retired = 0", as: String.self) }
        #expect(kids.isSubset(of: Set(current)), "rows use keys that are not current: \(kids.subtracting(current))")

        let later = try fixture.reopened()
        defer { later.close() }
        let reloaded = try later.production
        #expect(reloaded.document(id: "c-1")?["phone"] == "+41 44 668 18 00")
        #expect(reloaded.document(id: "c-1")?["email"] == "updated@example.com")
        #expect(reloaded.document(id: "c-3")?["email"] == "three@example.com")
    }

    @Test func anInterruptedRotationFinishesOnTheNextRun() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        _ = try Self.populate(dataset)
        // The first half of a rotation (new keys, old ones retired), then a "crash".
        let retired = try fixture.security.encryption.keyring.beginRotation(newMaster: nil).retired
        #expect(try fixture.security.encryption.keyStatus().retiredKeys == retired.count)
        let again = try fixture.reopened()
        defer { again.close() }
        #expect(try again.production.document(id: "c-1")?["email"] == "updated@example.com")
        let report = try again.security.encryption.rotateKeys(grace: 0, audit: nil)
        #expect(report.retiredKeys == 2 * retired.count)
        #expect(try fixture.keyIDsInRows().isDisjoint(with: retired))
        #expect(try again.security.encryption.keyStatus().retiredKeys == 0)
        #expect(try fixture.reopened().production.document(id: "i-1")?["summary"] == "Talked about the spring collection")
    }

    @Test func anEnvironmentMasterKeyStaysAndDataKeysRenew() throws {
        let key = Data((0..<32).map { UInt8(255 - $0) }).base64EncodedString()
        let fixture = try EncryptionFixture(environment: ["FACET_MASTER_KEY": key])
        defer { fixture.remove() }
        _ = try Self.populate(try fixture.production)
        let before = try fixture.keyIDsInRows()
        let report = try fixture.security.encryption.rotateKeys(grace: 0, audit: nil)
        #expect(!report.masterKeyRotated)
        #expect(try fixture.keyIDsInRows().isDisjoint(with: before))
        #expect(try fixture.reopened().production.document(id: "c-1")?["email"] == "updated@example.com")
    }
    /// The race a rotation must survive: a write sealed with an old key just before the new keys
    /// are committed, which reaches the file after the first pass went by. The final sweep,
    /// after the grace period, re-encrypts it before the old key is deleted.
    @Test func aWriteSealedWithAnOldKeyDuringTheRotationIsSwept() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        _ = try Self.populate(dataset)
        var late = EncryptionFixture.customer("c-9", email: "late@example.com")
        late["_rev"] = "late-rev"
        let sealedEarly = try fixture.security.encryption.seal(.object(late), dataset: "production")
        let oldKid = try #require(EncryptionFixture.envelope(sealedEarly["email"])).kid

        let rotator = try fixture.reopened()
        let outcome = Shared<Result<KeyRotationReport, SecurityError>?>(nil)
        let thread = Thread {
            let result = Result { () throws(SecurityError) in try rotator.security.encryption.rotateKeys(grace: 5, audit: nil) }
            outcome.withLock { $0 = result }
        }
        thread.start()
        // Once the new keys are committed, the late write lands, as a server's append would.
        while try fixture.security.encryption.keyStatus().retiredKeys == 0, outcome.withLock({ $0 == nil }) { Thread.sleep(forTimeInterval: 0.01) }
        let queue = try fixture.datasetFile()
        try queue.write { db in
            try db.execute(sql: "INSERT INTO documents (id, type, rev, body) VALUES ('c-9', 'customer', 'late-rev', ?)", arguments: [sealedEarly.serialized()])
        }
        try queue.close()
        while outcome.withLock({ $0 == nil }) { Thread.sleep(forTimeInterval: 0.05) }
        _ = try #require(outcome.withLock { $0 }).get()
        rotator.close()

        #expect(!(try fixture.keyIDsInRows().contains(oldKid)))
        let reloaded = try fixture.reopened()
        defer { reloaded.close() }
        #expect(try reloaded.production.document(id: "c-9")?["email"] == "late@example.com")
    }
}

/// A value shared with a thread the test starts.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
}
