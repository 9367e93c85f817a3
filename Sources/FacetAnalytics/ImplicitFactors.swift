import Foundation

/// Matrix factorisation for implicit feedback (Hu, Koren and Volinsky 2008): every client–product
/// pair is a preference of 1 (bought) or 0 (not), trusted with confidence `1 + α·count`, and
/// client and product factors are found by alternating least squares.
///
/// Each half-step solves one small ridge regression per client (or product) using the
/// `YᵀY + Yᵀ(Cᵤ − I)Y` identity, so its cost grows with the purchases, not with clients × products.
/// Factors start from a seeded generator: the same purchases always give the same model.
///
/// ```swift
/// let factors = ImplicitFactors.fit(matrix, settings: .init(factors: 16, iterations: 10))
/// factors.score(customer: 3, product: 17)
/// ```
public struct ImplicitFactors: Sendable {
    /// The fit's knobs.
    public struct Settings: Sendable, Hashable, Codable {
        /// Length of each client's and product's factor vector.
        public var factors: Int
        /// Confidence per purchase (α).
        public var confidence: Double
        /// Ridge penalty (λ).
        public var regularisation: Double
        public var iterations: Int
        public var seed: UInt64

        public init(factors: Int = 16, confidence: Double = 5, regularisation: Double = 0.1, iterations: Int = 6, seed: UInt64 = 1) {
            self.factors = max(1, factors)
            self.confidence = max(0, confidence)
            self.regularisation = max(1e-6, regularisation)
            self.iterations = max(1, iterations)
            self.seed = seed
        }
    }

    public let settings: Settings
    /// Client factors, row-major (clients × factors).
    let customerFactors: [Double]
    /// Product factors, row-major (products × factors).
    let productFactors: [Double]

    /// The client's preference for the product: the dot product of their factors.
    public func score(customer: Int, product: Int) -> Double {
        let f = settings.factors
        var sum = 0.0
        for k in 0..<f { sum += customerFactors[customer * f + k] * productFactors[product * f + k] }
        return sum
    }

    /// Every product's score for a client who bought `row` (the client's factors solved afresh, so
    /// a client unknown at fitting time is scored as well).
    public func scores(forRow row: [PurchaseMatrix.Cell], products: Int) -> [Double] {
        let f = settings.factors
        var x = [Double](repeating: 0, count: f)
        let gram = Self.gram(productFactors, count: products, f: f)
        Self.solve(row: row, other: productFactors, gram: gram, settings: settings, into: &x, offset: 0)
        return (0..<products).map { product in
            var sum = 0.0
            for k in 0..<f { sum += x[k] * productFactors[product * f + k] }
            return sum
        }
    }

    public static func fit(_ matrix: PurchaseMatrix, settings: Settings = Settings()) -> ImplicitFactors {
        let f = settings.factors
        let users = matrix.customers.count, items = matrix.products.count
        var state = settings.seed
        let initial = { (count: Int) -> [Double] in
            (0..<(count * f)).map { _ in (Double(SplitMix64.step(&state) >> 11) / Double(1 << 53) - 0.5) * 0.1 }
        }
        var x = initial(users), y = initial(items)
        for _ in 0..<settings.iterations {
            let itemGram = gram(y, count: items, f: f)
            for user in 0..<users { solve(row: matrix.rows[user], other: y, gram: itemGram, settings: settings, into: &x, offset: user * f) }
            let userGram = gram(x, count: users, f: f)
            for item in 0..<items { solve(row: matrix.columns[item], other: x, gram: userGram, settings: settings, into: &y, offset: item * f) }
        }
        return ImplicitFactors(settings: settings, customerFactors: x, productFactors: y)
    }

    /// VᵀV for the row-major `count × f` matrix V.
    static func gram(_ vectors: [Double], count: Int, f: Int) -> [Double] {
        var gram = [Double](repeating: 0, count: f * f)
        vectors.withUnsafeBufferPointer { v in
            gram.withUnsafeMutableBufferPointer { g in
                for row in 0..<count {
                    let base = row * f
                    for i in 0..<f {
                        let vi = v[base + i]
                        if vi == 0 { continue }
                        for j in i..<f { g[i * f + j] += vi * v[base + j] }
                    }
                }
                for i in 0..<f { for j in 0..<i { g[i * f + j] = g[j * f + i] } }
            }
        }
        return gram
    }

    /// Solves (VᵀV + Vᵀ(C − I)V + λI) x = VᵀC p for one client or product and writes x at `offset`.
    static func solve(row: [PurchaseMatrix.Cell], other: [Double], gram: [Double], settings: Settings, into target: inout [Double], offset: Int) {
        let f = settings.factors
        var a = gram
        var b = [Double](repeating: 0, count: f)
        for i in 0..<f { a[i * f + i] += settings.regularisation }
        other.withUnsafeBufferPointer { v in
            for cell in row {
                let c = 1 + settings.confidence * cell.count
                let base = cell.index * f
                for i in 0..<f {
                    let vi = v[base + i]
                    b[i] += c * vi
                    let scaled = (c - 1) * vi
                    if scaled == 0 { continue }
                    for j in 0..<f { a[i * f + j] += scaled * v[base + j] }
                }
            }
        }
        guard !row.isEmpty else {
            for i in 0..<f { target[offset + i] = 0 }
            return
        }
        let solution = CholeskySolve.solve(a, b, size: f) ?? [Double](repeating: 0, count: f)
        for i in 0..<f { target[offset + i] = solution[i] }
    }
}

/// Solves A x = b for a symmetric positive-definite A (row-major) by Cholesky factorisation.
enum CholeskySolve {
    static func solve(_ matrix: [Double], _ vector: [Double], size n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = matrix[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = vector
        for i in 0..<n {
            for k in 0..<i { y[i] -= l[i * n + k] * y[k] }
            y[i] /= l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<n { y[i] -= l[k * n + i] * y[k] }
            y[i] /= l[i * n + i]
        }
        return y
    }
}
