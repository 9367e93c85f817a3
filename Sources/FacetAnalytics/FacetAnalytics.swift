/// Statistics and predictive models over plain Swift values: no HTTP, no GROQ.
///
/// Customer lifetime models for non-contractual businesses:
/// - ``BGNBDModel``: how many purchases a customer will make and whether they are still "alive"
///   (Fader, Hardie and Lee 2005), fitted by maximum likelihood with ``BGNBDModel/fit(_:optimiser:)``.
/// - ``GammaGammaModel``: how much each of those purchases will be worth.
/// - ``LifetimeValueProjection``: the two combined into a discounted lifetime value, with key
///   drivers (``LifetimeValueProjection/forecast(of:reference:purchases:spend:)``); beside it the
///   brief's multiplier heuristic, ``BriefLifetimeValue``, and ``LifetimeValueComparison`` to see
///   which ranks clients better.
///
/// Input is one ``RFMSummary`` per customer, read for example from the `lifetimes` CSV layout with
/// ``RFMSummary/parseCSV(_:)``, or derived from a dated ``CustomerHistory`` with
/// ``CustomerHistory/rfmSummary(at:)``. The numerical tools they rest on are public too:
/// ``Hypergeometric``, ``NelderMead`` and ``QuasiNewton``.
///
/// The CRM's predictive models, each over ``CustomerHistory`` values:
/// - churn: the brief's weighted score ``ChurnModel``, the probabilistic ``ProbabilisticChurn``,
///   and ``ChurnBacktest`` to evaluate both with ``ClassificationMetrics``;
/// - next purchase: ``NextPurchaseForecaster`` with a data-estimated ``SeasonalIndex``;
/// - product affinity: ``ProductAffinityModel`` over ``CoPurchaseStatistics``, evaluated by
///   ``AffinityEvaluation``;
/// - upsell: ``UpsellPolicy``;
/// - trends: the seven dimensions in ``Trends``, each returning a ``TrendReport``, built on
///   ``MonotonicTrend``, ``GrowthRate``, ``ContingencyTable`` and ``ProportionEstimate``.
///
/// ```swift
/// let customers = try RFMSummary.parseCSV(csv)
/// let purchases = try BGNBDModel.fit(customers).model
/// let spend = try GammaGammaModel.fit(customers).model
/// let clv = try LifetimeValueProjection(months: 60, monthlyDiscountRate: 0.01)
///     .value(of: customers[0], purchases: purchases, spend: spend)
/// ```
public enum FacetAnalytics {}
