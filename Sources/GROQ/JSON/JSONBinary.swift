/// A compact binary form of ``JSONValue``, for values this process or another Facet process
/// wrote itself (a dataset's image, see `DatasetImage`): no whitespace, no escapes, numbers as
/// their eight bytes, lengths up front. Reading it back is several times faster than parsing
/// the JSON text of the same value, which is what opening a large dataset waits for.
///
/// The form is a tag byte, then:
/// - `0` null, `1` false, `2` true: nothing more;
/// - `3` number: the `Double`'s bit pattern, 8 bytes little-endian;
/// - `4` string: its UTF-8 length (LEB128), then the bytes;
/// - `5` array: its count (LEB128), then each element;
/// - `6` object: its count (LEB128), then each member's key (as a string without tag) and value.
///
/// It is not an interchange format: JSON text stays what Facet reads from and gives to anyone
/// else. Reading checks every length against the bytes left and the nesting against a limit,
/// so damaged bytes are an error, never a crash.
///
/// ```swift
/// var bytes: [UInt8] = []
/// document.appendBinary(to: &bytes)
/// let copy = try bytes.withUnsafeBytes { buffer in
///     var offset = 0
///     return try JSONValue(binary: buffer, offset: &offset)
/// }
/// ```
extension JSONValue {
    private enum BinaryTag {
        static let null: UInt8 = 0
        static let `false`: UInt8 = 1
        static let `true`: UInt8 = 2
        static let number: UInt8 = 3
        static let string: UInt8 = 4
        static let array: UInt8 = 5
        static let object: UInt8 = 6
    }

    /// Appends this value's binary form to `bytes`.
    public func appendBinary(to bytes: inout [UInt8]) {
        switch self {
        case .null: bytes.append(BinaryTag.null)
        case .bool(let value): bytes.append(value ? BinaryTag.true : BinaryTag.false)
        case .number(let value):
            bytes.append(BinaryTag.number)
            var bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
        case .string(let value):
            bytes.append(BinaryTag.string)
            Self.appendBinary(value, to: &bytes)
        case .array(let elements):
            bytes.append(BinaryTag.array)
            Self.appendLength(elements.count, to: &bytes)
            for element in elements { element.appendBinary(to: &bytes) }
        case .object(let object):
            bytes.append(BinaryTag.object)
            Self.appendLength(object.count, to: &bytes)
            for (key, value) in object {
                Self.appendBinary(key, to: &bytes)
                value.appendBinary(to: &bytes)
            }
        }
    }

