#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads newline-delimited JSON (Sanity's export format) one document at a time.
///
/// Exports can be far larger than memory, so a file is read in fixed-size chunks and only the
/// current line is ever held: memory stays at one chunk plus the longest line, whatever the file
/// size. Blank lines are skipped and a trailing `\r` is tolerated, because exports edited on
/// Windows or concatenated by hand have both. Errors carry the 1-based line number and the byte
/// offset within that line.
///
/// ```swift
/// var reader = try NDJSONReader(path: "production.ndjson")
/// while let document = try reader.next() { store.insert(document) }
/// ```
///
/// A reader is a value, but copies of a file-backed reader share the open file; use one copy.
public struct NDJSONReader {
    /// How much is read from the file at a time.
    static let chunkSize = 256 * 1024

    private let file: _NDJSONFile?
    private let maxDepth: Int
    private var buffer: [UInt8]
    /// The unread bytes are `buffer[start..<end]`.
    private var start = 0
    private var end: Int
    /// Where to resume looking for a newline (bytes before it are known not to be one).
    private var scanFrom = 0
    private var atEOF: Bool
    /// The number of the line most recently consumed.
    private var lineNumber = 0

    /// Opens the NDJSON file at `path` for streaming.
    ///
    /// Throws a ``JSONError`` whose description names the path and the reason (for example
    /// "cannot open 'x.ndjson': No such file or directory") when the file cannot be opened.
    public init(path: String, maxDepth: Int = 512) throws(JSONError) {
        file = try _NDJSONFile(path: path)
        self.maxDepth = maxDepth
        buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        end = 0
        atEOF = false
    }

    /// Reads NDJSON that is already in memory (a request body, a test fixture).
    public init(bytes: [UInt8], maxDepth: Int = 512) {
        file = nil
        self.maxDepth = maxDepth
        buffer = bytes
        end = bytes.count
        atEOF = true
    }

    /// The 1-based number of the line the last document (or error) came from.
    public var currentLine: Int { lineNumber }

    /// The next document, or `nil` at the end of the input.
    public mutating func next() throws(JSONError) -> JSONValue? {
        while true {
            guard let (lineStart, lineEnd) = try nextLine() else { return nil }
            lineNumber += 1
            let line = lineNumber
            let depth = maxDepth
            let result: Result<JSONValue, JSONError>? = buffer.withUnsafeBufferPointer { all in
                let bytes = UnsafeBufferPointer(rebasing: all[lineStart..<lineEnd])
                if Self.isBlank(bytes) { return nil }
                return Result { () throws(JSONError) in try JSONValue._parse(bytes, maxDepth: depth, line: line) }
            }
            if let result { return try result.get() }
        }
    }

    /// Calls `body` with every remaining document, in order.
    public mutating func forEach(_ body: (JSONValue) throws -> Void) throws {
        while let value = try next() { try body(value) }
    }

    private static func isBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes where !(byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A) { return false }
        return true
    }

    /// The bounds of the next line in `buffer`, without its `\n`, reading more of the file as
    /// needed; `nil` when the input is exhausted.
    private mutating func nextLine() throws(JSONError) -> (Int, Int)? {
        while true {
            if scanFrom < end, let newline = findNewline(from: scanFrom) {
                let range = (start, newline)
                start = newline + 1
                scanFrom = start
                return range
            }
            scanFrom = end
            if atEOF {
                guard start < end else { return nil }
                let range = (start, end)
                start = end
                scanFrom = end
                return range
            }
            try fill()
        }
    }

    private func findNewline(from index: Int) -> Int? {
        buffer.withUnsafeBytes { raw -> Int? in
            guard let base = raw.baseAddress,
                let found = memchr(base + index, 0x0A, end - index)
            else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }
    }

    /// Moves the unread bytes to the front of the buffer (growing it when one line fills it all)
    /// and reads the next chunk after them.
    private mutating func fill() throws(JSONError) {
        guard let file else {
            atEOF = true
            return
        }
        if start > 0 {
            let count = end - start
            let from = start
            buffer.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return }
                memmove(base, base + from, count)
            }
            end = count
            scanFrom -= start
            start = 0
        }
        if buffer.count - end < Self.chunkSize / 2 {
            buffer.append(contentsOf: repeatElement(0, count: Swift.max(buffer.count, Self.chunkSize)))
        }
        let offset = end
        let read = buffer.withUnsafeMutableBytes { raw -> _NDJSONFile.ReadResult in
            guard let base = raw.baseAddress else { return .success(0) }
            return file.read(into: base + offset, count: raw.count - offset)
        }
        switch read {
        case .success(let count):
            if count == 0 { atEOF = true } else { end += count }
        case .failure(let message):
            throw JSONError(inputError: "cannot read '\(file.path)': \(message)", line: lineNumber + 1)
        }
    }
}

/// An open file descriptor, closed when the last reader sharing it goes away.
final class _NDJSONFile {
    let path: String
    private let descriptor: Int32

    init(path: String) throws(JSONError) {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw JSONError(inputError: "cannot open '\(path)': \(Self.reason(errno))")
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    enum ReadResult { case success(Int), failure(String) }

    func read(into pointer: UnsafeMutableRawPointer, count: Int) -> ReadResult {
        while true {
            #if canImport(Darwin)
            let result = Darwin.read(descriptor, pointer, count)
            #elseif canImport(Musl)
            let result = Musl.read(descriptor, pointer, count)
            #else
            let result = Glibc.read(descriptor, pointer, count)
            #endif
            if result >= 0 { return .success(result) }
            if errno == EINTR { continue }
            return .failure(Self.reason(errno))
        }
    }

    private static func reason(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
