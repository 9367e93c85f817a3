/// A built-in GROQ function: its qualified name, how many arguments it takes, and what it does
/// with their values. Calls are resolved when the query is parsed, so an unknown function or a
/// wrong number of arguments is a parse-time error with a position.
struct GROQFunction: Sendable {
    typealias Implementation = @Sendable ([Value], Scope) throws(GROQError) -> Value

    let namespace: String
    let name: String
    let arity: ClosedRange<Int>
    let implementation: Implementation
    /// Whether the function reads the current document (`@`) besides its arguments.
    let readsScope: Bool

    init(_ namespace: String, _ name: String, arity: ClosedRange<Int>, readsScope: Bool = false,
         _ implementation: @escaping Implementation) {
        self.namespace = namespace
        self.name = name
        self.arity = arity
        self.readsScope = readsScope
        self.implementation = implementation
    }

    init(_ namespace: String, _ name: String, arity: Int, readsScope: Bool = false, _ implementation: @escaping Implementation) {
        self.init(namespace, name, arity: arity...arity, readsScope: readsScope, implementation)
    }

    var displayName: String { namespace == "global" ? name : "\(namespace)::\(name)" }

    var arityDescription: String {
        if arity.lowerBound == arity.upperBound {
            return arity.lowerBound == 1 ? "1 argument" : "\(arity.lowerBound) arguments"
        }
        if arity.upperBound == Int.max { return "at least \(arity.lowerBound) argument\(arity.lowerBound == 1 ? "" : "s")" }
        return "\(arity.lowerBound) to \(arity.upperBound) arguments"
    }
}

/// Every built-in function, by namespace.
enum FunctionLibrary {
    static let all: [String: GROQFunction] = {
        var table: [String: GROQFunction] = [:]
        for f in GlobalFunctions.all + CollectionFunctions.all + ContentFunctions.all + GeoFunctions.all {
            table["\(f.namespace)::\(f.name)"] = f
        }
        return table
    }()

    static let namespaces: Set<String> = Set(all.values.map(\.namespace)).union(["diff", "delta"])

    static func function(namespace: String, name: String) -> GROQFunction? {
        all["\(namespace)::\(name)"]
    }

    /// " — did you mean …?" for a misspelt function name, or "".
    static func suggestion(for name: String, in namespace: String) -> String {
        // No function's name is this long, and an edit distance costs the product of the
        // lengths: a hostile 60,000-letter name must not cost seconds of work to refuse.
        guard name.utf8.count <= 64 else { return "" }
        // Same namespace first (a misspelling), then the same name elsewhere (a wrong namespace).
        let sameNamespace = all.values.filter { $0.namespace == namespace }
            .map { (function: $0, distance: editDistance($0.name, name)) }
            .min { $0.distance < $1.distance }
        if let near = sameNamespace, near.distance <= max(2, name.count / 3) {
            return "; did you mean \(near.function.displayName)()?"
        }
        if let elsewhere = all.values.first(where: { $0.name == name }) {
            return "; did you mean \(elsewhere.displayName)()?"
        }
        return ""
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in 1...b.count {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
