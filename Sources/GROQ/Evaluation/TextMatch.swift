import Foundation

/// GROQ's `match` operator: text is split into tokens, the pattern into terms (where `*` is a
/// wildcard), and the match holds when every term matches some token, ignoring case.
///
/// Tokenisation follows the reference implementation: dots that touch a word character are
/// dropped (so `A.B.C` is one token `ABC` and a trailing `.` goes away), and tokens are runs of
/// characters other than whitespace and the punctuation `!@#$%^&*(),\/?";:{}|[]+<>-`.
enum TextMatch {
    static func matches(text: Value, pattern: Value) -> Bool {
        guard let terms = gather(pattern, isPattern: true), !terms.isEmpty else { return false }
        // Searches run this over every document of a list: the text is read token by token into
        // one reused buffer, and reading stops once every term has matched.
        var search = TermSearch(terms: terms)
        switch text {
        case .string(let s): search.read(s)
        case .array(let items):
            for case .string(let s) in items where !search.isComplete { search.read(s) }
        default: return false
        }
        return search.isComplete
    }

    /// `matches(text:pattern:)` by whole token lists: the plain statement of the rule, which the
    /// streaming reader must agree with.
    static func matchesByTokens(text: Value, pattern: Value) -> Bool {
        guard let tokens = gather(text, isPattern: false), let terms = gather(pattern, isPattern: true) else { return false }
        guard !tokens.isEmpty, !terms.isEmpty else { return false }
        return terms.allSatisfy { term in tokens.contains { glob(term, $0) } }
    }

    /// Which of a pattern's terms the tokens read so far have matched.
    private struct TermSearch {
        let terms: [[Unicode.Scalar]]
        var found: [Bool]
        var remaining: Int
        var token: [Unicode.Scalar] = []
        /// Whether to read the whole text and count every token each term matches (for
        /// scoring) rather than stop once every term has matched.
        let counting: Bool
        var frequencies: [Int]

        init(terms: [[Unicode.Scalar]], counting: Bool = false) {
            self.terms = terms
            self.counting = counting
            found = Array(repeating: false, count: terms.count)
            frequencies = counting ? Array(repeating: 0, count: terms.count) : []
            remaining = terms.count
            token.reserveCapacity(64)
        }

        var isComplete: Bool { !counting && remaining == 0 }

        mutating func read(_ s: String) {
            let ascii = s.utf8.withContiguousStorageIfAvailable { bytes in
                bytes.allSatisfy { $0 < 0x80 && $0 != 0x27 } ? readASCII(bytes) : false
            }
            if ascii == true { return }
            // Anything else goes the general way: fold, tokenise, compare.
            for token in TextMatch.tokenize(s) where !isComplete { offer(token) }
        }

        /// Tokenises ASCII text as ``TextMatch/tokenize(_:)`` does, without allocating.
        private mutating func readASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            func isWordByte(_ b: UInt8) -> Bool {
                (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F
            }
            var index = 0
            let count = bytes.count
            token.removeAll(keepingCapacity: true)
            while index < count, !isComplete {
                let byte = bytes[index]
                if byte == 0x2E {
                    // A run of dots touching a word character is dropped (`A.B.C` is `ABC`).
                    var end = index
                    while end < count, bytes[end] == 0x2E { end += 1 }
                    let wordBefore = index > 0 && isWordByte(bytes[index - 1])
                    let wordAfter = end < count && isWordByte(bytes[end])
                    if !wordBefore && !wordAfter {
                        for _ in index..<end { token.append(".") }
                    }
                    index = end
                    continue
                }
                let scalar = Unicode.Scalar(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
                if TextMatch.isSeparator(scalar, wildcard: false) {
                    if !token.isEmpty { offer(token); token.removeAll(keepingCapacity: true) }
                } else {
                    token.append(scalar)
                }
                index += 1
            }
            if !token.isEmpty, !isComplete { offer(token) }
            token.removeAll(keepingCapacity: true)
            return true
        }

        private mutating func offer(_ token: [Unicode.Scalar]) {
            if counting {
                for index in terms.indices where TextMatch.glob(terms[index], token) { frequencies[index] += 1 }
                return
            }
            for index in terms.indices where !found[index] && TextMatch.glob(terms[index], token) {
                found[index] = true
                remaining -= 1
            }
        }
    }

    /// BM25-style relevance of `text` for `pattern`, used by `score()`.
    static func score(text: Value, pattern: Value) -> Double {
        guard let terms = gather(pattern, isPattern: true), !terms.isEmpty else { return 0 }
        // A ranked search scores every match: the text is read as `matches` reads it, counting
        // the tokens each term matches instead of stopping at the first.
        var search = TermSearch(terms: terms, counting: true)
        switch text {
        case .string(let s): search.read(s)
        case .array(let items):
            for case .string(let s) in items { search.read(s) }
        default: return 0
        }
        let k = 1.2
        return search.frequencies.reduce(0.0) { score, count in
            let frequency = Double(count)
            return score + frequency * (k + 1) / (frequency + k)
        }
    }

    /// `score(text:pattern:)` by whole token lists: the plain statement of the rule.
    static func scoreByTokens(text: Value, pattern: Value) -> Double {
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

    static func isSeparator(_ c: Unicode.Scalar, wildcard: Bool) -> Bool {
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
    /// and `lopez` are the same word to a person searching), full-width letters as ASCII, and
    /// without apostrophes inside words (`O'Brien`, `d’Arcy`). Tokenisation is the
    /// implementation's to define; folding both sides alike keeps every match of the unfolded
    /// text.
    static func fold(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x27 }) { return s.lowercased() }
        var folded = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            let value = scalar.value
            switch value {
            case 0x27, 0x2019:
                continue
            case 0x41...0x5A:
                folded.append(Unicode.Scalar(value + 0x20)!)
            case 0..<0x80:
                folded.append(scalar)
            case 0x300...0x36F:
                continue  // a combining accent
            case 0xFF21...0xFF3A:
                folded.append(Unicode.Scalar(value - 0xFF21 + 0x61)!)
            case 0xFF01...0xFF5E:
                folded.append(Unicode.Scalar(value - 0xFEE0)!)
            default:
                if let latin = LatinFolding.table[value] {
                    folded.append(contentsOf: latin.unicodeScalars)
                } else if scalar.properties.changesWhenLowercased {
                    folded.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                } else {
                    folded.append(scalar)
                }
            }
        }
        return String(folded)
    }

    /// The accented Latin letters (Latin-1, Extended-A and -B, Extended Additional) as
    /// Foundation folds them, worked out once: folding each string through Foundation costs
    /// microseconds, and a search folds every document's text.
    private enum LatinFolding {
        static let table: [UInt32: String] = {
            var table: [UInt32: String] = [:]
            for range in [0xC0...0x24F, 0x1E00...0x1EFF] {
                for value in range {
                    guard let scalar = Unicode.Scalar(value) else { continue }
                    let text = String(Character(scalar))
                    let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
                    if folded != text { table[UInt32(value)] = folded }
                }
            }
            // Letters Foundation leaves whole, but that people type without their stroke.
            for (letter, plain) in [("ø", "o"), ("Ø", "o"), ("ł", "l"), ("Ł", "l"), ("đ", "d"), ("Đ", "d"), ("ħ", "h"), ("Ħ", "h")] {
                table[letter.unicodeScalars.first!.value] = plain
            }
            return table
        }()
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
