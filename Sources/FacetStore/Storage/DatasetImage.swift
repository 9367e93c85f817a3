import Dispatch
import Foundation
import GROQ

/// Seals and opens the chunks of a dataset's image (see ``DatasetImage``) with one key: what a
/// ``DocumentSealing`` gives a store so that the image holds nothing its database file does not
/// hide. Destroying the key makes every image sealed with it unreadable.
public protocol ImageCipher: Sendable {
    /// The id of the key, written in the image's header.
    var keyID: String { get }
    /// `plain` sealed, bound to `context` (authenticated, not stored).
    func seal(_ plain: UnsafeRawBufferPointer, context: [UInt8]) throws(StoreError) -> [UInt8]
    /// What ``seal(_:context:)`` sealed under the same `context`; throws when `sealed` was
    /// altered or was sealed for another context.
    func open(_ sealed: UnsafeRawBufferPointer, context: [UInt8]) throws(StoreError) -> [UInt8]
}

/// A dataset's documents as of one committed transaction, in a file beside the dataset: what
/// the next process to open the dataset reads instead of every document's JSON text.
///
/// Opening a dataset from its database parses every document and opens every sealed field
/// (an AES-GCM decryption and a data key per client); the image holds the documents opened and
/// in ``JSONValue``'s binary form, sealed in chunks of about a thousand documents with the one
/// key its sealing gives (``DocumentSealing/imageCipher(dataset:keyID:)``), or checksummed when
/// the store seals nothing. The database stays the truth: an image is used only when its last
/// transaction (sequence number *and* id) is in the dataset's history, the transactions after
/// it are applied from there, and an image that cannot be used for any reason (damaged,
/// another dataset's, its key destroyed by an erasure) is passed over for a full read.
///
/// Layout: `FACETIMG`, the format version (UInt32), the header's length (UInt32) and the header
/// (an object in binary JSON: dataset, sequence, transactionId, keyId, documents); then chunks,
/// each a length (UInt32) and that many bytes. A chunk's content is its document count
/// (UInt32), whether it is the last (one byte) and the documents; it is sealed (or checksummed)
/// with the header and its own number as context, so that no chunk can be dropped, moved,
/// repeated or taken from another image.
struct DatasetImage {
    struct Header: Equatable {
        var dataset: String
        /// The sequence number of the last transaction the documents include.
        var sequence: Int64
        /// That transaction's id: a dataset file replaced by another keeps the image from
        /// being taken for its own.
        var transactionID: String
        /// The key the chunks are sealed with; `nil` when they are only checksummed.
        var keyID: String?
        var documents: Int
    }

    static let magic = Array("FACETIMG".utf8)
    static let version: UInt32 = 1
    /// Documents per chunk at most: enough for the cipher's and the file's costs per chunk to
    /// vanish, few enough that a load spreads over every core and frees what it read as it goes.
    static let documentsPerChunk = 1_024
    /// About how many bytes a chunk holds: the next round's chunks take as many documents as
    /// the last round's sizes say fit (large documents make chunks of a few).
    static let chunkBytes = 4 << 20
    /// No chunk is larger: an image whose documents grow past it within one round is not
    /// written (an image is only a quicker way in), and a reader refuses a larger one.
    static let maximumChunkBytes = 64 << 20
    /// How many chunks are worked on together, read or written: what a round holds in memory
    /// is at most this many maximal chunks.
    static let chunksPerRound = 8

    // MARK: Writing

