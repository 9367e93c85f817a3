import FacetAssets
import FacetSchedules
import FacetSchema
import FacetSecurity
import FacetStore
import FacetWebhooks
import GROQ
import HTTPTypes
import Hummingbird
import Logging

/// The studio HTTP API over one document store: Sanity's data endpoints under `/v1/` (and any
/// dated version such as `/v2025-02-19/`), Facet's own schema, structure and document
/// operations, and `/health`.
///
/// ```swift
/// let api = FacetAPI(store: store, schema: schema, structure: desk.json)
/// let app = api.application(logger: Logger(label: "facet"))
/// // On SIGINT or SIGTERM: new requests get 503, requests in flight finish, listeners are told to
/// // reconnect, then the server stops.
/// try await api.serviceGroup(running: app, logger: logger).run()
/// ```
public struct FacetAPI: Sendable {
    public let store: DocumentStore
    /// The compiled schema, served at `/v1/schema`; `nil` when the store checks no schema.
    public let schema: Schema?
    /// The desk structure's JSON, served at `/v1/structure`.
    public let structure: JSONValue?
    public let configuration: ServerConfiguration
    public let access: any AccessPolicy
    /// Users, roles, encryption, threat detection and the audit log; `nil` on an unsecured
    /// (loopback, embedded) server, where every caller is unrestricted.
    public let security: SecuritySystem?
    /// The audit log as documents, for admins' queries.
    let auditTrail: AuditTrailView?
    /// The document actions served at `/v1/actions`, in the order the studio lists them.
    public let actions: [DocumentAction]
    /// The studio's reports, served at `/v1/reports` (and each at its own path).
    public let reports: [StudioReport]
    /// What an admin may load into an empty dataset from the studio (`/v1/starters`).
    public let starters: [DatasetStarter]
    /// The datasets a starter is loading into now.
    let starterLoads = StarterLoads()
    /// Work that blocks (SQLite, query evaluation) runs here, never on the event loops.
    let workers: BlockingWork
    /// `/health`'s read of the store: a thread of its own, so a health check never waits behind
    /// queries.
    let probes = BlockingWork(limit: 1)
    /// Cancels the queries of clients that hang up.
    let hangUps = HangUpWatch()
    /// Requests, latencies and query figures, served at `/metrics`.
    let metrics = ServerMetrics()
    /// Drains the server before it stops: 503 to new requests, `reconnect` to listeners.
    public let lifecycle = ServerLifecycle()
    /// Who has which document open in the studio, served at `/v1/presence`.
    public let presence: PresenceBoard
    /// Uploaded images and files (`/vX/assets/…`, `/images/…`, `/files/…`); `nil` on a server
    /// that keeps none, which answers those routes with 501.
    public let assets: AssetLibrary?
    /// GROQ-filtered webhooks (`/vX/hooks/…`); `nil` on a server that keeps none, which answers
    /// those routes with 404.
    public let webhooks: Webhooks?
    /// Scheduled publishing (`/vX/schedules/…`); `nil` on a server that schedules nothing.
    public let schedules: PublishSchedules?
    /// Signs asset URLs for pages that cannot send a token (`<img src>`), with a key derived
    /// from the master key.
    let assetSigner: AssetURLSigner

    public init(store: DocumentStore, schema: Schema? = nil, structure: JSONValue? = nil,
                configuration: ServerConfiguration = ServerConfiguration(), access: any AccessPolicy = LoopbackAccess(),
                actions: [DocumentAction] = [], security: SecuritySystem? = nil, presence: PresenceBoard = PresenceBoard(),
                starters: [DatasetStarter] = [], assets: AssetLibrary? = nil, webhooks: Webhooks? = nil,
                schedules: PublishSchedules? = nil, reports: [StudioReport] = [])
    {
        self.reports = reports
        self.schedules = schedules
        self.assets = assets
        self.webhooks = webhooks
        self.assetSigner = (try? security?.encryption.derivedKey(purpose: "asset url signatures")).map(AssetURLSigner.init(key:)) ?? .random()
        self.starters = starters
        self.security = security
        self.presence = presence
        self.auditTrail = security.map { AuditTrailView(audit: $0.audit) }
        self.store = store
        self.schema = schema
        self.structure = structure
        self.configuration = configuration
        self.access = access
        self.actions = actions
        self.workers = BlockingWork(limit: configuration.maxConcurrentQueries)
    }

    /// Every route, with its middleware: request log, body limit, API version, access.
    public func router() -> Router<FacetRequestContext> {
        let router = Router(context: FacetRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: DrainMiddleware(lifecycle: lifecycle))
        router.add(middleware: BodyLimitMiddleware(limit: configuration.maxBodyBytes, assetLimit: assets?.limits.maxBytes))
        if let security {
            router.add(middleware: ThreatMiddleware(monitor: security.threats))
        }
        if !configuration.allowedOrigins.isEmpty {
            router.add(middleware: AllowedOrigins(origins: configuration.allowedOrigins))
        }
        let methods = RouteMethods()
        router.add(middleware: AllowedMethods(table: methods))
        addHealthRoutes(to: router)
        addMetricsRoutes(to: router)
        addStudioRoutes(to: router)
        let version = router.group(":apiVersion").add(middleware: APIVersionMiddleware())
        addQueryRoutes(to: version)
        addListenRoutes(to: version)
        addSchemaRoutes(to: version)
        addMutationRoutes(to: version)
        addDocumentRoutes(to: version)
        addHistoryRoutes(to: version)
        addExportRoutes(to: version)
        addDocumentOperationRoutes(to: version)
        addActionRoutes(to: version)
        addReportRoutes(to: version)
        addHookRoutes(to: version)
        addDraftActionRoutes(to: version)
        addScheduleRoutes(to: version)
        addAuthRoutes(to: version)
        addSecurityRoutes(to: version)
        addPresenceRoutes(to: version)
        addStarterRoutes(to: version)
        addAssetRoutes(to: version, router: router)
        methods.record(router.routes.map { (path: $0.path.description, method: $0.method.rawValue) })
        return router
    }

