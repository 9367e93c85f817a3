import FacetAnalytics
import FacetSchema
import FacetStore
import Foundation
import GROQ

/// What the last full prediction refresh of each open dataset computed, kept in this process's
/// memory so that the next refresh after a few new orders recomputes only the clients they touch.
///
/// One entry per dataset (the eight most recent datasets at most), dropped when the dataset is
/// closed; it holds the fitted models, every client's forecast and the clientele read, about as
/// much memory as the refresh itself used.
public actor PredictionMemory {
    public static let shared = PredictionMemory()

    /// One dataset's last refresh.
    struct Entry: Sendable {
        let settings: PredictionSettings
        let types: [ModelDocuments.ModelType]
        let clientele: ClienteleHistories
        let predictions: ClientelePredictions
        let forecasts: [String: ClientelePredictions.ClientForecast]
        let cohortIDs: [String]
        /// Documents updated after this moment were not in the refresh's reading.
        let since: Date
        /// When the models were fitted.
        let fitted: Date
    }

    private final class Slot: Sendable {
        weak let dataset: Dataset?
        let entry: Entry

        init(dataset: Dataset, entry: Entry) {
            self.dataset = dataset
            self.entry = entry
        }
    }

    private var slots: [Slot] = []
    static let capacity = 8

    func entry(for dataset: Dataset, settings: PredictionSettings, types: [ModelDocuments.ModelType]) -> Entry? {
        slots.removeAll { $0.dataset == nil }
        return slots.first { $0.dataset === dataset && $0.entry.settings == settings && $0.entry.types == types }?.entry
    }

    /// The dataset's last refresh under `settings`, whatever documents it wrote: the fitted
    /// models a one-client action can predict with.
    func models(for dataset: Dataset, settings: PredictionSettings) -> Entry? {
        slots.removeAll { $0.dataset == nil }
        return slots.last { $0.dataset === dataset && $0.entry.settings == settings }?.entry
    }

    func remember(_ entry: Entry, for dataset: Dataset) {
        slots.removeAll { $0.dataset == nil || $0.dataset === dataset }
        slots.append(Slot(dataset: dataset, entry: entry))
        if slots.count > Self.capacity { slots.removeFirst(slots.count - Self.capacity) }
    }

    /// Forgets every dataset's refresh (the next refresh of each is a full one).
    public func forget() { slots.removeAll() }
}

/// A prediction refresh that recomputes only the clients whose orders, interactions, profiles or
/// client documents changed since this process's last full refresh, with the models that refresh
/// fitted, and writes only their documents and their advisors' worklists. When more than a tenth
/// of the clients changed (an import, a migration), it declines and a full refresh runs.
///
/// The models, the backtests and the cohort documents stay those of the full refresh until the
/// next one (the retrain schedule's, or a refresh without `incremental`). A changed client is
/// predicted as of the day after the latest change read (the others keep their date). Deleting a
/// client or an order is seen by the next full refresh only: a deletion leaves no `_updatedAt`.
enum IncrementalRefresh {
    /// How far before a refresh's reading `since` is set, so that a commit stamped just before the
    /// reading but visible just after it is read again rather than missed.
    static let margin: TimeInterval = 5

    static let changedRecords = """
        *[_type in ["salesOrder", "interaction", "creativeExpression"] && dateTime(_updatedAt) > dateTime($since)].customer._ref
        """
    static let changedClients = #"*[_type in ["customer", "lizaCustomer"] && dateTime(_updatedAt) > dateTime($since)]._id"#

