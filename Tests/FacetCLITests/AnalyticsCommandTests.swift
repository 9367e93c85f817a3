import Foundation
import GROQ
import TestSupport
import Testing

/// `facet analytics fit --rfm FILE.csv` through the built binary.
@Suite("facet analytics")
struct AnalyticsCommandTests {
    typealias Run = StoreCommandTests

    /// Fader and Hardie's CDNOW calibration sample, kept with the analytics tests.
    static let cdnow = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FacetAnalyticsTests/Fixtures/cdnow_summary.csv").path

    static func number(_ value: JSONValue?, sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        try #require(value?.numberValue, "not a number: \(String(describing: value))", sourceLocation: sourceLocation)
    }

    /// Within half a unit of the third significant figure of the published value.
    static func agrees(_ value: Double, _ published: Double) -> Bool {
        abs(value - published) <= pow(10, floor(log10(abs(published))) - 2) / 2
    }

    @Test func fitsTheCDNOWSampleToThePublishedParameters() async throws {
        try await withProcessTurn {
            let outcome = try await Run.run(["analytics", "fit", "--rfm", Self.cdnow])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let result = try Run.json(outcome.stdout)
            let bgnbd = try #require(result["bgnbd"]), gammaGamma = try #require(result["gammaGamma"])
            for (key, published) in [("r", 0.243), ("alpha", 4.414), ("a", 0.793), ("b", 2.426)] {
                let value = try Self.number(bgnbd[key])
                #expect(Self.agrees(value, published), "\(key) = \(value), published \(published)")
            }
            #expect(abs(try Self.number(bgnbd["logLikelihood"]) - -9582.4) <= 0.05)
            #expect(try Self.number(bgnbd["iterations"]) >= 1)
            for (key, published) in [("p", 6.25), ("q", 3.74), ("gamma", 15.44)] {
                let value = try Self.number(gammaGamma[key])
                #expect(Self.agrees(value, published), "\(key) = \(value), published \(published)")
            }
            #expect(try Self.number(gammaGamma["logLikelihood"]) < 0)
            #expect(try Self.number(gammaGamma["iterations"]) >= 1)
            #expect(gammaGamma["customers"] == 946)
            #expect(bgnbd["customers"] == 2357)
        }
    }

    @Test func readsStandardInput() async throws {
        try await withProcessTurn {
            let text = try String(contentsOfFile: Self.cdnow, encoding: .utf8)
            let outcome = try await Run.run(["analytics", "fit", "--rfm", "-"], input: text)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(Self.agrees(try Self.number(try Run.json(outcome.stdout)["bgnbd"]?["r"]), 0.243))
        }
    }

    @Test func namesTheLineAndColumnOfBadInput() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                let csv = """
                    customer_id,frequency,recency,T,monetary_value
                    1,2,30.43,38.86,22.35
                    2,1,1.71,38.86,11.77
                    3,two,0,38.86,0
                    """
                let path = try Run.file(csv, named: "bad.csv", beside: data)
                let outcome = try await Run.run(["analytics", "fit", "--rfm", path])
                #expect(outcome.status != 0)
                #expect(outcome.stdout == "")
                #expect(outcome.stderr.contains("bad.csv: line 4, column frequency: not a number (found \"two\")"), "\(outcome.stderr)")

                let impossible = try Run.file("customer_id,frequency,recency,T,monetary_value\n1,2,40,38.86,22.35\n", named: "late.csv", beside: data)
                let late = try await Run.run(["analytics", "fit", "--rfm", impossible])
                #expect(late.status != 0)
                #expect(late.stderr.contains("line 2, column recency"), "\(late.stderr)")

                let piped = try await Run.run(["analytics", "fit", "--rfm", "-"], input: "customer_id,frequency,recency,T,monetary_value\n1,2,x,3,4\n")
                #expect(piped.status != 0)
                #expect(piped.stderr.contains("standard input: line 2, column recency: not a number"), "\(piped.stderr)")

