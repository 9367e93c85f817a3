import Foundation

/// ψ(x) = d/dx ln Γ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the
/// asymptotic series (Abramowitz & Stegun 6.3.18), accurate to about 1e-15 there. The likelihood
/// gradients need it for the derivatives of their gamma-function terms.
func digamma(_ x: Double) -> Double {
    guard x > 0, x.isFinite else { return x == .infinity ? .infinity : .nan }
    var value = 0.0, y = x
    while y < 10 {
        value -= 1 / y
        y += 1
    }
    let inverse = 1 / y, square = inverse * inverse
    let series = square * (1.0 / 12 - square * (1.0 / 120 - square * (1.0 / 252 - square * (1.0 / 240 - square * (1.0 / 132)))))
    return value + log(y) - 0.5 * inverse - series
}
