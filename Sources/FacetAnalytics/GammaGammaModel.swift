import Foundation

/// The Gamma-Gamma model of spend per transaction (Fader, Hardie and Lee 2005, "RFM and CLV: Using
/// Iso-Value Curves for Customer Base Analysis"): each transaction's value is Gamma(p, ν) around
/// the customer's own mean, and ν ~ Gamma(q, γ) across customers. Spend is assumed independent of
/// the purchase process, so it combines with ``BGNBDModel`` for lifetime value.
///
/// ```swift
/// let fit = try GammaGammaModel.fit(customers)   // uses the customers with frequency > 0
/// let spend = try fit.model.expectedAverageValue(frequency: 2, monetaryValue: 22.35)
/// ```
public struct GammaGammaModel: Sendable, Hashable, Codable {
    /// Shape of the distribution of a transaction's value around the customer's mean.
    public var p: Double
    /// Shape of the distribution of the customers' scale parameters ν.
    public var q: Double
    /// Scale of the distribution of the customers' scale parameters ν, in currency.
    public var gamma: Double

    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` unless all three are positive and finite.
    public init(p: Double, q: Double, gamma: Double) throws(AnalyticsError) {
        for (name, value) in [("p", p), ("q", q), ("gamma", gamma)] where !(value > 0 && value.isFinite) {
            throw .invalidArgument(name: name, value: value, requirement: "Gamma-Gamma parameters are positive and finite")
        }
        self.p = p
        self.q = q
        self.gamma = gamma
    }

    /// The log-likelihood of one customer's mean repeat-transaction value m over x transactions
    /// (the density of the mean, equation 2 of the paper).
    public func logLikelihood(frequency: Int, monetaryValue: Double) -> Double {
        let x = Double(frequency), m = monetaryValue
        let normalising: Double = logGamma(p * x + q) - logGamma(p * x) - logGamma(q) + q * log(gamma)
        let data: Double = (p * x - 1) * log(m) + p * x * log(x) - (p * x + q) * log(x * m + gamma)
        return normalising + data
    }

    /// The total log-likelihood of the customers with repeat purchases among `customers`.
    public func logLikelihood(_ customers: [RFMSummary]) -> Double {
        GammaGammaLikelihood(customers.filter { $0.frequency > 0 }).value(p: p, q: q, gamma: gamma)
    }

    /// E[Z]: the mean transaction value of a customer about whom nothing is known, pγ/(q − 1).
    /// - Throws: when q ≤ 1, where the population mean does not exist.
    public func populationMeanValue() throws(AnalyticsError) -> Double {
        guard q > 1 else {
            throw .invalidArgument(name: "q", value: q, requirement: "the mean spend exists only for q > 1; the spend data has too heavy a tail")
        }
        return p * gamma / (q - 1)
    }

    /// E[Z | m, x]: the expected value of this customer's future transactions, a weighted mean of
    /// the population mean and the customer's own mean (equation 5). A customer without repeat
    /// purchases gets the population mean.
    public func expectedAverageValue(frequency: Int, monetaryValue: Double) throws(AnalyticsError) -> Double {
        guard frequency > 0 else { return try populationMeanValue() }
        let x = Double(frequency)
        guard p * x + q > 1 else {
            throw .invalidArgument(name: "q", value: q, requirement: "the conditional mean needs p·x + q > 1 (here p = \(p), x = \(frequency))")
        }
        return p * (gamma + x * monetaryValue) / (p * x + q - 1)
    }

    /// E[Z | history] for a customer summary.
    public func expectedAverageValue(for customer: RFMSummary) throws(AnalyticsError) -> Double {
        try expectedAverageValue(frequency: customer.frequency, monetaryValue: customer.monetaryValue)
    }
}

/// A maximum-likelihood Gamma-Gamma fit and how it was reached.
public struct GammaGammaFit: Sendable, Hashable, Codable {
    /// The estimate.
    public var model: GammaGammaModel
    /// The log-likelihood at the estimate.
    public var logLikelihood: Double
    /// Optimiser iterations (BFGS, plus the simplex's when it had to take over).
    public var iterations: Int
    /// Simplex restarts after its first convergence (0 when BFGS converged).
    public var restarts: Int
    /// Whether the optimiser met its tolerances.
    public var converged: Bool
    /// The number of customers fitted (those with frequency > 0).
    public var customers: Int
    /// Asymptotic standard errors of p, q and γ; nil when the likelihood is flat in some direction there.
    public var standardErrors: GammaGammaModel?
    /// Their asymptotic covariance (rows and columns p, q, γ), what ``ParameterUncertainty``
    /// draws from; nil when the likelihood is flat in some direction there.
    public var covariance: [[Double]]? = nil
}

extension GammaGammaModel {
    /// Fits p, q and γ by maximum likelihood on the customers with repeat purchases, over their
    /// logarithms: BFGS with the analytic gradient, and the `optimiser` simplex when BFGS does not converge.
    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` when no customer has a repeat
    ///   purchase or a repeat customer's monetary value is not positive.
    public static func fit(_ customers: [RFMSummary], optimiser: NelderMead = NelderMead()) throws(AnalyticsError) -> GammaGammaFit {
        let repeaters = customers.filter { $0.frequency > 0 }
        guard !repeaters.isEmpty else {
            throw .unusableInput(problem: "None of the \(customers.count) customers made a repeat purchase",
                                 advice: "The Gamma-Gamma spend model is fitted on customers with frequency > 0")
        }
        if let free = repeaters.first(where: { $0.monetaryValue <= 0 }) {
            throw .unusableInput(problem: "Customer \(free.id) has \(free.frequency) repeat purchases but a monetary value of \(free.monetaryValue)",
                                 advice: "monetary_value is the mean value of the repeat purchases and must be positive for them; remove refunds or zero-value orders first")
        }
        let likelihood = GammaGammaLikelihood(repeaters)
        let count = Double(repeaters.count)
        let meanValue = repeaters.reduce(0) { $0 + $1.monetaryValue } / count
        let objective = { (point: [Double]) -> Double in
            -likelihood.value(p: exp(point[0]), q: exp(point[1]), gamma: exp(point[2])) / count
        }
        let withGradient = { (point: [Double]) -> (value: Double, gradient: [Double]) in
            let parameters = point.map(exp)
            let (value, gradient) = likelihood.valueAndGradient(p: parameters[0], q: parameters[1], gamma: parameters[2])
            return (-value / count, (0..<3).map { -parameters[$0] * gradient[$0] / count })
        }
        let start = [0, 0, log(meanValue)]
        let minimum = try refine(try QuasiNewton().minimize(from: start, withGradient), from: start, optimiser: optimiser, objective)
        guard minimum.converged else {
            throw .notConverged(routine: "Gamma-Gamma maximum likelihood", detail: "\(minimum.iterations) iterations without meeting the tolerance",
                                advice: "Raise the iteration budget, or check the monetary values for outliers")
        }
        let estimate = minimum.point.map(exp)
        let model = try GammaGammaModel(p: estimate[0], q: estimate[1], gamma: estimate[2])
        let covariance = Curvature.covariance(ofMinimumOf: { point in
            guard point.allSatisfy({ $0 > 0 }) else { return .infinity }
            return -likelihood.value(p: point[0], q: point[1], gamma: point[2])
        }, at: estimate)
        let errors = covariance.flatMap(Curvature.standardErrors(of:)).flatMap { try? GammaGammaModel(p: $0[0], q: $0[1], gamma: $0[2]) }
        return GammaGammaFit(model: model, logLikelihood: -minimum.value * count, iterations: minimum.iterations,
                             restarts: minimum.restarts, converged: minimum.converged, customers: repeaters.count, standardErrors: errors,
                             covariance: covariance)
    }
}

