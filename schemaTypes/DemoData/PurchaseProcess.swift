import Foundation

/// The stochastic process behind the demo's orders: BG/NBD for when clients buy (Fader, Hardie
/// and Lee, "Counting your customers the easy way", 2005) and Gamma-Gamma for how much (Fader,
/// Hardie and Lee, "RFM and CLV", 2005), with a holiday-season lift.
///
/// For each customer:
/// - the first order is the acquisition, at a time spread over the window with the same holiday
///   lift as repeat orders (so the whole order stream shows the season);
/// - while active, repeat orders arrive as a Poisson process of rate λ·m(t) per week, where
///   λ ~ Gamma(shape r, rate α) and m(t) is 1 + `holidayLift` from 15 November to 31 December,
///   1 otherwise (simulated by thinning);
/// - after each repeat order the customer becomes inactive for good with probability
///   p ~ Beta(a, b) (as in BG/NBD, never right after the first order);
/// - each order's value is z ~ Gamma(shape `p`, rate ν) with ν ~ Gamma(shape q, rate γ) drawn once
///   per customer, so the mean order value over customers is p·γ / (q − 1).
///
/// Time is in weeks from the start of the ``ObservationWindow``.
public struct PurchaseProcess: Sendable, Equatable {
    /// Shape of the gamma distribution of purchase rates λ.
    public var r: Double
    /// Rate of the gamma distribution of purchase rates λ (per week).
    public var alpha: Double
    /// First shape of the beta distribution of dropout probabilities.
    public var a: Double
    /// Second shape of the beta distribution of dropout probabilities.
    public var b: Double
    /// Shape of the gamma distribution of one order's value given the customer's ν.
    public var p: Double
    /// Shape of the gamma distribution of the customers' ν.
    public var q: Double
    /// Rate of the gamma distribution of the customers' ν, in the house currency.
    public var gamma: Double
    /// The relative increase of the purchase rate in the holiday season (0.3 = 30% more).
    public var holidayLift: Double

    /// The demo's parameters, tuned so that 5,000 customers place about 17,500 orders over the
    /// window (3.5 each, seven in ten buying again): an average purchase rate r/α = 0.05 a week
    /// while active (widely spread: r = 0.6), an average dropout chance a/(a + b) = 0.21 after a
    /// repeat purchase, an average order of p·γ/(q − 1) = 3,000 (a fine-jewelry basket), and 30%
    /// more purchases in the holiday season.
    public static let standard = PurchaseProcess(r: 0.6, alpha: 12, a: 0.8, b: 3, p: 6, q: 4, gamma: 1_500, holidayLift: 0.3)

    public init(r: Double, alpha: Double, a: Double, b: Double, p: Double, q: Double, gamma: Double, holidayLift: Double) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
        self.p = p
        self.q = q
        self.gamma = gamma
        self.holidayLift = holidayLift
    }

    /// The mean order value across customers, p·γ / (q − 1) (infinite unless q > 1).
    public var expectedOrderValue: Double { q > 1 ? p * gamma / (q - 1) : .infinity }

    /// The mean purchase rate across customers, r / α per week, outside the holiday season.
    public var expectedPurchaseRate: Double { r / alpha }

    /// The mean dropout probability across customers, a / (a + b).
    public var expectedDropoutProbability: Double { a / (a + b) }

    /// What one customer did over the window, with the traits that drove it.
    public struct History: Sendable, Equatable {
        /// λ: repeat purchases per week while active, outside the holiday season.
        public var purchaseRate: Double
        /// p: the chance of becoming inactive after each repeat purchase.
        public var dropoutProbability: Double
        /// ν: the rate of the gamma distribution of this customer's order values (mean p / ν).
        public var spendRate: Double
        /// The purchases in time order; the first is the acquisition.
        public var purchases: [Purchase]
        /// When the customer became inactive (right after their last purchase), or `nil` when
        /// still active at the end of the window.
        public var inactiveFrom: Double?

        /// The customer's expected order value, p / ν.
        public func expectedOrderValue(in process: PurchaseProcess) -> Double { process.p / spendRate }
    }

    /// One purchase: when (weeks from the window's start) and for how much (before rounding).
    public struct Purchase: Sendable, Equatable {
        public var time: Double
        public var value: Double
    }

    /// The purchase-rate multiplier m(t) at `time`.
    public func rateMultiplier(atWeek time: Double, in window: ObservationWindow) -> Double {
        ObservationWindow.isHolidaySeason(window.date(atWeek: time)) ? 1 + holidayLift : 1
    }

    /// One customer's history over `window`, drawn from `random`.
    public func simulateCustomer(in window: ObservationWindow, random: inout DemoRandom) -> History {
        let horizon = window.weeks
        let peak = 1 + max(holidayLift, 0)
        // Acquisition: uniform over the window, thinned by m(t) / max m.
        var acquisition: Double
        repeat {
            acquisition = random.uniform() * horizon
        } while random.uniform() * peak > rateMultiplier(atWeek: acquisition, in: window)

        let rate = random.gamma(shape: r, rate: alpha)
        let dropout = random.beta(a, b)
        let spendRate = random.gamma(shape: q, rate: gamma)
        var purchases = [Purchase(time: acquisition, value: random.gamma(shape: p, rate: spendRate))]
        var inactiveFrom: Double?
        // Repeat purchases: candidates at rate λ·max m, each kept with probability m(t) / max m.
        var time = acquisition
        while true {
            time += random.exponential(rate: rate * peak)
            guard time < horizon else { break }
            guard random.uniform() * peak < rateMultiplier(atWeek: time, in: window) else { continue }
            purchases.append(Purchase(time: time, value: random.gamma(shape: p, rate: spendRate)))
            if random.chance(dropout) {
                inactiveFrom = time
                break
            }
        }
        return History(purchaseRate: rate, dropoutProbability: dropout, spendRate: spendRate, purchases: purchases,
                       inactiveFrom: inactiveFrom)
    }
}