                let missing = try await Run.run(["analytics", "fit", "--rfm", data + "/nothing.csv"])
                #expect(missing.status != 0)
                #expect(missing.stderr.contains("no such file"), "\(missing.stderr)")
            }
        }
    }

    @Test func explainsDataWithoutRepeatPurchases() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                let rows = (1...20).map { "c\($0),0,0,\(20 + $0),0" }.joined(separator: "\n")
                let path = try Run.file("customer_id,frequency,recency,T,monetary_value\n" + rows + "\n", named: "once.csv", beside: data)
                let outcome = try await Run.run(["analytics", "fit", "--rfm", path])
                #expect(outcome.status != 0)
                #expect(outcome.stderr.contains("repeat purchase"), "\(outcome.stderr)")
            }
        }
    }

    // MARK: facet analytics run

    @Test func runsTheModelsOnASeededDatasetAndRewritesNothingTheSecondTime() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                let seeded = try await DemoCommandTests.seed(data, ["--customers", "150", "--seed", "5"])
                #expect(seeded.status == 0, "\(seeded.stderr)")
                let crm = DemoCommandTests.crm

                let churn = try await Run.run(["analytics", "run", "churn", "--data", data, "--param", "horizonDays=120"], environment: crm, timeout: 300)
                #expect(churn.status == 0, "\(churn.stderr)")
                let first = try Run.json(churn.stdout)
                #expect(try Self.number(first["written"]) > 100)
                #expect(first["result"]?["horizonDays"] == 120)
                let auc = try Self.number(first["result"]?["churn"]?["backtest"]?["bg-nbd-no-purchase"]?["auc"])
                #expect(auc > 0 && auc < 1)
                #expect(first["message"]?.stringValue?.hasPrefix("Predictions for ") == true)
                let stored = try await Run.run(["query", "--data", data, #"count(*[_type == "analyticsModel" && modelType == "churn-prediction" && defined(customer)])"#],
                                               environment: crm)
                #expect(try Run.json(stored.stdout).numberValue == first["result"]?["clientsWithOrders"]?.numberValue)

                let all = try await Run.run(["analytics", "run", "all", "--data", data, "--timings"], environment: crm, timeout: 300)
                #expect(all.status == 0, "\(all.stderr)")
                let allAnswer = try Run.json(all.stdout)
                #expect(allAnswer["result"]?["trends"]?["documents"]?["written"] == 7)
                // The timings run from opening the dataset to closing it, each stage later than the one before.
                let stages = all.stderr.split(separator: "\n").compactMap { line -> (Double, String)? in
                    let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
                    guard parts.count == 3, parts[1] == "s", let seconds = Double(parts[0]) else { return nil }
                    return (seconds, parts[2].trimmingCharacters(in: .whitespaces))
                }
                #expect(stages.first?.1 == "opening the dataset" && stages.suffix(2).map(\.1) == ["closing the dataset", "done"], "\(all.stderr)")
                #expect(zip(stages, stages.dropFirst()).allSatisfy { $0.0 <= $1.0 })
                // The process ends once the dataset is closed: everything it wrote is there when it is opened again.
                let written = try await Run.run(["query", "--data", data, #"count(*[_type in ["analyticsModel", "trendAnalysis"]])"#], environment: crm)
                #expect(try Run.json(written.stdout).numberValue ?? 0 >= (allAnswer["written"]?.numberValue ?? .infinity), "\(written.stdout)")
                let again = try await Run.run(["analytics", "run", "all", "--data", data], environment: crm, timeout: 300)
                #expect(again.status == 0, "\(again.stderr)")
                #expect(try Run.json(again.stdout)["written"] == 0)

                let client = try Run.json(try await Run.run(["query", "--data", data, #"*[_type == "customer"] | order(_id asc)[0]._id"#], environment: crm).stdout)
                let id = try #require(client.stringValue)
                let one = try await Run.run(["analytics", "run", "next-purchase", "--data", data, "--document", id], environment: crm, timeout: 300)
                #expect(one.status == 0, "\(one.stderr)")
                #expect(try Run.json(one.stdout)["result"]?["documentId"]?.stringValue == "analytics.client.next-purchase." + id)
            }
        }
    }

    @Test func refusesAnUnknownModelABadParameterAndAWrongDocument() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                let unknown = try await Run.run(["analytics", "run", "loyalty", "--data", data], environment: DemoCommandTests.crm)
                #expect(unknown.status != 0)
                #expect(unknown.stderr.contains("loyalty is not a model: use churn, ltv"), "\(unknown.stderr)")

                let seeded = try await DemoCommandTests.seed(data, ["--customers", "60", "--seed", "3"])
                #expect(seeded.status == 0, "\(seeded.stderr)")
                let bad = try await Run.run(["analytics", "run", "churn", "--data", data, "--param", "horizonDays=\"soon\""], environment: DemoCommandTests.crm)
                #expect(bad.status != 0)
                #expect(bad.stderr.contains("params.horizonDays"), "\(bad.stderr)")
                #expect(bad.stdout == "")

                let product = try Run.json(try await Run.run(["query", "--data", data, #"*[_type == "product"][0]._id"#], environment: DemoCommandTests.crm).stdout)
                let wrong = try await Run.run(["analytics", "run", "churn", "--data", data, "--document", product.stringValue ?? ""],
                                              environment: DemoCommandTests.crm)
                #expect(wrong.status != 0)
                #expect(wrong.stderr.contains("predicts for a customer or lizaCustomer"), "\(wrong.stderr)")
            }
        }
    }
}
