import Foundation

/// GROQ's `match` operator: text is split into tokens, the pattern into terms (where `*` is a
/// wildcard), and the match holds when every term matches some token, ignoring case.
///
/// Tokenisation follows the reference implementation: dots that touch a word character are
/// dropped (so `A.B.C` is one token `ABC` and a trailing `.` goes away), and tokens are runs of
/// characters other than whitespace and the punctuation `!@#$%^&*(),\/?";:{}|[]+<>-`.
enum TextMatch {
    static func matches(text: Value, pattern: Value) -> Bool {
        guard let tokens = gather(text, isPattern: false), let terms = gather(pattern, isPattern: true) else { return false }
        guard !tokens.isEmpty, !terms.isEmpty else { return false }
        return terms.allSatisfy { term in tokens.contains { glob(term, $0) } }
    }

    /// BM25-style relevance of `text` for `pattern`, used by `score()`.
    static func score(text: Value, pattern: Value) -> Double {
        guard let tokens = gather(text, isPattern: false), let terms = gather(pattern, isPattern: true) else { return 0 }
        guard !tokens.isEmpty, !terms.isEmpty else { return 0 }
        let k = 1.2
        var score = 0.0
        for term in terms {
            let frequency = Double(tokens.reduce(0) { $0 + (glob(term, $1) ? 1 : 0) })
            score += frequency * (k + 1) / (frequency + k)
        }
        return score
    }

    /// The parts of a string or an array of strings. Non-string elements are skipped on the text
    /// side; on the pattern side they make the whole match fail (`nil`), as in the reference.
    private static func gather(_ value: Value, isPattern: Bool) -> [[Unicode.Scalar]]? {
        switch value {
        case .string(let s): return isPattern ? terms(s) : tokenize(s)
        case .array(let items):
            var parts: [[Unicode.Scalar]] = []
            for item in items {
                if case .string(let s) = item {
                    parts.append(contentsOf: isPattern ? terms(s) : tokenize(s))
                } else if isPattern {
                    return nil
                }
            }
            return parts
        default:
            return isPattern ? nil : []
        }
    }

    private static func isWord(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_"
    }

    private static func isSeparator(_ c: Unicode.Scalar, wildcard: Bool) -> Bool {
        switch c {
        case "!", "@", "#", "$", "%", "^", "&", "(", ")", ",", "\\", "/", "?", "\"", ";", ":", "{", "}", "|", "[", "]", "+", "<", ">", "-":
            return true
        case "*":
            return !wildcard
        default:
            if c.value < 0x80 { return c.value == 0x20 || (c.value >= 0x09 && c.value <= 0x0D) }
            return c.properties.isWhitespace || c == "\u{FEFF}"
        }
    }

    /// Drops runs of dots that start or end at a word boundary (`\b\.+|\.+\b` in the reference).
    private static func stripEdgeDots(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains(".") else { return s }
        var keep = [Bool](repeating: true, count: s.count)
        var i = 0
        while i < s.count {
            guard s[i] == "." else { i += 1; continue }
            var j = i
            while j < s.count, s[j] == "." { j += 1 }
            let wordBefore = i > 0 && isWord(s[i - 1])
            let wordAfter = j < s.count && isWord(s[j])
            if wordBefore {
                for k in i..<j { keep[k] = false }
            } else if wordAfter {
                for k in i..<j { keep[k] = false }
            }
            i = j
        }
        return zip(s, keep).compactMap { $1 ? $0 : nil }
    }

    /// The text as matching compares it: lower-case, without accents (`Zoë` and `zoe`, `López`
    /// and `lopez` are the same word to a person searching), and without apostrophes inside
    /// words (`O'Brien`, `d’Arcy`). Tokenisation is the implementation's to define; folding both
    /// sides alike keeps every match of the unfolded text.
    static func fold(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x27 }) { return s.lowercased() }
        var folded = s.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).lowercased()
        folded.unicodeScalars.removeAll { $0 == "'" || $0 == "\u{2019}" }
        return folded
    }

    private static func split(_ s: String, wildcard: Bool) -> [[Unicode.Scalar]] {
        // Folded once up front: matching ignores case and accents, and no separator changes with either.
        let scalars = stripEdgeDots(Array(fold(s).unicodeScalars))
        var out: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for c in scalars {
            if isSeparator(c, wildcard: wildcard) {
                if !current.isEmpty { out.append(current); current = [] }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func tokenize(_ s: String) -> [[Unicode.Scalar]] { split(s, wildcard: false) }
    static func terms(_ s: String) -> [[Unicode.Scalar]] { split(s, wildcard: true).map { Array($0.prefix(1024)) } }

    /// `*` matches any run of characters and `.` any one character, anchored at both ends (the
    /// reference turns each term into such a regular expression).
    static func glob(_ pattern: [Unicode.Scalar], _ text: [Unicode.Scalar]) -> Bool {
        var p = 0, t = 0
        var star = -1, mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] != "*", pattern[p] == text[t] || pattern[p] == "." {
                p += 1; t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p; mark = t; p += 1
            } else if star >= 0 {
                p = star + 1; mark += 1; t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
