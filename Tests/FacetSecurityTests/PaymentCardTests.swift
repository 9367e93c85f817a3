@testable import FacetSecurity
import FacetStore
import Foundation
import GROQ
import Testing
import TestSupport

/// The card-number screen: what it refuses, what it lets through, and what it records.
@Suite("Payment card screen", .ownThread())
struct PaymentCardTests {
    @Test(arguments: [
        ("4111 1111 1111 1111", 16),
        ("4111-1111-1111-1111", 16),
        ("4111111111111111", 16),
        ("Amex 3782 822463 10005 for the deposit", 15),
        ("5555555555554444", 16),
        ("6011111111111117", 16),
        ("card: 4111111111111111 exp 12/27", 16),
        ("4111 1111 1111 1111 12 27", 16),
        ("4222222222222", 13),
        ("pay with 4012888888881881.", 16),
    ])
    func cardNumbersAreFound(text: String, digits: Int) {
        #expect(PaymentCardScreen.cardNumberLength(in: text) == digits)
    }

    @Test(arguments: [
        "2024-01-15",
        "2026-01-15T10:30:00.000Z",
        "+33 1 42 60 00 00",
        "+1 415-555-0100",
        "+44 20 7946 0958",
        "+86 138 0013 8000 0000",
        "4111111111111112",  // fails the Luhn check
        "1732530000000",  // a millisecond timestamp (13 digits, passes Luhn)
        "ord_4111111111111111",
        "4111111111111111x",
        "9b2f3c1e-4a5d-4e6f-8a7b-1c2d3e4f5a6b",
        "0000 0000 0000 0000",
        "SO-000123",
        "123456789012345678901234",
        "Order of 12 pieces, 3 in 18k gold",
        "",
    ])
    func ordinaryValuesAreNot(text: String) {
        #expect(PaymentCardScreen.cardNumberLength(in: text) == nil)
    }

    /// The quick look that lets most documents through unwalked never passes over a string the
    /// full screen would refuse: checked on strings of digits, separators and letters drawn at
    /// random, where card numbers (all Luhn-valid runs) are common.
    @Test func theQuickLookNeverMissesACardNumber() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789 -+_xA.".utf8)
        var refused = 0
        // About 1 string in 170 holds a card number: 60,000 give some 350, far from the bound.
        for _ in 0..<60_000 {
            let length = Int.random(in: 0...40, using: &generator)
            let bytes = (0..<length).map { _ -> UInt8 in
                // Mostly digits, so that long runs (and card numbers among them) occur.
                Int.random(in: 0..<10, using: &generator) < 7 ? alphabet[Int.random(in: 0..<10, using: &generator)]
                    : alphabet.randomElement(using: &generator)!
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let document: JSONValue = ["_id": "c-1", "notes": ["text": .string(text)]]
            if PaymentCardScreen.cardNumberLength(in: text) != nil {
                refused += 1
                #expect(PaymentCardScreen.mayHoldCardNumber(document), "missed \(text)")
                #expect(PaymentCardScreen.findings(in: document).count == 1)
            }
        }
        #expect(refused > 100)
        #expect(!PaymentCardScreen.mayHoldCardNumber(["_updatedAt": "2026-12-05T16:11:18.418Z", "phone": "+44 20 7946 0958", "n": 4111111111111111]))
    }

    @Test func luhn() {
        #expect(PaymentCardScreen.luhn(Array("79927398713".utf8)))
        #expect(!PaymentCardScreen.luhn(Array("79927398710".utf8)))
    }

    @Test func findingsNameTheFieldButNotTheNumber() {
        let document: JSONValue = [
            "_id": "c-1", "_type": "customer", "name": "Ada",
            "address": ["street": "4111 1111 1111 1111", "city": "London"],
            "tags": [["_key": "k1", "label": "5555-5555-5555-4444"], ["label": "ok"]],
        ]
        let findings = PaymentCardScreen.findings(in: document)
        #expect(findings.map(\.path) == ["address.street", "tags[_key==\"k1\"].label"])
        #expect(findings.allSatisfy { $0.blocking })
        for finding in findings {
            #expect(!finding.message.contains("4111"))
            #expect(!finding.message.contains("5555"))
        }
    }

    @Test func cardNumbersAreRefusedInDraftsAndPublishedDocuments() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let dataset = try fixture.production
        try dataset.mutate([.create(EncryptionFixture.customer("c-1"))])

        for id in ["drafts.c-2", "c-2"] {
            var customer = EncryptionFixture.customer(id)
            customer["notes"] = "Paid with 4111 1111 1111 1111, call back"
            let error = try #require(throws: StoreError.self) { try dataset.mutate([.create(customer)], options: TransactionOptions(author: "ada")) }
            #expect(error.type == "refusedValueError")
            #expect(error.status == 400)
            #expect(error.details["field"] == "notes")
            #expect(error.message.contains("notes"))
            #expect(!error.description.contains("4111"))
            #expect(dataset.document(id: id) == nil)
        }
        // In a patch of an existing document, inside a sealed field too.
        let patch = try Mutation(json: ["patch": ["id": "c-1", "set": ["address.street": "3782-822463-10005"]]])
        let error = try #require(throws: StoreError.self) { try dataset.mutate([patch]) }
        #expect(error.details["field"] == "address.street")
        #expect(dataset.document(id: "c-1")?["address"]?["street"] == "12 St James's Square")

        // Every attempt is audited, without the number.
        let refusals = try fixture.security.database.read { db in
            try db.values("SELECT entry FROM audit_log ORDER BY seq", as: String.self)
        }.filter { $0.contains("refused-value") }
        #expect(refusals.count == 3)
        #expect(refusals.allSatisfy { !$0.contains("4111") && !$0.contains("3782") })
        #expect(try fixture.filesContaining("4111 1111").isEmpty)

        // Dates, phone numbers and ids pass.
        var ordinary = EncryptionFixture.customer("c-3", email: "three@example.com", phone: "+44 20 7946 0958")
        ordinary["customerSince"] = "2024-01-15"
        ordinary["notes"] = "Order SO-000123 on 2026-01-15, ref 9b2f3c1e-4a5d-4e6f-8a7b-1c2d3e4f5a6b"
        try dataset.mutate([.create(ordinary)])
        #expect(dataset.document(id: "c-3")?["notes"] != nil)
    }
}
