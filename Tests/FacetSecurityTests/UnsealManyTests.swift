@testable import FacetSecurity
import FacetStore
import Foundation
@testable import GROQ
import Testing
import TestSupport

/// A batch of stored documents (what a dataset being loaded opens) opens as each document
/// would on its own, with its keys read together and not kept open.
@Suite("Unsealing a batch", .ownThread())
struct UnsealManyTests {
    @Test func aBatchOpensAsEachDocumentWouldAndKeepsNoKeyOpen() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let writer = fixture.security.encryption
        // More documents than one core opens alone, and more keys than are read on one core;
        // a few documents with nothing sealed among them.
        var plain: [JSONValue] = (0..<300).map { .object(EncryptionFixture.customer(String(format: "c-%03d", $0), email: "client\($0)@example.com")) }
        plain += (0..<40).map { ["_id": .string(String(format: "p-%03d", $0)), "_type": "product", "name": .string("Ring \($0)")] }
        plain += [.object(EncryptionFixture.customer("drafts.c-007", email: "draft@example.com"))]
        let sealed = try plain.map { try writer.seal($0, dataset: "production") }
        #expect(sealed[7]["email"] != plain[7]["email"], "the e-mail is sealed")

        // Read as another process would, whose keyring has no key open yet; the client c-013
        // was erased meanwhile (its key destroyed).
        let reader = try fixture.reopened()
        defer { reader.close() }
        let encryption = reader.security.encryption
        let keyring = try encryption.keyring
        _ = try keyring.destroy([SubjectKey(dataset: "production", subject: "c-013")], reason: "test erasure")
        #expect(keyring.openKeyCount == 0)

        var batch = sealed
        try encryption.unsealAll(&batch, dataset: "production")
        #expect(keyring.openKeyCount == 0, "a batch's keys are used by the batch alone")
        var expected = plain
        if case .object(var erased) = expected[13] {
            for field in ["name", "email", "phone", "address", "birthday"] { erased[field] = nil }
            expected[13] = .object(erased)
        }
        #expect(batch.count == expected.count)
        for index in batch.indices where batch[index] != expected[index] {
            Issue.record("document \(index) opened as \(batch[index]), expected \(expected[index])")
        }
        // The same as each document opened on its own (which keeps its key open).
        for index in [0, 7, 13, 299, 339, 340] {
            #expect(try encryption.unseal(sealed[index], dataset: "production") == batch[index])
        }
        #expect(keyring.openKeyCount > 0)
    }

    @Test func aBatchNamingAKeyNoOneMadeFailsNamingIt() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let encryption = fixture.security.encryption
        var batch = try (0..<3).map { try encryption.seal(.object(EncryptionFixture.customer("c-\($0)")), dataset: "production") }
        guard case .object(var email) = batch[1]["email"], case .object(var document) = batch[1] else {
            Issue.record("the e-mail is not sealed")
            return
        }
        email["kid"] = "dk_000000000000ffffffffffffffff"
        document["email"] = .object(email)
        batch[1] = .object(document)
        #expect {
            try encryption.unsealAll(&batch, dataset: "production")
        } throws: { error in
            "\(error)".contains("dk_000000000000ffffffffffffffff")
        }
    }
}
