import Foundation

extension LifetimeValueProjection {
    /// The forecast for `customer` with its key drivers: for each input (frequency, recency, T,
    /// monetary value), the forecast minus the forecast with that input set to `reference`'s (the
    /// population mean, ``RFMSummary/populationMean(_:)``), the others kept. One-at-a-time effects
    /// do not add up to the total difference (the model is not additive), but they rank what sets
    /// this client apart.
    ///
    /// The effects are computed on a schedule of at most twelve steps (five-month steps for five
    /// years, discounted at the compounded rate): a driver ranks inputs, and the coarser schedule
    /// makes the four comparisons cost less than the forecast itself. `value` is on the full schedule.
    public func forecast(of customer: RFMSummary, reference: RFMSummary, purchases: BGNBDModel,
                         spend: GammaGammaModel) throws(AnalyticsError) -> LifetimeValueForecast {
        let value = try self.value(of: customer, purchases: purchases, spend: spend)
        let step = max(1, months / 12)
        let coarse = try LifetimeValueProjection(months: months / step, monthlyDiscountRate: pow(1 + monthlyDiscountRate, Double(step)) - 1,
                                                 timeUnitsPerMonth: timeUnitsPerMonth * Double(step))
        let baseline = try coarse.value(of: customer, purchases: purchases, spend: spend)
        var drivers: [LifetimeValueDriver] = []
        let inputs: [(String, Double, Double)] = [
            ("frequency", Double(customer.frequency), Double(reference.frequency)),
            ("recency", customer.recency, reference.recency),
            ("T", customer.age, reference.age),
            ("monetary-value", customer.monetaryValue, reference.monetaryValue),
        ]
        for (input, own, typical) in inputs {
            var frequency = customer.frequency, recency = customer.recency, age = customer.age, monetary = customer.monetaryValue
            switch input {
            case "frequency": frequency = reference.frequency
            case "recency": recency = reference.recency
            case "T": age = reference.age
            default: monetary = reference.monetaryValue
            }
            // Keep the swapped history possible: recency within T, none without repeat purchases.
            if frequency == 0 { recency = 0 }
            recency = min(recency, age)
            if frequency > 0, monetary == 0 { monetary = reference.monetaryValue }
            guard let swapped = try? RFMSummary(id: customer.id, frequency: frequency, recency: recency, age: age, monetaryValue: monetary) else { continue }
            let effect = baseline - (try coarse.value(of: swapped, purchases: purchases, spend: spend))
            drivers.append(LifetimeValueDriver(input: input, customerValue: own, referenceValue: typical, effect: effect,
                                               detail: "\(input) \(String(format: "%.2f", own)) against a typical \(String(format: "%.2f", typical))"))
        }
        drivers.sort { abs($0.effect) > abs($1.effect) }
        return LifetimeValueForecast(customerID: customer.id, value: value, algorithm: "bg-nbd+gamma-gamma", drivers: drivers)
    }
}

extension RFMSummary {
    /// The average client of `customers`: mean frequency (rounded), recency, T, and mean monetary
    /// value of those with repeat purchases. The reference for key drivers.
    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` for an empty population.
    public static func populationMean(_ customers: [RFMSummary]) throws(AnalyticsError) -> RFMSummary {
        guard !customers.isEmpty else {
            throw .unusableInput(problem: "No customers to average", advice: "Give the population the forecasts are compared against")
        }
        let n = Double(customers.count)
        let repeaters = customers.filter { $0.frequency > 0 }
        let frequency = Int((customers.reduce(0) { $0 + Double($1.frequency) } / n).rounded())
        let age = customers.reduce(0) { $0 + $1.age } / n
        let recency = frequency == 0 ? 0 : min(age, customers.reduce(0) { $0 + $1.recency } / n)
        let monetary = repeaters.isEmpty ? 0 : repeaters.reduce(0) { $0 + $1.monetaryValue } / Double(repeaters.count)
        return try RFMSummary(id: "population-mean", frequency: frequency, recency: recency, age: age, monetaryValue: monetary)
    }
}

/// Which lifetime-value forecast ranks clients better: each client's forecast from data before a
/// cut-off against what they actually spent in the following `horizonDays`, by Spearman rank
/// correlation (the heuristic and the model forecast different horizons and scales; ranks are
/// what targeting uses).
public struct LifetimeValueComparison: Sendable, Hashable, Codable {
    public var customers: Int
    /// Spearman correlation of the BG/NBD + Gamma-Gamma forecast with the spend that followed.
    public var probabilisticCorrelation: Double
    /// The same for the brief's heuristic.
    public var heuristicCorrelation: Double

    /// Fits both spend and purchase models on the data before `cutoff` (in days), forecasts
    /// `horizonDays` ahead, and correlates with the actual spend in [cutoff, cutoff + horizon).
    /// - Throws: what the fits throw (for example no repeat purchases before the cut-off).
    public static func run(_ histories: [CustomerHistory], cutoff: Date, horizonDays: Double,
                           heuristic: BriefLifetimeValue = BriefLifetimeValue()) throws(AnalyticsError) -> LifetimeValueComparison {
        var summaries: [RFMSummary] = [], included: [CustomerHistory] = []
        for history in histories {
            guard let summary = try history.rfmSummary(at: cutoff) else { continue }
            summaries.append(summary)
            included.append(history)
        }
        let purchases = try BGNBDModel.fit(summaries).model
        let spend = try GammaGammaModel.fit(summaries).model
        let projection = try LifetimeValueProjection(months: max(1, Int((horizonDays / LifetimeValueProjection.daysPerMonth).rounded())),
                                                     monthlyDiscountRate: 0, timeUnitsPerMonth: LifetimeValueProjection.daysPerMonth)
        let horizonEnd = AnalyticsCalendar.adding(days: horizonDays, to: cutoff)
        var model: [Double] = [], brief: [Double] = [], actual: [Double] = []
        for (history, summary) in zip(included, summaries) {
            model.append(try projection.value(of: summary, purchases: purchases, spend: spend))
            brief.append(heuristic.forecast(history, at: cutoff)?.value ?? 0)
            actual.append(history.orders(from: cutoff, to: horizonEnd).reduce(0) { $0 + $1.amount })
        }
        return LifetimeValueComparison(customers: included.count, probabilisticCorrelation: RankCorrelation.spearman(model, actual),
                                       heuristicCorrelation: RankCorrelation.spearman(brief, actual))
    }
}

/// Rank correlation.
public enum RankCorrelation {
    /// Spearman's rank correlation, ties at mid-ranks; 0 when either side is constant.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count == y.count, x.count > 1 else { return 0 }
        let rx = midRanks(x), ry = midRanks(y)
        let n = Double(x.count), mx = rx.reduce(0, +) / n, my = ry.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(rx, ry) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }
}

/// 1-based ranks, tied values sharing the mean of the ranks they span.
func midRanks(_ values: [Double]) -> [Double] {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var ranks = Array(repeating: 0.0, count: values.count)
    var start = 0
    while start < order.count {
        var end = start
        while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
        for index in order[start...end] { ranks[index] = Double(start + end) / 2 + 1 }
        start = end + 1
    }
    return ranks
}
