import FacetAnalytics
import FacetStore
import Foundation
import Synchronization

/// The five predictive models fitted on a clientele, and what they say about each client.
///
/// - Purchases and dropout: BG/NBD fitted by maximum likelihood on every client's history up to
///   ``asOf`` (in days); spend: Gamma-Gamma on the clients with repeat purchases.
/// - Churn: each client is measured against their own rhythm (``PurchaseRhythm``): lapsing means
///   no purchase within 1.5 usual intervals. A time-split backtest (models fitted before
///   ``churnCutoff``, each client labelled by their own window after it) compares the brief's
///   weighted heuristic, 1 − P(alive) and BG/NBD's probability of no purchase in the window; the
///   scorer with the highest AUC is calibrated (Platt or isotonic, chosen by cross-validated Brier
///   score) and becomes the churn probability. Levels come from ``ChurnRiskPolicy`` on that
///   probability and the forecast value it puts at risk.
/// - Lifetime value: the discounted BG/NBD × Gamma-Gamma value over `months` beside the brief's
///   multiplier heuristic, with Spearman rank correlations against the spend that followed the cut-off.
/// - Next purchase: ``NextPurchaseForecaster`` with the seasonal index estimated from the data, and
///   an 80% window for the date (``PurchaseWindow``) checked on the churn backtest's split.
/// - Affinity: co-purchase statistics over every client, evaluated by hit-rate@k on each client's last order.
/// - Upsell: ``UpsellPolicy`` on the model's forecast (the heuristic's when the spend model cannot be fitted).
///
/// ```swift
/// let predictions = try ClientelePredictions(clientele, settings: PredictionSettings())
/// let forecast = try predictions.forecast(for: clientele.histories[0])
/// forecast.churnLevel   // .medium
/// ```
public struct ClientelePredictions: Sendable {
    public let settings: PredictionSettings
    /// The day predictions are made for; an incremental refresh moves it forward for the
    /// clients it recomputes (``moved(to:)``), the models staying those fitted.
    public private(set) var asOf: Date
    /// The lifetime-value comparison's cut-off: `horizonDays` before ``asOf`` unless set.
    public let cutoff: Date
    /// The churn backtest's cut-off: the longest lapse window before ``asOf`` unless set.
    public let churnCutoff: Date
    /// What lapsing means, and the house's risk levels (from the settings).
    public var lapseWindow: LapseWindow { settings.lapseWindow }
    public var riskPolicy: ChurnRiskPolicy { settings.riskPolicy }
    /// Each client's rhythm under the model fitted at ``asOf``; nil without repeat purchases.
    public let rhythm: PurchaseRhythm?
    /// How many clients the models learned from (those with an order before ``asOf``).
    public let clientsWithOrders: Int
    /// BG/NBD at ``asOf``; nil when no client made a repeat purchase.
    public let purchases: BGNBDFit?
    /// Gamma-Gamma at ``asOf``; nil when no client made a repeat purchase.
    public let spend: GammaGammaFit?
    /// Parameter sets drawn from both fits' sampling distributions, which the simulated
    /// intervals cycle through so that they hold the parameters' error too; nil without the
    /// fits or their covariance.
    public let parameterUncertainty: ParameterUncertainty?
    /// The churn backtest; nil when it cannot be run, with ``backtestProblem`` saying why.
    public let backtest: ChurnBacktestReport?
    public let backtestProblem: String?
    /// The churn scorer used for the churn score.
    public let churnScorer: ChurnScorer
    /// The churn scorer's calibration on the backtest; nil when there is none (the probability is then the raw score).
    public let calibration: ProbabilityCalibrator.Choice?
    public let lifetimeComparison: LifetimeValueComparison?
    public let seasonality: SeasonalIndex
    /// The next-purchase windows checked on the churn backtest's split (model and seasonal index
    /// fitted before its cut-off); nil without a backtest.
    public let windowCheck: PurchaseWindowBacktest?
    public let affinity: ProductAffinityModel
    public let affinityEvaluation: AffinityEvaluation?
    /// The product recommender the backtest chose, fitted on every purchase before ``asOf``;
    /// the best-sellers when the backtest could not run (``recommenderProblem`` says why).
    public let recommender: ProductRecommender
    public let recommenderBacktest: RecommenderBacktest?
    public let recommenderProblem: String?
    let productNames: [String: String]
    public let churnModel: ChurnModel
    public let heuristicValue = BriefLifetimeValue()
    let projection: LifetimeValueProjection
    let reference: RFMSummary?

