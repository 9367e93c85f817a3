import FacetSchema
import Foundation
import GROQ
import SchemaTypes
import Testing
import TestSupport

/// The demo CRM: every document valid, the same documents for the same seed, references that
/// resolve in write order, and orders that follow the process the truth document records.
@Suite("Demo data", .ownThread(computing: true))
struct DemoDataTests {
    /// A validator whose `unique` rule looks at the generated documents themselves.
    static func validator(over documents: [JSONValue]) throws -> Validator {
        var seen: [String: [JSONValue: Set<String>]] = [:]
        for document in documents {
            guard let type = document["_type"]?.stringValue, let id = document["_id"]?.stringValue, let object = document.objectValue else { continue }
            for (key, value) in object where !key.hasPrefix("_") {
                seen["\(type).\(key)", default: [:]][value, default: []].insert(id)
            }
        }
        let index = seen
        var validator = try CRMSchema.validator()
        validator.isUnique = { type, path, value, id in
            let holders = index["\(type).\(path)"]?[value] ?? []
            return holders.subtracting([id ?? ""]).isEmpty
        }
        return validator
    }

    static func ids(_ documents: [JSONValue]) -> [String] { documents.compactMap { $0["_id"]?.stringValue } }

    /// Every `_ref` inside `value`.
    static func references(in value: JSONValue) -> [String] {
        switch value {
        case .object(let object):
            var found = object["_ref"]?.stringValue.map { [$0] } ?? []
            for member in object.values { found += references(in: member) }
            return found
        case .array(let items): return items.flatMap(references(in:))
        default: return []
        }
    }

    static func number(_ value: JSONValue?) -> Double { value?.numberValue ?? .nan }

    /// Amounts compared in cents, so that float sums cannot hide or invent a difference.
    static func cents(_ value: Double) -> Int { Int((value * 100).rounded()) }

    // MARK: Validity

