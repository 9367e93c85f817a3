/// Why a JSON text was rejected, and where.
///
/// The offset points at the byte that made the text invalid, so a caller can show the user the
/// exact spot instead of re-parsing with a slower, more talkative parser. For NDJSON input the
/// offset is counted from the start of the line and `line` says which line (1-based), because a
/// position within a multi-gigabyte export file is useless to a person.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 0-based byte offset of the problem (within the line, for NDJSON).
    public let offset: Int
    /// The 1-based line number, set only for NDJSON input.
    public let line: Int?
    /// What was found and what was expected, without the position prefix.
    public let message: String
    /// Set when the input could not be read at all (a file error), so the description does not
    /// blame the JSON for a problem with the file system.
    let isInputError: Bool

    /// Lets other readers built on this parser (and tests) report problems in the same shape.
    public init(offset: Int, line: Int? = nil, message: String) {
        self.offset = offset
        self.line = line
        self.message = message
        self.isInputError = false
    }

    init(inputError message: String, line: Int? = nil) {
        self.offset = 0
        self.line = line
        self.message = message
        self.isInputError = true
    }

    public var description: String {
        if isInputError { return message }
        if let line { return "invalid JSON at line \(line), byte \(offset): \(message)" }
        return "invalid JSON at byte \(offset): \(message)"
    }
}

extension JSONValue {
    /// Parses one JSON text (RFC 8259, strict) from raw bytes.
    ///
    /// Bytes are the natural input for documents read from files and sockets; going through
    /// `String` first would validate and copy everything twice. Contiguous collections are parsed
    /// in place; others are copied once.
    ///
    /// - Parameter maxDepth: the deepest nesting of arrays and objects accepted. It keeps hostile
    ///   input from building values so deep that recursive code elsewhere would exhaust the stack.
    public init(parsing bytes: some Collection<UInt8>, maxDepth: Int = 512) throws(JSONError) {
        let result: Result<JSONValue, JSONError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONError) in try JSONValue._parse(buffer, maxDepth: maxDepth) }
        }
        if let result {
            self = try result.get()
        } else {
            self = try JSONValue(parsing: Array(bytes), maxDepth: maxDepth)
        }
    }

    /// Parses one JSON text held in an array, without copying it.
    public init(parsing bytes: [UInt8], maxDepth: Int = 512) throws(JSONError) {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONError) in try JSONValue._parse(buffer, maxDepth: maxDepth) }
        }
        self = try result.get()
    }

    /// Parses one JSON text from memory the caller already owns (a mapped file, a network buffer),
    /// so no copy is ever made.
    public init(parsing bytes: UnsafeRawBufferPointer, maxDepth: Int = 512) throws(JSONError) {
        self = try JSONValue._parse(bytes.assumingMemoryBound(to: UInt8.self), maxDepth: maxDepth)
    }

    /// Parses one JSON text held in a string; its UTF-8 view is parsed in place when possible.
    public init(parsing text: String, maxDepth: Int = 512) throws(JSONError) {
        self = try JSONValue(parsing: text.utf8, maxDepth: maxDepth)
    }

    /// The one entry point every public initialiser funnels into; `line` is set by the NDJSON reader.
    static func _parse(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int, line: Int? = nil) throws(JSONError) -> JSONValue {
        var parser = _JSONByteParser(buffer, maxDepth: maxDepth, line: line)
        return try parser.parseDocument()
    }
}

// MARK: - The parser

private enum JSONByte {
    static let quote: UInt8 = 0x22, backslash: UInt8 = 0x5C, slash: UInt8 = 0x2F
    static let comma: UInt8 = 0x2C, colon: UInt8 = 0x3A, minus: UInt8 = 0x2D, plus: UInt8 = 0x2B
    static let dot: UInt8 = 0x2E, zero: UInt8 = 0x30, nine: UInt8 = 0x39
    static let openBracket: UInt8 = 0x5B, closeBracket: UInt8 = 0x5D
    static let openBrace: UInt8 = 0x7B, closeBrace: UInt8 = 0x7D
    static let space: UInt8 = 0x20, tab: UInt8 = 0x09, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
    static let e: UInt8 = 0x65, E: UInt8 = 0x45
}

