import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("Nelder-Mead", .ownThread(computing: true))
struct NelderMeadTests {
    @Test func findsTheRosenbrockValley() throws {
        // The banana function's minimum is 0 at (1, 1), at the end of a long curved valley.
        let minimum = try NelderMead().minimize(from: [-1.2, 1]) { x in
            (1 - x[0]) * (1 - x[0]) + 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0])
        }
        #expect(minimum.converged)
        #expect(abs(minimum.point[0] - 1) < 1e-6 && abs(minimum.point[1] - 1) < 1e-6, "\(minimum.point)")
        #expect(minimum.value < 1e-12)
        #expect(minimum.iterations > 0 && minimum.evaluations > minimum.iterations)
    }

    @Test func findsAQuadraticMinimumInFourDimensions() throws {
        let centre = [0.3, -2, 5, 1e-3]
        let minimum = try NelderMead().minimize(from: [0, 0, 0, 0]) { x in
            zip(x, centre).enumerated().reduce(0) { $0 + Double($1.offset + 1) * ($1.element.0 - $1.element.1) * ($1.element.0 - $1.element.1) }
        }
        #expect(minimum.converged)
        for (found, expected) in zip(minimum.point, centre) { #expect(abs(found - expected) < 1e-6) }
    }

    @Test func walksAwayFromPointsWhereTheObjectiveIsUndefined() throws {
        // log is undefined below zero: the simplex must treat NaN as infinitely bad and still find the minimum of x − 2 ln x at x = 2.
        let minimum = try NelderMead().minimize(from: [3]) { x in x[0] - 2 * log(x[0]) + (x[0] < 0.5 ? .nan : 0) }
        #expect(abs(minimum.point[0] - 2) < 1e-6)
    }

    @Test func reportsABudgetTooSmallToConverge() throws {
        let optimiser = NelderMead(maxIterations: 5, maxRestarts: 0)
        let minimum = try optimiser.minimize(from: [-1.2, 1]) { x in
            (1 - x[0]) * (1 - x[0]) + 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0])
        }
        #expect(!minimum.converged)
        #expect(minimum.iterations == 5)
    }

    @Test func rejectsAStartWithoutAFiniteValue() {
        #expect(throws: AnalyticsError.self) { try NelderMead().minimize(from: [0]) { _ in .nan } }
        #expect(throws: AnalyticsError.self) { try NelderMead().minimize(from: []) { _ in 0 } }
    }
}

@Suite("BFGS", .ownThread(computing: true))
struct QuasiNewtonTests {
    @Test func findsTheRosenbrockValley() throws {
        let minimum = try QuasiNewton().minimize(from: [-1.2, 1]) { x in
            let a = 1 - x[0], b = x[1] - x[0] * x[0]
            return (a * a + 100 * b * b, [-2 * a - 400 * x[0] * b, 200 * b])
        }
        #expect(minimum.converged)
        #expect(abs(minimum.point[0] - 1) < 1e-6 && abs(minimum.point[1] - 1) < 1e-6, "\(minimum.point)")
    }

    @Test func reportsABudgetTooSmallToConverge() throws {
        let minimum = try QuasiNewton(maxIterations: 3).minimize(from: [-1.2, 1]) { x in
            let a = 1 - x[0], b = x[1] - x[0] * x[0]
            return (a * a + 100 * b * b, [-2 * a - 400 * x[0] * b, 200 * b])
        }
        #expect(!minimum.converged && minimum.iterations == 3)
    }

    @Test func simplexAndBFGSAgreeOnTheCDNOWMaximum() throws {
        // Two independent searches of the same likelihood: the simplex without gradients, and the
        // fit (BFGS with the analytic gradient) must land on the same parameters.
        let customers = try Fixtures.cdnow()
        let likelihood = BGNBDLikelihood(customers)
        let simplex = try NelderMead().minimize(from: [0, 3, 0, 0]) { p in
            -likelihood.value(r: exp(p[0]), alpha: exp(p[1]), a: exp(p[2]), b: exp(p[3])) / Double(customers.count)
        }
        #expect(simplex.converged)
        let fit = try BGNBDModel.fit(customers)
        let fitted = [fit.model.r, fit.model.alpha, fit.model.a, fit.model.b]
        for (found, other) in zip(fitted, simplex.point.map(exp)) { #expect(abs(found - other) < 1e-4 * other, "\(fitted) vs \(simplex.point.map(exp))") }
        #expect(fit.iterations < simplex.iterations)
    }
}
