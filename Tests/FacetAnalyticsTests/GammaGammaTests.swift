import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("Gamma-Gamma", .ownThread(computing: true))
struct GammaGammaTests {
    static let published = try! GammaGammaModel(p: 6.25, q: 3.74, gamma: 15.44)

    @Test func likelihoodOfOneTransactionIsAGammaGammaMixture() throws {
        // With x = 1 the mean is a single Gamma(p, ν) draw and ν ~ Gamma(q, γ); integrating ν out
        // gives f(z) = Γ(p+q)/(Γ(p)Γ(q)) · γ^q z^(p−1) / (γ + z)^(p+q).
        let model = try GammaGammaModel(p: 2.5, q: 3.5, gamma: 10)
        for z in [0.5, 7.0, 40.0] {
            let density = tgamma(6) / (tgamma(2.5) * tgamma(3.5)) * pow(10, 3.5) * pow(z, 1.5) / pow(10 + z, 6)
            let value = model.logLikelihood(frequency: 1, monetaryValue: z)
            #expect(abs(value - log(density)) < 1e-12 * abs(log(density)))
        }
    }

    @Test func densityOfTheMeanIntegratesToOne() throws {
        // For x = 3 the density of the mean must integrate to 1 over (0, ∞) (trapezoid on a log grid).
        let model = Self.published
        var total = 0.0
        var previous = (z: 1e-6, f: exp(model.logLikelihood(frequency: 3, monetaryValue: 1e-6)))
        var z = 1e-6
        while z < 1e6 {
            z *= 1.001
            let f = exp(model.logLikelihood(frequency: 3, monetaryValue: z))
            total += (z - previous.z) * (f + previous.f) / 2
            previous = (z, f)
        }
        #expect(abs(total - 1) < 1e-4, "\(total)")
    }

    @Test func conditionalExpectedValue() throws {
        // Equation 5: a weighted mean of the population mean pγ/(q − 1) and the customer's own mean
        // with weight px/(px + q − 1) on the latter.
        let model = Self.published
        let population = 6.25 * 15.44 / 2.74
        #expect(abs(try model.populationMeanValue() - population) < 1e-12 * population)
        let weight = 6.25 * 2 / (6.25 * 2 + 2.74)
        let expected = (1 - weight) * population + weight * 22.35
        #expect(abs(try model.expectedAverageValue(frequency: 2, monetaryValue: 22.35) - expected) < 1e-10 * expected)
        // No repeat purchase: the population mean.
        #expect(try model.expectedAverageValue(frequency: 0, monetaryValue: 0) == (try model.populationMeanValue()))
        // Heavy-tailed spend (q ≤ 1) has no mean.
        #expect(throws: AnalyticsError.self) { try GammaGammaModel(p: 2, q: 0.9, gamma: 10).populationMeanValue() }
    }

    @Test func fitRefusesCustomersItCannotUse() throws {
        let none = try (0..<10).map { try RFMSummary(id: "c\($0)", frequency: 0, recency: 0, age: 30) }
        #expect(throws: AnalyticsError.self) { try GammaGammaModel.fit(none) }
        let free = [try RFMSummary(id: "gift", frequency: 2, recency: 10, age: 30, monetaryValue: 0)]
        do {
            _ = try GammaGammaModel.fit(free)
            Issue.record("a repeat customer with zero spend was accepted")
        } catch {
            #expect(error.description.contains("gift"))
        }
    }

    @Test func reproducesThePublishedCDNOWFit() throws {
        let customers = try Fixtures.cdnow()
        let fit = try GammaGammaModel.fit(customers)
        #expect(fit.converged)
        #expect(fit.customers == 946)  // the sample's customers with at least one repeat purchase
        #expect(Fixtures.agrees(fit.model.p, 6.25), "p = \(fit.model.p)")
        #expect(Fixtures.agrees(fit.model.q, 3.74), "q = \(fit.model.q)")
        #expect(Fixtures.agrees(fit.model.gamma, 15.44), "gamma = \(fit.model.gamma)")
        #expect(fit.logLikelihood >= Self.published.logLikelihood(customers))
    }
}
