import Foundation

/// The BG/NBD model of repeat buying (Fader, Hardie and Lee 2005, "Counting Your Customers the Easy
/// Way"): while alive, a customer buys at a Poisson rate λ ~ Gamma(r, α); after each purchase they
/// drop out with probability p ~ Beta(a, b).
///
/// ```swift
/// let fit = try BGNBDModel.fit(customers)                 // maximum likelihood
/// let model = fit.model
/// let next39 = try model.expectedPurchases(in: 39, frequency: 2, recency: 30.43, age: 38.86)
/// let alive = model.probabilityAlive(frequency: 2, recency: 30.43, age: 38.86)
/// ```
public struct BGNBDModel: Sendable, Hashable, Codable {
    /// Shape of the gamma distribution of purchase rates.
    public var r: Double
    /// Scale of the gamma distribution of purchase rates, in the data's time unit.
    public var alpha: Double
    /// First shape of the beta distribution of dropout probabilities.
    public var a: Double
    /// Second shape of the beta distribution of dropout probabilities.
    public var b: Double

    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` unless all four are positive and finite.
    public init(r: Double, alpha: Double, a: Double, b: Double) throws(AnalyticsError) {
        for (name, value) in [("r", r), ("alpha", alpha), ("a", a), ("b", b)] where !(value > 0 && value.isFinite) {
            throw .invalidArgument(name: name, value: value, requirement: "BG/NBD parameters are positive and finite")
        }
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
    }

    /// The log-likelihood of one customer's history (x = `frequency`, tₓ = `recency`, T = `age`),
    /// equation (6) of the paper, summed in log space so that long histories do not underflow.
    public func logLikelihood(frequency: Int, recency: Double, age: Double) -> Double {
        let x = Double(frequency)
        let purchaseTerms: Double = logGamma(r + x) - logGamma(r) + r * log(alpha)
        let dropoutTerms: Double = logGamma(a + b) + logGamma(b + x) - logGamma(b) - logGamma(a + b + x)
        let common = purchaseTerms + dropoutTerms
        let survived = -(r + x) * log(alpha + age)
        guard frequency > 0 else { return common + survived }
        let droppedOut = log(a) - log(b + x - 1) - (r + x) * log(alpha + recency)
        return common + logSumExp(survived, droppedOut)
    }

    /// The total log-likelihood of `customers`.
    public func logLikelihood(_ customers: [RFMSummary]) -> Double {
        BGNBDLikelihood(customers).value(self)
    }

    /// P(alive | x, tₓ, T): the probability that the customer has not dropped out (equation 13).
    public func probabilityAlive(frequency: Int, recency: Double, age: Double) -> Double {
        guard frequency > 0 else { return 1 }
        let x = Double(frequency)
        let logOdds = log(a) - log(b + x - 1) + (r + x) * (log(alpha + age) - log(alpha + recency))
        return 1 / (1 + exp(logOdds))
    }

    /// The probabilistic churn score 1 − P(alive): the probability that the customer has already
    /// dropped out, given their history.
    public func probabilityChurned(frequency: Int, recency: Double, age: Double) -> Double {
        guard frequency > 0 else { return 0 }
        let x = Double(frequency)
        let logOdds = log(a) - log(b + x - 1) + (r + x) * (log(alpha + age) - log(alpha + recency))
        // 1 − 1/(1 + e^o) = 1/(1 + e^−o), computed directly so that small churn probabilities keep their digits.
        return 1 / (1 + exp(-logOdds))
    }

    /// E[X(t)]: the expected number of purchases in a period of length `t` for a customer just
    /// acquired (equation 7).
    public func expectedPurchases(in t: Double) throws(AnalyticsError) -> Double {
        try expectedPurchases(in: t, frequency: 0, recency: 0, age: 0)
    }

    /// E[Y(t) | x, tₓ, T]: the expected number of purchases in the next `t` time units for a
    /// customer with this history (equation 10). With `age` 0 and no purchases it is E[X(t)].
    public func expectedPurchases(in t: Double, frequency: Int, recency: Double, age: Double) throws(AnalyticsError) -> Double {
        guard t >= 0, t.isFinite else {
            throw .invalidArgument(name: "t", value: t, requirement: "the forecast horizon is zero or a positive, finite time")
        }
        guard t > 0 else { return 0 }
        // The closed form divides by a − 1; at a = 1 the singularity is removable, so take the mean
        // of the two sides.
        let gap = 1e-6
        if abs(a - 1) < gap {
            return (try closedForm(t, frequency: frequency, recency: recency, age: age, a: 1 - gap)
                    + closedForm(t, frequency: frequency, recency: recency, age: age, a: 1 + gap)) / 2
        }
        return try closedForm(t, frequency: frequency, recency: recency, age: age, a: a)
    }

    private func closedForm(_ t: Double, frequency: Int, recency: Double, age: Double, a: Double) throws(AnalyticsError) -> Double {
        let x = Double(frequency)
        let z = t / (alpha + age + t)
        let logF = try Hypergeometric.logF21(r + x, b + x, a + b + x - 1, z)
        let logDecay = (r + x) * log1p(-z) + logF
        let numerator = (a + b + x - 1) / (a - 1) * -expm1(logDecay)
        guard frequency > 0 else { return numerator }
        let logOdds = log(a) - log(b + x - 1) + (r + x) * (log(alpha + age) - log(alpha + recency))
        return numerator / (1 + exp(logOdds))
    }

    /// E[Y(t) | history] for a customer summary.
    public func expectedPurchases(in t: Double, for customer: RFMSummary) throws(AnalyticsError) -> Double {
        try expectedPurchases(in: t, frequency: customer.frequency, recency: customer.recency, age: customer.age)
    }
}

/// A maximum-likelihood BG/NBD fit and how it was reached.
public struct BGNBDFit: Sendable, Hashable, Codable {
    /// The estimate.
    public var model: BGNBDModel
    /// The log-likelihood at the estimate.
    public var logLikelihood: Double
    /// Optimiser iterations (BFGS, plus the simplex's when it had to take over).
    public var iterations: Int
    /// Simplex restarts after its first convergence (0 when BFGS converged).
    public var restarts: Int
    /// Whether the optimiser met its tolerances.
    public var converged: Bool
    /// The number of customers fitted.
    public var customers: Int
    /// Asymptotic standard errors of r, α, a and b from the observed information; nil when the
    /// likelihood is flat in some direction there.
    public var standardErrors: BGNBDModel?
    /// Their asymptotic covariance (rows and columns r, α, a, b), what ``ParameterUncertainty``
    /// draws from; nil when the likelihood is flat in some direction there.
    public var covariance: [[Double]]? = nil
}

extension BGNBDFit {
    /// A mixing distribution whose two shapes grew this large has no spread left to speak of:
    /// the Beta's standard deviation is then below a thousandth of its mean's distance from 0 or 1
    /// (it is about √(p(1 − p)/(a + b))), and the Gamma's coefficient of variation 1/√r below 0.001.
    static let noSpreadBeyond = 1e6

    /// The dropout probability every customer shares when the fit found no spread in it: the
    /// likelihood then peaks where a and b grow without bound at a fixed a / (a + b), and the
    /// optimiser stops at some arbitrary size of them (a small clientele has been seen to stop
    /// near 10²²⁶). `nil` when the Beta keeps a spread, as on most data.
    public var commonDropoutProbability: Double? {
        model.a + model.b > Self.noSpreadBeyond ? model.a / (model.a + model.b) : nil
    }

    /// The purchase rate (per time unit) every customer shares while alive when the fit found no
    /// spread in it (r and α growing together at a fixed r / α); `nil` otherwise.
    public var commonPurchaseRate: Double? {
        model.r > Self.noSpreadBeyond ? model.r / model.alpha : nil
    }

    /// What an analyst should read into a fit on the edge of its parameter space, in plain
    /// words; `nil` for an ordinary fit. The parameters as fitted stay in the record, but their
    /// size there is the optimiser's stopping point, not an estimate.
    public var boundaryNote: String? {
        var parts: [String] = []
        if let p = commonDropoutProbability {
            parts.append("the clients show no spread in their chance of lapsing: every client has the same \(Self.percent(p)) chance of "
                         + "dropping out after each purchase (a and b grew without bound at a / (a + b) = \(String(format: "%.3f", p)); their "
                         + "fitted size is where the optimiser stopped, not an estimate)")
        }
        if let rate = commonPurchaseRate {
            parts.append("the clients show no spread in how often they buy: every active client buys at the same rate, "
                         + "\(String(format: "%.3g", rate)) purchases per time unit (r and α grew without bound at r / α)")
        }
        guard !parts.isEmpty else { return nil }
        return "BG/NBD found that \(parts.joined(separator: "; and ")). Such a fit is common on a small or very regular clientele; "
            + "no standard errors can be given in that direction."
    }

    private static func percent(_ p: Double) -> String {
        let value = p * 100
        // Near 0 or 100 whole percents would say "0%" or "100%" of a chance that is neither.
        return value < 1 || value > 99 ? String(format: "%.2f%%", value) : String(format: "%.0f%%", value)
    }
}

extension BGNBDModel {
    /// Fits r, α, a and b by maximum likelihood over their logarithms (so they stay positive):
    /// BFGS with the analytic gradient, and the `optimiser` simplex when BFGS does not converge.
    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` when there are no customers or no
    ///   repeat purchases at all (the dropout process cannot be estimated), and
    ///   ``AnalyticsError/notConverged(routine:detail:advice:)`` when the optimiser runs out of iterations.
    public static func fit(_ customers: [RFMSummary], optimiser: NelderMead = NelderMead()) throws(AnalyticsError) -> BGNBDFit {
        guard !customers.isEmpty else {
            throw .unusableInput(problem: "No customers to fit BG/NBD on", advice: "Give at least a few hundred customer histories")
        }
        guard customers.contains(where: { $0.frequency > 0 }) else {
            throw .unusableInput(problem: "None of the \(customers.count) customers made a repeat purchase, so the dropout process cannot be estimated",
                                 advice: "BG/NBD needs customers with frequency > 0; check that frequency counts purchases after the first")
        }
        let likelihood = BGNBDLikelihood(customers)
        let count = Double(customers.count)
        let meanAge = customers.reduce(0) { $0 + $1.age } / count
        // Per-customer scale keeps the simplex tolerances meaningful whatever the sample size.
        let objective = { (point: [Double]) -> Double in
            -likelihood.value(r: exp(point[0]), alpha: exp(point[1]), a: exp(point[2]), b: exp(point[3])) / count
        }
        // On log-parameters θ = ln p the chain rule gives ∂/∂θ = p · ∂/∂p.
        let withGradient = { (point: [Double]) -> (value: Double, gradient: [Double]) in
            let parameters = point.map(exp)
            let (value, gradient) = likelihood.valueAndGradient(r: parameters[0], alpha: parameters[1], a: parameters[2], b: parameters[3])
            return (-value / count, (0..<4).map { -parameters[$0] * gradient[$0] / count })
        }
        let start = [0, log(meanAge), 0, 0]
        let minimum = try refine(try QuasiNewton().minimize(from: start, withGradient), from: start, optimiser: optimiser, objective)
        guard minimum.converged else {
            throw .notConverged(routine: "BG/NBD maximum likelihood", detail: "\(minimum.iterations) iterations without meeting the tolerance",
                                advice: "Raise the iteration budget, or check the data (time units, outliers)")
        }
        let estimate = minimum.point.map(exp)
        let model = try BGNBDModel(r: estimate[0], alpha: estimate[1], a: estimate[2], b: estimate[3])
        let covariance = Curvature.covariance(ofMinimumOf: { point in
            guard point.allSatisfy({ $0 > 0 }) else { return .infinity }
            return -likelihood.value(r: point[0], alpha: point[1], a: point[2], b: point[3])
        }, at: estimate)
        let errors = covariance.flatMap(Curvature.standardErrors(of:)).flatMap { try? BGNBDModel(r: $0[0], alpha: $0[1], a: $0[2], b: $0[3]) }
        return BGNBDFit(model: model, logLikelihood: -minimum.value * count, iterations: minimum.iterations,
                        restarts: minimum.restarts, converged: minimum.converged, customers: customers.count, standardErrors: errors,
                        covariance: covariance)
    }
}

