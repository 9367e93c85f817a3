/// Number and string literals.
extension Parser {
    mutating func parseNumber() throws(GROQError) -> Value {
        let start = pos
        while peek() >= 48, peek() <= 57 { pos += 1 }
        if peek() == UInt8(ascii: "."), peek(1) >= 48, peek(1) <= 57 {
            pos += 1
            while peek() >= 48, peek() <= 57 { pos += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            pos += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { pos += 1 }
            let digits = pos
            while peek() >= 48, peek() <= 57 { pos += 1 }
            guard pos > digits else { throw syntax("expected digits in the exponent of a number", at: pos) }
        }
        guard let value = Double(text(start, pos)) else {
            throw syntax("invalid number", at: start)
        }
        return .number(value)
    }

    /// A string literal in single or double quotes, with JSON escapes plus `\'` and `\u{...}`.
    mutating func parseString() throws(GROQError) -> String {
        let quote = b[pos]
        let start = pos
        pos += 1
        var out = [UInt8]()
        var pendingHigh: UInt32? = nil
        func flushHigh(_ out: inout [UInt8]) {
            if pendingHigh != nil {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                pendingHigh = nil
            }
        }
        while true {
            guard pos < b.count else {
                throw syntax("unterminated string: expected a closing \(quote == 34 ? "\"" : "'")", at: start)
            }
            let c = b[pos]
            if c == quote {
                pos += 1
                flushHigh(&out)
                break
            }
            if c != UInt8(ascii: "\\") {
                flushHigh(&out)
                out.append(c)
                pos += 1
                continue
            }
            let escapeStart = pos
            pos += 1
            guard pos < b.count else { throw syntax("unterminated escape sequence", at: escapeStart) }
            let e = b[pos]
            pos += 1
            var scalarValue: UInt32
            switch e {
            case UInt8(ascii: "'"): scalarValue = 0x27
            case UInt8(ascii: "\""): scalarValue = 0x22
            case UInt8(ascii: "\\"): scalarValue = 0x5C
            case UInt8(ascii: "/"): scalarValue = 0x2F
            case UInt8(ascii: "b"): scalarValue = 0x08
            case UInt8(ascii: "f"): scalarValue = 0x0C
            case UInt8(ascii: "n"): scalarValue = 0x0A
            case UInt8(ascii: "r"): scalarValue = 0x0D
            case UInt8(ascii: "t"): scalarValue = 0x09
            case UInt8(ascii: "u"):
                var hexStart = pos
                var hexEnd: Int
                if peek() == UInt8(ascii: "{") {
                    hexStart = pos + 1
                    hexEnd = hexStart
                    while hexEnd < b.count, b[hexEnd] != UInt8(ascii: "}") { hexEnd += 1 }
                    guard hexEnd < b.count else { throw syntax("expected '}' to end the \\u{...} escape", at: escapeStart) }
                    pos = hexEnd + 1
                } else {
                    hexEnd = hexStart + 4
                    guard hexEnd <= b.count else { throw syntax("expected four hex digits after \\u", at: escapeStart) }
                    pos = hexEnd
                }
                guard hexEnd > hexStart, hexEnd - hexStart <= 6,
                    let v = UInt32(text(hexStart, hexEnd), radix: 16)
                else { throw syntax("invalid unicode escape: expected hex digits", at: escapeStart) }
                scalarValue = v
            default:
                throw syntax("unknown escape sequence '\\\(String(UnicodeScalar(e)))'", at: escapeStart)
            }
            if (0xD800...0xDBFF).contains(scalarValue) {
                flushHigh(&out)
                pendingHigh = scalarValue
                continue
            }
            if (0xDC00...0xDFFF).contains(scalarValue) {
                if let high = pendingHigh {
                    scalarValue = 0x10000 + ((high - 0xD800) << 10) + (scalarValue - 0xDC00)
                    pendingHigh = nil
                } else {
                    scalarValue = 0xFFFD
                }
            } else {
                flushHigh(&out)
            }
            let scalar = Unicode.Scalar(scalarValue) ?? "\u{FFFD}"
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
