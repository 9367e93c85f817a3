import Dispatch
import FacetStore
import Foundation
import GROQ
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `facet migration list | run | create` end to end with the real executable: the dry run, a
/// real run and its record, a run killed with SIGKILL and resumed, the CRM's two migrations on
/// demo data, and `facet schema check` suggesting them.
@Suite("facet migration")
struct MigrationCommandTests {
    typealias Outcome = StoreCommandTests.Outcome
    static let crm = ["FACET_SCHEMA": "crm"]

    static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) async throws -> Outcome {
        try await StoreCommandTests.run(arguments, input: input, environment: environment, timeout: 300)
    }

    /// `count` customers with phones as people write them; each document also has a nested contact phone.
    static func customers(_ count: Int, offset: Int = 0) -> String {
        let creates = (offset..<(offset + count)).map { index in
            let number = String(format: "%06d", index)
            return #"{"create": {"_id": "customer-\#(number)", "_type": "customer", "name": "Client \#(index)", "phone": "+33 6 12 \#(number.prefix(2)) \#(number.dropFirst(2).prefix(2)) \#(number.suffix(2))", "# +
                #""address": {"city": "London", "country": "GB"}, "contacts": [{"_key": "a", "phone": "020 7946 \#(number.suffix(4))"}]}}"#
        }
        return "[" + creates.joined(separator: ",\n") + "]"
    }

    /// Every committed transaction of the dataset, read from the files after the children exited.
    static func transactions(_ data: String) throws -> [CommittedTransaction] {
        let store = try DocumentStore(directory: data)
        defer { store.close() }
        return try store.dataset("production").transactions(documentIDs: [])
    }

    @Test func dryRunShowsDiffsAndWritesNothingThenARealRunIsRecorded() async throws {
        try await withProcessTurn {
            try await StoreCommandTests.withDataDirectory { data in
                #expect(try await Self.run(["mutate", "--data", data, "-"], input: Self.customers(3)).status == 0)
                let before = try await StoreCommandTests.state(data)

                let listed = try await Self.run(["migration", "list", "--data", data])
                #expect(listed.status == 0, "\(listed.stderr)")
                #expect(listed.stdout.contains("phone-e164           Normalise phone numbers to E.164 — not applied"), "\(listed.stdout)")
                #expect(listed.stdout.contains("staff-boutique-keys  Staff boutiques to stable values — not applied"))
                #expect(listed.stdout.hasSuffix("0 of 2 applied to dataset production.\n"))

                let dry = try await Self.run(["migration", "run", "phone-e164", "--data", data])
                #expect(dry.status == 0, "\(dry.stderr)")
                #expect(dry.stdout == """
                    ~ customer-000000 (customer)
                        phone: "+33 6 12 00 00 00" → "+33612000000"
                        contacts[_key=="a"].phone: "020 7946 0000" → "+442079460000"
                    ~ customer-000001 (customer)
                        phone: "+33 6 12 00 00 01" → "+33612000001"
                        contacts[_key=="a"].phone: "020 7946 0001" → "+442079460001"
                    ~ customer-000002 (customer)
                        phone: "+33 6 12 00 00 02" → "+33612000002"
                        contacts[_key=="a"].phone: "020 7946 0002" → "+442079460002"
                    phone-e164 (dry run): 3 matched, 3 would change, 0 unchanged; 3 mutations
                    Nothing was written. Run with --no-dry-run to apply.

                    """)
                #expect(try await StoreCommandTests.state(data) == before)

                let real = try await Self.run(["migration", "run", "phone-e164", "--data", data, "--no-dry-run", "--author", "ada", "--batch-size", "2"])
                #expect(real.status == 0, "\(real.stderr)")
                #expect(real.stdout == """
                    phone-e164: 3 matched, 3 changed, 0 unchanged; 3 mutations in 2 transactions
                    Recorded phone-e164 as applied to dataset production by ada.

                    """)
                #expect(real.stderr.contains("100% 3/3 documents, 3 changed"), "\(real.stderr)")
                let migrated = try StoreCommandTests.json(try await Self.run(["query", "--data", data, #"*[_id == "customer-000001"][0]{phone, contacts}"#]).stdout)
                #expect(migrated["phone"] == "+33612000001" && migrated["contacts"]?[0]?["phone"] == "+442079460001")

                let list = try await Self.run(["migration", "list", "--data", data, "--json"])
                let entries = try StoreCommandTests.json(list.stdout)
                #expect(entries[0]?["id"] == "phone-e164" && entries[0]?["applied"] == true && entries[0]?["appliedBy"] == "ada")
                #expect(entries[0]?["changed"] == 3 && entries[1]?["applied"] == false)
                #expect(try await Self.run(["migration", "list", "--data", data]).stdout.contains("1 of 2 applied"))

                // Again: nothing to change, nothing written.
                let count = try Self.transactions(data).count
                let again = try await Self.run(["migration", "run", "phone-e164", "--data", data, "--no-dry-run"])
                #expect(again.status == 0)
                #expect(again.stdout.hasPrefix("phone-e164: 3 matched, 0 changed, 3 unchanged; 0 mutations in 0 transactions"))
                #expect(again.stderr.contains("was applied") && again.stderr.contains("by ada"))
                #expect(try Self.transactions(data).count == count)

                StoreCommandTests.expectFailure(try await Self.run(["migration", "run", "phone-164", "--data", data]),
                                                #"No migration "phone-164"; known migrations: phone-e164, staff-boutique-keys"#)
                StoreCommandTests.expectFailure(try await Self.run(["migration", "run", "phone-e164", "--data", data, "--batch-size", "0"]),
                                                "--batch-size must be between 1 and 10000")
            }
        }
    }

    @Test func aRunKilledMidwayFinishesTheRestWhenRunAgainApplyingNothingTwice() async throws {
        try await withProcessTurn {
            let binary = try #require(QueryCommandTests.binary)
            try await StoreCommandTests.withDataDirectory { data in
                let total = 3_000
                #expect(try await Self.run(["mutate", "--data", data, "-"], input: Self.customers(total)).status == 0)
                let directory = try QueryCommandTests.temporaryDirectory()
                defer { try? FileManager.default.removeItem(at: directory) }
                let errURL = directory.appendingPathComponent("stderr")
                let child = try ChildProcess(binary.path, ["migration", "run", "phone-e164", "--data", data, "--no-dry-run", "--batch-size", "2"],
                                             environment: ProcessInfo.processInfo.environment.merging(["FACET_SCHEMA": "none"]) { $1 },
                                             stderr: .file(errURL.path))
                // Kill it once the progress shows a tenth done: well before the end.
                let deadline = Date().addingTimeInterval(240)
                var killed = false
                while Date() < deadline, child.isRunning {
                    let progress = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
                    // The first line is 0%; the next is printed a tenth of the way in.
                    if progress.split(separator: "\n").count >= 2 {
                        child.signal(SIGKILL)
                        killed = true
                        break
                    }
                    try await Task.sleep(for: .milliseconds(5))
                }
                let ending = try await child.ended(timeout: 60)
                try #require(killed, "the run finished before it could be killed")
                #expect(ending.bySignal)

                let migratedQuery = #"count(*[_type == "customer" && length(phone) == 12 && length(contacts[0].phone) == 13])"#
                let partly = try StoreCommandTests.json(try await Self.run(["query", "--data", data, migratedQuery]).stdout).numberValue ?? -1
                #expect(partly > 0 && partly < Double(total), "\(partly) documents migrated before the kill")
                #expect(try await Self.run(["migration", "list", "--data", data]).stdout.contains("phone-e164           Normalise phone numbers to E.164 — not applied"))

                let resumed = try await Self.run(["migration", "run", "phone-e164", "--data", data, "--no-dry-run", "--batch-size", "50", "--quiet"])
                #expect(resumed.status == 0, "\(resumed.stderr)")
                let changed = total - Int(partly)
                #expect(resumed.stdout.hasPrefix("phone-e164: \(total) matched, \(changed) changed, \(Int(partly)) unchanged"), "\(resumed.stdout)")
                let all = try StoreCommandTests.json(try await Self.run(["query", "--data", data, migratedQuery]).stdout)
                #expect(all == .number(Double(total)))
                #expect(try await Self.run(["migration", "list", "--data", data]).stdout.contains("phone-e164           Normalise phone numbers to E.164 — applied"))

                // Every document was changed by exactly one migration transaction.
                var migrations: [String: Int] = [:]
                for transaction in try Self.transactions(data) where transaction.author == "migration:phone-e164" {
                    for effect in transaction.effects { migrations[effect.documentID, default: 0] += 1 }
                }
                #expect(migrations.count == total)
                #expect(migrations.values.allSatisfy { $0 == 1 })
            }
        }
    }

    @Test func theCRMMigrationsOnDemoData() async throws {
        try await withProcessTurn {
            try await StoreCommandTests.withDataDirectory { data in
                let seeded = try await Self.run(["demo", "seed", "--data", data, "--customers", "60", "--seed", "5"], environment: Self.crm)
                #expect(seeded.status == 0, "\(seeded.stderr)")
                // The demo writes phones as people do ("+33 612 34 56 78"): all are normalised, sealed fields included.
                let phones = #"*[_type in ["customer", "lizaCustomer", "staff"] && defined(phone)]{_id, phone}"#
                let before = try StoreCommandTests.json(try await Self.run(["query", "--data", data, phones], environment: Self.crm).stdout).arrayValue ?? []
                #expect(before.count > 60 && before.contains { $0["phone"]?.stringValue?.contains(" ") == true })
                let run = try await Self.run(["migration", "run", "phone-e164", "--data", data, "--no-dry-run", "--quiet"], environment: Self.crm)
                #expect(run.status == 0, "\(run.stderr)")
                let after = try StoreCommandTests.json(try await Self.run(["query", "--data", data, phones], environment: Self.crm).stdout).arrayValue ?? []
                #expect(after.count == before.count)
                for (old, new) in zip(before, after) {
                    let digits = (old["phone"]?.stringValue ?? "").filter(\.isNumber)
                    #expect(new["phone"]?.stringValue == "+" + digits, "\(old) → \(new)")
                }
                let check = try await Self.run(["schema", "check", "--data", data, "--level", "error"], environment: Self.crm)
                #expect(check.status == 0, "\(check.stdout)")

                // Staff written before the boutique became a list of values: display names, in two spellings.
                let old = #"[{"patch": {"id": "ID", "set": {"boutique": "NAME"}}}]"#
                let staff = try StoreCommandTests.json(try await Self.run(["query", "--data", data, #"*[_type == "staff"]|order(_id)[0...3]{_id, boutique}"#], environment: Self.crm).stdout).arrayValue ?? []
                try #require(staff.count == 3)
                let names = ["Paris — Place Vendôme", "paris, place vendome", "Atlantis"]
                for (member, name) in zip(staff, names) {
                    let patch = old.replacingOccurrences(of: "ID", with: member["_id"]?.stringValue ?? "").replacingOccurrences(of: "NAME", with: name)
                    #expect(try await Self.run(["mutate", "--data", data, "--schema", "none", "-"], input: patch).status == 0)
                }
                let failing = try await Self.run(["schema", "check", "--data", data, "--level", "error"], environment: Self.crm)
                #expect(failing.status == 1)
                #expect(failing.stdout.contains("Migration staff-boutique-keys (Staff boutiques to stable values) fixes 3 errors in 3 documents: facet migration run staff-boutique-keys"),
                        "\(failing.stdout)")
                let dry = try await Self.run(["migration", "run", "staff-boutique-keys", "--data", data], environment: Self.crm)
                #expect(dry.stdout.contains(#"boutique: "Paris — Place Vendôme" → "paris-vendome""#), "\(dry.stdout)")
                #expect(dry.stdout.contains(#"boutique: "paris, place vendome" → "paris-vendome""#))
                #expect(dry.stdout.contains("2 would change"))
                let migrated = try await Self.run(["migration", "run", "staff-boutique-keys", "--data", data, "--no-dry-run", "--quiet"], environment: Self.crm)
                #expect(migrated.status == 0, "\(migrated.stderr)")
                let boutiques = try StoreCommandTests.json(try await Self.run(["query", "--data", data, #"*[_type == "staff"]|order(_id)[0...3].boutique"#], environment: Self.crm).stdout)
                #expect(boutiques == ["paris-vendome", "paris-vendome", "Atlantis"])
                // What no migration can read is left for an editor, and the check still says so.
                let remaining = try await Self.run(["schema", "check", "--data", data, "--level", "error"], environment: Self.crm)
                #expect(remaining.stdout.contains("1 document with errors"), "\(remaining.stdout)")
            }
        }
    }

    @Test func createWritesTheMigrationItsTestAndTheRegistryEntryAndNeverOverwrites() async throws {
        try await withProcessTurn {
            let root = try QueryCommandTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: root) }
            let migrations = root.appendingPathComponent("migrations")
            try FileManager.default.createDirectory(at: migrations, withIntermediateDirectories: true)
            let registry = """
                public enum MigrationRegistry {
                    public static let all: [Migration] = [
                        phoneE164,
                        // facet migration create: new migrations above this line
                    ]
                }

                """
            try registry.write(to: migrations.appendingPathComponent("Registry.swift"), atomically: true, encoding: .utf8)
            let created = try await Self.run(["migration", "create", "rename-notes", "--package-path", root.path])
            #expect(created.status == 0, "\(created.stderr)")
            let source = try String(contentsOf: migrations.appendingPathComponent("renameNotes.swift"), encoding: .utf8)
            #expect(source.contains(#"public let renameNotes = Migration("#) && source.contains(#"id: "rename-notes""#))
            let test = try String(contentsOf: root.appendingPathComponent("Tests/FacetMigrationTests/RenameNotesMigrationTests.swift"), encoding: .utf8)
            #expect(test.contains("MigrationRunner(migration: renameNotes"))
            let listed = try String(contentsOf: migrations.appendingPathComponent("Registry.swift"), encoding: .utf8)
            #expect(listed.contains("        phoneE164,\n        renameNotes,\n        // facet migration create"))

            StoreCommandTests.expectFailure(try await Self.run(["migration", "create", "rename-notes", "--package-path", root.path]), "already exists")
            #expect(try String(contentsOf: migrations.appendingPathComponent("Registry.swift"), encoding: .utf8) == listed)
            StoreCommandTests.expectFailure(try await Self.run(["migration", "create", "Rename Notes", "--package-path", root.path]),
                                            "is not a migration name")
            StoreCommandTests.expectFailure(try await Self.run(["migration", "create", "phone-e164", "--package-path", root.path]), "exists already")
            StoreCommandTests.expectFailure(try await Self.run(["migration", "create", "x", "--package-path", root.appendingPathComponent("nowhere").path]),
                                            "migrations is not a directory")
        }
    }
}
