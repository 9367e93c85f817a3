import Foundation

/// How `facet serve` listens and what it allows: the address, request and query limits, and
/// which browser origins may call it.
///
/// ```swift
/// var configuration = ServerConfiguration()
/// configuration.port = 4000
/// configuration.queryTimeLimit = .seconds(5)
/// ```
public struct ServerConfiguration: Sendable, Equatable {
    /// The address to bind; loopback until authentication exists.
    public var host = "127.0.0.1"
    public var port = 3333
    /// The dataset a client gets when it names none (`facet serve --dataset`).
    public var defaultDataset = "production"
    /// The largest request body accepted; a larger one is refused with 413.
    public var maxBodyBytes = 16 * 1024 * 1024
    /// How long one query may run before it is stopped and answered with an error.
    public var queryTimeLimit: Duration = .seconds(10)
    /// The largest query result returned, serialised; a larger one is refused with advice.
    public var maxResultBytes = 64 * 1024 * 1024
    /// The most array elements one query's evaluation may build, its sub-queries' rows counted in
    /// every row (about 16 bytes each); past it the query is stopped with advice.
    public var maxQueryElements = 20_000_000
    /// Budgets by role name that replace the defaults above for that role's queries.
    public var queryBudgets: [String: QueryBudget] = [:]
    /// Roles whose queries get a restricted share of the defaults (``QueryBudget/restricted()``)
    /// unless ``queryBudgets`` names them.
    public var restrictedRoles: Set<String> = ["sales", "marketing", "support"]
    /// Queries evaluated at once; more wait their turn (and count against their time limit).
    /// While others wait, no one caller holds more than all but one of them.
    public var maxConcurrentQueries = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
    /// Browser origins allowed to call the API (`*` for any); none by default.
    public var allowedOrigins: [String] = []
    /// How often the server looks for transactions other processes committed to its data
    /// directory (`facet mutate`, `facet demo seed`, a second server).
    public var externalWritesInterval: Duration = .milliseconds(250)
    /// How often the server writes a signed checkpoint of the audit log's newest entry, when
    /// entries were added since the last one (``AuditCheckpoints``); it writes one when it stops too.
    public var auditCheckpointInterval: Duration = .seconds(60)
    /// How often a listener is sent a keep-alive comment.
    public var keepAliveInterval: Duration = .seconds(30)
    /// How many bytes of changes may wait for one listener that reads slowly or not at all
    /// (8 MiB by default; `listenerBufferBytes` in `facet serve`'s config file): past it the listener is sent
    /// `reconnect` and its connection is closed, so that a client that never reads cannot hold
    /// the server's memory.
    public var listenerBufferBytes = 8 * 1024 * 1024
    /// How long a dropped listener's connection is given to take its `reconnect` event before
    /// it is closed without it (a client that reads nothing never would).
    public var listenerDropGrace: Duration = .seconds(5)

    public init() {}
}