    /// Fits every model on `clientele`.
    /// - Throws: `StoreError` (`invalid`) when no client has an order before the as-of date, or a
    ///   setting does not fit the data.
    public init(_ clientele: ClienteleHistories, settings: PredictionSettings) throws {
        self.settings = settings
        let asOf = settings.asOf ?? clientele.asOf
        self.asOf = asOf
        let cutoff = settings.cutoff ?? AnalyticsCalendar.adding(days: -settings.horizonDays, to: asOf)
        self.cutoff = cutoff
        let churnCutoff = settings.cutoff ?? AnalyticsCalendar.adding(days: -settings.lapseWindow.longest, to: asOf)
        self.churnCutoff = churnCutoff
        // Whatever happened after the as-of date is unknown to every model, the backtest included.
        let histories = clientele.histories.map { $0.known(before: asOf) }
        let summaries = try Self.analytics { () throws(AnalyticsError) -> [RFMSummary] in
            var summaries: [RFMSummary] = []
            for history in histories { if let summary = try history.rfmSummary(at: asOf) { summaries.append(summary) } }
            return summaries
        }
        guard !summaries.isEmpty else {
            throw StoreError(.invalid, type: "analyticsInputError",
                             message: "None of the \(histories.count) clients has an order before \(AnalyticsDate.day(asOf)), so there is nothing to learn from",
                             advice: "Record sales orders for the clients (cancelled and returned ones do not count), or give a later asOf")
        }
        clientsWithOrders = summaries.count
        let repeaters = summaries.contains { $0.frequency > 0 }
        let churnModel = ChurnModel(currency: settings.currency)
        self.churnModel = churnModel
        let bought = clientele.productPurchases.filter { $0.date < asOf }
        let segments = clientele.heritageSegments
        // The purchase models and their backtests on one core, the season and the products on the
        // other: neither half reads what the other fits.
        let (fitted, products) = try EveryCore.both({ () throws -> PurchaseFits in
            var fits = PurchaseFits()
            fits.purchases = repeaters ? try Self.analytics { () throws(AnalyticsError) in try BGNBDModel.fit(summaries) } : nil
            fits.spend = repeaters ? try? GammaGammaModel.fit(summaries) : nil
            do throws(AnalyticsError) {
                // Windows running past the data are left out of the labels (a late client would look lapsed).
                fits.backtest = try ChurnBacktest(cutoff: churnCutoff, window: settings.lapseWindow, dataEnd: asOf, heuristic: churnModel).run(histories)
            } catch {
                fits.backtestProblem = error.description
            }
            fits.windowCheck = fits.backtest.flatMap { report in
                try? PurchaseWindowBacktest.run(histories, model: report.model.model, seasonality: SeasonalIndex.estimate(from: histories, until: churnCutoff),
                                                cutoff: churnCutoff, dataEnd: asOf)
            }
            // A horizon running past the data would count every recent client's spend as missing.
            let horizonFits = cutoff.addingTimeInterval(settings.horizonDays * AnalyticsCalendar.secondsPerDay) <= asOf.addingTimeInterval(1)
            fits.lifetimeComparison = horizonFits ? try? LifetimeValueComparison.run(histories, cutoff: cutoff, horizonDays: settings.horizonDays) : nil
            return fits
        }, { () -> ProductFits in
            var choice: RecommenderBacktest?, why: String?
            do throws(AnalyticsError) {
                choice = try RecommenderBacktest.run(bought, segments: segments, asOf: asOf)
            } catch {
                why = error.description
            }
            return ProductFits(seasonality: SeasonalIndex.estimate(from: histories, until: asOf),
                               affinity: ProductAffinityModel(statistics: CoPurchaseStatistics(histories)),
                               affinityEvaluation: try? AffinityEvaluation.holdout(histories, k: settings.affinityCount),
                               recommenderBacktest: choice, recommenderProblem: why,
                               recommender: ProductRecommender.fit(choice?.chosen ?? .popularity, matrix: PurchaseMatrix(bought), segments: segments))
        })
        purchases = fitted.purchases
        rhythm = purchases.map { settings.lapseWindow.rhythm($0.model) }
        spend = fitted.spend
        parameterUncertainty = fitted.purchases.flatMap { purchases in fitted.spend.flatMap { ParameterUncertainty.sampled(purchases: purchases, spend: $0) } }
        reference = try? RFMSummary.populationMean(summaries)
        projection = try Self.analytics { () throws(AnalyticsError) in
            try LifetimeValueProjection(months: settings.months, monthlyDiscountRate: settings.monthlyDiscountRate,
                                        timeUnitsPerMonth: LifetimeValueProjection.daysPerMonth)
        }
        backtest = fitted.backtest
        backtestProblem = fitted.backtestProblem
        // The best scorer by AUC; without a backtest, the one that ranked best on simulated data.
        churnScorer = purchases == nil ? .briefHeuristic : fitted.backtest?.best ?? .bgnbdNoPurchase
        calibration = fitted.backtest?.best == churnScorer ? fitted.backtest?.calibration : nil
        lifetimeComparison = fitted.lifetimeComparison
        windowCheck = fitted.windowCheck
        seasonality = products.seasonality
        affinity = products.affinity
        affinityEvaluation = products.affinityEvaluation
        recommenderBacktest = products.recommenderBacktest
        recommenderProblem = products.recommenderProblem
        recommender = products.recommender
        productNames = clientele.productNames
    }