/// The Gamma-Gamma log-likelihood of fixed customers (all with x > 0), arranged for repeated
/// evaluation: the gamma-function terms are computed once per distinct x, and log m and log x once.
struct GammaGammaLikelihood: Sendable {
    struct Group: Sendable {
        var frequency: Double
        var values: [Double]
        var sumLogValues: Double
    }

    let groups: [Group]

    init(_ customers: [RFMSummary]) {
        var byFrequency: [Int: Group] = [:]
        for customer in customers where customer.frequency > 0 {
            byFrequency[customer.frequency, default: Group(frequency: Double(customer.frequency), values: [], sumLogValues: 0)]
                .values.append(customer.monetaryValue)
            byFrequency[customer.frequency]?.sumLogValues += log(customer.monetaryValue)
        }
        groups = byFrequency.keys.sorted().compactMap { byFrequency[$0] }
    }

    func value(p: Double, q: Double, gamma: Double) -> Double {
        let lgammaQ = logGamma(q), logScale = log(gamma)
        var total = 0.0
        for group in groups {
            let x = group.frequency, px = p * x, n = Double(group.values.count)
            let normalising: Double = logGamma(px + q) - logGamma(px) - lgammaQ + q * logScale + px * log(x)
            total += n * normalising + (px - 1) * group.sumLogValues
            for m in group.values { total -= (px + q) * log(x * m + gamma) }
        }
        return total
    }
}

extension GammaGammaLikelihood {
    /// The log-likelihood and its gradient with respect to (p, q, γ).
    func valueAndGradient(p: Double, q: Double, gamma: Double) -> (value: Double, gradient: [Double]) {
        let lgammaQ = logGamma(q), logScale = log(gamma), psiQ = digamma(q)
        var total = 0.0, dp = 0.0, dq = 0.0, dgamma = 0.0
        for group in groups {
            let x = group.frequency, px = p * x, n = Double(group.values.count), logX = log(x)
            var sumLogTotals = 0.0, sumInverseTotals = 0.0
            for m in group.values {
                let spend = x * m + gamma
                sumLogTotals += log(spend)
                sumInverseTotals += 1 / spend
            }
            let normalising: Double = logGamma(px + q) - logGamma(px) - lgammaQ + q * logScale + px * logX
            total += n * normalising + (px - 1) * group.sumLogValues - (px + q) * sumLogTotals
            let psiPXQ = digamma(px + q)
            dp += x * (n * (psiPXQ - digamma(px) + logX) + group.sumLogValues - sumLogTotals)
            dq += n * (psiPXQ - psiQ + logScale) - sumLogTotals
            dgamma += n * q / gamma - (px + q) * sumInverseTotals
        }
        return (total, [dp, dq, dgamma])
    }
}
