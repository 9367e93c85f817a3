import ArgumentParser
import Dispatch
import FacetAssets
import FacetPostgres
import FacetSchema
import FacetSecurity
import FacetServer
import FacetSchedules
import FacetStore
import FacetWebhooks
import Foundation
import GROQ
import Hummingbird
import Logging
import SchemaTypes
import StudioConfig

/// `facet serve`: the studio HTTP API on the embedded store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the studio HTTP API (Sanity-compatible) on http://127.0.0.1:3333.",
        discussion: """
            Settings come from the flags, else the environment (FACET_DATA, FACET_DATABASE_URL, FACET_DATASET, \
            FACET_HOST, FACET_PORT, FACET_CONFIG), else the JSON config file (--config, default ./facet.json when it \
            exists), else the defaults. The config file may set host, port, data, database, dataset, maxBodyBytes, \
            queryTimeLimitSeconds, maxResultBytes, maxQueryElements, queryBudgets, restrictedRoles, maxConcurrentQueries, \
            listenerBufferBytes (what one slow listener may hold before it is dropped, 8 MiB by default), allowedOrigins \
            and threats (rate limits, \
            lock-outs and the response to each kind of automation).

            Every route but /health and sign-in needs a token (Authorization: Bearer). On the first start the \
            user admin is created, with the password in FACET_ADMIN_PASSWORD or a generated one printed once; \
            sensitive fields are sealed with the master key in FACET_MASTER_KEY or the key file the first start \
            creates in the data directory. SIGINT or SIGTERM stop \
            it gracefully: requests in flight finish, listeners are told to reconnect, the database closes.
            """)

    @Option(name: .long, help: "The data directory (default: $FACET_DATA, else ./facet-data; created if missing).")
    var data: String?

    @Option(name: .long, help: "The default dataset (default: $FACET_DATASET, else production; created if missing).")
    var dataset: String?

    @Option(name: .long, help: "A PostgreSQL database for the datasets, postgres://user:password@host:5432/database (default: $FACET_DATABASE_URL; else the data directory's SQLite files).")
    var database: String?

    @Option(name: .long, help: "The address to bind (default: $FACET_HOST, else 127.0.0.1; a non-loopback address serves the network: put TLS in front).")
    var host: String?

    @Option(name: .long, help: "The port (default: $FACET_PORT, else 3333).")
    var port: Int?

    @Option(name: .long, help: "A JSON config file (default: $FACET_CONFIG, else ./facet.json if present).")
    var config: String?

    func run() async throws {
        let settings = try ServeSettings(flags: self, environment: ProcessInfo.processInfo.environment)
        var logger = Logger(label: "facet")
        logger.logLevel = .info
        let schema: Schema, desk: DeskStructure, validator: Validator
        do {
            schema = try CRMSchema.compile()
            desk = try CRMDesk.structure(schema: schema)
            validator = try CRMSchema.validator()
        } catch { throw CommandFailure(error.description) }
        let store: DocumentStore, security: SecuritySystem, assets: AssetLibrary, webhooks: Webhooks, schedules: PublishSchedules
        do {
            try FileManager.default.createDirectory(atPath: settings.data, withIntermediateDirectories: true)
            let backend = try DatabaseChoice.backend(url: settings.database, logger: logger)
            // Users, keys and the audit log are read before anything can be answered: a database
            // out of reach at start is waited for, with 503s answered meanwhile.
            let data = settings.data
            security = try await DatabaseWait.answering(host: settings.server.host, port: settings.server.port, logger: logger,
                                                        isUnavailable: { ($0 as? SecurityError)?.kind == .unavailable }) {
                try SecuritySystem(directory: data, backend: backend, policy: CRMRoles.policy(schema: schema), schema: schema)
            }
            store = try security.documentStore(validator: validator)
            assets = try DatabaseChoice.assets(directory: settings.data, backend: backend, limits: settings.assets)
            // Hooks and schedules share one file on one machine. The schedules are flushed at every
            // commit (an editor was told it is scheduled); the webhooks' outbox is not, as a lost
            // cursor move or attempt is repeated safely, which lets deliveries keep up with commits.
            let file = (settings.data as NSString).appendingPathComponent("integrations.sqlite")
            let shared = store.backend.sharedRecords
            webhooks = try Webhooks(store: store, records: shared ?? SQLiteRecords(path: file, flushEachCommit: false),
                                    secretKey: security.encryption.derivedKey(purpose: "webhook secrets"), settings: settings.webhooks)
            schedules = try PublishSchedules(store: store, records: shared ?? SQLiteRecords(path: file))
            do {
                try Self.openDefaultDataset(of: store, named: settings.server.defaultDataset, logger: logger)
            } catch let error as StoreError where error.kind == .unavailable {
                // A server started before its database (a machine booting, a database restarting)
                // serves 503s until the database answers, and opens the dataset then.
                logger.warning("the database cannot be reached (\(error.message)); serving anyway: requests get 503 until it answers")
                Self.openWhenReachable(store, named: settings.server.defaultDataset, logger: logger)
            }
        } catch {
            throw CommandFailure("the data directory \(settings.data) is unusable: \(error)")
        }
        security.threats.policy = settings.threats
        do {
            if let password = try security.identities.ensureAdmin() {
                // Printed once, on the first start, and never stored in the clear.
                FileHandle.standardOutput.write(Data("Created the user admin with the password \(password) (shown once; change it with `facet users reset-password admin`)\n".utf8))
            }
        } catch {
            store.close()
            throw CommandFailure(error.description)
        }
        let api = FacetAPI(store: store, schema: schema, structure: desk.json, configuration: settings.server,
                           access: TokenAccess(security: security), actions: CRMActions.all, security: security,
                           starters: [DemoStarter.crm(assets: assets)], assets: assets, webhooks: webhooks, schedules: schedules,
                           reports: CRMReports.all)
        let app = api.application(logger: logger)
        let exposure = ServeSettings.isLoopback(settings.server.host) ? "this machine only" : "the network: put TLS in front of it"
        let storage = settings.database.flatMap { try? PostgresLocation(url: $0).description } ?? settings.data
        logger.info("Facet serving \(storage) on http://\(settings.server.host):\(settings.server.port) (\(exposure); sign-in required)")
        let refreshes = Self.scheduleAnalytics(store: store, dataset: settings.server.defaultDataset, security: security, logger: logger,
                                                 every: settings.schedulerInterval)
        // Among servers sharing a database, one delivers the hooks: the holder of this lease.
        let delivering = Task.detached(priority: .utility) { await webhooks.run(lease: HeldLease(backend: store.backend, name: "webhooks")) }
        let scheduleLog = logger
        let publishing = Task.detached(priority: .utility) {
            await schedules.run(every: settings.schedulePollInterval, lease: HeldLease(backend: store.backend, name: "schedules")) { schedule in
                scheduleLog.info("Scheduled \(schedule.action.rawValue) of \(schedule.documentID) in \(schedule.dataset): \(schedule.outcome ?? schedule.state.rawValue)")
                _ = try? security.audit.record(AuditEvent(action: "schedule-\(schedule.state == .done ? "run" : "fail")",
                                                          actor: PublishSchedules.author(for: schedule), documentID: schedule.documentID,
                                                          details: schedule.json))
            }
        }
        do {
            // Returns after SIGINT or SIGTERM once the server has drained and stopped.
            try await api.serviceGroup(running: app, logger: logger).run()
            // Closed only now: no request can write any more, and no scheduled refresh starts.
            refreshes.cancel()
            delivering.cancel()
            publishing.cancel()
            store.close()
        } catch {
            refreshes.cancel()
            delivering.cancel()
            publishing.cancel()
            store.close()
            let text = "\(error)"
            if text.contains("Address already in use") || text.contains("EADDRINUSE") || text.contains("errno: 98") {
                throw CommandFailure("port \(settings.server.port) on \(settings.server.host) is taken by another program; stop it or choose another with --port")
            }
            throw CommandFailure("the server stopped: \(text)")
        }
        logger.info("Facet stopped; the database is closed")
    }
}

