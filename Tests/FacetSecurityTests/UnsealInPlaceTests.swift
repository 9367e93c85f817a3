@testable import FacetSecurity
import FacetStore
@testable import GROQ
import Testing
import TestSupport

/// Opening a stored document that the caller hands over, as a load does, edits it where it is.
@Suite("Unsealing in place", .ownThread())
struct UnsealInPlaceTests {
    @Test func aDocumentHandedOverIsOpenedWithoutACopy() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let encryption = fixture.security.encryption
        let plain = JSONValue.object(EncryptionFixture.customer("c-1", name: "Ada Lovelace", email: "ada@example.com"))
        let sealed = try encryption.seal(plain, dataset: "production")
        #expect(sealed["email"] != plain["email"], "the e-mail is sealed")
        // Held weakly: a strong reference would itself make the storage shared, and a copy
        // would free it, leaving the weak reference nil.
        weak let storage = sealed.objectValue?.storage
        let opened = try encryption.unseal(consume sealed, dataset: "production")
        #expect(opened == plain)
        #expect(storage != nil && opened.objectValue?.storage === storage, "opened in the storage it was handed")

        // A document the caller keeps is copied, and the caller's stays sealed.
        let kept = try encryption.seal(plain, dataset: "production")
        let openedCopy = try encryption.unseal(kept, dataset: "production")
        #expect(openedCopy == plain)
        #expect(kept["email"] != plain["email"])
    }
}