    static func run(_ context: ActionContext, entry: PredictionMemory.Entry, settings: PredictionSettings,
                    types: [ModelDocuments.ModelType], progress: @escaping AnalyticsProgress) async throws -> PredictionRefresh? {
        let started = Date()
        progress("finding the clients that changed", 0.05)
        let params: [String: JSONValue] = ["since": .string(AnalyticsDate.dateTime(entry.since))]
        async let records = context.query(changedRecords, params: params)
        async let clients = context.query(changedClients, params: params)
        let ids = Set(((try await records).arrayValue ?? []) + ((try await clients).arrayValue ?? [])).compactMap(\.stringValue).sorted()
        let fitted = AnalyticsDate.day(entry.fitted)
        // Past a tenth of the clientele, refitting is worth it and reading the clients one list
        // at a time is not: the caller runs a full refresh instead (nil).
        guard ids.count <= max(1, entry.clientele.histories.count / 10) else { return nil }
        guard !ids.isEmpty else {
            await remember(entry, clientele: entry.clientele, predictions: entry.predictions, forecasts: entry.forecasts, since: started, in: context)
            return PredictionRefresh(outcome: GeneratedDocuments.Outcome(), data: summary(changed: 0, written: 0, fitted: entry.fitted),
                                     cohortIDs: entry.cohortIDs, summary: "no client changed",
                                     message: "Predictions up to date: no client changed since the last refresh (models fitted \(fitted))")
        }
        progress("reading \(CRMActions.grouped(ids.count)) changed clients", 0.15)
        let update = try await ClienteleHistories.read(context, clients: ids)
        let clientele = entry.clientele.merging(update, replacing: Set(ids))
        let bought = Dictionary(grouping: update.productPurchases, by: \.customer).mapValues { $0.map(\.product) }
        let predictions = entry.predictions.moved(to: settings.asOf ?? update.asOf, purchases: bought)
        progress("forecasting \(CRMActions.grouped(update.histories.count)) clients", 0.3)
        let (documents, forecasts) = try await context.blocking {
            () throws -> ([JSONObject], [String: ClientelePredictions.ClientForecast]) in
            var forecasts = entry.forecasts
            var documents: [JSONObject] = []
            for history in update.histories {
                let forecast = try predictions.forecast(for: history)
                forecasts[history.id] = forecast
                documents += ModelDocuments.clientDocuments(forecast, predictions: predictions, types: types)
            }
            if types.contains(.worklist) {
                // Only the lists of the advisors the changed clients had or have now.
                let advisors = Set(ids.compactMap { entry.clientele.advisors[$0] } + ids.compactMap { clientele.advisors[$0] })
                let theirs = forecasts.values.filter { clientele.advisors[$0.history.id].map(advisors.contains) == true }
                let lists = ClientWorklist.lists(predictions, forecasts: theirs.sorted { $0.history.id < $1.history.id }, clientele: clientele)
                documents += ClientWorklist.documents(lists, predictions: predictions)
            }
            return (documents, forecasts)
        }
        progress("writing \(CRMActions.grouped(documents.count)) documents", 0.7)
        let outcome = try await GeneratedDocuments.replace(documents, type: "analyticsModel", prefixes: [], context: context) { share in
            progress("writing \(CRMActions.grouped(documents.count)) documents", 0.7 + 0.3 * share)
        }
        await remember(entry, clientele: clientele, predictions: predictions, forecasts: forecasts, since: started, in: context)
        let changed = outcome.written.count + outcome.deleted.count
        let clause = "\(CRMActions.grouped(ids.count)) changed client\(ids.count == 1 ? "" : "s") recomputed"
        return PredictionRefresh(
            outcome: outcome, data: summary(changed: ids.count, written: changed, fitted: entry.fitted), cohortIDs: entry.cohortIDs,
            summary: clause,
            message: "Predictions: \(clause) with the models fitted \(fitted); "
                + (changed == 0 ? "nothing else changed" : "\(CRMActions.grouped(changed)) document\(changed == 1 ? "" : "s") updated"))
    }

    static func summary(changed: Int, written: Int, fitted: Date) -> JSONObject {
        ["incremental": ["changedClients": .number(Double(changed)), "documentsWritten": .number(Double(written)),
                         "modelsFitted": .string(AnalyticsDate.dateTime(fitted))]]
    }

    static func remember(_ entry: PredictionMemory.Entry, clientele: ClienteleHistories, predictions: ClientelePredictions,
                         forecasts: [String: ClientelePredictions.ClientForecast], since started: Date, in context: ActionContext) async {
        await PredictionMemory.shared.remember(PredictionMemory.Entry(
            settings: entry.settings, types: entry.types, clientele: clientele, predictions: predictions, forecasts: forecasts,
            cohortIDs: entry.cohortIDs, since: started.addingTimeInterval(-margin), fitted: entry.fitted), for: context.dataset)
    }
}
