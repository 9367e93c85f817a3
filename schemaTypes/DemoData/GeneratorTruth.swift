import GROQ

/// The document that records how the demo was generated: the purchase process's true parameters
/// and what the data's fields mean, so that analytics fitted to the data can be checked by
/// recovering them.
///
/// It is an `analyticsModel` (model type `ltv-forecasting`, algorithm `simulation`) with a fixed
/// id:
///
/// ```groq
/// *[_id == "demo-generator-truth"][0].parameters[name == "r"][0].value
/// ```
enum GeneratorTruth {
    static let id = "demo-generator-truth"

    /// Share of clients who become LIZA members (the top spenders).
    static let lizaShare = 0.1
    /// Chance that an order is cancelled, independent of the process.
    static let cancelledShare = 0.04

    static func document(for demo: CRMDemo, orders: Int, members: Int) -> JSONValue {
        let process = demo.process, window = demo.window
        let season = Double(window.holidaySeasonDays) / Double(window.days)
        let parameters: [(String, Double)] = [
            ("r", process.r), ("alpha", process.alpha), ("a", process.a), ("b", process.b),
            ("p", process.p), ("q", process.q), ("gamma", process.gamma), ("holidayLift", process.holidayLift),
            ("holidaySeasonShare", season), ("observationWeeks", window.weeks), ("expectedOrderValue", process.expectedOrderValue),
            ("customers", Double(demo.customers)), ("seed", Double(demo.seed)), ("orders", Double(orders)), ("lizaMembers", Double(members)),
            ("lizaShare", lizaShare), ("cancelledShare", cancelledShare),
            ("aestheticPreference", Taste.aestheticWeight), ("categoryPreference", Taste.categoryWeight),
        ]
        let end = window.end.adding(days: -1)
        return [
            "_id": .string(id), "_type": "analyticsModel",
            "_createdAt": .string(end.isoDateTime(secondsIntoDay: 86_399)),
            "name": "Demo data generator — true parameters",
            "modelType": "ltv-forecasting",
            "algorithm": "simulation",
            "modelVersion": "1.0",
            "trainingData": [
                "datasetSize": .number(Double(demo.customers)),
                "features": ["customer", "orderDate", "subtotal", "status"],
                "trainingDate": .string(end.isoDateTime(secondsIntoDay: 86_399)),
            ],
            "parameters": .array(parameters.map { name, value in
                ["_key": .string(name), "_type": "parameter", "name": .string(name), "value": .number(value)]
            }),
            "notes": .string(notes(for: demo)),
            "generatedAt": .string(end.isoDateTime(secondsIntoDay: 86_399)),
        ]
    }

    static func notes(for demo: CRMDemo) -> String {
        let window = demo.window
        let last = window.end.adding(days: -1)
        return """
            Synthetic CRM made by `facet demo seed` with seed \(demo.seed) and \(demo.customers) customers. \
            Observation window: \(window.start.iso) to \(last.iso) inclusive (\(window.days) days = \(window.weeks) weeks); \
            the time unit is the week, counted from \(window.start.iso)T00:00:00Z. \
            Acquisition: each customer's first order, at a time uniform over the window thinned by the holiday multiplier; \
            customerSince is its date. \
            Repeat orders (BG/NBD, Fader, Hardie and Lee 2005): while active, a Poisson process with rate lambda·m(t) per week, \
            lambda ~ Gamma(shape r, rate alpha) per customer, m(t) = 1 + holidayLift from 15 November to 31 December and 1 \
            otherwise (holidaySeasonShare is the fraction of the window in the season); after each repeat order the customer \
            becomes inactive for good with probability p ~ Beta(a, b) per customer, never right after the first order. \
            Order values (Gamma-Gamma, Fader, Hardie and Lee 2005): z ~ Gamma(shape p, rate nu), nu ~ Gamma(shape q, rate gamma) \
            per customer, so the mean order value is p·gamma/(q − 1) = expectedOrderValue. \
            What counts as a purchase: every salesOrder, whatever its status. Statuses are drawn independently of the process \
            (cancelled with probability cancelledShare; returned 4.5% of the rest; confirmed or fulfilled in the last two weeks), \
            so count all orders to recover r, alpha, a and b. \
            An order's monetary value is its subtotal, which equals its total (no discount, no tax, currency USD): z rounded to the \
            cent, moved by at most a few cents where needed so that two-decimal amounts add up exactly. \
            lifetimeValue is the sum of a customer's orders that are not cancelled; the top lizaShare of customers by lifetime \
            value are lizaCustomer documents, tiered at 50,000 and 100,000, and memberSince is the day their spend first reached \
            the programme's threshold. energyAlignment ranks customers by their expected weekly spend (lambda·p/nu) plus noise: \
            the top 15% exceptional, the next 30% strong, the next 35% moderate, the rest developing. \
            Times of day are spread over shop hours (10:00 to 19:00 UTC) within the day of the event. \
            \(Taste.description)
            """
    }
}
