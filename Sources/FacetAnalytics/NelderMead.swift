import Foundation

/// The downhill simplex method of Nelder and Mead, with the dimension-adapted coefficients of
/// Gao and Han (2012) and restarts from the best point until a fresh simplex finds nothing better.
///
/// It needs no gradient, which suits likelihoods built from gamma functions and logarithms, and
/// the restarts guard against the classic failure of a simplex that collapses before the minimum.
/// Models optimise over logarithms of their parameters, so that every point is admissible.
///
/// ```swift
/// let minimum = try NelderMead().minimize(from: [0, 0]) { x in
///     (1 - x[0]) * (1 - x[0]) + 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0])
/// }
/// // minimum.point ≈ [1, 1], minimum.converged == true
/// ```
public struct NelderMead: Sendable {
    /// Converged when the simplex's values differ by at most this, relative to the best value (plus this absolutely).
    public var valueTolerance: Double
    /// …and its vertices lie within this distance of the best one, coordinate by coordinate.
    public var pointTolerance: Double
    /// The size of the first simplex's steps from the starting point (and from the best point at each restart).
    public var initialStep: Double
    /// The iteration budget, over all restarts.
    public var maxIterations: Int
    /// Restarts after the first convergence; stops early when a restart no longer improves the value.
    public var maxRestarts: Int

    public init(valueTolerance: Double = 1e-12, pointTolerance: Double = 1e-9, initialStep: Double = 0.5,
                maxIterations: Int = 20_000, maxRestarts: Int = 6) {
        self.valueTolerance = valueTolerance
        self.pointTolerance = pointTolerance
        self.initialStep = initialStep
        self.maxIterations = maxIterations
        self.maxRestarts = maxRestarts
    }

    /// Minimises `objective` starting at `start`. Points where the objective is not finite count as
    /// infinitely bad, so the simplex walks away from them.
    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` when the start is empty
    ///   or its objective is not finite.
    public func minimize(from start: [Double], _ objective: ([Double]) -> Double) throws(AnalyticsError) -> Minimum {
        guard !start.isEmpty else { throw .invalidArgument(name: "dimension", value: 0, requirement: "at least one parameter") }
        var evaluations = 0
        func evaluate(_ point: [Double]) -> Double {
            evaluations += 1
            let value = objective(point)
            return value.isFinite ? value : .infinity
        }
        let startValue = evaluate(start)
        guard startValue.isFinite else {
            throw .invalidArgument(name: "objective at the start", value: startValue,
                                   requirement: "the starting point must have a finite objective; start from plausible parameters")
        }
        var best = (point: start, value: startValue)
        var iterations = 0, restarts = 0
        var converged = false
        while true {
            let run = descend(from: best.point, value: best.value, budget: maxIterations - iterations, evaluate)
            iterations += run.iterations
            let improvement = best.value - run.value
            let improved = run.value < best.value
            if improved || run.value == best.value { best = (run.point, run.value) }
            converged = run.converged
            let negligible = improvement <= valueTolerance * (Swift.abs(best.value) + valueTolerance)
            if restarts > 0, negligible, converged { break }
            if restarts >= maxRestarts || iterations >= maxIterations { break }
            restarts += 1
        }
        return Minimum(point: best.point, value: best.value, iterations: iterations, evaluations: evaluations,
                       restarts: restarts, converged: converged)
    }

    private func descend(from start: [Double], value startValue: Double, budget: Int,
                         _ evaluate: ([Double]) -> Double) -> (point: [Double], value: Double, iterations: Int, converged: Bool) {
        let n = start.count
        let dimension = Double(n)
        let reflection = 1.0, expansion = 1 + 2 / dimension
        let contraction = 0.75 - 1 / (2 * dimension), shrinkage = 1 - 1 / dimension
        var vertices = [start]
        var values = [startValue]
        for i in 0..<n {
            var vertex = start
            vertex[i] += initialStep
            vertices.append(vertex)
            values.append(evaluate(vertex))
        }
        var iterations = 0
        while iterations < budget {
            let order = values.indices.sorted { values[$0] < values[$1] }
            vertices = order.map { vertices[$0] }
            values = order.map { values[$0] }
            let spread = values[n] - values[0]
            let width = vertices.dropFirst().map { v in zip(v, vertices[0]).map { Swift.abs($0 - $1) }.max() ?? 0 }.max() ?? 0
            if spread.isFinite, spread <= valueTolerance * (Swift.abs(values[0]) + valueTolerance), width <= pointTolerance {
                return (vertices[0], values[0], iterations, true)
            }
            iterations += 1
            var centroid = [Double](repeating: 0, count: n)
            for vertex in vertices[0..<n] { for i in 0..<n { centroid[i] += vertex[i] / dimension } }
            func along(_ step: Double) -> [Double] { (0..<n).map { centroid[$0] + step * (centroid[$0] - vertices[n][$0]) } }

            let reflected = along(reflection)
            let reflectedValue = evaluate(reflected)
            if reflectedValue < values[0] {
                let expanded = along(reflection * expansion)
                let expandedValue = evaluate(expanded)
                if expandedValue < reflectedValue {
                    (vertices[n], values[n]) = (expanded, expandedValue)
                } else {
                    (vertices[n], values[n]) = (reflected, reflectedValue)
                }
                continue
            }
            if reflectedValue < values[n - 1] {
                (vertices[n], values[n]) = (reflected, reflectedValue)
                continue
            }
            // Contract towards the better of the reflected point and the worst vertex.
            let outside = reflectedValue < values[n]
            let contracted = along(outside ? reflection * contraction : -contraction)
            let contractedValue = evaluate(contracted)
            if contractedValue < (outside ? reflectedValue : values[n]) {
                (vertices[n], values[n]) = (contracted, contractedValue)
                continue
            }
            for j in 1...n {
                vertices[j] = (0..<n).map { vertices[0][$0] + shrinkage * (vertices[j][$0] - vertices[0][$0]) }
                values[j] = evaluate(vertices[j])
            }
        }
        let bestIndex = values.indices.min { values[$0] < values[$1] } ?? 0
        return (vertices[bestIndex], values[bestIndex], iterations, false)
    }
}

/// Where an optimiser's search ended.
public struct Minimum: Sendable, Equatable {
    /// The best point found.
    public var point: [Double]
    /// The objective there.
    public var value: Double
    /// Iterations (for the simplex: reflections, expansions, contractions or shrinks), over all restarts.
    public var iterations: Int
    /// Objective evaluations.
    public var evaluations: Int
    /// Restarts that were run after the first convergence (the simplex only).
    public var restarts: Int
    /// Whether the last run met both tolerances within the budget.
    public var converged: Bool
}
