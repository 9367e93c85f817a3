internal import CZlib
import Foundation

/// Writes a gzip file as it is given bytes, compressing with zlib: an archive of any size
/// is never held in memory.
final class GzipWriter {
    private var stream = z_stream()
    private let handle: FileHandle
    private var output = [UInt8](repeating: 0, count: 1 << 16)
    private var finished = false

    init(path: String, level: Int32 = 6) throws(AssetError) {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw AssetError(.storage, "Cannot write \(path)", advice: "check that its folder exists and is writable")
        }
        self.handle = handle
        guard facet_gzip_deflate_start(&stream, level) == Z_OK else {
            throw AssetError(.storage, "zlib could not start compressing")
        }
    }

    deinit {
        if !finished { deflateEnd(&stream) }
    }

    func write(_ bytes: [UInt8]) throws(AssetError) {
        try pump(bytes, flush: Z_NO_FLUSH)
    }

    /// Writes what zlib still holds and the gzip trailer, and closes the file.
    func finish() throws(AssetError) {
        try pump([], flush: Z_FINISH)
        deflateEnd(&stream)
        finished = true
        do { try handle.synchronize(); try handle.close() } catch {
            throw AssetError(.storage, "The archive could not be flushed to disk: \(error.localizedDescription)")
        }
    }

    private func pump(_ input: [UInt8], flush: Int32) throws(AssetError) {
        var failure: AssetError?
        input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            repeat {
                let produced: Int = output.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    let status = deflate(&stream, flush)
                    if status == Z_STREAM_ERROR { failure = AssetError(.storage, "zlib failed while compressing") }
                    return target.count - Int(stream.avail_out)
                }
                if produced > 0 {
                    do { try handle.write(contentsOf: output[..<produced]) } catch {
                        failure = AssetError(.storage, "The archive could not be written: \(error.localizedDescription)",
                                             advice: "check the free space where it is written")
                    }
                }
            } while failure == nil && stream.avail_out == 0
        }
        if let failure { throw failure }
    }
}

/// Reads a gzip file as a stream of bytes, decompressing a chunk at a time.
final class GzipReader {
    private var stream = z_stream()
    private let handle: FileHandle
    private var input: [UInt8] = []
    private var ended = false

    init(path: String) throws(AssetError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AssetError(.notFound, "Cannot read \(path)", advice: "check the file's name and permissions")
        }
        self.handle = handle
        guard facet_gzip_inflate_start(&stream) == Z_OK else { throw AssetError(.storage, "zlib could not start decompressing") }
    }

    deinit {
        inflateEnd(&stream)
        try? handle.close()
    }

    /// The next decompressed bytes; empty at the end of the stream.
    func next(upTo limit: Int = 1 << 16) throws(AssetError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: limit)
        while !ended {
            if stream.avail_in == 0 {
                input = Array((try? handle.read(upToCount: 1 << 16)) ?? Data())
                if input.isEmpty {
                    throw AssetError(.unreadable, "The archive ends in the middle of its compressed data",
                                     advice: "it is truncated: copy or download it again")
                }
            }
            var status: Int32 = Z_OK
            let consumedAll = stream.avail_in == 0
            let produced: Int = input.withUnsafeMutableBufferPointer { source in
                if consumedAll {
                    stream.next_in = source.baseAddress
                    stream.avail_in = uInt(source.count)
                } else {
                    // Point into the same buffer where zlib stopped.
                    let offset = source.count - Int(stream.avail_in)
                    stream.next_in = source.baseAddress! + offset
                }
                return output.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return target.count - Int(stream.avail_out)
                }
            }
            if status == Z_STREAM_END {
                ended = true
            } else if status != Z_OK && status != Z_BUF_ERROR {
                throw AssetError(.unreadable, "The archive is not valid gzip data (zlib error \(status))",
                                 advice: "give a .tar.gz file as `facet dataset export --assets` or Sanity's export writes it")
            }
            if produced > 0 { return Array(output[..<produced]) }
        }
        return []
    }
}
