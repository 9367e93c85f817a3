extension JSONValue {
    /// The JSON text of this value, byte for byte what JavaScript's `JSON.stringify(value)` (or,
    /// when `pretty`, `JSON.stringify(value, null, 2)`) prints.
    ///
    /// Matching JavaScript exactly matters because Sanity clients compare and hash documents by
    /// their JSON text: `3` must not come back as `3.0`, nor `1e21` as `1e+21` spelled another way.
    public func serialized(pretty: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        write(to: &bytes, pretty: pretty)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the JSON text of this value to `bytes`.
    ///
    /// Writing into a caller-owned buffer lets a response made of many documents be produced
    /// without an intermediate `String` per document.
    public func write(to bytes: inout [UInt8], pretty: Bool = false) {
        var writer = _JSONWriter(pretty: pretty)
        swap(&writer.out, &bytes)
        writer.write(self, indent: 0)
        swap(&writer.out, &bytes)
    }

    /// Appends the JSON text of this value to `bytes` unless `bytes` would grow past `limit`
    /// bytes: then it stops soon after the limit (within one string or number) and returns
    /// `false`, leaving `bytes` with a truncated text.
    ///
    /// A value may share one array among many of its members (a sub-query whose answer is the
    /// same in every row), so its text can be vastly larger than the memory it holds: the limit
    /// is checked at every element, at every depth, never after the whole text is written.
    public func write(to bytes: inout [UInt8], limit: Int, pretty: Bool = false) -> Bool {
        if !pretty, case .array(let array) = self, ParallelMap.chunkCount(for: array.count) > 1 {
            return Self.writeInParts(array, to: &bytes, limit: limit)
        }
        var writer = _JSONWriter(pretty: pretty)
        writer.limit = limit
        swap(&writer.out, &bytes)
        writer.write(self, indent: 0)
        swap(&writer.out, &bytes)
        return bytes.count <= limit
    }
}

extension JSONValue {
    /// A long array written a part per core, the parts then joined: the text of a query's
    /// tens of thousands of rows took as long to write on one core as computing them on two.
    /// Each part stops at the limit on its own, so at most one limit's worth is written per core.
    private static func writeInParts(_ array: [JSONValue], to bytes: inout [UInt8], limit: Int) -> Bool {
        let room = limit - bytes.count
        // A part's body never throws: the chunks only stop for what their bodies throw.
        let parts = (try? ParallelMap.chunks(of: array.count) { (_, range) throws(GROQError) -> [UInt8] in
            var writer = _JSONWriter(pretty: false)
            writer.limit = room
            // Room for a short row each, never past the limit: an array whose elements share one
            // large value would otherwise reserve far more than it may write.
            writer.out.reserveCapacity(min(64 * range.count, max(0, room)))
            for index in range {
                if writer.out.count > room { break }
                if index != range.lowerBound { writer.out.append(0x2C) }
                writer.write(array[index], indent: 0)
            }
            return writer.out
        }) ?? []
        let size = parts.reduce(1 + parts.count) { $0 + $1.count }  // the brackets and a comma between parts
        guard parts.count == ParallelMap.chunkCount(for: array.count), size <= room else { return false }
        bytes.reserveCapacity(bytes.count + size)
        bytes.append(0x5B)  // [
        for (index, part) in parts.enumerated() {
            if index > 0 { bytes.append(0x2C) }
            bytes.append(contentsOf: part)
        }
        bytes.append(0x5D)  // ]
        return true
    }
}

/// Writes JSON into a byte buffer. Recursion depth equals the value's nesting depth, which the
/// parser bounds (512 by default).
struct _JSONWriter {
    var out: [UInt8] = []
    let pretty: Bool
    /// The size past which writing gives up: every container stops at its next element.
    var limit = Int.max

    init(pretty: Bool) { self.pretty = pretty }

    mutating func write(_ value: JSONValue, indent: Int) {
        switch value {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let flag):
            if flag { out.append(contentsOf: "true".utf8) } else { out.append(contentsOf: "false".utf8) }
        case .number(let number):
            writeNumber(number)
        case .string(let string):
            writeString(string)
        case .array(let array):
            if array.isEmpty {
                out.append(0x5B); out.append(0x5D)
                return
            }
            out.append(0x5B)  // [
            var first = true
            for element in array {
                if out.count > limit { return }
                if !first { out.append(0x2C) }
                first = false
                if pretty { newline(indent: indent + 1) }
                write(element, indent: indent + 1)
            }
            if pretty { newline(indent: indent) }
            out.append(0x5D)  // ]
        case .object(let object):
            if object.isEmpty {
                out.append(0x7B); out.append(0x7D)
                return
            }
            out.append(0x7B)  // {
            var first = true
            for (key, member) in object {
                if out.count > limit { return }
                if !first { out.append(0x2C) }
                first = false
                if pretty { newline(indent: indent + 1) }
                writeString(key)
                out.append(0x3A)  // :
                if pretty { out.append(0x20) }
                write(member, indent: indent + 1)
            }
            if pretty { newline(indent: indent) }
            out.append(0x7D)  // }
        }
    }

    private mutating func newline(indent: Int) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(0x20, count: indent * 2))
    }

    // MARK: Strings

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Escapes like `JSON.stringify`: the two-character escapes where JavaScript has them, `\u00XX`
    /// for other control characters, and everything else (non-ASCII included) as raw UTF-8.
    mutating func writeString(_ string: String) {
        out.append(0x22)
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { appendEscaped($0) }
        if done == nil {
            let copy = Array(string.utf8)
            copy.withUnsafeBufferPointer { appendEscaped($0) }
        }
        out.append(0x22)
    }

    private mutating func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in bytes.indices {
            let byte = bytes[index]
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
            if runStart < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            runStart = index + 1
            out.append(0x5C)  // backslash
            switch byte {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x08: out.append(0x62)  // b
            case 0x0C: out.append(0x66)  // f
            case 0x0A: out.append(0x6E)  // n
            case 0x0D: out.append(0x72)  // r
            case 0x09: out.append(0x74)  // t
            default:
                out.append(contentsOf: [0x75, 0x30, 0x30])  // u00
                out.append(Self.hexDigits[Int(byte >> 4)])
                out.append(Self.hexDigits[Int(byte & 0xF)])
            }
        }
        if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
    }

    // MARK: Numbers

    /// Writes a number as JavaScript's `Number.prototype.toString` does (ECMA-262 Number::toString):
    /// the shortest digits that round-trip, placed without an exponent when the decimal exponent
    /// is between -6 and 21.
    mutating func writeNumber(_ number: Double) {
        guard number.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if number == 0 {  // also -0, which JavaScript prints as 0
            out.append(0x30)
            return
        }
        // Exact integers: no need to find the shortest digits.
        if number.rounded(.towardZero) == number && number.magnitude < 9_007_199_254_740_992 {
            writeInteger(Int64(number))
            return
        }
        writeShortest(number)
    }

    private mutating func writeInteger(_ value: Int64) {
        if value < 0 { out.append(0x2D) }
        var magnitude = value.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(truncatingIfNeeded: magnitude % 10) + 0x30)
            magnitude /= 10
        } while magnitude > 0
        out[start...].reverse()
    }

    /// Takes the shortest round-trip digits from Swift's own formatting (which picks the same
    /// digits as JavaScript: fewest digits, then closest to the value) and re-lays them out.
    private mutating func writeShortest(_ number: Double) {
        if number < 0 { out.append(0x2D) }
        var digits: [UInt8] = []
        digits.reserveCapacity(17)
        var pointPosition: Int?  // digits before the decimal point in Swift's rendering
        var exponent = 0
        var exponentNegative = false
        var inExponent = false
        for byte in number.magnitude.description.utf8 {
            if inExponent {
                switch byte {
                case 0x2D: exponentNegative = true
                case 0x30...0x39: exponent = exponent * 10 + Int(byte - 0x30)
                default: break
                }
            } else if byte == 0x2E {
                pointPosition = digits.count
            } else if byte == 0x65 || byte == 0x45 {
                inExponent = true
            } else if byte >= 0x30 && byte <= 0x39 {
                digits.append(byte)
            }
        }
        if exponentNegative { exponent = -exponent }
        // value = 0.d1d2…dk × 10^n, in the terms of ECMA-262.
        var n = (pointPosition ?? digits.count) + exponent
        // Normalise: drop leading zeros (as in "0.001") and trailing zeros (as in "100.0").
        var leading = 0
        while leading < digits.count - 1 && digits[leading] == 0x30 { leading += 1 }
        n -= leading
        var trailing = digits.count
        while trailing > leading + 1 && digits[trailing - 1] == 0x30 { trailing -= 1 }
        let significant = digits[leading..<trailing]
        let k = significant.count

        if k <= n && n <= 21 {
            out.append(contentsOf: significant)
            out.append(contentsOf: repeatElement(0x30, count: n - k))
        } else if 0 < n && n <= 21 {
            out.append(contentsOf: significant.prefix(n))
            out.append(0x2E)
            out.append(contentsOf: significant.dropFirst(n))
        } else if -6 < n && n <= 0 {
            out.append(0x30)
            out.append(0x2E)
            out.append(contentsOf: repeatElement(0x30, count: -n))
            out.append(contentsOf: significant)
        } else {
            out.append(significant[significant.startIndex])
            if k > 1 {
                out.append(0x2E)
                out.append(contentsOf: significant.dropFirst())
            }
            out.append(0x65)  // e
            out.append(n - 1 < 0 ? 0x2D : 0x2B)
            writeInteger(Int64((n - 1).magnitude))
        }
    }
}

