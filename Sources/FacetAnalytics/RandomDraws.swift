import Foundation

/// A source of random 64-bit words, from which ``RandomSource`` draws values of the
/// distributions the models assume (normal, exponential, gamma, beta, Poisson): the demo data
/// and the simulated customers the models are tested on draw the same way, from one
/// implementation.
///
/// Deliberately not `RandomNumberGenerator`: a source that must give the same values on every
/// machine and every run should not be handed to the standard library's `shuffled(using:)` and
/// friends, whose algorithms may change between Swift releases.
///
/// ```swift
/// var random = DemoRandom(seed: 1, stream: .purchases, index: 42)
/// let rate = random.gamma(shape: 0.6, rate: 40)     // purchases per week
/// let dropout = random.beta(0.8, 2.5)
/// ```
public protocol RandomSource {
    /// The next 64 random bits.
    mutating func next() -> UInt64
}

extension RandomSource {
    /// A uniform value in [0, 1), with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform value in (0, 1): safe to take the logarithm of.
    public mutating func openUniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A standard normal value (Marsaglia's polar method).
    public mutating func normal() -> Double {
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0, s < 1 { return u * (-2 * log(s) / s).squareRoot() }
        }
    }

    /// An exponential value with `rate` (mean 1 / rate).
    public mutating func exponential(rate: Double) -> Double {
        -log(openUniform()) / rate
    }

    /// A gamma value with `shape` k and `rate` β (mean k / β), by Marsaglia and Tsang (2000);
    /// shapes below one are boosted by one and scaled back with U^(1/k).
    public mutating func gamma(shape: Double, rate: Double = 1) -> Double {
        precondition(shape > 0 && rate > 0, "gamma needs a positive shape and rate")
        if shape < 1 {
            return gamma(shape: shape + 1, rate: rate) * pow(openUniform(), 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = openUniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v / rate }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v / rate }
        }
    }

    /// A beta value: X / (X + Y) for gamma X (shape a) and Y (shape b).
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a, rate: 1), y = gamma(shape: b, rate: 1)
        return x / (x + y)
    }

    /// A Poisson count with `mean` (Knuth's product of uniforms; large means are split in
    /// halves, as a sum of independent Poisson counts is Poisson).
    public mutating func poisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 30 {
            return poisson(mean: mean / 2) + poisson(mean: mean / 2)
        }
        let limit = exp(-mean)
        var count = 0
        var product = uniform()
        while product > limit {
            count += 1
            product *= uniform()
        }
        return count
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a small, fast source of random words. Seeded from a
/// client's id it makes a simulation give the same draws on every run and machine; the demo
/// seeds its xoshiro streams with its steps.
///
/// ```swift
/// var random = SplitMix64(seed: SplitMix64.seed(of: "customer-000042"))
/// let gap = random.exponential(rate: 0.01)
/// ```
public struct SplitMix64: RandomSource, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 { Self.step(&state) }

    /// One step of the generator on `state`: the next word.
    public static func step(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a of `text`'s UTF-8 bytes: a seed that stays the same between runs (Swift's `Hasher`
    /// is seeded afresh in every process).
    public static func seed(of text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
