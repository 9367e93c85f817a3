import Foundation
import GROQ
import TestSupport
import Testing

/// `facet demo seed` end to end: the real executable seeds a small CRM through the mutation
/// pipeline (CRM schema on), queries count it, and a second seed leaves the same documents.
@Suite("facet demo seed")
struct DemoCommandTests {
    static let crm = ["FACET_SCHEMA": "crm"]

    static func seed(_ data: String, _ options: [String]) async throws -> StoreCommandTests.Outcome {
        try await StoreCommandTests.run(["demo", "seed", "--data", data] + options, environment: crm, timeout: 300)
    }

    /// The dataset's documents, one NDJSON line each, without the fields a new write changes.
    static func content(_ data: String, dataset: String = "production") async throws -> [String] {
        try await StoreCommandTests.state(data, dataset: dataset, environment: crm).map { line in
            try StoreCommandTests.removing("_updatedAt", from: StoreCommandTests.removing("_rev", from: line))
        }
    }

    @Test func seedsAValidCRMAndSeedingAgainLeavesTheSameDocuments() async throws {
        try await withProcessTurn {
            try await StoreCommandTests.withDataDirectory { data in
                let first = try await Self.seed(data, ["--customers", "100", "--seed", "3", "--batch-size", "500"])
                #expect(first.status == 0, "seed failed: \(first.stderr)")
                #expect(first.stdout.contains("seeded dataset production with"), "\(first.stdout)")
                #expect(first.stdout.contains("salesOrder: "))

                let counts = try await StoreCommandTests.run(["query", "--data", data, """
                    {
                      "customers": count(*[_type in ["customer", "lizaCustomer"]]),
                      "vips": count(*[_type == "lizaCustomer"]),
                      "orders": count(*[_type == "salesOrder"]),
                      "staff": count(*[_type == "staff"]),
                      "products": count(*[_type == "product"]),
                      "collections": count(*[_type == "collection"]),
                      "campaigns": count(*[_type == "marketingCampaign"]),
                      "interactions": count(*[_type == "interaction"]),
                      "profiles": count(*[_type == "creativeExpression"]),
                      "booked": count(*[_type == "staff" && count(assignedCustomers) > 0]),
                      "truth": *[_id == "demo-generator-truth"][0]{modelType, "r": parameters[name == "r"][0].value}
                    }
                    """], environment: Self.crm)
                #expect(counts.status == 0, "\(counts.stderr)")
                let result = try StoreCommandTests.json(counts.stdout)
                #expect(result["customers"] == 100)
                #expect(result["vips"] == 10)
                #expect(result["staff"] == 5)
                #expect(result["collections"] == 12)
                #expect(result["products"] == 96)
                #expect(result["campaigns"] == 21)
                #expect((result["orders"]?.numberValue ?? 0) > 150, "\(result)")
                #expect((result["interactions"]?.numberValue ?? 0) > 100)
                #expect((result["profiles"]?.numberValue ?? 0) > 10)
                #expect((result["booked"]?.numberValue ?? 0) >= 1)
                #expect(result["truth"] == ["modelType": "ltv-forecasting", "r": 0.6])

                let before = try await Self.content(data)
                let again = try await Self.seed(data, ["--customers", "100", "--seed", "3"])
                #expect(again.status == 0, "second seed failed: \(again.stderr)")
                let after = try await Self.content(data)
                #expect(before.count == after.count)
                #expect(before == after, "the first difference: \(zip(before, after).first { $0 != $1 }.map { "\($0)\n≠ \($1)" } ?? "")")
            }
        }
    }

    @Test func seedsANamedDatasetAndRefusesToMixDemos() async throws {
        try await withProcessTurn {
            try await StoreCommandTests.withDataDirectory { data in
                let first = try await Self.seed(data, ["--dataset", "demo", "--customers", "20", "--seed", "5"])
                #expect(first.status == 0, "seed failed: \(first.stderr)")
                let other = try await Self.seed(data, ["--dataset", "demo", "--customers", "20", "--seed", "6"])
                StoreCommandTests.expectFailure(other, "already holds a demo made with seed 5 and 20 customers")
                #expect(other.stderr.contains("--dataset NAME"))
                let untouched = try await StoreCommandTests.run(["query", "--data", data, "--dataset", "demo",
                                                                 #"*[_id == "demo-generator-truth"][0].parameters[name == "seed"][0].value"#],
                                                                environment: Self.crm)
                #expect(untouched.stdout == "5\n")
            }
        }
    }

    /// Customers' names are sealed in their own documents; no other field may carry them in the
    /// clear, or they would reach the write-ahead log, history and exports.
    @Test func noCustomerNameIsStoredInTheClear() async throws {
        try await withProcessTurn {
            try await StoreCommandTests.withDataDirectory { data in
                let seeded = try await Self.seed(data, ["--customers", "200", "--seed", "11"])
                #expect(seeded.status == 0, "seed failed: \(seeded.stderr)")
                let names = try await StoreCommandTests.run(["query", "--data", data, #"*[_type in ["customer", "lizaCustomer"]].name"#], environment: Self.crm)
                #expect(names.status == 0, "\(names.stderr)")
                let fullNames = try StoreCommandTests.json(names.stdout).arrayValue?.compactMap(\.stringValue) ?? []
                try #require(fullNames.count == 200)
                let exported = try await StoreCommandTests.run(["dataset", "export", "--data", data, "-"], environment: Self.crm)
                #expect(exported.status == 0, "\(exported.stderr)")
                let leaks = fullNames.filter { exported.stdout.contains($0) }
                #expect(leaks.isEmpty, "\(leaks.count) customers' names are in the export in the clear, e.g. \(leaks.prefix(3))")
                // Nor a first name in a creative profile, which speaks of the client.
                let profiles = StoreCommandTests.lines(exported.stdout).filter { $0.contains(#""_type":"creativeExpression""#) }
                #expect(!profiles.isEmpty)
                let firstNames = Set(fullNames.compactMap { $0.split(separator: " ").first.map { " \($0)'" } })
                let named = profiles.filter { profile in firstNames.contains { profile.contains($0) } }
                #expect(named.isEmpty, "\(named.count) creative profiles name their client, e.g. \(named.first ?? "")")
            }
        }
    }

    @Test func refusesACustomerCountOutOfRange() async throws {
        try await withProcessTurn {
            try await StoreCommandTests.withDataDirectory { data in
                for count in ["0", "1000001"] {
                    let outcome = try await Self.seed(data, ["--customers", count])
                    StoreCommandTests.expectFailure(outcome, "--customers must be between 1 and 200000")
                }
            }
        }
    }
}
