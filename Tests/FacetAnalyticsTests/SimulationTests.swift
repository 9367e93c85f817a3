import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

/// Fits on data simulated from known parameters recover them within sampling error. The standard
/// errors come from the observed information at the estimate; they are checked to be small
/// relative to the truth, so "within four standard errors" is a real constraint.
@Suite("Parameter recovery from simulated customers", .ownThread(computing: true))
struct SimulationTests {
    static let truth = CustomerSimulator(purchases: try! BGNBDModel(r: 0.25, alpha: 4, a: 0.8, b: 2.5),
                                         spend: try! GammaGammaModel(p: 6, q: 4, gamma: 15),
                                         ages: 27...39)

    static func within(_ estimate: Double, _ truth: Double, standardError: Double?, name: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = standardError else {
            Issue.record("no standard error for \(name)", sourceLocation: sourceLocation)
            return
        }
        #expect(error < 0.35 * truth, "\(name): standard error \(error) is too large to test anything", sourceLocation: sourceLocation)
        #expect(abs(estimate - truth) <= 4 * error, "\(name) = \(estimate), truth \(truth), standard error \(error)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [UInt64(20_050_101), 424_242])
    func bgnbdRecoversItsParameters(seed: UInt64) throws {
        let customers = try Self.truth.simulate(customers: 5000, seed: seed)
        let fit = try BGNBDModel.fit(customers)
        let truth = Self.truth.purchases, errors = fit.standardErrors
        #expect(fit.converged)
        Self.within(fit.model.r, truth.r, standardError: errors?.r, name: "r")
        Self.within(fit.model.alpha, truth.alpha, standardError: errors?.alpha, name: "alpha")
        Self.within(fit.model.a, truth.a, standardError: errors?.a, name: "a")
        Self.within(fit.model.b, truth.b, standardError: errors?.b, name: "b")
        // The maximum is a maximum: no lower than the likelihood of the truth.
        #expect(fit.logLikelihood >= truth.logLikelihood(customers))
        // And the fitted model predicts the simulated population: mean repeat purchases per customer
        // agree with the model's expectation within sampling error of the mean.
        let observed = customers.map { Double($0.frequency) }
        let mean = observed.reduce(0, +) / Double(observed.count)
        let spread = sqrt(observed.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(observed.count - 1) / Double(observed.count))
        let predicted = try customers.reduce(0) { $0 + (try fit.model.expectedPurchases(in: $1.age)) } / Double(customers.count)
        #expect(abs(predicted - mean) <= 4 * spread, "predicted \(predicted), observed \(mean) ± \(spread)")
    }

    @Test func gammaGammaRecoversItsParameters() throws {
        let customers = try Self.truth.simulate(customers: 5000, seed: 77)
        let fit = try GammaGammaModel.fit(customers)
        let truth = Self.truth.spend, errors = fit.standardErrors
        #expect(fit.converged)
        #expect(fit.customers == customers.filter { $0.frequency > 0 }.count)
        Self.within(fit.model.p, truth.p, standardError: errors?.p, name: "p")
        Self.within(fit.model.q, truth.q, standardError: errors?.q, name: "q")
        Self.within(fit.model.gamma, truth.gamma, standardError: errors?.gamma, name: "gamma")
        #expect(fit.logLikelihood >= truth.logLikelihood(customers))
    }

    @Test func standardErrorsShrinkWithTheSample() throws {
        // Four times the customers, about half the standard error (√n): a check that the
        // curvature is the likelihood's, not an artefact of the step size.
        let small = try BGNBDModel.fit(try Self.truth.simulate(customers: 2000, seed: 5))
        let large = try BGNBDModel.fit(try Self.truth.simulate(customers: 8000, seed: 6))
        let ratio = try #require(large.standardErrors?.r) / (try #require(small.standardErrors?.r))
        #expect(ratio > 0.35 && ratio < 0.65, "ratio \(ratio)")
    }

    /// The scale of the issue's benchmark: 100,000 customers. Prints the time taken (no bound is
    /// asserted: the machine is shared); asserts recovery, now with standard errors √20 smaller.
    @Test func fitsOneHundredThousandCustomers() throws {
        let customers = try Self.truth.simulate(customers: 100_000, seed: 100_000)
        let clock = ContinuousClock()
        var purchases: BGNBDFit?, spend: GammaGammaFit?
        let purchaseTime = try clock.measure { purchases = try BGNBDModel.fit(customers) }
        let spendTime = try clock.measure { spend = try GammaGammaModel.fit(customers) }
        let bgnbd = try #require(purchases), gammaGamma = try #require(spend)
        print("BG/NBD on \(customers.count) customers: \(purchaseTime), \(bgnbd.iterations) iterations; "
              + "Gamma-Gamma on \(gammaGamma.customers): \(spendTime), \(gammaGamma.iterations) iterations")
        let truth = Self.truth
        Self.within(bgnbd.model.r, truth.purchases.r, standardError: bgnbd.standardErrors?.r, name: "r")
        Self.within(bgnbd.model.alpha, truth.purchases.alpha, standardError: bgnbd.standardErrors?.alpha, name: "alpha")
        Self.within(bgnbd.model.a, truth.purchases.a, standardError: bgnbd.standardErrors?.a, name: "a")
        Self.within(bgnbd.model.b, truth.purchases.b, standardError: bgnbd.standardErrors?.b, name: "b")
        Self.within(gammaGamma.model.p, truth.spend.p, standardError: gammaGamma.standardErrors?.p, name: "p")
        Self.within(gammaGamma.model.q, truth.spend.q, standardError: gammaGamma.standardErrors?.q, name: "q")
        Self.within(gammaGamma.model.gamma, truth.spend.gamma, standardError: gammaGamma.standardErrors?.gamma, name: "gamma")
        #expect(try #require(bgnbd.standardErrors?.b) < 0.1 * truth.purchases.b)
    }
}