    @Test func everyDocumentPassesValidationWithoutMarkers() throws {
        let content = try CRMDemo(customers: 300, seed: 7).generate()
        let documents = content.allDocuments()
        let validator = try Self.validator(over: content.finalDocuments())
        var problems: [String] = []
        for document in documents {
            for marker in validator.validate(document) {
                problems.append("\(document["_id"]?.stringValue ?? "?"): \(marker)")
            }
        }
        #expect(problems.isEmpty, "\(problems.count) markers, the first: \(problems.prefix(10).joined(separator: "\n"))")
        #expect(Set(documents.compactMap { $0["_type"]?.stringValue }) == [
            "staff", "collection", "product", "customer", "lizaCustomer", "marketingCampaign", "salesOrder", "interaction",
            "creativeExpression", "analyticsModel", "analyticsDashboard",
        ])
    }

    @Test func uniqueFieldsAreUniqueAcrossTypes() throws {
        let documents = try CRMDemo(customers: 400, seed: 3).generate().finalDocuments()
        func values(_ field: String, types: Set<String>) -> [String] {
            documents.filter { types.contains($0["_type"]?.stringValue ?? "") }.compactMap { $0[field]?.stringValue }
        }
        let emails = values("email", types: ["customer", "lizaCustomer"])
        #expect(emails.count == 400)
        #expect(Set(emails).count == emails.count, "client e-mails repeat")
        let staffEmails = values("email", types: ["staff"])
        #expect(Set(staffEmails).count == staffEmails.count)
        let numbers = values("orderNumber", types: ["salesOrder"])
        #expect(Set(numbers).count == numbers.count)
        let skus = values("sku", types: ["product"])
        #expect(Set(skus).count == skus.count)
        let ids = Self.ids(documents)
        #expect(Set(ids).count == ids.count)
    }

    @Test func aBadCustomerCountIsRefusedWithAReason() {
        #expect(throws: DemoDataError.customerCount(0)) { try CRMDemo(customers: 0) }
        #expect(DemoDataError.customerCount(0).description.contains("between 1 and 200000"))
        var process = PurchaseProcess.standard
        process.q = 1
        #expect(throws: DemoDataError.parameters(process)) { try CRMDemo(customers: 10, process: process) }
    }

    // MARK: Determinism

    @Test func theSameSeedGivesTheSameDocuments() throws {
        let first = try CRMDemo(customers: 150, seed: 11).generate().allDocuments()
        let second = try CRMDemo(customers: 150, seed: 11).generate().allDocuments()
        #expect(first.count == second.count)
        #expect(first == second)
        let other = try CRMDemo(customers: 150, seed: 12).generate().allDocuments()
        #expect(other != first)
        let firstCustomer = first.first { $0["_id"] == "customer-000001" }
        let otherCustomer = other.first { $0["_id"] == "customer-000001" }
        #expect(firstCustomer?["name"] != otherCustomer?["name"] || firstCustomer?["email"] != otherCustomer?["email"])
    }

    @Test func aCustomerIsTheSamePersonWhateverTheDemoSize() throws {
        let small = try CRMDemo(customers: 50, seed: 5).generate().histories
        let large = try CRMDemo(customers: 120, seed: 5).generate().histories
        #expect(Array(large.prefix(50)) == small)
    }

    // MARK: References and write order

    @Test func everyReferencePointsToADocumentWrittenEarlierOrAlongside() throws {
        let content = try CRMDemo(customers: 250, seed: 9).generate()
        var written = Set<String>()
        var dangling: [String] = []
        for batch in DemoContent.Batch.allCases {
            let documents = content.documents(of: batch)
            #expect(documents.count == content.count(of: batch))
            written.formUnion(Self.ids(documents))
            for document in documents {
                for target in Self.references(in: document) where !written.contains(target) {
                    dangling.append("\(batch.rawValue): \(document["_id"]?.stringValue ?? "?") → \(target)")
                }
            }
        }
        #expect(dangling.isEmpty, "\(dangling.prefix(10))")
    }

    // MARK: Money and membership

    @Test func ordersAddUpAndLifetimeValuesAreTheirSums() throws {
        let documents = try CRMDemo(customers: 400, seed: 21).generate().finalDocuments()
        var spent: [String: Int] = [:]
        var purchases: [String: Int] = [:]
        for order in documents where order["_type"] == "salesOrder" {
            let lines = order["lineItems"]?.arrayValue ?? []
            #expect((1...3).contains(lines.count))
            let sum = lines.reduce(0) { $0 + Int(Self.number($1["quantity"])) * Self.cents(Self.number($1["unitPrice"])) }
            let subtotal = Self.cents(Self.number(order["subtotal"]))
            #expect(sum == subtotal, "\(order["_id"]?.stringValue ?? "?")")
            #expect(order["total"] == order["subtotal"])
            #expect(order["discount"] == nil && order["tax"] == nil)
            let customer = order["customer"]?["_ref"]?.stringValue ?? "?"
            if order["status"] != "cancelled" {
                spent[customer, default: 0] += subtotal
                purchases[customer, default: 0] += 1
            }
        }
        for client in documents where client["_type"] == "customer" || client["_type"] == "lizaCustomer" {
            let id = client["_id"]?.stringValue ?? "?"
            let value = Self.cents(Self.number(client["lifetimeValue"]))
            #expect(value == spent[id] ?? 0, "\(id)")
            if client["_type"] == "lizaCustomer" {
                let tier = value >= 10_000_000 ? "platinum-premier" : value >= 5_000_000 ? "gold-preferred" : "liza-select"
                #expect(client["tier"]?.stringValue == tier, "\(id)")
                #expect(client["segment"] == "vip")
                #expect((client["memberSince"]?.stringValue ?? "") >= (client["customerSince"]?.stringValue ?? "~"))
            } else {
                let count = purchases[id] ?? 0
                let segment = count <= 1 ? "new" : count == 2 ? "occasional" : count <= 4 ? "regular" : "loyal"
                #expect(client["segment"]?.stringValue == segment, "\(id)")
            }
        }
        let members = documents.filter { $0["_type"] == "lizaCustomer" }
        #expect(members.count == 40, "the top tenth are LIZA members")
        let lowestMember = members.map { Self.number($0["lifetimeValue"]) }.min() ?? 0
        let highestOther = documents.filter { $0["_type"] == "customer" }.map { Self.number($0["lifetimeValue"]) }.max() ?? 0
        #expect(lowestMember >= highestOther)
    }

    @Test func theTruthDocumentRecordsTheProcess() throws {
        let demo = try CRMDemo(customers: 120, seed: 4)
        let content = demo.generate()
        let truth = try #require(content.documents(of: .generatorTruth).first)
        #expect(truth["_id"]?.stringValue == CRMDemo.truthDocumentID)
        #expect(truth["modelType"] == "ltv-forecasting")
        #expect(truth["algorithm"] == "simulation")
        var parameters: [String: Double] = [:]
        for item in truth["parameters"]?.arrayValue ?? [] {
            #expect(item["_type"] == "parameter")
            #expect(item["_key"] == item["name"])
            parameters[item["name"]?.stringValue ?? ""] = item["value"]?.numberValue
        }
        let process = demo.process
        #expect(parameters["r"] == process.r && parameters["alpha"] == process.alpha)
        #expect(parameters["a"] == process.a && parameters["b"] == process.b)
        #expect(parameters["p"] == process.p && parameters["q"] == process.q && parameters["gamma"] == process.gamma)
        #expect(parameters["holidayLift"] == process.holidayLift)
        #expect(parameters["customers"] == 120 && parameters["seed"] == 4)
        #expect(parameters["observationWeeks"] == 1_461.0 / 7)
        #expect(parameters["orders"] == Double(content.count(of: .salesOrders)))
        let notes = truth["notes"]?.stringValue ?? ""
        for phrase in ["weeks", "2022-01-01", "2025-12-31", "subtotal", "cancelled"] { #expect(notes.contains(phrase), "notes lack \(phrase)") }
    }

    // MARK: The process

    @Test func samplersMatchTheirMoments() {
        var random = DemoRandom(seed: 99)
        let n = 200_000
        func moments(_ draw: (inout DemoRandom) -> Double) -> (mean: Double, variance: Double) {
            var sum = 0.0, squares = 0.0
            for _ in 0..<n {
                let x = draw(&random)
                sum += x
                squares += x * x
            }
            let mean = sum / Double(n)
            return (mean, squares / Double(n) - mean * mean)
        }
        // Each mean within five standard errors of the truth.
        func close(_ found: (mean: Double, variance: Double), mean: Double, variance: Double, _ name: String) {
            let tolerance = 5 * (variance / Double(n)).squareRoot()
            #expect(abs(found.mean - mean) < tolerance, "\(name): mean \(found.mean), expected \(mean) ± \(tolerance)")
            #expect(abs(found.variance / variance - 1) < 0.05, "\(name): variance \(found.variance), expected \(variance)")
        }
        close(moments { $0.gamma(shape: 0.6, rate: 12) }, mean: 0.05, variance: 0.6 / 144, "Gamma(0.6, 12)")
        close(moments { $0.gamma(shape: 6, rate: 0.002) }, mean: 3_000, variance: 6 / 0.000004, "Gamma(6, 0.002)")
        close(moments { $0.beta(0.8, 3) }, mean: 0.8 / 3.8, variance: 0.8 * 3 / (3.8 * 3.8 * 4.8), "Beta(0.8, 3)")
        close(moments { $0.exponential(rate: 2) }, mean: 0.5, variance: 0.25, "Exp(2)")
        close(moments { Double($0.poisson(mean: 3.5)) }, mean: 3.5, variance: 3.5, "Poisson(3.5)")
        close(moments { $0.normal() }, mean: 0, variance: 1, "N(0, 1)")
    }

    /// Customers' traits average to the recorded parameters, and first orders (one per customer,
    /// independent) average p·γ/(q − 1).
    @Test func ordersFollowTheRecordedProcess() throws {
        let demo = try CRMDemo(customers: 4_000, seed: 2)
        let content = demo.generate()
        let process = demo.process
        let histories = content.histories
        let n = Double(histories.count)

        let rates = histories.map(\.purchaseRate)
        let rateMean = rates.reduce(0, +) / n
        let rateSD = process.r.squareRoot() / process.alpha
        #expect(abs(rateMean - process.expectedPurchaseRate) < 4 * rateSD / n.squareRoot(), "mean λ \(rateMean)")
        let dropouts = histories.map(\.dropoutProbability)
        let dropoutSD = (process.a * process.b / ((process.a + process.b) * (process.a + process.b) * (process.a + process.b + 1))).squareRoot()
        #expect(abs(dropouts.reduce(0, +) / n - process.expectedDropoutProbability) < 4 * dropoutSD / n.squareRoot())

        // First orders, read back from the documents.
        var first: [String: (date: String, value: Double)] = [:]
        for order in content.documents(of: .salesOrders) {
            let customer = order["customer"]?["_ref"]?.stringValue ?? "?", date = order["orderDate"]?.stringValue ?? ""
            if first[customer].map({ date < $0.date }) ?? true { first[customer] = (date, Self.number(order["subtotal"])) }
        }
        let values = first.values.map(\.value)
        #expect(values.count == histories.count)
        let mean = values.reduce(0, +) / n
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
        let expected = process.expectedOrderValue
        #expect(abs(mean - expected) < 4 * sd / n.squareRoot(), "mean first order \(mean), expected \(expected) ± \(4 * sd / n.squareRoot())")

        // A few orders per customer, most customers buying again.
        let orders = Double(content.count(of: .salesOrders))
        #expect((2.5...5).contains(orders / n), "\(orders / n) orders per customer")
        let repeaters = Double(histories.count { $0.purchases.count > 1 }) / n
        #expect((0.5...0.85).contains(repeaters), "\(repeaters) of customers bought again")
        #expect(histories.allSatisfy { history in history.inactiveFrom.map { $0 == history.purchases.last?.time } ?? true })
    }

    /// The weekly order rate from 15 November to 31 December against the six weeks either side
    /// (which cancels the slow growth of the active clientele), in the seasons 2022–2024; and,
    /// with the customers' true rates, per week of active life.
    @Test func theHolidaySeasonLiftsTheOrderRateByTheRecordedLift() throws {
        let demo = try CRMDemo(customers: 4_000, seed: 8)
        let content = demo.generate()
        let lift = demo.process.holidayLift
        // Three seasons of 47 days, each against 45 days before (1 October–14 November) and 45
        // after (1 January–14 February).
        var inSeason = 0, around = 0
        let seasonDays = 3 * 47, aroundDays = 3 * 90
        for order in content.documents(of: .salesOrders) {
            let date = String(order["orderDate"]?.stringValue?.prefix(10) ?? "")
            let year = Int(date.prefix(4)) ?? 0, monthDay = String(date.dropFirst(5))
            if (2022...2024).contains(year), monthDay >= "11-15" { inSeason += 1 }
            if (2022...2024).contains(year), monthDay >= "10-01", monthDay < "11-15" { around += 1 }
            if (2023...2025).contains(year), monthDay < "02-15" { around += 1 }
        }
        let ratio = (Double(inSeason) / Double(seasonDays)) / (Double(around) / Double(aroundDays))
        let error = ratio * (1 / Double(inSeason) + 1 / Double(around)).squareRoot()
        #expect(abs(ratio - (1 + lift)) < 4 * error, "season/around rate ratio \(ratio) ± \(error), expected \(1 + lift)")
        #expect(ratio > 1.1)

        // Per week of active life, with the true λ: an estimate of 1 + lift without trend bias.
        let window = demo.window
        var seasonCount = 0, otherCount = 0
        var seasonExposure = 0.0, otherExposure = 0.0
        for history in content.histories {
            let from = history.purchases[0].time, to = history.inactiveFrom ?? window.weeks
            var day = Int((from * 7).rounded(.up))
            while Double(day) < to * 7 {
                let holiday = ObservationWindow.isHolidaySeason(window.start.adding(days: day))
                let exposure = history.purchaseRate * (min(Double(day + 1), to * 7) - Double(day)) / 7
                if holiday { seasonExposure += exposure } else { otherExposure += exposure }
                day += 1
            }
            for purchase in history.purchases.dropFirst() {
                if ObservationWindow.isHolidaySeason(window.date(atWeek: purchase.time)) { seasonCount += 1 } else { otherCount += 1 }
            }
        }
        let exposureRatio = (Double(seasonCount) / seasonExposure) / (Double(otherCount) / otherExposure)
        let exposureError = exposureRatio * (1 / Double(seasonCount) + 1 / Double(otherCount)).squareRoot()
        #expect(abs(exposureRatio - (1 + lift)) < 4 * exposureError, "exposure-weighted ratio \(exposureRatio) ± \(exposureError)")
    }

    @Test func energyAlignmentRisesWithSpend() throws {
        let documents = try CRMDemo(customers: 2_000, seed: 6).generate().finalDocuments()
        var totals: [String: (sum: Double, count: Double)] = [:]
        for client in documents where client["_type"] == "customer" || client["_type"] == "lizaCustomer" {
            let alignment = client["energyAlignment"]?.stringValue ?? "?"
            totals[alignment, default: (0, 0)].sum += Self.number(client["lifetimeValue"])
            totals[alignment, default: (0, 0)].count += 1
        }
        let means = ["exceptional", "strong", "moderate", "developing"].map { totals[$0].map { $0.sum / $0.count } ?? 0 }
        #expect(means[0] > means[1] && means[1] > means[2] && means[2] > means[3], "mean lifetime value by alignment: \(means)")
        #expect(totals["exceptional"]?.count == 300)
    }
}