    private static func appendBinary(_ string: String, to bytes: inout [UInt8]) {
        var string = string
        string.withUTF8 { utf8 in
            appendLength(utf8.count, to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    private static func appendLength(_ length: Int, to bytes: inout [UInt8]) {
        var rest = UInt64(length)
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Reads one value's binary form from `buffer` at `offset`, and moves `offset` past it.
    ///
    /// - Parameter maxDepth: the deepest nesting accepted, as for parsing JSON text.
    /// - Throws: ``JSONError`` at the offset where the bytes stop making sense.
    public init(binary buffer: UnsafeRawBufferPointer, offset: inout Int, maxDepth: Int = 512) throws(JSONError) {
        var decoder = JSONBinaryDecoder()
        self = try decoder.value(in: buffer, offset: &offset, maxDepth: maxDepth)
    }
}

/// Reads many values in turn from binary JSON (see ``JSONValue/appendBinary(to:)``), keeping
/// each string longer than 15 bytes that comes back among them once.
///
/// Documents written together repeat many strings: the same `_rev` and `_updatedAt` for every
/// document of one transaction, the same product in `_ref` on many order lines. A string of
/// up to 15 bytes lives inside the value; a longer one is an allocation of its own, and on the
/// demo CRM these took a fifth of the documents' memory, two thirds of it repeats within 1,024
/// documents. Reading a dataset's image a chunk at a time with one decoder per chunk keeps one
/// copy per chunk: values shared between documents processed together, rarely between the
/// cores that split a query, so reading them does not make the cores contend.
///
/// ```swift
/// var decoder = JSONBinaryDecoder()
/// var offset = 0
/// while offset < buffer.count { documents.append(try decoder.value(in: buffer, offset: &offset)) }
/// ```
public struct JSONBinaryDecoder {
    private var strings = Set<String>()
    private var keys: [String] = []
    private var values: [JSONValue] = []

    public init() {}

    /// Reads one value's binary form from `buffer` at `offset`, and moves `offset` past it.
    ///
    /// - Parameter maxDepth: the deepest nesting accepted, as for parsing JSON text.
    /// - Throws: ``JSONError`` at the offset where the bytes stop making sense.
    public mutating func value(in buffer: UnsafeRawBufferPointer, offset: inout Int, maxDepth: Int = 512) throws(JSONError) -> JSONValue {
        var reader = BinaryReader(buffer: buffer, offset: offset)
        // Lent to the reader and taken back, so that their storage is reused, never copied.
        swap(&reader.strings, &strings)
        swap(&reader.keys, &keys)
        swap(&reader.values, &values)
        defer {
            swap(&reader.strings, &strings)
            swap(&reader.keys, &keys)
            swap(&reader.values, &values)
        }
        let value = try reader.value(depth: maxDepth)
        offset = reader.offset
        return value
    }
}

/// Reads the binary form; every read is checked against the end of the buffer.
private struct BinaryReader {
    let buffer: UnsafeRawBufferPointer
    var offset: Int
    /// The keys and values of the objects being read, innermost last, kept until each object
    /// is complete and its list of keys can be looked up (see ``JSONObjectKeys``).
    var keys: [String] = []
    var values: [JSONValue] = []
    /// The strings longer than 15 bytes read so far (see ``JSONBinaryDecoder``).
    var strings = Set<String>()

    private func damaged(_ what: String) -> JSONError {
        JSONError(offset: offset, message: "damaged binary JSON: \(what)")
    }

    mutating func byte() throws(JSONError) -> UInt8 {
        guard offset < buffer.count else { throw damaged("it ends inside a value") }
        defer { offset += 1 }
        return buffer[offset]
    }

    mutating func length() throws(JSONError) -> Int {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            result |= UInt64(next & 0x7F) << shift
            if next < 0x80 { break }
            shift += 7
            guard shift < 63 else { throw damaged("a length is too long") }
        }
        // No length can exceed the bytes left: each element or byte takes at least one.
        guard result <= UInt64(buffer.count - offset) else { throw damaged("a length of \(result) runs past the end") }
        return Int(result)
    }

    mutating func string() throws(JSONError) -> String {
        let count = try length()
        defer { offset += count }
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + count]), as: UTF8.self)
    }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        let tag = try byte()
        switch tag {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3:
            guard buffer.count - offset >= 8 else { throw damaged("a number is cut short") }
            let bits = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
            return .number(Double(bitPattern: bits))
        case 4:
            let read = try string()
            // Up to 15 bytes a string is held inside the value, and there is nothing to share.
            guard read.utf8.count > 15 else { return .string(read) }
            return .string(strings.insert(read).memberAfterInsert)
        case 5:
            guard depth > 0 else { throw damaged("nested too deeply") }
            let count = try length()
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try value(depth: depth - 1)) }
            return .array(elements)
        case 6:
            guard depth > 0 else { throw damaged("nested too deeply") }
            let count = try length()
            let keyStart = keys.count
            let valueStart = values.count
            defer {
                keys.removeSubrange(keyStart...)
                values.removeSubrange(valueStart...)
            }
            for _ in 0..<count {
                keys.append(try string())
                values.append(try value(depth: depth - 1))
            }
            if let shared = JSONObject(sharingKeys: keys[keyStart...], values: values[valueStart...]) {
                return .object(shared)
            }
            var object = JSONObject(minimumCapacity: count)
            for index in 0..<count {
                // Written from an object, the keys are distinct (and the bytes authenticated
                // or checksummed by whoever stored them): checking each key against the ones
                // before would make reading an object quadratic.
                object.append(keys[keyStart + index], values[valueStart + index])
            }
            return .object(object)
        default:
            offset -= 1
            throw damaged("unknown tag \(tag)")
        }
    }
}