extension ServeCommand {
    /// Opens the default dataset (created when missing), logs how long it took, and builds the
    /// studio's views.
    static func openDefaultDataset(of store: DocumentStore, named name: String, logger: Logger) throws {
        let opening = ContinuousClock.now
        let dataset = try store.dataset(name, create: true)
        let elapsed = ContinuousClock.now - opening
        let milliseconds = elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        logger.info("Dataset \(dataset.name): \(dataset.snapshot.count) documents in \(milliseconds) ms, \(dataset.openedFrom)")
        prepareStudioViews(of: dataset)
    }

    /// Tries to open the default dataset again, waiting longer each time (up to 30 s), until the
    /// database answers; a request that comes first opens it itself.
    static func openWhenReachable(_ store: DocumentStore, named name: String, logger: Logger) {
        Task.detached {
            var pause = Duration.seconds(1)
            while !Task.isCancelled {
                try? await Task.sleep(for: pause)
                do {
                    try openDefaultDataset(of: store, named: name, logger: logger)
                    logger.info("the database answers again")
                    return
                } catch let error as StoreError where error.kind == .unavailable {
                    pause = min(pause * 2, .seconds(30))
                } catch {
                    logger.error("cannot open dataset \(name): \(error)")
                    return
                }
            }
        }
    }

