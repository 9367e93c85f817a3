import Foundation

/// What the fitted parameters could have been: sets of BG/NBD and Gamma-Gamma parameters drawn
/// from the estimates' sampling distribution, so that an interval simulated under them holds the
/// error in the parameters as well as the client's own randomness.
///
/// Each set is drawn on the logarithms of the parameters (which keeps them positive) from a
/// normal centred on the estimate, with the covariance of the maximum-likelihood estimate carried
/// to the log scale by the delta method: Cov(log θᵢ, log θⱼ) = Cov(θᵢ, θⱼ)/(θᵢθⱼ). A set that
/// is not a valid model (a draw past the parameters' limits) is drawn again. What they add is
/// small where they exist: on 200 clients an interval about 1% wider, less on thousands; below
/// about a hundred clients the likelihood is often too flat for a covariance and there are none.
///
/// ```swift
/// let uncertainty = ParameterUncertainty.sampled(purchases: bgnbdFit, spend: gammaGammaFit)
/// let simulation = ForecastInterval(projection: projection, purchases: bgnbdFit.model,
///                                   spend: gammaGammaFit.model, uncertainty: uncertainty)
/// ```
public struct ParameterUncertainty: Sendable, Hashable {
    /// The drawn BG/NBD parameter sets, each with the Gamma-Gamma set of the same index.
    public var purchases: [BGNBDModel]
    public var spend: [GammaGammaModel]

    /// How many sets a simulation cycles through: enough for the parameters' spread to show in
    /// the quantiles of 400 futures, few enough to prepare per client.
    public static let defaultCount = 40

    /// `count` sets drawn from both fits' sampling distributions, seeded so that a refresh on
    /// the same data draws the same sets; nil when either fit has no covariance (a flat
    /// likelihood) or `count` is below 2.
    public static func sampled(purchases: BGNBDFit, spend: GammaGammaFit, count: Int = defaultCount,
                               seed: UInt64 = 0x5EED_F00D) -> ParameterUncertainty? {
        guard count >= 2, let purchaseCovariance = purchases.covariance, let spendCovariance = spend.covariance else { return nil }
        let model = purchases.model, value = spend.model
        guard let purchaseDraws = LogNormalDraws(centre: [model.r, model.alpha, model.a, model.b], covariance: purchaseCovariance),
              let spendDraws = LogNormalDraws(centre: [value.p, value.q, value.gamma], covariance: spendCovariance) else { return nil }
        var random = SplitMix64(seed: seed)
        var drawn = ParameterUncertainty(purchases: [], spend: [])
        var attempts = 0
        while drawn.purchases.count < count, attempts < count * 20 {
            attempts += 1
            let one = purchaseDraws.draw(using: &random), two = spendDraws.draw(using: &random)
            guard let purchases = try? BGNBDModel(r: one[0], alpha: one[1], a: one[2], b: one[3]),
                  let spend = try? GammaGammaModel(p: two[0], q: two[1], gamma: two[2]) else { continue }
            drawn.purchases.append(purchases)
            drawn.spend.append(spend)
        }
        return drawn.purchases.count == count ? drawn : nil
    }
}

/// Draws of positive parameters whose logarithms are normal around the log of `centre`.
struct LogNormalDraws {
    let logCentre: [Double]
    /// The lower Cholesky factor of the log-scale covariance.
    let factor: [[Double]]

    init?(centre: [Double], covariance: [[Double]]) {
        let n = centre.count
        guard n > 0, covariance.count == n, covariance.allSatisfy({ $0.count == n }), centre.allSatisfy({ $0 > 0 }) else { return nil }
        let logCovariance = (0..<n).map { i in (0..<n).map { j in covariance[i][j] / (centre[i] * centre[j]) } }
        guard let factor = Self.cholesky(logCovariance) else { return nil }
        logCentre = centre.map(log)
        self.factor = factor
    }

    func draw(using random: inout some RandomSource) -> [Double] {
        let z = logCentre.map { _ in random.normal() }
        return logCentre.indices.map { i in
            exp(logCentre[i] + (0...i).reduce(0) { $0 + factor[i][$1] * z[$1] })
        }
    }

    /// L with L·Lᵀ = `matrix`; nil when it is not positive definite.
    static func cholesky(_ matrix: [[Double]]) -> [[Double]]? {
        let n = matrix.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                var sum = matrix[i][j]
                for k in 0..<j { sum -= l[i][k] * l[j][k] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i][i] = sum.squareRoot()
                } else {
                    l[i][j] = sum / l[j][j]
                }
            }
        }
        return l
    }
}
