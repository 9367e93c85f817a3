import FacetStore
import GROQ

/// Refuses payment card numbers in any written string (PCI DSS: Facet never stores a PAN).
///
/// A card number is 13 to 19 digits, possibly grouped by single spaces or dashes
/// (`4111 1111 1111 1111`, `3782-822463-10005`), that passes the Luhn check. Each one found is a
/// blocking finding (refused even in a draft) naming the field but never the number. To keep
/// ordinary values out of it, a digit sequence is not taken as a card number when:
/// - it is glued to letters or `_` (an id such as `ord_4111111111111111x`, a hash),
/// - it follows `+` (an international phone number),
/// - it starts with 0, 7, 8 or 9 (no card scheme issues those), or has 13 digits without the
///   leading 4 of the only 13-digit scheme (Visa), which excludes millisecond timestamps,
/// - all its digits are the same (placeholders such as `0000 0000 0000 0000`).
///
/// Dates (`2024-01-15`) and phone numbers have too few digits in a group to qualify.
///
/// ```swift
/// let store = try DocumentStore(directory: "./facet-data", validator: PaymentCardScreen(inner: schemaValidator))
/// ```
public struct PaymentCardScreen: DocumentValidating {
    /// The schema's validator, asked first; `nil` checks nothing else.
    public let inner: (any DocumentValidating)?

    public init(inner: (any DocumentValidating)?) {
        self.inner = inner
    }

    public func findings(for document: JSONValue, among documents: any DocumentSource) -> [ValidationFinding] {
        (inner?.findings(for: document, among: documents) ?? []) + Self.findings(in: document)
    }

    public var indexedPaths: [[String]] { inner?.indexedPaths ?? [] }
    public var uniquePaths: [String: [[String]]] { inner?.uniquePaths ?? [:] }

    public func findings(forEach batch: [JSONValue], among documents: any DocumentSource) -> [[ValidationFinding]] {
        let schema = inner?.findings(forEach: batch, among: documents) ?? batch.map { _ in [] }
        return zip(schema, batch).map { $0 + Self.findings(in: $1) }
    }

    /// A blocking finding for every string of `document` holding a card number.
    public static func findings(in document: JSONValue) -> [ValidationFinding] {
        // Most documents hold no run of 13 digits at all: they are passed over without the
        // paths (a string per value) that naming a finding needs.
        guard mayHoldCardNumber(document) else { return [] }
        var found: [ValidationFinding] = []
        walk(document, path: "") { path, text in
            guard let digits = cardNumberLength(in: text) else { return }
            found.append(ValidationFinding(
                path: path.isEmpty ? "(document)" : path, level: "error",
                message: "Holds what looks like a payment card number (\(digits) digits passing the Luhn check); card numbers may not be stored",
                blocking: true))
        }
        return found
    }

    private static func walk(_ value: JSONValue, path: String, _ visit: (String, String) -> Void) {
        switch value {
        case .string(let text):
            visit(path, text)
        case .array(let items):
            for (index, item) in items.enumerated() {
                let segment = item["_key"]?.stringValue.map { "[_key==\"\($0)\"]" } ?? "[\(index)]"
                walk(item, path: path + segment, visit)
            }
        case .object(let object):
            for (key, member) in object {
                walk(member, path: path.isEmpty ? key : path + "." + key, visit)
            }
        default:
            break
        }
    }

    /// Whether some string in `value` has a run of at least 13 digits (single spaces or dashes
    /// between them allowed): what every card number is, and few other values are.
    static func mayHoldCardNumber(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): longestDigitRun(in: text, atLeast: 13)
        case .array(let items): items.contains(where: mayHoldCardNumber)
        case .object(let object): object.values.contains(where: mayHoldCardNumber)
        default: false
        }
    }

    /// Whether `text` has a run of `minimum` digits, read from its UTF-8 without a copy.
    private static func longestDigitRun(in text: String, atLeast minimum: Int) -> Bool {
        // Most strings (ids, names, enumerations) are shorter than a run could be.
        guard text.utf8.count >= minimum else { return false }
        if let found = text.utf8.withContiguousStorageIfAvailable({ longestDigitRun(in: $0, atLeast: minimum) }) { return found }
        return longestDigitRun(in: Array(text.utf8), atLeast: minimum)
    }

    private static func longestDigitRun(in bytes: some Collection<UInt8>, atLeast minimum: Int) -> Bool {
        var run = 0
        var separated = false
        for byte in bytes {
            if isDigit(byte) {
                run += 1
                separated = false
                if run >= minimum { return true }
            } else if (byte == 0x20 || byte == 0x2D), run > 0, !separated {
                separated = true
            } else {
                run = 0
                separated = false
            }
        }
        return false
    }

    /// The number of digits of the first card number in `text`, or `nil` when there is none.
    static func cardNumberLength(in text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 13 else { return nil }
        var index = 0
        while index < bytes.count {
            guard isDigit(bytes[index]) else {
                index += 1
                continue
            }
            // A run: digits, with single spaces or dashes between digits.
            let start = index
            var groups: [[UInt8]] = [[]]
            var end = index
            while end < bytes.count {
                if isDigit(bytes[end]) {
                    groups[groups.count - 1].append(bytes[end])
                    end += 1
                } else if (bytes[end] == 0x20 || bytes[end] == 0x2D), end + 1 < bytes.count, isDigit(bytes[end + 1]) {
                    groups.append([])
                    end += 1
                } else {
                    break
                }
            }
            index = end
            let before = start > 0 ? bytes[start - 1] : nil
            let after = end < bytes.count ? bytes[end] : nil
            if let before, isWordByte(before) || before == 0x2B { continue }
            if let after, isWordByte(after) { continue }
            if let length = cardNumberLength(inGroups: groups) { return length }
        }
        return nil
    }

    /// The digit count of a card number made of consecutive whole groups of a run (a number may
    /// be followed or preceded by other figures: `4111 1111 1111 1111 12/27`).
    private static func cardNumberLength(inGroups groups: [[UInt8]]) -> Int? {
        for first in groups.indices {
            var digits: [UInt8] = []
            for last in first..<groups.count {
                digits += groups[last]
                if digits.count > 19 { break }
                if digits.count >= 13, isCardNumber(digits) { return digits.count }
            }
        }
        return nil
    }

    static func isCardNumber(_ digits: [UInt8]) -> Bool {
        guard (13...19).contains(digits.count), let lead = digits.first else { return false }
        switch lead {
        case UInt8(ascii: "1"): guard digits.count == 15 else { return false }
        case UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "6"): guard digits.count >= 14 else { return false }
        case UInt8(ascii: "4"): break
        default: return false
        }
        guard digits.contains(where: { $0 != lead }) else { return false }
        return luhn(digits)
    }

    /// The Luhn (mod 10) check every card number satisfies.
    static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (position, byte) in digits.reversed().enumerated() {
            var digit = Int(byte - 0x30)
            if position % 2 == 1 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return sum % 10 == 0
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || isDigit(byte)
    }
}