    /// The Hummingbird application on the configured address.
    public func application(logger: Logger) -> some ApplicationProtocol {
        Application(
            router: router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Facet"),
            logger: logger)
    }

    /// A route group that asks the access policy for `access` first.
    func group(_ parent: RouterGroup<FacetRequestContext>, _ path: RouterPath, _ access: RouteAccess) -> RouterGroup<FacetRequestContext> {
        parent.group(path).add(middleware: AccessMiddleware(access: access, policy: self.access))
    }

    /// What the caller may see of a dataset; `nil` when they see everything.
    func visibility(_ context: FacetRequestContext) -> (any DocumentVisibility)? {
        guard let principal = context.principal, let security else { return nil }
        return security.policy.visibility(for: principal)
    }

    /// Transaction options carrying the caller as author, their role's write check, and their
    /// query budget for patches and deletes that select by query (from now, the request's start).
    func authorized(_ options: TransactionOptions, _ context: FacetRequestContext) -> TransactionOptions {
        var options = options
        let budget = queryBudget(context)
        options.queryLimits = budget.groqLimits
        options.queryDeadline = .now + budget.timeLimit
        guard let principal = context.principal else { return options }
        options.author = principal.author
        if let security { options.authorizer = security.policy.authorizer(for: principal) }
        return options
    }

    /// What the caller's queries may spend: its role's budget (``ServerConfiguration/queryBudget(forRole:)``).
    func queryBudget(_ context: FacetRequestContext) -> QueryBudget {
        configuration.queryBudget(forRole: context.principal?.role.rawValue)
    }

    /// Who a piece of work is for, so that the workers share out fairly: the user or token, else
    /// the client's address.
    func caller(_ context: FacetRequestContext) -> String? {
        if let principal = context.principal { return principal.kind.rawValue + ":" + principal.id }
        return context.remoteAddress.map { "address:" + $0 }
    }

    /// Compiles a GROQ text on a worker, within `budget`'s limits and before `deadline`: parsing
    /// a long text is work like evaluating, and never runs on the threads that answer requests.
    func compile(_ query: String, params: [String: JSONValue], budget: QueryBudget, deadline: ContinuousClock.Instant,
                 caller: String?) async throws(APIError) -> GROQQuery
    {
        let limits = budget.groqLimits
        do {
            return try await workers.run(for: caller, until: deadline) {
                try GROQQuery(query, params: params, limits: limits, deadline: deadline)
            }
        } catch let error as GROQError {
            throw APIError.groq(error, query: query, budget: budget, metrics: metrics)
        } catch is BlockingWork.WaitedPastDeadline {
            metrics.recordQueryStopped(.queued)
            throw APIError.queryQueued(limit: budget.timeLimit, slots: workers.limit)
        } catch {
            throw APIError.queryCancelled()
        }
    }

    /// The dataset named by the `:dataset` path parameter; 404 when it does not exist.
    func dataset(_ context: FacetRequestContext) throws -> Dataset {
        let name = context.parameters.get("dataset") ?? configuration.defaultDataset
        do { return try store.dataset(name, create: false) } catch {
            throw APIError.store(error)
        }
    }
}

/// Applies the configured body limit to the request's context, before any handler reads a body,
/// and closes the connection after any 413: the client may still be sending the body it was
/// refused, and those bytes must never be read as a next request on the same connection.
struct BodyLimitMiddleware: RouterMiddleware {
    let limit: Int
    /// The limit of asset uploads (`POST /vX/assets/…`), larger than other bodies'.
    var assetLimit: Int?

    func handle(_ request: Request, context: FacetRequestContext, next: (Request, FacetRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        let limit = if let assetLimit, request.method == .post, request.uri.path.contains("/assets/") { assetLimit } else { self.limit }
        context.bodyLimit = limit
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            let error = APIError(.contentTooLarge, type: "requestTooLarge",
                                 "The body (\(length) bytes) is over the limit of \(limit) bytes; send less per request")
            return Self.closingConnection(try error.response(from: request, context: context))
        }
        do {
            let response = try await next(request, context)
            return response.status == .contentTooLarge ? Self.closingConnection(response) : response
        } catch let error as APIError where error.status == .contentTooLarge {
            return Self.closingConnection(try error.response(from: request, context: context))
        }
    }

    /// Thrown once the response is written: the server then closes the connection, as it does
    /// after a request that said `Connection: close`.
    struct ConnectionClosed: Error {}

    /// `response` with `Connection: close`, and the connection closed once it is written.
    static func closingConnection(_ response: Response) -> Response {
        var response = response
        response.headers[.connection] = "close"
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            try await body.write(writer)
            throw ConnectionClosed()
        }
        return response
    }
}