    /// Writes `documents` (sorted by id, the state after the transaction `header` names) to
    /// `path`, under a temporary name renamed at the end, so a reader never meets half an
    /// image and a process killed meanwhile leaves the old one in place.
    static func write(_ documents: [JSONValue], header: Header, cipher: (any ImageCipher)?, to path: String) throws(StoreError) {
        AbandonedFiles.remove(in: (path as NSString).deletingLastPathComponent, prefix: (path as NSString).lastPathComponent + ".tmp-")
        let temporary = path + ".tmp-" + String(getpid()) + "-" + DocumentID.generate()
        guard let file = fopen(temporary, "wx") else {
            throw StoreError.storage("Cannot write the dataset image \(temporary): \(String(cString: strerror(errno)))")
        }
        var closed = false
        defer {
            if !closed { fclose(file) }
            unlink(temporary)
        }
        let headerBytes = encoded(header)
        var prefix = magic
        appendUInt32(version, to: &prefix)
        appendUInt32(UInt32(headerBytes.count), to: &prefix)
        try put(prefix + headerBytes, to: file, path: temporary)
        var start = 0, index = 0
        // Small to begin with: the first round learns how large the documents are.
        var perChunk = 64
        repeat {
            var ranges: [Range<Int>] = []
            var next = start
            repeat {
                let end = min(documents.count, next + perChunk)
                ranges.append(next..<end)
                next = end
            } while next < documents.count && ranges.count < chunksPerRound
            let first = index
            let sealed = EveryCore.chunks(of: ranges.count, serialBelow: 2) { [ranges] part in
                part.map { offset -> Result<[UInt8], StoreError> in
                    Result { () throws(StoreError) in
                        try sealedChunk(documents[ranges[offset]], index: first + offset, isLast: ranges[offset].upperBound == documents.count,
                                        header: headerBytes, cipher: cipher)
                    }
                }
            }.joined()
            var written = 0
            for chunk in sealed {
                let bytes = try chunk.get()
                var length: [UInt8] = []
                appendUInt32(UInt32(bytes.count), to: &length)
                try put(length, to: file, path: temporary)
                try put(bytes, to: file, path: temporary)
                written += bytes.count
            }
            let averageBytes = max(1, written / max(1, next - start))
            perChunk = min(documentsPerChunk, max(1, chunkBytes / averageBytes))
            start = next
            index += ranges.count
        } while start < documents.count
        closed = true
        guard fclose(file) == 0 else {
            throw StoreError.storage("Cannot write the dataset image \(temporary): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, path) == 0 else {
            throw StoreError.storage("Cannot rename the dataset image to \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func sealedChunk(_ documents: ArraySlice<JSONValue>, index: Int, isLast: Bool, header: [UInt8],
                                    cipher: (any ImageCipher)?) throws(StoreError) -> [UInt8]
    {
        var plain: [UInt8] = []
        plain.reserveCapacity(documents.count * 512)
        appendUInt32(UInt32(documents.count), to: &plain)
        plain.append(isLast ? 1 : 0)
        for document in documents {
            document.appendBinary(to: &plain)
            guard plain.count <= maximumChunkBytes else {
                throw StoreError.storage("The documents grew too large within a chunk of the dataset image", advice: "")
            }
        }
        let context = chunkContext(header: header, index: index)
        if let cipher {
            return try plain.withUnsafeBytes { buffer in Result { () throws(StoreError) in try cipher.seal(buffer, context: context) } }.get()
        }
        var sum = plain.withUnsafeBytes { checksum($0, context: context) }
        withUnsafeBytes(of: &sum) { plain.append(contentsOf: $0) }
        return plain
    }

    private static func put(_ bytes: [UInt8], to file: UnsafeMutablePointer<FILE>, path: String) throws(StoreError) {
        guard bytes.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) == bytes.count else {
            throw StoreError.storage("Cannot write the dataset image \(path): \(String(cString: strerror(errno)))",
                                     advice: "Free some disk space; the dataset itself is not affected.")
        }
    }

    // MARK: Reading

    /// Why an image was not used, for whoever reports how a dataset was opened.
    struct Unusable: Error {
        var reason: String
    }

    /// The header of the image at `path`, read before its documents so that the caller can check
    /// it against the dataset's history first.
    static func header(at path: String) throws(Unusable) -> (header: Header, bytes: [UInt8], start: Int) {
        guard let file = fopen(path, "r") else { throw Unusable(reason: "there is no image") }
        defer { fclose(file) }
        let fixed = read(file, count: magic.count + 8)
        guard fixed.count == magic.count + 8, Array(fixed[0..<magic.count]) == magic else { throw Unusable(reason: "the image is not an image") }
        let version = uint32(fixed, at: magic.count)
        guard version == Self.version else { throw Unusable(reason: "the image has format version \(version), not \(Self.version)") }
        let length = Int(uint32(fixed, at: magic.count + 4))
        guard length < 1 << 20 else { throw Unusable(reason: "the image's header is damaged") }
        let bytes = read(file, count: length)
        guard bytes.count == length, let header = decoded(bytes) else { throw Unusable(reason: "the image's header is damaged") }
        return (header, bytes, fixed.count + length)
    }

    /// The documents of the image whose header ``header(at:)`` read, opened with `cipher`
    /// (`nil` for a checksummed image).
    static func documents(at path: String, header: (header: Header, bytes: [UInt8], start: Int),
                          cipher: (any ImageCipher)?) throws(Unusable) -> [JSONValue]
    {
        guard let file = fopen(path, "r") else { throw Unusable(reason: "the image could not be opened again") }
        defer { fclose(file) }
        guard fseek(file, 0, SEEK_END) == 0 else { throw Unusable(reason: "the image could not be read") }
        let size = ftell(file)
        guard size >= header.start, fseek(file, header.start, SEEK_SET) == 0 else { throw Unusable(reason: "the image is cut short") }
        var position = header.start
        var documents: [JSONValue] = []
        documents.reserveCapacity(header.header.documents)
        var index = 0
        var ended = false
        while !ended {
            var round: [(index: Int, bytes: [UInt8])] = []
            while round.count < chunksPerRound {
                let length = read(file, count: 4)
                guard length.count == 4 else {
                    if round.isEmpty { throw Unusable(reason: "the image is cut short") }
                    break
                }
                let count = Int(uint32(length, at: 0))
                // A damaged length must not make this allocate gigabytes.
                guard count <= maximumChunkBytes + 64 else { throw Unusable(reason: "chunk \(index) of the image is too large") }
                guard count <= size - position - 4 else { throw Unusable(reason: "the image is cut short") }
                let bytes = read(file, count: count)
                guard bytes.count == count else { throw Unusable(reason: "the image is cut short") }
                position += 4 + count
                round.append((index, bytes))
                index += 1
            }
            let parts = EveryCore.chunks(of: round.count, serialBelow: 2) { [round] range in
                range.map { position -> Result<(documents: [JSONValue], isLast: Bool), Unusable> in
                    Result { () throws(Unusable) in try openedChunk(round[position].bytes, index: round[position].index, header: header.bytes, cipher: cipher) }
                }
            }.joined()
            for part in parts {
                guard !ended else { throw Unusable(reason: "the image goes on after its last chunk") }
                let (chunk, isLast) = try part.get()
                documents.append(contentsOf: chunk)
                ended = isLast
            }
        }
        guard position == size else { throw Unusable(reason: "the image goes on after its last chunk") }
        guard documents.count == header.header.documents else {
            throw Unusable(reason: "the image holds \(documents.count) documents, its header says \(header.header.documents)")
        }
        return documents
    }

    private static func openedChunk(_ bytes: [UInt8], index: Int, header: [UInt8],
                                    cipher: (any ImageCipher)?) throws(Unusable) -> (documents: [JSONValue], isLast: Bool)
    {
        let context = chunkContext(header: header, index: index)
        let plain: [UInt8]
        if let cipher {
            let opened = bytes.withUnsafeBytes { buffer in Result { () throws(StoreError) in try cipher.open(buffer, context: context) } }
            switch opened {
            case .success(let found): plain = found
            case .failure(let error): throw Unusable(reason: "chunk \(index) of the image does not open: \(error.message)")
            }
        } else {
            guard bytes.count >= 8 else { throw Unusable(reason: "chunk \(index) of the image is cut short") }
            let stored = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self) }
            plain = Array(bytes.dropLast(8))
            guard plain.withUnsafeBytes({ checksum($0, context: context) }) == stored else {
                throw Unusable(reason: "chunk \(index) of the image fails its checksum")
            }
        }
        guard plain.count >= 5 else { throw Unusable(reason: "chunk \(index) of the image is cut short") }
        let count = Int(uint32(plain, at: 0))
        let isLast = plain[4] == 1
        return try plain.withUnsafeBytes { buffer in Result { () throws(Unusable) in
            var offset = 5
            var documents: [JSONValue] = []
            documents.reserveCapacity(min(count, buffer.count))
            var decoder = JSONBinaryDecoder()
            do {
                for _ in 0..<count { documents.append(try decoder.value(in: buffer, offset: &offset)) }
            } catch {
                throw Unusable(reason: "chunk \(index) of the image is damaged: \(error)")
            }
            guard offset == buffer.count else { throw Unusable(reason: "chunk \(index) of the image has bytes after its documents") }
            return (documents, isLast)
        } }.get()
    }