extension JSONValue {
    /// Whether `other` is written as the same JSON text: equal, with every object's members in
    /// the same order (`==` ignores their order). Values that share their storage (a document
    /// and the body it was made from) are answered without walking them.
    public func writesAlike(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        // -0 is written 0, as JavaScript writes it.
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return false }
            if a.withUnsafeBufferPointer({ $0.baseAddress }) == b.withUnsafeBufferPointer({ $0.baseAddress }) { return true }
            for index in a.indices where !a[index].writesAlike(b[index]) { return false }
            return true
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            if a.storage === b.storage { return true }
            for (left, right) in zip(a, b) where left.key != right.key || !left.value.writesAlike(right.value) { return false }
            return true
        default: return false
        }
    }
}

extension JSONObject {
    /// The keys of this object's members that `other` lacks, in order, when `other` is this
    /// object without them, written alike (the same keys in the same order, each value
    /// ``JSONValue/writesAlike(_:)``), and each of them is `allowed`; `nil` otherwise.
    ///
    /// Members are read in place: a store asks this of every document it writes, against the
    /// body the document was made from.
    public func keysBeyond(_ other: JSONObject, allowed: (String) -> Bool) -> [String]? {
        guard count >= other.count else { return nil }
        guard let mine = storage else { return [] }
        var beyond: [String] = []
        var next = 0
        for index in 0..<mine.count {
            let key = mine.key(at: index)
            if next < other.count, let theirs = other.storage, theirs.hasKey(key, at: next) {
                let alike = mine.withValue(at: index) { value in theirs.withValue(at: next) { value.writesAlike($0) } }
                guard alike else { return nil }
                next += 1
            } else {
                guard allowed(key), other.index(forKey: key) == nil else { return nil }
                beyond.append(key)
            }
        }
        return next == other.count ? beyond : nil
    }
}
