import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("Digamma and likelihood gradients", .ownThread(computing: true))
struct SpecialFunctionTests {
    static let eulerGamma = 0.577_215_664_901_532_9

    @Test func digammaKnownValues() {
        #expect(abs(digamma(1) + Self.eulerGamma) < 1e-13)
        #expect(abs(digamma(0.5) - (-Self.eulerGamma - 2 * log(2.0))) < 1e-13)
        // ψ(1/4) = −γ − π/2 − 3 ln 2.
        #expect(abs(digamma(0.25) - (-Self.eulerGamma - Double.pi / 2 - 3 * log(2.0))) < 1e-13)
        // ψ(n) = −γ + Σ_{k<n} 1/k.
        let harmonic = (1..<20).reduce(0.0) { $0 + 1 / Double($1) }
        #expect(abs(digamma(20) - (-Self.eulerGamma + harmonic)) < 1e-13)
        #expect(digamma(0).isNaN && digamma(-1).isNaN)
    }

    @Test(arguments: [1e-3, 0.3, 3.7, 9.99, 25, 1e5])
    func digammaRecurrence(x: Double) {
        #expect(abs(digamma(x + 1) - digamma(x) - 1 / x) < 1e-12 * max(1, 1 / x))
    }

    /// Central differences of the log-likelihood, step relative to each parameter.
    static func numericGradient(_ f: ([Double]) -> Double, at x: [Double]) -> [Double] {
        x.indices.map { i in
            let h = 1e-6 * x[i]
            var up = x, down = x
            up[i] += h
            down[i] -= h
            return (f(up) - f(down)) / (2 * h)
        }
    }

    @Test(arguments: [[0.243, 4.414, 0.793, 2.426], [1.5, 0.7, 3.0, 0.4]])
    func bgnbdGradientMatchesDifferences(parameters: [Double]) throws {
        let likelihood = BGNBDLikelihood(try Fixtures.cdnow())
        let (value, gradient) = likelihood.valueAndGradient(r: parameters[0], alpha: parameters[1], a: parameters[2], b: parameters[3])
        #expect(abs(value - likelihood.value(r: parameters[0], alpha: parameters[1], a: parameters[2], b: parameters[3])) < 1e-9 * abs(value))
        let numeric = Self.numericGradient({ likelihood.value(r: $0[0], alpha: $0[1], a: $0[2], b: $0[3]) }, at: parameters)
        for (analytic, difference) in zip(gradient, numeric) {
            #expect(abs(analytic - difference) < 1e-5 * max(1, abs(difference)), "\(gradient) vs \(numeric)")
        }
    }

    @Test(arguments: [[6.25, 3.74, 15.44], [0.8, 12.0, 2.0]])
    func gammaGammaGradientMatchesDifferences(parameters: [Double]) throws {
        let likelihood = GammaGammaLikelihood(try Fixtures.cdnow())
        let (value, gradient) = likelihood.valueAndGradient(p: parameters[0], q: parameters[1], gamma: parameters[2])
        #expect(abs(value - likelihood.value(p: parameters[0], q: parameters[1], gamma: parameters[2])) < 1e-9 * abs(value))
        let numeric = Self.numericGradient({ likelihood.value(p: $0[0], q: $0[1], gamma: $0[2]) }, at: parameters)
        for (analytic, difference) in zip(gradient, numeric) {
            #expect(abs(analytic - difference) < 1e-5 * max(1, abs(difference)), "\(gradient) vs \(numeric)")
        }
    }
}