    /// Builds the views the studio reads (drafts, and published for API clients) on a thread of
    /// their own while the server starts, so that the first query does not wait for them: on a
    /// million documents they take seconds. A query that comes first builds what it needs itself.
    static func prepareStudioViews(of dataset: Dataset) {
        // Off Swift's shared task threads: seconds of synchronous work there would hold up requests.
        DispatchQueue.global(qos: .utility).async {
            let snapshot = dataset.snapshot
            for perspective in [Perspective.drafts, .published] { _ = snapshot.source(perspective) }
            ReleasedMemory.returnToTheSystem()
        }
    }

    /// Retrains the analytics in the background as their schedules say (``RetrainSchedule``),
    /// one refresh at a time; each run is logged, its writes are audited as the scheduler's, and
    /// the run itself is audited as `analytics-refresh`.
    /// It looks for refreshes whose schedule has come round every `interval`
    /// (``ServeSettings/schedulerInterval``).
    static func scheduleAnalytics(store: DocumentStore, dataset name: String, security: SecuritySystem, logger: Logger,
                                  every interval: Duration) -> Task<Void, Never> {
        Task.detached(priority: .background) {
            // Among servers sharing a database, only the holder of this lease runs the work; when
            // it dies, another takes the lease over once it runs out (15 s).
            let lease = HeldLease(backend: store.backend, name: "scheduler")
            let keeping = Task { await lease.keep() }
            defer { keeping.cancel() }
            let shared = store.backend is PostgresBackend
            logger.info("The scheduler looks for due analytics refreshes every \(interval.components.seconds) s")
            var refresher: ScheduledRefresh?
            var holding = false
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { return }
                if lease.isHeld != holding {
                    holding.toggle()
                    if shared {
                        logger.info(holding ? "This server runs the scheduled work now (it holds the scheduler's lease)"
                                            : "Another server runs the scheduled work now")
                    }
                }
                guard holding else { continue }
                // Opened at the first turn that finds the database (a server may start before it).
                if refresher == nil, let dataset = try? store.dataset(name) { refresher = ScheduledRefresh(dataset: dataset) }
                guard let refresher else { continue }
                do {
                    for run in try await refresher.runDue() {
                        logger.info("Scheduled analytics refresh (\(run.refresh.rawValue)): \(run.message)")
                        _ = try? security.audit.record(AuditEvent(action: "analytics-refresh", actor: ScheduledRefresh.author,
                                                              details: ["refresh": .string(run.refresh.rawValue), "message": .string(run.message),
                                                                        "written": .number(Double(run.written))]))
                    }
                } catch {
                    logger.error("A scheduled analytics refresh failed: \(error)")
                }
            }
        }
    }
}

/// The settings of `facet serve`, from flags, environment, config file and defaults, in that order.
struct ServeSettings {
    var server = ServerConfiguration()
    var data = "./facet-data"
    /// Rate limits, lock-outs and the responses to automation (the config file's `"threats"`).
    var threats = ThreatPolicy()
    /// Upload and transform limits (the config file's `"assets"`).
    var assets = AssetLimits()
    /// How often the scheduler looks for work whose time has come (`FACET_SCHEDULER_INTERVAL`
    /// or the config file's `"schedulerIntervalSeconds"`, in seconds).
    var schedulerInterval = Duration.seconds(600)
    /// How hooks are delivered (the config file's `"webhooks"`).
    var webhooks = WebhookSettings()
    /// How often due publishing schedules are looked for (the config file's
    /// `"schedulePollSeconds"`): well within the minute a schedule is promised.
    var schedulePollInterval = Duration.seconds(5)
    /// The PostgreSQL database that holds the datasets (`--database`, `FACET_DATABASE_URL` or
    /// the config file's `"database"`); `nil` keeps them in the data directory.
    var database: String?

