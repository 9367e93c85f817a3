import FacetStore
import GROQ

/// A screen of the studio computed by code declared beside the schema — the CRM's "This week"
/// worklist — served at `/v1/reports/:dataset/:name` (and at its own `path`) and drawn by the
/// studio as sections of cards, each card a document with a sentence and one-click actions.
///
/// A report reads through ``ReportContext/query(_:params:perspective:)``, which sees the dataset
/// as the caller may (their hidden documents and fields are not there), and its actions write
/// through ``ReportContext/mutate(_:)``, which checks the caller's role like any edit.
///
/// What ``run`` returns is the page the studio draws:
///
/// ```json
/// {"title": "This week", "subtitle": "…", "notes": "…",
///  "filters": [{"name": "staff", "title": "Advisor", "value": "staff-003",
///               "options": [{"value": "", "title": "Every advisor"}, {"value": "staff-003", "title": "Ana Diaz"}]}],
///  "sections": [{"title": "Ana Diaz", "subtitle": "…", "items": [
///      {"id": "customer-84", "documentId": "customer-84", "title": "Amara Okafor", "figure": "USD 2,310",
///       "sentence": "Overdue by 3 weeks …", "badges": [{"text": "overdue", "tone": "caution"}], "done": null,
///       "actions": [{"name": "contacted", "title": "Interested", "params": {"outcome": "interested"}}]}]}]}
/// ```
///
/// ```swift
/// let report = StudioReport("worklist", title: "This week", description: "Clients to contact now",
///                           path: "clienteling/worklist", reads: ["analyticsModel"], writes: ["interaction"],
///                           run: { context in try await worklist(context) },
///                           act: { context, item, action, params in try await logContact(context, item, params) })
/// ```
public struct StudioReport: Sendable {
    /// Computes the page for the caller.
    public typealias Run = @Sendable (ReportContext) async throws -> JSONValue
    /// Runs one of a card's actions: the card's `id`, the action's `name` and its `params`.
    public typealias Act = @Sendable (ReportContext, _ item: String, _ action: String, _ params: JSONObject) async throws -> ActionResult

    /// The report's identifier, part of its URL: letters, digits and `-`.
    public let name: String
    /// The label of its link in the studio's header.
    public let title: String
    /// One sentence saying what it shows.
    public let description: String
    /// Where else it is served, under the API version (`clienteling/worklist` →
    /// `GET /v1/clienteling/worklist`), on the default dataset unless `?dataset=` names another.
    public let path: String?
    /// The types a caller must be allowed to read to see the report.
    public let reads: [String]
    /// The types its actions write: a caller must be allowed to create them.
    public let writes: [String]
    public let run: Run
    public let act: Act?

    public init(_ name: String, title: String, description: String, path: String? = nil, reads: [String], writes: [String] = [],
                run: @escaping Run, act: Act? = nil) {
        self.name = name
        self.title = title
        self.description = description
        self.path = path
        self.reads = reads
        self.writes = writes
        self.run = run
        self.act = act
    }

    /// The declaration as the studio reads it: `{"name", "title", "description", "path"}`.
    public var json: JSONValue {
        ["name": .string(name), "title": .string(title), "description": .string(description), "path": path.map(JSONValue.string) ?? .null]
    }
}

/// Who asks for a report, as far as a report needs to know.
public struct ReportCaller: Sendable, Equatable {
    /// The user's or token's id.
    public var id: String
    public var name: String
    /// The role's name (`admin`, `manager`, `sales`, …).
    public var role: String
    /// The staff document the user is linked to, if any.
    public var staffID: String?
    /// Whether the caller sees every document and field (their role's reach, not their person).
    public var seesEverything: Bool

    public init(id: String, name: String, role: String, staffID: String? = nil, seesEverything: Bool) {
        self.id = id
        self.name = name
        self.role = role
        self.staffID = staffID
        self.seesEverything = seesEverything
    }
}

/// What a report runs with: the dataset, the query string's parameters, the caller, and reads
/// and writes made as the caller.
public struct ReportContext: Sendable {
    public let dataset: Dataset
    /// The request's query-string parameters (`?staff=staff-003`).
    public let params: [String: String]
    /// Who asks; `nil` on a server without sign-in, where everyone sees everything.
    public let caller: ReportCaller?
    private let visibility: (any DocumentVisibility)?
    private let options: TransactionOptions
    private let offload: ActionContext.Offload

    /// - Parameters:
    ///   - visibility: what the caller may see (`nil`: everything).
    ///   - options: the caller's transaction options (author, role check), for ``mutate(_:)``.
    public init(dataset: Dataset, params: [String: String] = [:], caller: ReportCaller? = nil,
                visibility: (any DocumentVisibility)? = nil, options: TransactionOptions = TransactionOptions(source: "report"),
                offload: @escaping ActionContext.Offload = { work in work() }) {
        self.dataset = dataset
        self.params = params
        self.caller = caller
        self.visibility = visibility
        self.options = options
        self.offload = offload
    }

    /// Runs `work`, which may block, where the host runs such work.
    public func blocking<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await ActionContext.blocking(work, offload: offload)
    }

    /// A GROQ query over the dataset as the caller sees it; by default only published documents.
    public func query(_ text: String, params: [String: JSONValue] = [:], perspective: Perspective = .published) async throws -> JSONValue {
        let dataset = self.dataset, visibility = self.visibility
        return try await blocking { () throws -> JSONValue in
            do {
                return try GROQQuery(text, params: params).evaluate(in: dataset.snapshot.source(perspective, visibility: visibility), params: params)
            } catch let error as GROQError {
                throw StoreError(.invalid, type: "queryError", message: error.formatted, advice: "Fix the report's query.")
            }
        }
    }

    /// Commits `mutations` as one transaction, as the caller: their role decides what they may write.
    public func mutate(_ mutations: [Mutation]) async throws -> TransactionResult {
        let dataset = self.dataset, options = self.options
        return try await blocking { try dataset.mutate(mutations, options: options) }
    }
}