    /// What the purchase half of the fitting finds.
    private struct PurchaseFits: Sendable {
        var purchases: BGNBDFit?
        var spend: GammaGammaFit?
        var backtest: ChurnBacktestReport?
        var backtestProblem: String?
        var windowCheck: PurchaseWindowBacktest?
        var lifetimeComparison: LifetimeValueComparison?
    }

    /// What the season-and-products half of the fitting finds.
    private struct ProductFits: Sendable {
        var seasonality: SeasonalIndex
        var affinity: ProductAffinityModel
        var affinityEvaluation: AffinityEvaluation?
        var recommenderBacktest: RecommenderBacktest?
        var recommenderProblem: String?
        var recommender: ProductRecommender
    }

    /// Clients whose purchases changed since the recommender was fitted: their products now.
    var recentPurchases: [String: [String]] = [:]

    /// The products to show the client, best first, by name where the catalogue has one.
    public func productsToShow(_ clientID: String, count: Int = 3) -> [(id: String, name: String)] {
        recommender.recommend(for: clientID, count: count, purchased: recentPurchases[clientID])
            .map { ($0, productNames[$0] ?? $0) }
    }

    /// The same fitted models, predicting as of `date` (never earlier than now), with the
    /// products `purchases` lists as each listed client's own.
    func moved(to date: Date, purchases: [String: [String]] = [:]) -> ClientelePredictions {
        var copy = self
        copy.asOf = max(asOf, date)
        copy.recentPurchases.merge(purchases) { _, new in new }
        return copy
    }

    /// Everything the models say about one client.
    public struct ClientForecast: Sendable {
        public var history: CustomerHistory
        /// The client's recency–frequency–monetary summary in days; nil without an order.
        public var summary: RFMSummary?
        /// The brief's heuristic: score, level, drivers and interventions.
        public var heuristic: ChurnAssessment
        /// Each scorer's score for the client.
        public var churnScores: [ChurnScorer: Double]
        /// The calibrated probability that the client lapses (no purchase within their window).
        public var churnScore: Double
        /// The house's level for ``churnScore`` and ``valueAtRisk``.
        public var churnLevel: RiskLevel
        /// The client's usual interval between purchases and their lapse window, in days (nil
        /// without a purchase model).
        public var usualInterval: Double?
        public var lapseWindow: Double?
        /// The forecast value the client's lapse would lose: ``churnScore`` × their lifetime value.
        public var valueAtRisk: Double
        /// The chance of at least one purchase in the next 30 days (BG/NBD); nil without a model.
        public var purchaseWithin30Days: Double?
        /// Expected purchases in the churn horizon (BG/NBD).
        public var expectedPurchases: Double?
        /// The model's lifetime value, and the brief heuristic's.
        public var modelValue: LifetimeValueForecast?
        /// The central 80% interval of the model's lifetime value, by simulating the client's
        /// future under the fitted models (``ForecastInterval``).
        public var valueInterval: ForecastInterval.Bounds?
        public var briefValue: LifetimeValueForecast?
        public var nextPurchase: NextPurchaseForecast?
        /// Every category's affinity, highest first.
        public var affinity: [CategoryAffinity]
        public var upsell: UpsellAssessment
    }

