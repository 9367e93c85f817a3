import Foundation

/// Writes a tar archive (POSIX ustar) into a gzip stream: the layout of Sanity's export files.
final class TarWriter {
    private let gzip: GzipWriter

    init(path: String) throws(AssetError) {
        gzip = try GzipWriter(path: path)
    }

    /// Adds a regular file. Names longer than 100 bytes are split into ustar's prefix and name.
    func add(_ name: String, _ bytes: [UInt8], modified: Date = Date()) throws(AssetError) {
        var header = [UInt8](repeating: 0, count: 512)
        let path = Array(name.utf8)
        var prefix: [UInt8] = []
        var base = path
        if path.count > 100 {
            guard let cut = path[..<min(path.count, 156)].lastIndex(of: UInt8(ascii: "/")), path.count - cut - 1 <= 100 else {
                throw AssetError(.storage, "The archive cannot name \(name): too long for tar")
            }
            prefix = Array(path[..<cut])
            base = Array(path[(cut + 1)...])
        }
        func put(_ field: [UInt8], at offset: Int) { for (index, byte) in field.enumerated() { header[offset + index] = byte } }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            Array((String(repeating: "0", count: width - 1) + String(value, radix: 8)).suffix(width - 1).utf8) + [0]
        }
        put(base, at: 0)
        put(octal(0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(bytes.count, width: 12), at: 124)
        put(octal(Int(modified.timeIntervalSince1970), width: 12), at: 136)
        put(Array("        ".utf8), at: 148)
        header[156] = UInt8(ascii: "0")
        put(Array("ustar\u{0}00".utf8), at: 257)
        put(prefix, at: 345)
        let checksum = header.reduce(0) { $0 + Int($1) }
        put(Array((String(repeating: "0", count: 6) + String(checksum, radix: 8)).suffix(6).utf8) + [0, UInt8(ascii: " ")], at: 148)
        try gzip.write(header)
        try gzip.write(bytes)
        let padding = (512 - bytes.count % 512) % 512
        if padding > 0 { try gzip.write([UInt8](repeating: 0, count: padding)) }
    }

    /// Ends the archive (two empty blocks) and closes the file.
    func finish() throws(AssetError) {
        try gzip.write([UInt8](repeating: 0, count: 1024))
        try gzip.finish()
    }
}

/// Reads the regular files of a gzipped tar archive one at a time, streaming their bytes.
/// Understands ustar prefixes, pax `path` records and GNU long names; links, devices and
/// other entries are skipped.
final class TarReader {
    private let gzip: GzipReader
    private var buffer: [UInt8] = []
    private var position = 0

    /// One file of the archive.
    struct Entry {
        var name: String
        var size: Int
    }

    init(path: String) throws(AssetError) {
        gzip = try GzipReader(path: path)
    }

    private func read(_ count: Int) throws(AssetError) -> [UInt8] {
        while buffer.count - position < count {
            let more = try gzip.next()
            guard !more.isEmpty else {
                throw AssetError(.unreadable, "The archive ends in the middle of an entry", advice: "it is truncated: copy or download it again")
            }
            buffer.removeFirst(position)
            position = 0
            buffer += more
        }
        defer { position += count }
        return Array(buffer[position..<position + count])
    }

    /// Calls `body` for each regular file with its name and a function reading its bytes in
    /// chunks (each chunk passed to the function given); the bytes must be read before the next entry.
    func forEachFile(_ body: (Entry, (_ chunk: ([UInt8]) throws -> Void) throws -> Void) throws -> Void) throws {
        var pendingName: String?
        while true {
            let header = try read(512)
            if header.allSatisfy({ $0 == 0 }) { return }
            let stored = header[148..<156].reduce(0) { $0 + Int($1) }
            let checksum = header.reduce(0) { $0 + Int($1) } - stored + 8 * 32
            guard let recorded = Self.octal(header[148..<156]), recorded == checksum else {
                throw AssetError(.unreadable, "The archive is not a tar file (a header's checksum does not match)",
                                 advice: "give a .tar.gz file as `facet dataset export --assets` or Sanity's export writes it")
            }
            guard let size = Self.octal(header[124..<136]), size >= 0 else {
                throw AssetError(.unreadable, "The archive has an entry of unreadable size")
            }
            let type = header[156]
            var name = Self.text(header[0..<100])
            let prefix = Self.text(header[345..<500])
            if header[257..<262].elementsEqual("ustar".utf8), !prefix.isEmpty { name = prefix + "/" + name }
            let blocks = (size + 511) / 512 * 512
            switch type {
            case UInt8(ascii: "x"), UInt8(ascii: "L"):
                let data = try read(blocks)
                let text = String(decoding: data[..<size], as: UTF8.self)
                if type == UInt8(ascii: "L") {
                    pendingName = text.trimmingCharacters(in: CharacterSet(charactersIn: "\u{0}"))
                } else if let path = text.split(separator: "\n").compactMap({ line -> String? in
                    guard let equals = line.range(of: " path=") else { return nil }
                    return String(line[equals.upperBound...])
                }).first {
                    pendingName = path
                }
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                let entry = Entry(name: pendingName ?? name, size: size)
                pendingName = nil
                var remaining = size
                try body(entry) { chunk in
                    while remaining > 0 {
                        let count = min(remaining, 1 << 16)
                        try chunk(try self.read(count))
                        remaining -= count
                    }
                }
                // Whatever the body did not read is skipped, then the padding.
                while remaining > 0 {
                    let count = min(remaining, 1 << 16)
                    _ = try read(count)
                    remaining -= count
                }
                _ = try read(blocks - size)
            default:
                pendingName = nil
                _ = try read(blocks)
            }
        }
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func octal(_ bytes: ArraySlice<UInt8>) -> Int? {
        let digits = text(bytes).trimmingCharacters(in: .whitespaces)
        return digits.isEmpty ? 0 : Int(digits, radix: 8)
    }
}
