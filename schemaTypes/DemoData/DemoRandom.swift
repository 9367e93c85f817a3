import FacetAnalytics
import Foundation

/// The demo's source of randomness: xoshiro256** seeded through SplitMix64; the samplers the
/// purchase process needs (uniform, normal, exponential, gamma, beta, Poisson) are those of
/// ``RandomSource``, which the analytics' simulated customers share.
///
/// It is deliberately not a `RandomNumberGenerator` for the standard library's
/// `shuffled(using:)` and friends, whose algorithms may change between Swift releases: the same
/// seed must give the same CRM on every machine and every run. Each customer draws from a
/// stream of their own (``init(seed:stream:index:)``), so that `customer-000042` is the same
/// person whether the demo has a hundred customers or a million.
///
/// ```swift
/// var random = DemoRandom(seed: 1, stream: .purchases, index: 42)
/// let rate = random.gamma(shape: 0.6, rate: 40)     // purchases per week
/// let dropout = random.beta(0.8, 2.5)
/// ```
public struct DemoRandom: RandomSource, Sendable {
    /// What a stream is drawn for; streams of different purposes never overlap in practice.
    public enum Stream: UInt64, Sendable {
        case catalog = 1
        case staff = 2
        case purchases = 3
        case profile = 4
        case orders = 5
        case engagement = 6
        case creative = 7
        case campaigns = 8
        /// Details drawn again whenever a document is written (addresses, texts), so that they
        /// need not be held in memory for every client.
        case details = 9
        case membership = 10
        case payments = 11
        case creativeConsent = 12
        /// Each client's planted favourites (``Taste``).
        case taste = 13
    }

    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator for `seed` alone.
    public init(seed: UInt64) {
        var mixer = seed
        state = (Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer))
        // xoshiro's one forbidden state; SplitMix64 never yields four zeros, but say so.
        if state == (0, 0, 0, 0) { state.0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// The stream of `purpose` for item `index` (a customer, a product, …) under `seed`.
    public init(seed: UInt64, stream purpose: Stream, index: Int = 0) {
        var mixer = seed
        let seedHash = Self.splitMix(&mixer)
        var streamMixer = seedHash ^ (purpose.rawValue &* 0xD1B5_4A32_D192_ED03) ^ (UInt64(truncatingIfNeeded: index) &* 0x8CB9_2BA7_2F3D_8DD7)
        self.init(seed: Self.splitMix(&streamMixer))
    }

    private static func splitMix(_ state: inout UInt64) -> UInt64 { SplitMix64.step(&state) }

    private static func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = Self.rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotate(state.3, 45)
        return result
    }

    // MARK: Uniform

    /// A uniform value in `range`.
    public mutating func uniform(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * uniform()
    }

    /// A uniform integer in `0..<bound` (Lemire's method: no modulo bias).
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "int(below:) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.count)
    }

    /// `true` with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool { uniform() < probability }

    /// A uniformly chosen element; `items` must not be empty.
    public mutating func pick<Element>(_ items: [Element]) -> Element { items[int(below: items.count)] }

    /// An element chosen with probability proportional to its weight.
    public mutating func pick<Element>(weighted items: [(Element, Double)]) -> Element {
        let total = items.reduce(0) { $0 + $1.1 }
        var target = uniform() * total
        for (item, weight) in items {
            if target < weight { return item }
            target -= weight
        }
        return items[items.count - 1].0
    }

    /// `count` distinct elements in a random order (all of them when there are fewer).
    public mutating func sample<Element>(_ items: [Element], count: Int) -> [Element] {
        var pool = items
        let taken = min(count, pool.count)
        for index in 0..<taken { pool.swapAt(index, index + int(below: pool.count - index)) }
        return Array(pool.prefix(taken))
    }

    /// Distinct elements, each chosen in turn with probability proportional to its weight among
    /// those not yet chosen: correlated profiles draw their preferences this way.
    public mutating func sample<Element>(weighted items: [(Element, Double)], count: Int) -> [Element] {
        var pool = items.filter { $0.1 > 0 }
        var chosen: [Element] = []
        while chosen.count < count, !pool.isEmpty {
            let total = pool.reduce(0) { $0 + $1.1 }
            var target = uniform() * total
            var index = pool.count - 1
            for (position, entry) in pool.enumerated() {
                if target < entry.1 { index = position; break }
                target -= entry.1
            }
            chosen.append(pool.remove(at: index).0)
        }
        return chosen
    }
}
