/// The folded tokens of the text at one path of every document of a source, each with the
/// positions of the documents that hold it: what lets `name match "lop*"` read the few
/// documents holding a token that starts with `lop` instead of tokenising every document.
///
/// Tokens are made exactly as `match` makes them (``TextMatch/tokenize(_:)``: folded case and
/// accents), so a document whose text matches a term always holds a token starting with the
/// term's literal prefix (the letters before its first wildcard). A lookup is therefore a
/// superset of the matches, and the planner keeps the `match` as a check on each candidate.
///
/// ```swift
/// let index = TokenIndex(documents, path: ["address", "city"])
/// let positions = index?.positions(startingWith: "zur")   // documents in Zürich, Zurich, …
/// ```
final class TokenIndex: Sendable {
    /// Unique tokens, sorted by their UTF-8 bytes, so that every token with a given prefix lies
    /// in one run.
    private let tokens: [[UInt8]]
    /// `postings[postingStarts[i] ..< postingStarts[i + 1]]` are the positions holding token `i`, ascending.
    private let postingStarts: [Int32]
    private let postings: [Int32]

    /// Tokens longer than this are kept by their first bytes: a lookup cuts its prefix alike, so
    /// it stays a superset, and a 4 MB field cannot make one huge token.
    static let maxTokenBytes = 48
    /// An index holding more postings than this is not built: a path of long texts is scanned.
    static let maxPostings = 8_000_000

    /// The index of the text at `path` (attribute names from the document down) of `documents`,
    /// or `nil` when that text is too large to index.
    init?(_ documents: [JSONValue], path: [String]) {
        var byToken: [[UInt8]: [Int32]] = [:]
        var total = 0
        var refused = false
        for (position, document) in documents.enumerated() {
            let at = Int32(position)
            Self.forEachToken(in: Self.value(of: document, at: path)) { token in
                let key = token.count > Self.maxTokenBytes ? Array(token.prefix(Self.maxTokenBytes)) : token
                if byToken[key]?.last == at { return true }
                byToken[key, default: []].append(at)
                total += 1
                if total > Self.maxPostings { refused = true }
                return !refused
            }
            if refused { return nil }
        }
        let sorted = byToken.keys.sorted { $0.lexicographicallyPrecedes($1) }
        var starts: [Int32] = []
        starts.reserveCapacity(sorted.count + 1)
        var postings: [Int32] = []
        postings.reserveCapacity(total)
        for token in sorted {
            starts.append(Int32(postings.count))
            postings.append(contentsOf: byToken[token]!)
        }
        starts.append(Int32(postings.count))
        self.tokens = sorted
        self.postingStarts = starts
        self.postings = postings
    }

    /// The positions of the documents holding a token that starts with `prefix` (folded, as a
    /// term of a `match` pattern is), ascending.
    func positions(startingWith prefix: [UInt8]) -> [Int32] {
        let prefix = prefix.count > Self.maxTokenBytes ? Array(prefix.prefix(Self.maxTokenBytes)) : prefix
        var low = 0, high = tokens.count
        while low < high {
            let middle = (low + high) / 2
            if tokens[middle].lexicographicallyPrecedes(prefix) { low = middle + 1 } else { high = middle }
        }
        var end = low
        while end < tokens.count, tokens[end].starts(with: prefix) { end += 1 }
        if end == low { return [] }
        if end == low + 1 { return Array(postings[Int(postingStarts[low])..<Int(postingStarts[low + 1])]) }
        var found = Array(postings[Int(postingStarts[low])..<Int(postingStarts[end])])
        found.sort()
        var unique = 0
        for index in found.indices where unique == 0 || found[unique - 1] != found[index] {
            found[unique] = found[index]
            unique += 1
        }
        found.removeLast(found.count - unique)
        return found
    }

    /// The literal prefix of each term of a `match` pattern (the folded letters before its first
    /// `*` or `.` wildcard), leaving out terms that start with a wildcard: they narrow nothing.
    /// `nil` when the pattern is not text, which `match` treats as no match at all.
    static func prefixes(ofPattern pattern: JSONValue) -> [[UInt8]]? {
        var strings: [String] = []
        switch pattern {
        case .string(let s): strings = [s]
        case .array(let items):
            for item in items {
                guard case .string(let s) = item else { return nil }
                strings.append(s)
            }
        default: return nil
        }
        var prefixes: [[UInt8]] = []
        for term in strings.flatMap(TextMatch.terms) {
            let literal = term.prefix { $0 != "*" && $0 != "." }
            guard !literal.isEmpty else { continue }
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: literal)
            prefixes.append(Array(String(scalars).utf8))
        }
        return prefixes
    }

    /// The value at `path`, reading object members only (what an attribute chain reads).
    static func value(of document: JSONValue, at path: [String]) -> JSONValue? {
        var value: JSONValue? = document
        for name in path {
            guard case .object(let object)? = value else { return nil }
            value = object[name]
        }
        return value
    }

    /// Calls `body` with each token of a string, or of each string of an array of strings,
    /// until it returns `false`.
    private static func forEachToken(in value: JSONValue?, _ body: ([UInt8]) -> Bool) {
        let strings: [String]
        switch value {
        case .string(let s)?: strings = [s]
        case .array(let items)?: strings = items.compactMap { if case .string(let s) = $0 { s } else { nil } }
        default: return
        }
        for string in strings {
            for token in TextMatch.tokenize(string) {
                var scalars = String.UnicodeScalarView()
                scalars.append(contentsOf: token)
                if !body(Array(String(scalars).utf8)) { return }
            }
        }
    }
}
