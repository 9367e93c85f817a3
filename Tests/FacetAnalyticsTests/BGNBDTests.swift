import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("BG/NBD", .ownThread(computing: true))
struct BGNBDTests {
    /// The estimates Fader, Hardie and Lee (2005) publish for the CDNOW sample.
    static let published = try! BGNBDModel(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)

    /// Equation (6) of the paper written with beta functions, as it is printed, rather than in the
    /// log-sum-exp form of the code.
    static func paperLikelihood(_ m: BGNBDModel, x: Double, tx: Double, T: Double) -> Double {
        func beta(_ p: Double, _ q: Double) -> Double { tgamma(p) * tgamma(q) / tgamma(p + q) }
        let rate = tgamma(m.r + x) * pow(m.alpha, m.r) / tgamma(m.r)
        let alive = beta(m.a, m.b + x) / beta(m.a, m.b) * rate / pow(m.alpha + T, m.r + x)
        let dead = x > 0 ? beta(m.a + 1, m.b + x - 1) / beta(m.a, m.b) * rate / pow(m.alpha + tx, m.r + x) : 0
        return alive + dead
    }

    @Test(arguments: [(0, 0.0, 38.86), (1, 1.71, 38.86), (2, 30.43, 38.86), (7, 20.0, 32.5), (1, 32.5, 32.5)])
    func likelihoodMatchesThePaperForm(x: Int, tx: Double, T: Double) throws {
        let model = Self.published
        let expected = log(Self.paperLikelihood(model, x: Double(x), tx: tx, T: T))
        let value = model.logLikelihood(frequency: x, recency: tx, age: T)
        #expect(abs(value - expected) < 1e-10 * abs(expected), "\(value) vs \(expected)")
        // The grouped form used for fitting agrees with the per-customer one.
        let grouped = model.logLikelihood([try RFMSummary(id: "c", frequency: x, recency: tx, age: T)])
        #expect(abs(grouped - value) < 1e-12 * abs(value))
    }

    @Test func likelihoodStaysFiniteForLongHistories() throws {
        // 400 purchases over ten years of days: the printed form overflows, the log form does not.
        let model = try BGNBDModel(r: 0.8, alpha: 10, a: 0.5, b: 5)
        let value = model.logLikelihood(frequency: 400, recency: 3600, age: 3650)
        // Equation (6) with its beta and gamma functions taken as logarithms by hand.
        let x = 400.0, r = 0.8, alpha = 10.0, a = 0.5, b = 5.0
        func lnGamma(_ x: Double) -> Double { let value: Double = lgamma(x); return value }
        func logBeta(_ p: Double, _ q: Double) -> Double { lnGamma(p) + lnGamma(q) - lnGamma(p + q) }
        let rate = lnGamma(r + x) - lnGamma(r) + r * log(alpha)
        let alive = logBeta(a, b + x) - logBeta(a, b) + rate - (r + x) * log(alpha + 3650)
        let dead = logBeta(a + 1, b + x - 1) - logBeta(a, b) + rate - (r + x) * log(alpha + 3600)
        let expected = max(alive, dead) + log(exp(alive - max(alive, dead)) + exp(dead - max(alive, dead)))
        #expect(value.isFinite && abs(value - expected) < 1e-10 * abs(expected), "\(value) vs \(expected)")
    }

    @Test func conditionalExpectationOfThePaper() throws {
        // Section 6: a customer with x = 2, tₓ = 30.43, T = 38.86 is expected to make 1.226
        // purchases in the next 39 weeks.
        let expected = try Self.published.expectedPurchases(in: 39, frequency: 2, recency: 30.43, age: 38.86)
        #expect(Fixtures.agrees(expected, 1.226, significantFigures: 4), "\(expected)")
    }

