import Foundation

/// A parsed GROQ query, ready to run any number of times.
///
/// Parsing happens once; evaluation walks the tree over a ``DocumentSource``.
///
/// ```swift
/// let query = try GROQQuery(#"*[_type == "customer" && tier == $tier]{name, "orders": count(*[references(^._id)])}"#,
///                           params: ["tier": "gold"])
/// let result: JSONValue = try query.evaluate(in: dataset)
/// ```
///
/// Parameters given to the initialiser are folded into the tree, as Sanity does, so that
/// `*[$field]` is an attribute access when `$field` is a string. Parameters may also be given
/// (or overridden) at evaluation time.
public struct GROQQuery: Sendable {
    /// The query text.
    public let source: String
    /// The parameters the query was parsed with.
    public let params: [String: JSONValue]
    let root: Node
    /// Whether the query can make date-times, whose markers must be resolved in its result.
    let makesDateTimes: Bool
    /// How many loop-invariant sub-queries the tree caches.
    let invariantSlots: Int
    /// What the query may cost to parse and to evaluate.
    public let limits: GROQLimits

    /// Parses `source`; throws a ``GROQError`` naming the line and column of a syntax error.
    ///
    /// - Parameters:
    ///   - limits: how deep and how large the query may be, and how many elements its evaluation
    ///     may build; past them, a ``GROQError`` of kind ``GROQError/Kind/query`` says which and where.
    ///   - deadline: when parsing gives up with a ``GROQError/Kind/timeout`` error, for callers
    ///     whose time limit counts from a request's arrival.
    public init(_ source: String, params: [String: JSONValue] = [:], limits: GROQLimits = .standard,
                deadline: ContinuousClock.Instant? = nil) throws(GROQError) {
        self.source = source
        self.params = params
        self.limits = limits
        var parser = Parser(source, params: params, limits: limits, deadline: deadline)
        let (root, slots) = InvariantHoisting.apply(try parser.parseQuery())
        self.root = root
        self.invariantSlots = slots
        self.makesDateTimes = Self.callsDateTime(root)
    }

    /// Evaluates the query over `dataset`.
    ///
    /// - Parameters:
    ///   - params: parameter values; they override those given when parsing. Values the query
    ///     was not parsed with cost one more parse, so pass them to the initialiser when the same
    ///     query runs many times.
    ///   - options: the clock, the identity, the mutation context, and when to give up: past
    ///     ``EvaluationOptions/deadline``, or once ``EvaluationOptions/cancellation`` is cancelled,
    ///     evaluation stops within a few thousand elements of work and throws a ``GROQError`` of
    ///     kind ``GROQError/Kind/timeout`` or ``GROQError/Kind/cancelled``.
    public func evaluate(in dataset: any DocumentSource, params: [String: JSONValue] = [:],
                         options: EvaluationOptions = EvaluationOptions()) throws(GROQError) -> JSONValue
    {
        var all = self.params
        for (key, value) in params { all[key] = value }
        // Parameters are folded into the tree when parsing (so `*[$field]` can be an attribute
        // access); values the tree was not parsed with mean parsing again with them.
        if params.contains(where: { key, value in self.params[key] != value }) {
            return try GROQQuery(source, params: all, limits: limits, deadline: options.deadline)
                .evaluate(in: dataset, options: options)
        }
        let context = EvaluationContext(
            dataset: dataset, params: all,
            now: options.now.map { GROQDateTime(milliseconds: Int64(($0.timeIntervalSince1970 * 1000).rounded(.down))) } ?? .now(),
            identity: options.identity, before: options.before, after: options.after, source: source,
            invariantSlots: invariantSlots, deadline: options.deadline, cancellation: options.cancellation,
            maxElements: limits.maxElements, profile: options.profile)
        // A deadline already past stops even a query with no loop to check it in.
        try context.checkStop()
        let scope = Scope(value: .null, parent: nil, isHidden: false, context: context)
        return try withExtendedLifetime((context, dataset)) { () throws(GROQError) -> JSONValue in
            let result = try Evaluator.evaluate(root, scope)
            if case .dateTime(let d) = result { return .string(d.description) }
            return makesDateTimes ? result.json.resolvingDateTimeMarkers() : result.json
        }
    }

    private static func callsDateTime(_ node: Node) -> Bool {
        if case .call(let call) = node, call.function.name == "dateTime" || call.function.namespace == "dateTime" {
            return true
        }
        return node.children.contains(where: callsDateTime)
    }

    /// The parsed tree, one node per line, for `facet query --explain`.
    public var explanation: String { TreeDescription.describe(root) }
}

/// What a query evaluation may depend on besides the documents, and when it must give up.
///
/// ```swift
/// // Stop after two seconds: past it, evaluate throws a GROQError of kind .timeout.
/// let options = EvaluationOptions(deadline: .now + .seconds(2))
/// let result = try query.evaluate(in: dataset, options: options)
/// ```
public struct EvaluationOptions: Sendable {
    /// The instant `now()` returns; the moment evaluation starts when `nil`. It is fixed for the
    /// whole query, so every `now()` in it agrees.
    public var now: Date?
    /// What `identity()` returns: the id of the user running the query.
    public var identity: String?
    /// The document before and after a mutation, for `before()`, `after()` and `delta::` functions.
    public var before: JSONValue?
    public var after: JSONValue?
    /// The instant past which evaluation stops with a ``GROQError/Kind/timeout`` error; no limit
    /// when `nil`. The evaluator looks at the clock every thousand or so elements of work, in
    /// every loop, so a runaway query stops within milliseconds of it.
    public var deadline: ContinuousClock.Instant?
    /// A switch that stops evaluation with a ``GROQError/Kind/cancelled`` error when flipped.
    public var cancellation: EvaluationCancellation?
    /// Where each step's index use, rows and time are recorded, to explain the plan; `nil`
    /// (the default) records nothing and costs nothing.
    public var profile: QueryProfile?

    public init(now: Date? = nil, identity: String? = nil, before: JSONValue? = nil, after: JSONValue? = nil,
                deadline: ContinuousClock.Instant? = nil, cancellation: EvaluationCancellation? = nil,
                profile: QueryProfile? = nil) {
        self.profile = profile
        self.now = now
        self.identity = identity
        self.before = before
        self.after = after
        self.deadline = deadline
        self.cancellation = cancellation
    }
}