    // MARK: Parts

    private static func encoded(_ header: Header) -> [UInt8] {
        let object: JSONValue = [
            "dataset": .string(header.dataset), "sequence": .number(Double(header.sequence)),
            "transactionId": .string(header.transactionID), "keyId": header.keyID.map(JSONValue.string) ?? .null,
            "documents": .number(Double(header.documents)),
        ]
        var bytes: [UInt8] = []
        object.appendBinary(to: &bytes)
        return bytes
    }

    private static func decoded(_ bytes: [UInt8]) -> Header? {
        let value: JSONValue
        do {
            value = try bytes.withUnsafeBytes { (buffer) throws(JSONError) in
                var offset = 0
                return try JSONValue(binary: buffer, offset: &offset, maxDepth: 2)
            }
        } catch {
            return nil
        }
        guard let dataset = value["dataset"]?.stringValue, let sequence = value["sequence"]?.numberValue,
              let transactionID = value["transactionId"]?.stringValue, let documents = value["documents"]?.numberValue,
              let keyID = value["keyId"], keyID.isNull || keyID.stringValue != nil,
              sequence >= 0, sequence < 9e15, documents >= 0, documents < 1e12
        else { return nil }
        return Header(dataset: dataset, sequence: Int64(sequence), transactionID: transactionID, keyID: keyID.stringValue,
                      documents: Int(documents))
    }

    private static func chunkContext(header: [UInt8], index: Int) -> [UInt8] {
        var context = Array("facet dataset image\u{0}".utf8) + header
        appendUInt32(UInt32(truncatingIfNeeded: index), to: &context)
        return context
    }

    /// A 64-bit checksum of `bytes` after `context`: it finds damage, not forgery (an image
    /// without a cipher belongs to a store that keeps its documents in plain text anyway).
    static func checksum(_ bytes: UnsafeRawBufferPointer, context: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ word: UInt64) {
            hash = (hash ^ word) &* 0x0000_0100_0000_01B3
            hash ^= hash >> 29
        }
        for byte in context { mix(UInt64(byte)) }
        var offset = 0
        while offset + 8 <= bytes.count {
            mix(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        while offset < bytes.count {
            mix(UInt64(bytes[offset]) | 0x100)
            offset += 1
        }
        mix(UInt64(bytes.count))
        return hash
    }

    private static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        var little = value.littleEndian
        withUnsafeBytes(of: &little) { bytes.append(contentsOf: $0) }
    }

    private static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    }

    private static func read(_ file: UnsafeMutablePointer<FILE>, count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = fread(buffer.baseAddress, 1, count, file)
        }
    }
}