    @Test func probabilityAlive() throws {
        let model = Self.published
        // No repeat purchase: the model has no dropout opportunity yet.
        #expect(model.probabilityAlive(frequency: 0, recency: 0, age: 50) == 1)
        // Last purchase at the end of the period: only the dropout right after it can have happened,
        // P = 1 / (1 + a/(b + x − 1)).
        let justBought = model.probabilityAlive(frequency: 3, recency: 20, age: 20)
        #expect(abs(justBought - 1 / (1 + 0.793 / (2.426 + 2))) < 1e-12)
        // Silence since the last purchase makes death more likely, the more so the more frequent the buyer.
        let quiet = model.probabilityAlive(frequency: 3, recency: 10, age: 38)
        let frequentQuiet = model.probabilityAlive(frequency: 10, recency: 10, age: 38)
        #expect(quiet < justBought && frequentQuiet < quiet)
        // Churn is the complement, and keeps its digits where it is tiny.
        #expect(abs(model.probabilityChurned(frequency: 3, recency: 10, age: 38) - (1 - quiet)) < 1e-15)
        #expect(model.probabilityChurned(frequency: 0, recency: 0, age: 50) == 0)
        // Right after a purchase, churn is a/(a + b + x − 1): tiny for a tiny a.
        let loyal = try BGNBDModel(r: 1, alpha: 1, a: 1e-12, b: 1)
        let barely = loyal.probabilityChurned(frequency: 1, recency: 5, age: 5)
        #expect(abs(barely - 1e-12 / (1 + 1e-12)) < 1e-9 * 1e-12, "\(barely)")
    }