/// Exact powers of ten for the fast number path (Clinger): every one is exactly representable.
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// An iterative parser over a byte buffer. Containers under construction live on explicit stacks,
/// never on the call stack, so nesting depth is bounded only by `maxDepth`.
struct _JSONByteParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let end: Int
    private let maxDepth: Int
    private let line: Int?
    private var pos = 0
    /// Reused for strings that contain escapes.
    private var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, line: Int?) {
        self.bytes = bytes
        self.end = bytes.count
        self.maxDepth = maxDepth
        self.line = line
    }

    // MARK: Errors

    private func error(_ message: String, at offset: Int) -> JSONError {
        JSONError(offset: offset, line: line, message: message)
    }

    /// A short, printable description of the byte at `offset` for error messages.
    private func found(at offset: Int) -> String {
        guard offset < end else { return "end of input" }
        let byte = bytes[offset]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        switch byte {
        case JSONByte.space: return "space"
        case JSONByte.lf: return "line feed"
        case JSONByte.cr: return "carriage return"
        case JSONByte.tab: return "tab"
        default: return "byte 0x\(hex(byte))"
        }
    }

    private func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    // MARK: Structure

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < end {
            let byte = bytes[pos]
            guard byte == JSONByte.space || byte == JSONByte.lf || byte == JSONByte.cr || byte == JSONByte.tab else { return }
            pos += 1
        }
    }

    private struct Frame {
        var isObject: Bool
        /// Where this container's elements (or member values) start in `values`.
        var valueStart: Int
        /// Where this object's keys start in `keys`.
        var keyStart: Int
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if pos < end {
            throw error("unexpected \(found(at: pos)) after the JSON value, expected end of input", at: pos)
        }
        return value
    }

    private mutating func parseValue() throws(JSONError) -> JSONValue {
        var frames: [Frame] = []
        var values: [JSONValue] = []
        var keys: [String] = []

        while true {
            // Expecting a value; whitespace before it has been skipped.
            var value: JSONValue
            guard pos < end else { throw error("unexpected end of input, expected a value", at: pos) }
            switch bytes[pos] {
            case JSONByte.openBrace, JSONByte.openBracket:
                let isObject = bytes[pos] == JSONByte.openBrace
                if frames.count >= maxDepth {
                    throw error("nesting deeper than \(maxDepth) levels", at: pos)
                }
                pos += 1
                skipWhitespace()
                if isObject {
                    if pos < end && bytes[pos] == JSONByte.closeBrace {
                        pos += 1
                        value = .object([:])
                    } else {
                        frames.append(Frame(isObject: true, valueStart: values.count, keyStart: keys.count))
                        keys.append(try parseKey(first: true))
                        continue
                    }
                } else {
                    if pos < end && bytes[pos] == JSONByte.closeBracket {
                        pos += 1
                        value = .array([])
                    } else {
                        frames.append(Frame(isObject: false, valueStart: values.count, keyStart: keys.count))
                        continue
                    }
                }
            case JSONByte.quote:
                value = .string(try parseString())
            case JSONByte.minus, JSONByte.zero...JSONByte.nine:
                value = .number(try parseNumber())
            case 0x74:  // t
                try expectLiteral("true")
                value = .bool(true)
            case 0x66:  // f
                try expectLiteral("false")
                value = .bool(false)
            case 0x6E:  // n
                try expectLiteral("null")
                value = .null
            default:
                throw error("unexpected \(found(at: pos)), expected a value", at: pos)
            }

            // A value is complete: hand it to the enclosing container, closing containers as we go.
            while true {
                guard let frame = frames.last else { return value }
                values.append(value)
                skipWhitespace()
                guard pos < end else {
                    let what = frame.isObject ? "',' or '}' after object member" : "',' or ']' after array element"
                    throw error("unexpected end of input, expected \(what)", at: pos)
                }
                let byte = bytes[pos]
                if byte == JSONByte.comma {
                    pos += 1
                    skipWhitespace()
                    if frame.isObject { keys.append(try parseKey(first: false)) }
                    break
                }
                if frame.isObject {
                    guard byte == JSONByte.closeBrace else {
                        throw error("expected ',' or '}' after object member, found \(found(at: pos))", at: pos)
                    }
                    pos += 1
                    let object: JSONObject
                    if let shared = JSONObject(sharingKeys: keys[frame.keyStart...], values: values[frame.valueStart...]) {
                        object = shared
                    } else {
                        var built = JSONObject(minimumCapacity: values.count - frame.valueStart)
                        var keyIndex = frame.keyStart
                        for index in frame.valueStart..<values.count {
                            // Assigning through the subscript makes a repeated key keep its first
                            // position but take the last value, as JSON.parse does.
                            built[keys[keyIndex]] = values[index]
                            keyIndex += 1
                        }
                        object = built
                    }
                    keys.removeSubrange(frame.keyStart...)
                    values.removeSubrange(frame.valueStart...)
                    value = .object(object)
                } else {
                    guard byte == JSONByte.closeBracket else {
                        throw error("expected ',' or ']' after array element, found \(found(at: pos))", at: pos)
                    }
                    pos += 1
                    let array = Array(values[frame.valueStart...])
                    values.removeSubrange(frame.valueStart...)
                    value = .array(array)
                }
                frames.removeLast()
            }
            skipWhitespace()
        }
    }

    /// Parses `"key" :` and leaves `pos` at the start of the member value.
    private mutating func parseKey(first: Bool) throws(JSONError) -> String {
        guard pos < end && bytes[pos] == JSONByte.quote else {
            let expected = first ? "a string key or '}'" : "a string key"
            throw error("expected \(expected), found \(found(at: pos))", at: pos)
        }
        let key = try parseString()
        skipWhitespace()
        guard pos < end && bytes[pos] == JSONByte.colon else {
            throw error("expected ':' after object key, found \(found(at: pos))", at: pos)
        }
        pos += 1
        skipWhitespace()
        return key
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let start = pos
        let count = literal.utf8CodeUnitCount
        let text = literal.utf8Start
        for index in 0..<count {
            guard pos < end && bytes[pos] == text[index] else {
                throw error("invalid literal, expected '\(literal)'", at: start)
            }
            pos += 1
        }
    }

    // MARK: Strings

    /// Parses a string starting at its opening quote. Plain ASCII runs are turned into a `String`
    /// straight from the buffer; only strings with escapes go through the scratch buffer.
    private mutating func parseString() throws(JSONError) -> String {
        let start = pos + 1
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == JSONByte.quote {
                pos = index + 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            if byte == JSONByte.backslash || byte < 0x20 || byte >= 0x80 { break }
            index += 1
        }
        return try parseStringSlowly(start: start, from: index)
    }

    private mutating func parseStringSlowly(start: Int, from resume: Int) throws(JSONError) -> String {
        var index = resume
        var runStart = start
        var escaped = false
        scratch.removeAll(keepingCapacity: true)
        while true {
            guard index < end else {
                throw error("unterminated string: found end of input, expected '\"'", at: index)
            }
            let byte = bytes[index]
            if byte == JSONByte.quote {
                pos = index + 1
                if !escaped {
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                return String(decoding: scratch, as: UTF8.self)
            } else if byte == JSONByte.backslash {
                escaped = true
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                index = try decodeEscape(at: index)
                runStart = index
            } else if byte < 0x20 {
                throw error("control character 0x\(hex(byte)) in string, expected it to be escaped", at: index)
            } else if byte < 0x80 {
                index += 1
            } else {
                index = try validateUTF8(at: index)
            }
        }
    }

    /// Decodes the escape at `index` (a backslash) into `scratch`; returns the index after it.
    private mutating func decodeEscape(at index: Int) throws(JSONError) -> Int {
        guard index + 1 < end else { throw error("unterminated escape sequence", at: index) }
        let simple: UInt8
        switch bytes[index + 1] {
        case JSONByte.quote: simple = JSONByte.quote
        case JSONByte.backslash: simple = JSONByte.backslash
        case JSONByte.slash: simple = JSONByte.slash
        case 0x62: simple = 0x08  // b
        case 0x66: simple = 0x0C  // f
        case 0x6E: simple = JSONByte.lf  // n
        case 0x72: simple = JSONByte.cr  // r
        case 0x74: simple = JSONByte.tab  // t
        case 0x75:  // u
            let unit = try hexQuad(at: index + 2)
            var next = index + 6
            var scalarValue = UInt32(unit)
            if (0xD800...0xDBFF).contains(unit) {
                // A high surrogate joins a directly following low surrogate; alone it is replaced.
                if next + 1 < end && bytes[next] == JSONByte.backslash && bytes[next + 1] == 0x75,
                    let low = try? hexQuad(at: next + 2), (0xDC00...0xDFFF).contains(low)
                {
                    scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    next += 6
                } else {
                    scalarValue = 0xFFFD
                }
            } else if (0xDC00...0xDFFF).contains(unit) {
                scalarValue = 0xFFFD
            }
            appendUTF8(scalarValue)
            return next
        default:
            throw error("invalid escape '\\\(found(at: index + 1).trimmingQuotes)', expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u", at: index)
        }
        scratch.append(simple)
        return index + 2
    }

    /// Appends the UTF-8 encoding of a scalar value that is known not to be a surrogate.
    private mutating func appendUTF8(_ value: UInt32) {
        switch value {
        case 0..<0x80:
            scratch.append(UInt8(value))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | value >> 6))
            scratch.append(UInt8(0x80 | value & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | value >> 12))
            scratch.append(UInt8(0x80 | value >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | value & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | value >> 18))
            scratch.append(UInt8(0x80 | value >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | value >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | value & 0x3F))
        }
    }

    private func hexQuad(at index: Int) throws(JSONError) -> UInt16 {
        var value: UInt16 = 0
        for offset in index..<index + 4 {
            guard offset < end else { throw error("unterminated \\u escape, expected 4 hex digits", at: offset) }
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case JSONByte.zero...JSONByte.nine: digit = byte - JSONByte.zero
            case 0x61...0x66: digit = byte - 0x61 + 10
            case 0x41...0x46: digit = byte - 0x41 + 10
            default: throw error("expected a hex digit in \\u escape, found \(found(at: offset))", at: offset)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Checks the well-formed UTF-8 sequence whose lead byte is at `index` (Unicode table 3-7)
    /// and returns the index after it. Errors point at the lead byte.
    private func validateUTF8(at index: Int) throws(JSONError) -> Int {
        let lead = bytes[index]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw error("invalid UTF-8: byte 0x\(hex(lead)) cannot start a character", at: index)
        }
        for offset in 1..<length {
            let position = index + offset
            guard position < end else {
                throw error("invalid UTF-8: truncated sequence starting with byte 0x\(hex(lead)), found end of input", at: index)
            }
            let byte = bytes[position]
            let (min, max) = offset == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard byte >= min && byte <= max else {
                throw error("invalid UTF-8: byte 0x\(hex(byte)) cannot follow 0x\(hex(lead)) in the sequence starting here", at: index)
            }
        }
        return index + length
    }

    // MARK: Numbers

    /// Parses a number, exactly to the nearest `Double`. Short numbers take Clinger's fast path
    /// (one correctly rounded multiplication or division); the rest go to the standard library's
    /// correctly rounded conversion.
    private mutating func parseNumber() throws(JSONError) -> Double {
        let start = pos
        var index = pos
        let negative = bytes[index] == JSONByte.minus
        if negative { index += 1 }
        var mantissa: UInt64 = 0
        var digits = 0  // significant digits gathered into `mantissa`, after leading zeros
        var exactMantissa = true
        var decimalExponent = 0

        @inline(__always) func isDigit(_ index: Int) -> Bool {
            index < end && bytes[index] >= JSONByte.zero && bytes[index] <= JSONByte.nine
        }

        guard isDigit(index) else {
            throw error("expected a digit after '-', found \(found(at: index))", at: index)
        }
        if bytes[index] == JSONByte.zero {
            index += 1
            if isDigit(index) { throw error("leading zeros are not allowed in numbers", at: start) }
        } else {
            while isDigit(index) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[index] - JSONByte.zero)
                    digits += 1
                } else {
                    exactMantissa = false
                    decimalExponent += 1
                }
                index += 1
            }
        }
        if index < end && bytes[index] == JSONByte.dot {
            index += 1
            guard isDigit(index) else {
                throw error("expected a digit after the decimal point, found \(found(at: index))", at: index)
            }
            while isDigit(index) {
                let digit = UInt64(bytes[index] - JSONByte.zero)
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ digit
                    if mantissa != 0 { digits += 1 }
                    decimalExponent -= 1
                } else if digit != 0 {
                    exactMantissa = false
                }
                index += 1
            }
        }
        if index < end && (bytes[index] == JSONByte.e || bytes[index] == JSONByte.E) {
            index += 1
            var exponentNegative = false
            if index < end && (bytes[index] == JSONByte.plus || bytes[index] == JSONByte.minus) {
                exponentNegative = bytes[index] == JSONByte.minus
                index += 1
            }
            guard isDigit(index) else {
                throw error("expected a digit in the exponent, found \(found(at: index))", at: index)
            }
            var exponent = 0
            while isDigit(index) {
                if exponent < 1_000_000 { exponent = exponent * 10 + Int(bytes[index] - JSONByte.zero) }
                index += 1
            }
            decimalExponent += exponentNegative ? -exponent : exponent
        }
        pos = index

        if exactMantissa && mantissa <= 1 << 53 && decimalExponent >= -22 && decimalExponent <= 22 {
            var value = Double(mantissa)
            if decimalExponent >= 0 {
                value *= exactPowersOfTen[decimalExponent]
            } else {
                value /= exactPowersOfTen[-decimalExponent]
            }
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("number out of range: \(text.prefix(40))", at: start)
        }
        return value
    }
}

extension String {
    /// `'x'` → `x`, for quoting a found character inside another quoted context.
    fileprivate var trimmingQuotes: String {
        hasPrefix("'") && hasSuffix("'") && count >= 3 ? String(dropFirst().dropLast()) : self
    }
}
