import FacetSchema
import GROQ

/// The output of one predictive model run: which model, how well it performs, what it was trained
/// on, and its prediction (and forecast) for one client — or for the whole book when `customer`
/// is empty.
///
/// The CRM's analytics actions write one per client and model type (`analytics.client.…`, the
/// client's prediction) and cohort documents (`analytics.cohort.…`) that describe each model:
/// fitted parameters, backtest performance and training data.
///
/// The shape follows the brief, so its queries work as written:
///
/// ```groq
/// *[_type == "analyticsModel" && modelType == "churn-prediction" && predictions.riskLevel == "critical"]
/// *[_type == "analyticsModel" && modelType == "ltv-forecasting"] | order(forecast.forecastedValue desc)
/// ```
let analyticsModel = SchemaType.document("analyticsModel", title: "Analytics Model") {
    Field("name", .string()).rules(.required(), .max(160))
    Field("modelType", .string(options: [
        ListOption("churn-prediction", title: "Churn prediction"),
        ListOption("ltv-forecasting", title: "Lifetime value forecasting"),
        ListOption("next-purchase", title: "Next purchase"),
        ListOption("product-affinity", title: "Product affinity"),
        ListOption("upsell-opportunity", title: "Upsell opportunity"),
        ListOption("clienteling-worklist", title: "Clienteling worklist"),
    ])).rules(.required())
    Field("algorithm", .string(), description: "e.g. bg-nbd, gamma-gamma, logistic-regression, brief-heuristic").rules(.required())
    Field("modelVersion", .string()).rules(.regex(#"^[0-9]+\.[0-9]+(\.[0-9]+)?$"#, name: "version number"))
    Field("customer", .reference(to: ["customer", "lizaCustomer"], weak: true), description: "The client predicted for; empty for a cohort model")
    Field("product", .reference(to: "product", weak: true), description: "The product an affinity score is about")
    Field("advisor", .reference(to: "staff", weak: true), description: "The advisor a clienteling worklist is for")
    Field("worklist", .array(of: .inline(name: "worklistEntry", fields: [
        Field("customer", .reference(to: ["customer", "lizaCustomer"], weak: true)).rules(.required()),
        Field("worth", .number(), description: "Expected spend in the next 90 days, in the house currency").rules(.required(), .min(0)),
        Field("sentence", .string(), description: "Why now, and the next step").rules(.required()),
        Field("worthLower", .number(), description: "The 10th percentile of the client's simulated spend over the same 90 days").rules(.min(0)),
        Field("worthUpper", .number(), description: "The 90th percentile of the client's simulated spend over the same 90 days").rules(.min(0)),
        Field("categories", .array(of: .string)),
        Field("products", .array(of: .reference(to: "product", weak: true)), description: "Pieces to show, best first, by the recommender the backtest chose"),
        Field("channel", .string(options: Vocabulary.contactChannels)),
    ])), description: "The advisor's clients most worth a contact now, best first")
    Field("currency", .string(), description: "The house currency of the amounts, e.g. USD").rules(.regex("^[A-Z]{3}$", name: "ISO 4217 code"))
    Field("performance", .object {
        Field("accuracy", .number()).rules(.min(0), .max(1))
        Field("precision", .number()).rules(.min(0), .max(1))
        Field("recall", .number()).rules(.min(0), .max(1))
        Field("f1Score", .number(), title: "F1 Score").rules(.min(0), .max(1))
        Field("auc", .number(), title: "AUC").rules(.min(0), .max(1))
        Field("aucStandardError", .number(), title: "AUC standard error", description: "Hanley and McNeil (1982): an AUC clears chance when it exceeds 0.5 by a few of these")
            .rules(.min(0))
    })
    Field("trainingData", .object {
        Field("datasetSize", .number()).rules(.integer(), .min(0))
        Field("features", .array(of: .string)).rules(.uniqueItems())
        Field("trainingDate", .datetime)
        Field("cutoffDate", .datetime, description: "For a backtest: features come from before this date, labels from after it")
        Field("horizonDays", .number(), description: "For a backtest: the days after the cut-off the label looks at").rules(.greaterThan(0))
        Field("retrainSchedule", .string(options: ["daily", "weekly", "monthly", "quarterly"]))
    })
    Field("parameters", .array(of: .inline(name: "parameter", fields: [
        Field("name", .string()).rules(.required()),
        Field("value", .number()).rules(.required()),
        Field("standardError", .number()).rules(.min(0)),
    ])), description: "Fitted (or, for simulated data, true) parameters")
    Field("predictions", .object {
        Field("value", .number())
        Field("probability", .number()).rules(.min(0), .max(1))
        Field("date", .date, description: "The predicted date, e.g. of the next purchase")
        Field("dateRange", .object {
            Field("earliest", .date)
            Field("latest", .date)
            Field("level", .number(), description: "e.g. 0.8: the date falls in the range with this probability").rules(.greaterThan(0), .lessThan(1))
        }, description: "Where the predicted date falls, e.g. the next purchase's if the client buys again")
        Field("riskLevel", .string(options: Vocabulary.riskLevels, layout: .radio)).indexed()
        Field("keyDrivers", .array(of: .inline(name: "keyDriver", fields: [
            Field("factor", .string()).rules(.required()),
            Field("weight", .number()),
            Field("detail", .string()),
        ])))
        Field("recommendations", .array(of: .string))
    })
    Field("forecast", .object {
        Field("forecastedValue", .number())
        Field("timeframe", .string(options: [
            ListOption("30-days", title: "30 days"),
            ListOption("90-days", title: "90 days"),
            ListOption("6-months", title: "6 months"),
            ListOption("1-year", title: "1 year"),
            ListOption("5-years", title: "5 years"),
        ]))
        Field("confidenceInterval", .object {
            Field("lower", .number())
            Field("upper", .number()).rules(.custom("intervalIsOrdered"))
            Field("level", .number(), description: "e.g. 0.9 for a 90% interval").rules(.greaterThan(0), .lessThan(1))
        })
    })
    Field("notes", .text(rows: 3), description: "How the model was run and what to keep in mind when reading it")
    Field("generatedAt", .datetime).readOnly()
}
// Titled by the client's name, read from the client (never copied here, where erasure would
// miss it); a cohort document, with no client, by its own name.
.preview(select: ["title": "customer.name", "subtitle": "modelType"])
.searchable("name", "modelType")
.orderings(
    .init("generatedAtDesc", title: "Newest first", by: [.init("generatedAt", descending: true)]),
    .init("forecastDesc", title: "Forecast, highest first", by: [.init("forecast.forecastedValue", descending: true)])
)
