import Foundation

/// Second derivatives of an objective by central differences, and the standard errors they imply
/// for a maximum-likelihood estimate (the square roots of the diagonal of the inverse observed
/// information, where the information is the Hessian of the negative log-likelihood).
enum Curvature {
    /// The Hessian of `f` at `x`, with steps relative to each coordinate's size.
    static func hessian(of f: ([Double]) -> Double, at x: [Double]) -> [[Double]] {
        let n = x.count
        let steps = x.map { 1e-4 * Swift.max(Swift.abs($0), 1e-3) }
        let center = f(x)
        func shifted(_ moves: [(Int, Double)]) -> Double {
            var point = x
            for (i, amount) in moves { point[i] += amount }
            return f(point)
        }
        var result = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            let h = steps[i]
            result[i][i] = (shifted([(i, h)]) - 2 * center + shifted([(i, -h)])) / (h * h)
            for j in 0..<i {
                let k = steps[j]
                let value = (shifted([(i, h), (j, k)]) - shifted([(i, h), (j, -k)])
                             - shifted([(i, -h), (j, k)]) + shifted([(i, -h), (j, -k)])) / (4 * h * k)
                result[i][j] = value
                result[j][i] = value
            }
        }
        return result
    }

    /// The inverse by Gauss–Jordan elimination with partial pivoting; nil when singular.
    static func inverse(_ matrix: [[Double]]) -> [[Double]]? {
        let n = matrix.count
        var a = matrix
        var b = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        let scale = matrix.flatMap { $0 }.map(Swift.abs).max() ?? 0
        guard scale > 0, scale.isFinite else { return nil }
        for column in 0..<n {
            guard let pivot = (column..<n).max(by: { Swift.abs(a[$0][column]) < Swift.abs(a[$1][column]) }),
                  Swift.abs(a[pivot][column]) > 1e-14 * scale else { return nil }
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            let divisor = a[column][column]
            for j in 0..<n { a[column][j] /= divisor; b[column][j] /= divisor }
            for row in 0..<n where row != column {
                let factor = a[row][column]
                guard factor != 0 else { continue }
                for j in 0..<n { a[row][j] -= factor * a[column][j]; b[row][j] -= factor * b[column][j] }
            }
        }
        return b
    }

    /// Standard errors of the minimiser `x` of a negative log-likelihood; nil when the curvature
    /// there is not positive definite (the estimate is on a ridge or at a boundary).
    static func standardErrors(ofMinimumOf negativeLogLikelihood: ([Double]) -> Double, at x: [Double]) -> [Double]? {
        covariance(ofMinimumOf: negativeLogLikelihood, at: x).flatMap(standardErrors(of:))
    }

    /// The asymptotic covariance of the minimiser `x` of a negative log-likelihood: the inverse
    /// observed information; nil when it is not positive definite.
    static func covariance(ofMinimumOf negativeLogLikelihood: ([Double]) -> Double, at x: [Double]) -> [[Double]]? {
        guard let covariance = inverse(hessian(of: negativeLogLikelihood, at: x)),
              covariance.indices.allSatisfy({ covariance[$0][$0] > 0 && covariance[$0][$0].isFinite }) else { return nil }
        return covariance
    }

    /// The square roots of a covariance's diagonal; nil when one is not a positive number.
    static func standardErrors(of covariance: [[Double]]) -> [Double]? {
        let variances = covariance.indices.map { covariance[$0][$0] }
        guard variances.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        return variances.map { $0.squareRoot() }
    }
}