    @Test func expectedPurchasesOfANewCustomer() throws {
        // Near t = 0 only the purchase rate matters: E[X(t)] ≈ (r/α)·t.
        let model = Self.published
        let small = 1e-4
        let rate = try model.expectedPurchases(in: small) / small
        #expect(abs(rate - model.r / model.alpha) < 1e-3 * model.r / model.alpha)
        #expect(try model.expectedPurchases(in: 0) == 0)
        // Given unlimited time a customer makes repeat purchases until the one after which they drop
        // out, a geometric count with mean 1/p, so E[X(∞)] = E[1/p] = (a + b − 1)/(a − 1) for a > 1.
        // A horizon of 10¹² puts z within 10⁻¹² of 1.
        let mortal = try BGNBDModel(r: 0.5, alpha: 2, a: 2.5, b: 3)
        let eventual = try mortal.expectedPurchases(in: 1e12)
        #expect(abs(eventual - 4.5 / 1.5) < 1e-4, "\(eventual)")
        // Cumulative expectations grow with the horizon.
        let horizons = [1.0, 10, 39, 78, 260, 2600]
        let values = try horizons.map { try model.expectedPurchases(in: $0, frequency: 2, recency: 30.43, age: 38.86) }
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 < $1 }, "\(values)")
    }

    @Test func expectedPurchasesAtTheRemovableSingularityAEqualsOne() throws {
        // The closed form divides by a − 1; the value at a = 1 must lie between its neighbours.
        let at = try BGNBDModel(r: 0.3, alpha: 5, a: 1, b: 2).expectedPurchases(in: 39, frequency: 2, recency: 20, age: 38)
        let below = try BGNBDModel(r: 0.3, alpha: 5, a: 0.999, b: 2).expectedPurchases(in: 39, frequency: 2, recency: 20, age: 38)
        let above = try BGNBDModel(r: 0.3, alpha: 5, a: 1.001, b: 2).expectedPurchases(in: 39, frequency: 2, recency: 20, age: 38)
        #expect(at.isFinite && min(below, above) <= at && at <= max(below, above), "\(below) \(at) \(above)")
    }

    /// A fit with no spread in dropout rates (a and b near 10²²⁶, as on the 60-client demo of seed
    /// 1): every customer drops out with the same probability p = a / (a + b) after a purchase,
    /// and the expectation is the limit of the closed form, (1 − ((1 − z)/(1 − (1 − p)z))^(r+x)) / p
    /// over the chance of being alive, at every horizon.
    @Test func expectedPurchasesWhenDropoutHasNoSpread() throws {
        let (r, alpha, a, b) = (0.5, 100.0, 8.3e225, 1.5e226)
        let model = try BGNBDModel(r: r, alpha: alpha, a: a, b: b)
        let p = a / (a + b)
        for (t, x, recency, age) in [(365.0, 2, 200.0, 400.0), (30, 0, 0, 90), (3_650, 5, 700, 720)] {
            let z = t / (alpha + age + t)
            let n = r + Double(x)
            let numerator = -expm1(n * (log1p(-z) - log1p(-(1 - p) * z))) / p
            let odds = x > 0 ? a / b * pow((alpha + age) / (alpha + recency), n) : 0
            let expected = numerator / (1 + odds)
            let value = try model.expectedPurchases(in: t, frequency: x, recency: recency, age: age)
            #expect(abs(value - expected) <= 1e-9 * expected, "t \(t), x \(x): \(value) against \(expected)")
        }
    }

    @Test func edgeCases() throws {
        let model = Self.published
        // One purchase only, zero recency, a huge T: finite, positive, small.
        let oneOff = try model.expectedPurchases(in: 52, frequency: 0, recency: 0, age: 1e6)
        #expect(oneOff > 0 && oneOff < 1e-3)
        #expect(model.logLikelihood(frequency: 0, recency: 0, age: 1e9).isFinite)
        // A heavy buyer whose last purchase was long ago is almost surely gone.
        #expect(model.probabilityAlive(frequency: 500, recency: 1, age: 1000) < 1e-100)
        #expect(try model.expectedPurchases(in: 52, frequency: 500, recency: 1, age: 1000) < 1e-100)
        #expect(throws: AnalyticsError.self) { try model.expectedPurchases(in: -1) }
        #expect(throws: AnalyticsError.self) { try BGNBDModel(r: 0, alpha: 1, a: 1, b: 1) }
    }

    @Test func fitRefusesDataWithoutRepeatPurchases() throws {
        let customers = try (0..<50).map { try RFMSummary(id: "c\($0)", frequency: 0, recency: 0, age: Double(10 + $0)) }
        #expect(throws: AnalyticsError.self) { try BGNBDModel.fit(customers) }
        #expect(throws: AnalyticsError.self) { try BGNBDModel.fit([]) }
    }

    @Test func reproducesThePublishedCDNOWFit() throws {
        let customers = try Fixtures.cdnow()
        #expect(customers.count == 2357)
        let fit = try BGNBDModel.fit(customers)
        #expect(fit.converged)
        #expect(Fixtures.agrees(fit.model.r, 0.243), "r = \(fit.model.r)")
        #expect(Fixtures.agrees(fit.model.alpha, 4.414), "alpha = \(fit.model.alpha)")
        #expect(Fixtures.agrees(fit.model.a, 0.793), "a = \(fit.model.a)")
        #expect(Fixtures.agrees(fit.model.b, 2.426), "b = \(fit.model.b)")
        // Published to one decimal place.
        #expect(abs(fit.logLikelihood - -9582.4) <= 0.05, "LL = \(fit.logLikelihood)")
        // The maximum is at least as high as the published (rounded) parameters.
        #expect(fit.logLikelihood >= Self.published.logLikelihood(customers))
        // An ordinary fit, with spread in both rates: nothing to flag.
        #expect(fit.commonDropoutProbability == nil && fit.commonPurchaseRate == nil && fit.boundaryNote == nil)
    }

    /// A fit that stopped where a and b grow without bound is read as the probability they
    /// share, in words, and only then.
    @Test func aFitWithNoSpreadInDropoutSaysSoInPlainWords() throws {
        func fit(_ r: Double, _ alpha: Double, _ a: Double, _ b: Double) throws -> BGNBDFit {
            BGNBDFit(model: try BGNBDModel(r: r, alpha: alpha, a: a, b: b), logLikelihood: -100, iterations: 40, restarts: 0,
                     converged: true, customers: 60)
        }
        let edge = try fit(0.6, 80, 8.3e225, 1.5e226)
        let p = try #require(edge.commonDropoutProbability)
        #expect(abs(p - 8.3e225 / (8.3e225 + 1.5e226)) < 1e-12)
        #expect(edge.commonPurchaseRate == nil)
        let note = try #require(edge.boundaryNote)
        #expect(note.contains("same 36% chance of dropping out after each purchase"), "\(note)")
        #expect(note.contains("a / (a + b) = 0.356"), "\(note)")
        #expect(!note.contains("rate"), "\(note)")
        // Both mixing distributions on the edge: both are said.
        let both = try #require(try fit(2e7, 1e9, 3e8, 1e9).boundaryNote)
        #expect(both.contains("23% chance") && both.contains("0.02 purchases per time unit"), "\(both)")
        // Near certainty is not rounded to it.
        #expect(try #require(try fit(0.6, 80, 9.99e8, 1e6).boundaryNote).contains("same 99.90% chance"))
        // Large but still spread (a + b = 10⁵): an estimate like any other.
        #expect(try fit(0.6, 80, 3e4, 7e4).boundaryNote == nil)
    }
}