/// The quasi-Newton result when it converged; otherwise the simplex's, started from the better
/// of the two points (a likelihood with a ridge or a flat tail can stall BFGS, not the simplex).
func refine(_ quasiNewton: Minimum, from start: [Double], optimiser: NelderMead,
            _ objective: ([Double]) -> Double) throws(AnalyticsError) -> Minimum {
    if quasiNewton.converged { return quasiNewton }
    var simplex = try optimiser.minimize(from: quasiNewton.value.isFinite ? quasiNewton.point : start, objective)
    simplex.iterations += quasiNewton.iterations
    simplex.evaluations += quasiNewton.evaluations
    return simplex
}

/// The BG/NBD log-likelihood of a fixed set of customers, arranged for repeated evaluation: the
/// gamma-function terms depend only on x, so they are computed once per distinct frequency rather
/// than once per customer.
struct BGNBDLikelihood: Sendable {
    struct Group: Sendable {
        var frequency: Double
        var ages: [Double]
        var recencies: [Double]
    }

    let groups: [Group]

    init(_ customers: [RFMSummary]) {
        var byFrequency: [Int: Group] = [:]
        for customer in customers {
            byFrequency[customer.frequency, default: Group(frequency: Double(customer.frequency), ages: [], recencies: [])].ages.append(customer.age)
            byFrequency[customer.frequency]?.recencies.append(customer.recency)
        }
        groups = byFrequency.keys.sorted().compactMap { byFrequency[$0] }
    }

