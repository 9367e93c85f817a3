import Foundation

/// The Gauss hypergeometric function ₂F₁(a, b; c; z) for real arguments.
///
/// BG/NBD needs it for expected purchases, with `z = t / (α + T + t)`, which approaches 1 for long
/// horizons or short histories; there the power series converges too slowly (and its terms grow
/// large before they shrink), so values near 1 go through the linear transformation z → 1 − z,
/// negative `z` through Pfaff's transformation, and the result is carried as a logarithm so that
/// large parameters (a customer with hundreds of purchases) do not overflow.
///
/// ```swift
/// let f = try Hypergeometric.f21(1, 1, 2, 0.5)   // −ln(1 − 0.5) / 0.5 = 1.3862943611198906
/// ```
public enum Hypergeometric {
    /// ₂F₁(a, b; c; z) for `z < 1`, or `z = 1` when `c − a − b > 0` (Gauss's theorem).
    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` for `z > 1`, `z = 1` with
    ///   `c − a − b ≤ 0`, or `c` a non-positive integer; ``AnalyticsError/notConverged(routine:detail:advice:)``
    ///   when a series exhausts its budget.
    public static func f21(_ a: Double, _ b: Double, _ c: Double, _ z: Double) throws(AnalyticsError) -> Double {
        try signedLog(a, b, c, z).value
    }

    /// The natural logarithm of ₂F₁(a, b; c; z), for arguments where the function is positive
    /// (always so for `a, b, c > 0` and `0 ≤ z < 1`). Stays finite where the value itself would overflow.
    public static func logF21(_ a: Double, _ b: Double, _ c: Double, _ z: Double) throws(AnalyticsError) -> Double {
        let result = try signedLog(a, b, c, z)
        guard result.sign > 0 else {
            throw .invalidArgument(name: "2F1(\(a), \(b); \(c); z)", value: z,
                                   requirement: "the logarithm needs a positive value, and the function is \(result.sign == 0 ? "zero" : "negative") here")
        }
        return result.log
    }

    /// Below this `z` the power series converges fast enough (ratio ≤ 0.9); above it, 1 − z ≤ 0.1
    /// makes the transformed series converge as fast.
    static let seriesLimit = 0.9

    static func signedLog(_ a: Double, _ b: Double, _ c: Double, _ z: Double) throws(AnalyticsError) -> SignedLog {
        for (name, value) in [("a", a), ("b", b), ("c", c), ("z", z)] where !value.isFinite {
            throw .invalidArgument(name: name, value: value, requirement: "2F1 needs finite arguments")
        }
        if c <= 0, c == c.rounded() {
            throw .invalidArgument(name: "c", value: c, requirement: "2F1 is undefined when c is zero or a negative integer")
        }
        if z > 1 {
            throw .invalidArgument(name: "z", value: z, requirement: "2F1 is computed for z ≤ 1 (the real branch)")
        }
        if let limit = vanishingSpread(a, b, c, z) { return limit }
        if z == 1 { return try gaussSum(a, b, c) }
        // A non-positive integer a or b makes the series a polynomial: summed exactly, whatever z.
        if (a <= 0 && a == a.rounded()) || (b <= 0 && b == b.rounded()) { return try series(a, b, c, z) }
        if z < 0 {
            // Pfaff: 2F1(a,b;c;z) = (1−z)^(−a) · 2F1(a, c−b; c; z/(z−1)), and z/(z−1) lies in (0, 1).
            let inner = try signedLog(a, c - b, c, z / (z - 1))
            return SignedLog(sign: inner.sign, log: inner.log - a * Foundation.log1p(-z))
        }
        if z <= seriesLimit { return try series(a, b, c, z) }
        // c and a or b large (a fit near, not at, the edge of no spread): the transformation's
        // gamma functions, of arguments this size, lose the digits the result needs, while the
        // series' terms are all positive (no cancellation) and shrink about as (b / c)z does.
        // It is summed first; only a series too slow for its budget falls back.
        // Tried only when its terms shrink fast enough to finish well within the budget (the
        // ratio settles near z · min(1, max(a, b) / c)), so that no call spends the whole budget
        // before falling back.
        if a > 0, b > 0, c > 0, Swift.min(Swift.max(a, b), c) > largeParameter,
           (Swift.min(a, b) + 40) / (1 - z * Swift.min(1, Swift.max(a, b) / c)) < 100_000,
           let summed = try? series(a, b, c, z)
        {
            return summed
        }
        return try nearOne(a, b, c, z)
    }

    /// Past this size of c and of a or b, a series near z = 1 is summed directly (see
    /// ``signedLog(_:_:_:_:)``).
    static let largeParameter = 1e4

    /// ₂F₁ when b and c (or a and c) are so large that (b)ₙ / (c)ₙ is (b / c)ⁿ to double
    /// precision for every term the sum needs: then it is the binomial (1 − ρz)^(−a) with ρ = b / c,
    /// its limit. A BG/NBD fit to a clientele with no spread in its dropout rates drives the Beta's
    /// a and b there (a fixed dropout probability a / (a + b), with a and b near 10²²⁶); the series
    /// would need more terms than the budget, and the transformations' gamma functions cancel to
    /// nothing at that scale. The limit's error is about K² / min(b, c) for a sum of K terms, and
    /// it is used only when that is below 10⁻¹². `nil` when the arguments are not of that kind.
    static func vanishingSpread(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> SignedLog? {
        for (small, large) in [(a, b), (b, a)] where large > 0 && c > 0 {
            let w = large / c * z
            guard Swift.abs(w) < 1 else { continue }
            // Past this many terms the binomial's are below e⁻⁴⁰ of the first.
            let terms = Swift.abs(small) + 40 / -Foundation.log(Swift.max(Swift.abs(w), 1e-300))
            guard terms * terms <= 1e-12 * Swift.min(large, c) else { continue }
            return SignedLog(sign: 1, log: -small * Foundation.log1p(-w))
        }
        return nil
    }

    /// Gauss's theorem: 2F1(a,b;c;1) = Γ(c)Γ(c−a−b) / (Γ(c−a)Γ(c−b)) for c − a − b > 0.
    static func gaussSum(_ a: Double, _ b: Double, _ c: Double) throws(AnalyticsError) -> SignedLog {
        guard c - a - b > 0 else {
            throw .invalidArgument(name: "z", value: 1, requirement: "2F1 at z = 1 diverges unless c − a − b > 0 (here \(c - a - b))")
        }
        return SignedLog.gamma(c) * SignedLog.gamma(c - a - b) * SignedLog.reciprocalGamma(c - a) * SignedLog.reciprocalGamma(c - b)
    }

    /// The power series Σ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ, rescaled as it goes so that growing terms do not
    /// overflow, stopped when a geometric bound on the remaining tail is below double precision.
    static func series(_ a: Double, _ b: Double, _ c: Double, _ z: Double) throws(AnalyticsError) -> SignedLog {
        let budget = 2_000_000
        let rescale = 1e200, logRescale = Foundation.log(1e200)
        var term = 1.0, sum = 1.0, largest = 1.0, scale = 0.0
        var n = 0.0
        for _ in 0..<budget {
            let ratio = (a + n) * (b + n) / ((c + n) * (n + 1)) * z
            term *= ratio
            n += 1
            if term == 0 { break }  // a or b is a non-positive integer: a polynomial
            sum += term
            largest = Swift.max(largest, Swift.abs(sum))
            if Swift.abs(term) > rescale || Swift.abs(sum) > rescale {
                term /= rescale; sum /= rescale; largest /= rescale; scale += logRescale
            }
            // The tail is bounded by a geometric series once every later ratio is: see ratioBound.
            guard (a > 0 && b > 0 && c > 0) || n > Swift.max(Swift.abs(a), Swift.abs(b), Swift.abs(c)) else { continue }
            let bound = ratioBound(a, b, c, n) * Swift.abs(z)
            guard bound < 1 else { continue }
            let tail = Swift.abs(term) * bound / (1 - bound)
            if tail <= 1e-17 * Swift.abs(sum) || tail <= 1e-17 * largest * 1e-3 { return SignedLog(sum).scaled(by: scale) }
        }
        if term == 0 { return SignedLog(sum).scaled(by: scale) }
        throw .notConverged(routine: "2F1 series", detail: "a = \(a), b = \(b), c = \(c), z = \(z) after \(budget) terms",
                            advice: "The arguments are extreme; check the model parameters and the time units of the data")
    }

    /// A bound on |(a + m)(b + m) / ((c + m)(1 + m))| for every m ≥ n. The ratio is a product of
    /// two factors, (a + m)/(1 + m) and (b + m)/(c + m) (or a and b the other way round), each
    /// monotone in m towards 1 once m is past the parameters, and from the start when all three
    /// are positive: so each is at most the larger of its value now and 1. Waiting until n is past
    /// the parameters instead never ends when b and c are large (a degenerate fit's 10²²⁶).
    static func ratioBound(_ a: Double, _ b: Double, _ c: Double, _ n: Double) -> Double {
        func factor(_ top: Double, _ bottom: Double) -> Double { Swift.max(Swift.abs((top + n) / (bottom + n)), 1) }
        return Swift.min(factor(a, 1) * factor(b, c), factor(b, 1) * factor(a, c))
    }

    /// Spacing of the nodes used when c − a − b is (nearly) an integer, where the two terms of the
    /// 1 − z transformation have poles that cancel: the value there is interpolated (cubic, in c)
    /// from four points off the integer, exact to O(spacing⁴ · ln⁴(1 − z)), while the cancellation
    /// at the nodes costs about machine precision / spacing.
    static let integerSpacing = 1e-4

    /// The linear transformation z → 1 − z (Abramowitz & Stegun 15.3.6).
    static func nearOne(_ a: Double, _ b: Double, _ c: Double, _ z: Double) throws(AnalyticsError) -> SignedLog {
        let d = c - a - b
        let nearest = d.rounded()
        guard Swift.abs(d - nearest) < 2 * integerSpacing else { return try transformed(a, b, c, z) }
        let offsets = [-2.0, -1, 1, 2].map { $0 * integerSpacing }
        let target = d - nearest
        var result = SignedLog.zero
        for (i, offset) in offsets.enumerated() {
            var weight = 1.0
            for (j, other) in offsets.enumerated() where j != i { weight *= (target - other) / (offset - other) }
            result = result + (try transformed(a, b, a + b + nearest + offset, z)).times(weight)
        }
        return result
    }

    static func transformed(_ a: Double, _ b: Double, _ c: Double, _ z: Double) throws(AnalyticsError) -> SignedLog {
        let d = c - a - b, w = 1 - z
        let first = SignedLog.gamma(c) * SignedLog.gamma(d) * SignedLog.reciprocalGamma(c - a) * SignedLog.reciprocalGamma(c - b)
        let second = SignedLog.gamma(c) * SignedLog.gamma(-d) * SignedLog.reciprocalGamma(a) * SignedLog.reciprocalGamma(b)
        var result = SignedLog.zero
        if first.sign != 0 { result = result + first * (try series(a, b, 1 - d, w)) }
        if second.sign != 0 {
            result = result + (second * (try series(c - a, c - b, 1 + d, w))).scaled(by: d * Foundation.log(w))
        }
        return result
    }
}

/// A real number as sign × exp(log), so that products of gamma functions and large series keep
/// their magnitude without overflowing.
struct SignedLog: Sendable, Equatable {
    /// −1, 0 or +1.
    var sign: Double
    /// The logarithm of the magnitude (−∞ for zero).
    var log: Double

    static let zero = SignedLog(sign: 0, log: -.infinity)

    init(sign: Double, log: Double) {
        self.sign = sign
        self.log = log
    }

    init(_ value: Double) {
        if value == 0 { self = .zero } else { self.init(sign: value < 0 ? -1 : 1, log: Foundation.log(Swift.abs(value))) }
    }

    var value: Double { sign == 0 ? 0 : sign * Foundation.exp(log) }

    func scaled(by logFactor: Double) -> SignedLog { sign == 0 ? self : SignedLog(sign: sign, log: log + logFactor) }

    func times(_ factor: Double) -> SignedLog { self * SignedLog(factor) }

    static func * (lhs: SignedLog, rhs: SignedLog) -> SignedLog {
        lhs.sign == 0 || rhs.sign == 0 ? .zero : SignedLog(sign: lhs.sign * rhs.sign, log: lhs.log + rhs.log)
    }

    static func + (lhs: SignedLog, rhs: SignedLog) -> SignedLog {
        if lhs.sign == 0 { return rhs }
        if rhs.sign == 0 { return lhs }
        let (big, small) = lhs.log >= rhs.log ? (lhs, rhs) : (rhs, lhs)
        let ratio = Foundation.exp(small.log - big.log) * big.sign * small.sign
        let factor = 1 + ratio
        if factor == 0 { return .zero }
        return SignedLog(sign: big.sign * (factor < 0 ? -1 : 1), log: big.log + Foundation.log(Swift.abs(factor)))
    }

    /// Γ(x) with its sign; infinite at the poles (x = 0, −1, −2, …).
    static func gamma(_ x: Double) -> SignedLog {
        if x <= 0, x == x.rounded() { return SignedLog(sign: 1, log: .infinity) }
        return SignedLog(sign: gammaSign(x), log: logGamma(x))
    }

    /// 1/Γ(x), which is zero at the poles of Γ.
    static func reciprocalGamma(_ x: Double) -> SignedLog {
        if x <= 0, x == x.rounded() { return .zero }
        return SignedLog(sign: gammaSign(x), log: -logGamma(x))
    }

    /// Γ is positive for x > 0 and alternates in sign between the negative integers: negative on
    /// (−1, 0), positive on (−2, −1), …
    static func gammaSign(_ x: Double) -> Double {
        guard x < 0 else { return 1 }
        return Int(x.rounded(.down)) % 2 == 0 ? 1 : -1
    }
}
