import Foundation

/// The mean of a sample and its standard error (s/√n; 0 for fewer than two values).
struct MeanAndError {
    var mean: Double
    var error: Double

    init(_ values: [Double]) {
        let n = Double(values.count)
        mean = n > 0 ? values.reduce(0, +) / n : 0
        guard n > 1 else {
            error = 0
            return
        }
        let m = mean
        let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)
        error = (variance / n).squareRoot()
    }
}