    init(flags: ServeCommand, environment: [String: String]) throws {
        let configPath = flags.config ?? environment["FACET_CONFIG"]
        let file: JSONValue
        if let configPath {
            guard let bytes = FileManager.default.contents(atPath: configPath) else {
                throw CommandFailure("--config \(configPath): no such file, or it is not readable")
            }
            file = try Self.parse(bytes, path: configPath)
        } else if let bytes = FileManager.default.contents(atPath: "facet.json") {
            file = try Self.parse(bytes, path: "facet.json")
        } else {
            file = [:]
        }
        let known: Set<String> = ["host", "port", "data", "dataset", "maxBodyBytes", "queryTimeLimitSeconds", "maxResultBytes",
                                  "maxQueryElements", "queryBudgets", "restrictedRoles", "maxConcurrentQueries",
                                  "listenerBufferBytes", "allowedOrigins", "threats", "assets", "schedulerIntervalSeconds", "database", "webhooks", "schedulePollSeconds"]
        for key in file.objectValue?.keys ?? JSONObject().keys where !known.contains(key) {
            throw CommandFailure("the config file sets \"\(key)\", which Facet does not know; known settings: \(known.sorted().joined(separator: ", "))")
        }
        func integer(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let value = file[key] else { return nil }
            guard let number = value.numberValue, number.rounded() == number, range.contains(Int(number)) else {
                throw CommandFailure("the config file's \"\(key)\" must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return Int(number)
        }
        data = flags.data ?? environment["FACET_DATA"] ?? file["data"]?.stringValue ?? data
        database = flags.database ?? environment["FACET_DATABASE_URL"] ?? file["database"]?.stringValue
        server.defaultDataset = flags.dataset ?? environment["FACET_DATASET"] ?? file["dataset"]?.stringValue ?? server.defaultDataset
        server.host = flags.host ?? environment["FACET_HOST"] ?? file["host"]?.stringValue ?? server.host
        if let port = flags.port {
            server.port = port
        } else if let text = environment["FACET_PORT"] {
            guard let port = Int(text) else { throw CommandFailure("FACET_PORT=\(text): a port is a number from 1 to 65535") }
            server.port = port
        } else if let port = try integer("port", 1...65535) {
            server.port = port
        }
        guard (1...65535).contains(server.port) else { throw CommandFailure("port \(server.port): a port is a number from 1 to 65535") }
        if let bytes = try integer("maxBodyBytes", 1024...(1 << 30)) { server.maxBodyBytes = bytes }
        if let seconds = try integer("queryTimeLimitSeconds", 1...3600) { server.queryTimeLimit = .seconds(seconds) }
        if let bytes = try integer("maxResultBytes", 1024...(1 << 32)) { server.maxResultBytes = bytes }
        if let count = try integer("maxQueryElements", 1_000...(1 << 40)) { server.maxQueryElements = count }
        if let count = try integer("maxConcurrentQueries", 1...1024) { server.maxConcurrentQueries = count }
        if let bytes = try integer("listenerBufferBytes", 65_536...(1 << 32)) { server.listenerBufferBytes = bytes }
        if let text = environment["FACET_SCHEDULER_INTERVAL"] {
            guard let seconds = Int(text), Self.schedulerSeconds.contains(seconds) else {
                throw CommandFailure("FACET_SCHEDULER_INTERVAL=\(text): the scheduler's interval is a whole number of seconds from \(Self.schedulerSeconds.lowerBound) to \(Self.schedulerSeconds.upperBound)")
            }
            schedulerInterval = .seconds(seconds)
        } else if let seconds = try integer("schedulerIntervalSeconds", Self.schedulerSeconds) {
            schedulerInterval = .seconds(seconds)
        }
        if let given = file["restrictedRoles"] {
            guard let list = given.arrayValue?.compactMap(\.stringValue), list.count == given.arrayValue?.count else {
                throw CommandFailure("the config file's \"restrictedRoles\" must be a list of role names, e.g. [\"sales\", \"support\"]")
            }
            server.restrictedRoles = Set(list)
        }
        if let given = file["queryBudgets"] {
            server.queryBudgets = try Self.queryBudgets(given, defaults: server)
        }
        if let origins = file["allowedOrigins"] {
            guard let list = origins.arrayValue?.compactMap(\.stringValue), list.count == origins.arrayValue?.count else {
                throw CommandFailure("the config file's \"allowedOrigins\" must be a list of origins, e.g. [\"http://localhost:3333\"]")
            }
            server.allowedOrigins = list
        }
        if let given = file["threats"] {
            do { threats = try ThreatPolicy(json: given) } catch { throw CommandFailure("the config file: \(error.description)") }
        }
        if let given = file["assets"] {
            assets = try Self.assetLimits(given)
        }
        if let seconds = try integer("schedulePollSeconds", 1...60) { schedulePollInterval = .seconds(seconds) }
        if let given = file["webhooks"] {
            do { webhooks = try WebhookSettings(json: given) } catch { throw CommandFailure("the config file: \(error.description)") }
        }
    }

    /// From a second (tests, demonstrations) to a day.
    static let schedulerSeconds = 1...86_400

    /// `"assets": {"maxBytes": 67108864, "maxImagePixels": 50000000, "transformTimeLimitSeconds": 10, "variantCacheBytes": 536870912}`.
    static func assetLimits(_ json: JSONValue) throws -> AssetLimits {
        guard case .object(let members) = json else {
            throw CommandFailure(#"the config file's "assets" must be an object, e.g. {"maxBytes": 67108864}"#)
        }
        var limits = AssetLimits()
        let ranges: [String: ClosedRange<Int>] = ["maxBytes": 1024...(1 << 34), "maxImagePixels": 1...(1 << 34),
                                                  "transformTimeLimitSeconds": 1...600, "variantCacheBytes": 0...(1 << 40)]
        for (key, value) in members {
            guard let range = ranges[key] else {
                throw CommandFailure("the config file's \"assets\" sets \"\(key)\"; it has \(ranges.keys.sorted().joined(separator: ", "))")
            }
            guard let number = value.numberValue, number.rounded() == number, range.contains(Int(number)) else {
                throw CommandFailure("the config file's \"assets\".\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            switch key {
            case "maxBytes": limits.maxBytes = Int(number)
            case "maxImagePixels": limits.maxImagePixels = Int(number)
            case "transformTimeLimitSeconds": limits.transformTimeLimit = .seconds(Int(number))
            default: limits.variantCacheBytes = Int(number)
            }
        }
        return limits
    }

    /// `"queryBudgets": {"support": {"timeLimitSeconds": 2, "maxElements": 500000, "maxResultBytes": 4194304}}`:
    /// each role's own budget; a member left out keeps the server's default.
    static func queryBudgets(_ json: JSONValue, defaults: ServerConfiguration) throws -> [String: QueryBudget] {
        guard case .object(let roles) = json else {
            throw CommandFailure(#"the config file's "queryBudgets" must be an object of budgets by role, e.g. {"support": {"timeLimitSeconds": 2}}"#)
        }
        var budgets: [String: QueryBudget] = [:]
        for (role, given) in roles {
            guard case .object(let members) = given else {
                throw CommandFailure("the config file's \"queryBudgets\".\(role) must be an object of timeLimitSeconds, maxElements, maxResultBytes")
            }
            var budget = defaults.queryBudget(forRole: nil)
            for (key, value) in members {
                guard let number = value.numberValue, number.rounded() == number, number >= 1, number <= Double(1 << 40) else {
                    throw CommandFailure("the config file's \"queryBudgets\".\(role).\(key) must be a whole number, at least 1")
                }
                switch key {
                case "timeLimitSeconds": budget.timeLimit = .seconds(Int(number))
                case "maxElements": budget.maxElements = Int(number)
                case "maxResultBytes": budget.maxResultBytes = Int(number)
                default:
                    throw CommandFailure("the config file's \"queryBudgets\".\(role) sets \"\(key)\"; a budget has timeLimitSeconds, maxElements and maxResultBytes")
                }
            }
            budgets[role] = budget
        }
        return budgets
    }

    private static func parse(_ bytes: Data, path: String) throws -> JSONValue {
        do {
            let value = try JSONValue(parsing: Array(bytes))
            guard value.objectValue != nil else { throw CommandFailure("\(path): the config file must be a JSON object") }
            return value
        } catch let error as JSONError {
            throw CommandFailure("\(path) is not valid JSON: \(error)")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
