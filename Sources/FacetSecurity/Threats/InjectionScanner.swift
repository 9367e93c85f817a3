import Foundation
import GROQ

/// A family of injection attack.
public enum InjectionKind: String, Sendable, Equatable, Codable, CaseIterable {
    case sql
    /// GROQ syntax inside a value meant to be data (a parameter, a field): an attempt to break
    /// out of a string into the query.
    case groq
    /// Markup or script that a browser would run (stored XSS).
    case script
}

/// One suspicious input: what it looks like, where it was, and the pattern that matched.
public struct InjectionFinding: Sendable, Equatable {
    public var kind: InjectionKind
    /// The pattern's name, e.g. `union-select`.
    public var pattern: String
    /// Where: `query parameter $name`, `body at mutations[0].create.notes`.
    public var location: String
    /// The matched text, shortened.
    public var excerpt: String
    /// 0–100.
    public var score: Int
}

/// Looks for SQL, GROQ and script injection patterns in inputs. It only reports: Facet never
/// alters or refuses stored data because of what it looks like (Facet's own queries are
/// parameterised and its studio escapes output, so these inputs are evidence of probing, not a
/// danger to the store).
///
/// ```swift
/// let findings = InjectionScanner.standard.scan("' OR 1=1 --", at: "query parameter $name")
/// ```
public struct InjectionScanner: Sendable {
    struct Pattern: @unchecked Sendable {
        // NSRegularExpression is immutable once made and documented as safe to share between threads.
        let name: String
        let kind: InjectionKind
        let score: Int
        let expression: NSRegularExpression
        /// Folded once: see ``FoldedText``.
        let hints: [FoldedToken]
    }

    let patterns: [Pattern]

    /// The patterns as data: name, kind, score, a case-insensitive regular expression, and
    /// literal hints (lowercase) of which the text must contain one before the expression is tried:
    /// ordinary input costs a few substring searches, not a regular-expression engine per pattern.
    public static let definitions: [(name: String, kind: InjectionKind, score: Int, regex: String, hints: [String])] = [
        ("or-tautology", .sql, 80, #"'\s*(or|and)\s+'?\w+'?\s*=\s*'?\w+"#, ["'"]),
        ("numeric-tautology", .sql, 60, #"\bor\s+1\s*=\s*1\b"#, ["or ", "or\t", "or\n", "or\r"]),
        ("union-select", .sql, 85, #"\bunion(\s+all)?\s+select\b"#, ["union"]),
        ("stacked-drop", .sql, 90, #";\s*(drop|truncate|alter)\s+(table|database)\b"#, [";"]),
        ("stacked-write", .sql, 80, #";\s*(delete\s+from|insert\s+into|update\s+\w+\s+set)\b"#, [";"]),
        ("comment-terminator", .sql, 60, #"'\s*(--|#|/\*)"#, ["'"]),
        ("time-delay", .sql, 75, #"\b(sleep|pg_sleep|benchmark)\s*\(\s*\d+"#, ["sleep", "benchmark"]),
        ("sqlite-schema", .sql, 75, #"\b(sqlite_master|sqlite_schema|information_schema)\b"#, ["sqlite_", "information_schema"]),
        ("groq-dataset-scan", .groq, 70, #"\*\s*\[\s*(_type|_id|defined|\!|true\b)"#, ["*"]),
        ("groq-string-breakout", .groq, 75, #"["']\s*(\|\||&&)|["']\s*\]\s*(\||\[|\{|->)"#, ["||", "&&", "]"]),
        ("groq-tautology", .groq, 60, #"\|\|\s*(true|1\s*==\s*1)\b"#, ["||"]),
        ("groq-subquery", .groq, 70, #"\b(count|references|defined)\s*\(\s*\*"#, ["("]),
        ("script-tag", .script, 80, #"<\s*script\b"#, ["<"]),
        ("javascript-url", .script, 75, #"javascript\s*:"#, ["javascript"]),
        ("event-handler", .script, 70, #"\bon(error|load|click|mouseover|focus|blur|submit|toggle|animationstart)\s*="#,
         ["onerror", "onload", "onclick", "onmouseover", "onfocus", "onblur", "onsubmit", "ontoggle", "onanimationstart"]),
        ("embedded-frame", .script, 65, #"<\s*(iframe|object|embed|svg)\b"#, ["<"]),
        ("cookie-access", .script, 60, #"document\s*\.\s*cookie"#, ["cookie"]),
    ]

    /// The scanner with every pattern of ``definitions``.
    public static let standard = InjectionScanner(kinds: Set(InjectionKind.allCases))

    /// A scanner for some kinds only (GROQ patterns are not looked for in GROQ queries themselves).
    public init(kinds: Set<InjectionKind>) {
        patterns = Self.definitions.filter { kinds.contains($0.kind) }.compactMap { definition in
            guard let expression = try? NSRegularExpression(pattern: definition.regex, options: [.caseInsensitive]) else { return nil }
            return Pattern(name: definition.name, kind: definition.kind, score: definition.score, expression: expression,
                           hints: definition.hints.map(FoldedToken.init))
        }
    }

    /// The patterns `text` matches (one finding per pattern).
    public func scan(_ text: String, at location: @autoclosure () -> String) -> [InjectionFinding] {
        let folded = FoldedText(text)
        var findings: [InjectionFinding] = []
        for pattern in patterns where pattern.hints.contains(where: { folded.contains($0) }) {
            let range = NSRange(text.startIndex..., in: text)
            guard let match = pattern.expression.firstMatch(in: text, range: range), let found = Range(match.range, in: text) else { continue }
            findings.append(InjectionFinding(kind: pattern.kind, pattern: pattern.name, location: location(),
                                             excerpt: String(text[found].prefix(60)), score: pattern.score))
        }
        return findings
    }

    /// The patterns found in every string of `value` (keys included), each located by its path.
    /// At most `budget` bytes of strings are examined.
    public func scan(_ value: JSONValue, at location: String, budget: Int = 1 << 20) -> [InjectionFinding] {
        var findings: [InjectionFinding] = []
        var remaining = budget
        walk(value, path: "", location: location, remaining: &remaining, into: &findings)
        return findings
    }

    private func walk(_ value: JSONValue, path: String, location: String, remaining: inout Int, into findings: inout [InjectionFinding]) {
        guard remaining > 0 else { return }
        switch value {
        case .string(let text):
            remaining -= text.utf8.count
            var found = scan(text, at: path.isEmpty ? location : "\(location) at \(path)")
            // Secrets never travel into events and the audit log, even when they look like an attack.
            if !found.isEmpty, Self.isSecret(path) {
                for index in found.indices { found[index].excerpt = "(hidden)" }
            }
            findings += found
        case .array(let items):
            for (index, item) in items.enumerated() {
                walk(item, path: "\(path)[\(index)]", location: location, remaining: &remaining, into: &findings)
            }
        case .object(let object):
            for (key, item) in object {
                let child = path.isEmpty ? key : "\(path).\(key)"
                findings += scan(key, at: "\(location) key \(child)")
                walk(item, path: child, location: location, remaining: &remaining, into: &findings)
            }
        default:
            break
        }
    }

    /// Whether the member at `path` holds a secret (a password, token or key).
    static func isSecret(_ path: String) -> Bool {
        let name = FoldedText(path.utf8.lastIndex(of: UInt8(ascii: ".")).map { path[path.index(after: $0)...] } ?? path[...])
        return secretWords.contains { name.contains($0) }
    }

    private static let secretWords = ["password", "secret", "token", "apikey", "api_key", "privatekey"].map(FoldedToken.init)
}