    /// The forecast for `history` as of ``asOf``.
    public func forecast(for history: CustomerHistory) throws -> ClientForecast {
        let asOf = self.asOf, horizon = settings.horizonDays
        let known = history.known(before: asOf)
        return try Self.analytics { () throws(AnalyticsError) -> ClientForecast in
            let summary = try known.rfmSummary(at: asOf)
            let heuristic = churnModel.assess(known, at: asOf)
            var scores: [ChurnScorer: Double] = [.briefHeuristic: heuristic.score]
            var expected: Double?
            var usual: Double?, window: Double?, soon: Double?
            if let model = purchases?.model, let rhythm, let summary {
                scores[.bgnbdDropout] = model.probabilityChurned(frequency: summary.frequency, recency: summary.recency, age: summary.age)
                expected = try model.expectedPurchases(in: horizon, for: summary)
                usual = rhythm.usualInterval(summary)
                window = rhythm.lapseWindow(summary)
                scores[.bgnbdNoPurchase] = try rhythm.probabilityOfLapse(summary)
                soon = try rhythm.probabilityOfPurchase(summary, within: 30)
            }
            let raw = scores[churnScorer] ?? heuristic.score
            let score = calibration?.calibrator.probability(raw) ?? min(1, max(0, raw))
            var modelValue: LifetimeValueForecast?
            var interval: ForecastInterval.Bounds?
            if let summary, let purchases = purchases?.model, let spend = spend?.model, let reference {
                modelValue = try projection.forecast(of: summary, reference: reference, purchases: purchases, spend: spend)
                interval = try ForecastInterval(projection: projection, purchases: purchases, spend: spend, uncertainty: parameterUncertainty)
                    .interval(for: summary, level: 0.8)
            }
            let briefValue = heuristicValue.forecast(known, at: asOf)
            let next = try NextPurchaseForecaster(model: purchases?.model, seasonality: seasonality).forecast(known, at: asOf)
            let basis = modelValue?.value ?? briefValue?.value ?? 0
            let atRisk = score * basis
            return ClientForecast(
                history: history, summary: summary, heuristic: heuristic, churnScores: scores, churnScore: score,
                churnLevel: riskPolicy.level(probability: score, valueAtRisk: atRisk), usualInterval: usual, lapseWindow: window,
                valueAtRisk: atRisk, purchaseWithin30Days: soon, expectedPurchases: expected, modelValue: modelValue,
                valueInterval: interval, briefValue: briefValue, nextPurchase: next, affinity: affinity.scores(for: known),
                upsell: settings.upsell.assess(known, forecastLifetimeValue: basis, at: asOf))
        }
    }

    /// The forecast of every one of `histories`, in their order, computed on every core (each
    /// client's forecast reads only the fitted models and their own history). `progress` hears
    /// the share done about twenty times.
    public func forecasts(for histories: [CustomerHistory], progress: @Sendable (Double) -> Void = { _ in }) throws -> [ClientForecast] {
        let count = histories.count
        guard count > 0 else { return [] }
        // Chunks small enough for a bar to move and the cores to finish together.
        let chunkSize = max(64, count / (20 * EveryCore.cores))
        let chunks = (count + chunkSize - 1) / chunkSize
        let results = Mutex<(chunks: [Int: Result<[ClientForecast], any Error>], done: Int)>(([:], 0))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (chunk * chunkSize)..<min(count, (chunk + 1) * chunkSize)
            let outcome = Result { try range.map { try forecast(for: histories[$0]) } }
            // Told under the lock, so that the shares heard only rise.
            results.withLock { state in
                state.chunks[chunk] = outcome
                state.done += range.count
                progress(Double(state.done) / Double(count))
            }
        }
        let all = results.withLock { $0.chunks }
        var forecasts: [ClientForecast] = []
        forecasts.reserveCapacity(count)
        for chunk in 0..<chunks {
            guard let outcome = all[chunk] else { continue }
            forecasts += try outcome.get()
        }
        return forecasts
    }

    /// Runs analytics work, turning its error into a `StoreError` the action route answers with 400.
    static func analytics<Value>(_ work: () throws(AnalyticsError) -> Value) throws -> Value {
        do { return try work() } catch {
            throw StoreError(.invalid, type: "analyticsError", message: error.description,
                             advice: "Check the data the models read (orders, their dates and totals) and the action's parameters")
        }
    }
}
