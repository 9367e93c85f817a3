import FacetMigration
import FacetSchema
import FacetStore
import Foundation
import GROQ
import Migrations
import SchemaTypes
import Testing
import TestSupport

/// The CRM's two migrations: the phone normaliser and the boutique values, on their own and
/// on the demo CRM under the CRM's schema.
@Suite("CRM migrations", .ownThread(computing: true))
struct CRMMigrationTests {
    @Test("phone numbers as people write them become E.164; what cannot be read is left alone", arguments: [
        ("+44 20 7946 0958", "FR", "+442079460958"),
        ("+33 (0)1 42 60 00 00", "FR", "+33142600000"),
        ("0044 20 7946 0958", "FR", "+442079460958"),
        ("01 42 60 00 00", "FR", "+33142600000"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("06 1234 5678", "IT", "+390612345678"),
        ("(212) 555-0123", "US", "+12125550123"),
        ("1 212 555 0123", "US", "+12125550123"),
        ("+85242262931", "HK", "+85242262931"),
        ("+33.6.12.34.56.78", "FR", "+33612345678"),
    ])
    func normalises(_ input: String, _ country: String, _ expected: String) {
        #expect(PhoneNumber.e164(input, country: country) == expected)
    }

    @Test("values that are not phone numbers give nil", arguments: [
        ("call reception", "FR"), ("12 34", "FR"), ("+33 6 12 34 56 78 90 12 34", "FR"), ("01 42 60 00 00", "XX"), ("", "FR"), ("+0 123 456 789", "FR"),
    ])
    func refuses(_ input: String, _ country: String) {
        #expect(PhoneNumber.e164(input, country: country) == nil)
    }

    @Test("the phone migration rewrites every phone field, nested ones too, reading national numbers in the address's country")
    func phoneMigration() throws {
        let customer: JSONValue = [
            "_id": "c-1", "_type": "customer", "phone": "020 7946 0958", "address": ["city": "London", "country": "GB"],
            "emergency": ["name": "Sam", "phone": "+44 7700 900123"], "phones": ["+33 1 42 60 00 00"], "notes": "phone: 01 42 60 00 00",
        ]
        let staff: JSONValue = ["_id": "s-1", "_type": "staff", "phone": "01 42 60 38 14"]
        let unreadable: JSONValue = ["_id": "s-2", "_type": "staff", "phone": "ask the concierge"]
        let (store, dataset, directory) = try MigrationHandlerTests.dataset([customer, staff, unreadable])
        defer { store.close(); try? FileManager.default.removeItem(at: directory) }
        var diffs: [String] = []
        let runner = MigrationRunner(migration: phoneE164, dataset: dataset)
        let plan = try runner.plan { diffs.append($0.diff) }
        #expect(plan.matched == 3 && plan.changed == 2)
        #expect(diffs == [
            "~ c-1 (customer)\n    phone: \"020 7946 0958\" → \"+442079460958\"\n    emergency.phone: \"+44 7700 900123\" → \"+447700900123\"",
            "~ s-1 (staff)\n    phone: \"01 42 60 38 14\" → \"+33142603814\"",
        ])
        try runner.apply()
        // Only fields named phone: the list `phones` and the free text are not phone fields.
        #expect(dataset.document(id: "c-1")?["phones"] == ["+33 1 42 60 00 00"])
        #expect(dataset.document(id: "c-1")?["notes"] == "phone: 01 42 60 00 00")
        #expect(dataset.document(id: "s-2")?["phone"] == "ask the concierge")
        #expect(try runner.plan().changed == 0)
    }

    @Test("boutique display names, however spelled, map to the stable values")
    func boutiqueNames() throws {
        let cases: [(String, String?)] = [
            ("Paris — Place Vendôme", "paris-vendome"), ("Paris, Place Vendôme", "paris-vendome"), ("PARIS - PLACE VENDOME", "paris-vendome"),
            ("Paris", "paris-vendome"), ("São Paulo — Rua Oscar Freire", "sao-paulo-oscar-freire"), ("sao paulo", "sao-paulo-oscar-freire"),
            ("tokyo-ginza", "tokyo-ginza"), ("Atlantis", nil), ("", nil),
        ]
        let staff = cases.enumerated().map { index, item -> JSONValue in
            ["_id": .string("s-\(index)"), "_type": "staff", "boutique": .string(item.0)]
        }
        let (store, dataset, directory) = try MigrationHandlerTests.dataset(staff + [["_id": "s-none", "_type": "staff"]])
        defer { store.close(); try? FileManager.default.removeItem(at: directory) }
        let summary = try MigrationRunner(migration: staffBoutiqueKeys, dataset: dataset).apply()
        #expect(summary.matched == cases.count && summary.changed == 6)
        for (index, item) in cases.enumerated() {
            #expect(dataset.document(id: "s-\(index)")?["boutique"]?.stringValue == (item.1 ?? item.0), "\(item.0)")
        }
        // Every stable value is a value the schema lists.
        let values = Set(Vocabulary.boutiques.compactMap(\.value.stringValue))
        #expect(values.count == 10 && values.contains("paris-vendome"))
    }

    @Test("on the demo CRM under the CRM schema, both migrations leave every document valid and change nothing on a second run")
    func onDemoData() throws {
        let documents = try CRMDemo(customers: 40, seed: 2).generate().finalDocuments()
        // The staff as they were written before the boutique became a list of values.
        let titles = Dictionary(uniqueKeysWithValues: Vocabulary.boutiques.compactMap { option in option.value.stringValue.map { ($0, option.title) } })
        let before = documents.map { document -> JSONValue in
            guard document["_type"] == "staff", case .object(var staff) = document, let key = staff["boutique"]?.stringValue else { return document }
            staff["boutique"] = .string(titles[key] ?? key)
            return .object(staff)
        }
        let directory = NSTemporaryDirectory() + "facet-crm-migrations-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Stored as old data was: before the schema had its list of boutiques.
        do {
            let old = try DocumentStore(directory: directory)
            defer { old.close() }
            try old.dataset("production", create: true).mutate(before.compactMap { $0.objectValue.map(Mutation.createOrReplace) })
        }
        let validator = try CRMSchema.validator()
        let store = try DocumentStore(directory: directory, validator: validator)
        defer { store.close() }
        let dataset = try store.dataset("production")
        #expect(dataset.snapshot.count == before.count)

        let staffCount = before.filter { $0["_type"] == "staff" }.count
        let boutiques = try MigrationRunner(migration: staffBoutiqueKeys, dataset: dataset, validator: validator).apply()
        #expect(boutiques.changed == staffCount && staffCount >= 3)
        let phones = try MigrationRunner(migration: phoneE164, dataset: dataset, validator: validator, batchSize: 25).apply()
        let withPhones = before.filter { ["customer", "lizaCustomer", "staff"].contains($0["_type"]?.stringValue ?? "") && $0["phone"] != nil }
        #expect(phones.changed == withPhones.count && phones.changed > 40)
        for document in withPhones {
            let id = try #require(document["_id"]?.stringValue)
            let digits = (document["phone"]?.stringValue ?? "").filter(\.isNumber)
            #expect(dataset.document(id: id)?["phone"]?.stringValue == "+" + digits)
        }
        let source = dataset.snapshot.source(.raw)
        let findings = validator.findings(forEach: source.documents, among: source)
        #expect(findings.flatMap { $0 }.filter { $0.level == "error" }.isEmpty)
        for migration in MigrationRegistry.all {
            #expect(try MigrationRunner(migration: migration, dataset: dataset).plan().changed == 0, "\(migration.id)")
        }
    }
}