    func value(_ model: BGNBDModel) -> Double { value(r: model.r, alpha: model.alpha, a: model.a, b: model.b) }

    func value(r: Double, alpha: Double, a: Double, b: Double) -> Double {
        let logAlpha = log(alpha), lgammaR = logGamma(r), lgammaB = logGamma(b), lgammaAB = logGamma(a + b), logA = log(a)
        var total = 0.0
        for group in groups {
            let x = group.frequency
            let purchaseTerms: Double = logGamma(r + x) - lgammaR + r * logAlpha
            let dropoutTerms: Double = lgammaAB + logGamma(b + x) - lgammaB - logGamma(a + b + x)
            let common = purchaseTerms + dropoutTerms
            total += common * Double(group.ages.count)
            if x == 0 {
                for age in group.ages { total -= r * log(alpha + age) }
                continue
            }
            let dropoutConstant = logA - log(b + x - 1)
            for (age, recency) in zip(group.ages, group.recencies) {
                total += logSumExp(-(r + x) * log(alpha + age), dropoutConstant - (r + x) * log(alpha + recency))
            }
        }
        return total
    }
}

extension BGNBDLikelihood {
    /// The log-likelihood and its gradient with respect to (r, α, a, b). With w the posterior weight
    /// of the dropped-out branch, the branch terms differentiate to mixtures of their derivatives;
    /// the gamma-function terms, per distinct x, to digammas.
    func valueAndGradient(r: Double, alpha: Double, a: Double, b: Double) -> (value: Double, gradient: [Double]) {
        let logAlpha = log(alpha), lgammaR = logGamma(r), lgammaB = logGamma(b), lgammaAB = logGamma(a + b), logA = log(a)
        let psiR = digamma(r), psiB = digamma(b), psiAB = digamma(a + b)
        var total = 0.0, dr = 0.0, dalpha = 0.0, da = 0.0, db = 0.0
        for group in groups {
            let x = group.frequency, n = Double(group.ages.count), rx = r + x
            let purchaseTerms: Double = logGamma(rx) - lgammaR + r * logAlpha
            let dropoutTerms: Double = lgammaAB + logGamma(b + x) - lgammaB - logGamma(a + b + x)
            total += n * (purchaseTerms + dropoutTerms)
            let psiABX = digamma(a + b + x)
            dr += n * (digamma(rx) - psiR + logAlpha)
            dalpha += n * r / alpha
            da += n * (psiAB - psiABX)
            db += n * (psiAB + digamma(b + x) - psiB - psiABX)
            if x == 0 {
                for age in group.ages {
                    let logSpan = log(alpha + age)
                    total -= r * logSpan
                    dr -= logSpan
                    dalpha -= r / (alpha + age)
                }
                continue
            }
            let dropoutConstant = logA - log(b + x - 1)
            for (age, recency) in zip(group.ages, group.recencies) {
                let logSpan = log(alpha + age), logActive = log(alpha + recency)
                let alive = -rx * logSpan, dead = dropoutConstant - rx * logActive
                let high = max(alive, dead)
                let aliveShare = exp(alive - high), deadShare = exp(dead - high)
                let sum = aliveShare + deadShare
                total += high + log(sum)
                let w = deadShare / sum
                dr -= (1 - w) * logSpan + w * logActive
                dalpha -= rx * ((1 - w) / (alpha + age) + w / (alpha + recency))
                da += w / a
                db -= w / (b + x - 1)
            }
        }
        return (total, [dr, dalpha, da, db])
    }
}

/// log(eᵘ + eᵛ) without overflow or underflow.
func logSumExp(_ u: Double, _ v: Double) -> Double {
    let high = max(u, v), low = min(u, v)
    guard high.isFinite else { return high }
    return high + log1p(exp(low - high))
}
