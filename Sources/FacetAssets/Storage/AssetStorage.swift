import Foundation

/// Where an asset's bytes live: `images/<dataset>/<sha1>-<width>x<height>.<ext>` or
/// `files/<dataset>/<sha1>.<ext>`, as in Sanity's asset paths (without the project id). Each part
/// is checked, so a path never leaves the storage's root.
public struct AssetPath: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case images, files
        /// The `_type` of the kind's asset documents.
        public var documentType: String { self == .images ? "sanity.imageAsset" : "sanity.fileAsset" }
        /// The prefix of the kind's document ids.
        public var idPrefix: String { self == .images ? "image" : "file" }
    }

    public var kind: Kind
    public var dataset: String
    public var fileName: String

    /// - Throws: ``AssetError/Kind/notFound`` for a dataset or file name that no asset can have.
    public init(kind: Kind, dataset: String, fileName: String) throws(AssetError) {
        guard Self.isSafe(dataset), Self.isSafe(fileName), fileName.contains(".") else {
            throw AssetError(.notFound, "No asset is called \"\(fileName)\"", advice: "use the asset's url or path as it was returned")
        }
        self.kind = kind
        self.dataset = dataset
        self.fileName = fileName
    }

    /// Letters, digits, `-`, `_` and `.`, not starting with a dot.
    static func isSafe(_ part: String) -> Bool {
        !part.isEmpty && part.count <= 200 && !part.hasPrefix(".")
            && part.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
    }

    public var description: String { "\(kind.rawValue)/\(dataset)/\(fileName)" }

    /// The file name's extension (`jpg`, `pdf`).
    public var fileExtension: String { String(fileName[fileName.index(after: fileName.lastIndex(of: ".")!)...]) }

    /// The SHA-1 the file name begins with.
    public var sha1: String { String(fileName.prefix { $0 != "-" && $0 != "." }) }
}

/// Where asset bytes are kept. The data directory is the default (``AssetDirectory``); the
/// protocol leaves room for a store that several servers share.
///
/// Writes are atomic: a reader sees all of an asset's bytes or none, and a write cut short (a
/// crash, a full disk) leaves nothing behind under the asset's path.
public protocol AssetStorage: Sendable {
    /// Stores `bytes` at `path`; storing the same path again is harmless (content addressing).
    /// Returns whether the bytes were new (`false` when the path held them already).
    @discardableResult
    func write(_ bytes: [UInt8], to path: AssetPath) throws(AssetError) -> Bool
    /// The bytes at `path`, or `nil` when nothing is stored there.
    func read(_ path: AssetPath) throws(AssetError) -> [UInt8]?
    /// Removes what is stored at `path`; nothing happens when nothing is.
    func remove(_ path: AssetPath) throws(AssetError)
    /// Every stored path of `kind` in `dataset`.
    func paths(_ kind: AssetPath.Kind, dataset: String) throws(AssetError) -> [AssetPath]
}

/// Assets as files under a folder (`<data>/assets`): `images/<dataset>/…` and `files/<dataset>/…`.
///
/// A write goes to a temporary file beside its target, is flushed to disk, renamed into place and
/// the folder flushed, so that a crash at any point leaves either the whole file or none; the
/// temporary files of an interrupted write are removed when the directory is opened.
public struct AssetDirectory: AssetStorage {
    public let root: URL

    public init(root: URL) throws(AssetError) {
        self.root = root
        do { try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true) } catch {
            throw AssetError(.storage, "The asset folder \(root.path) could not be made: \(error.localizedDescription)")
        }
        removeInterruptedWrites()
    }

    func url(_ path: AssetPath) -> URL {
        root.appendingPathComponent(path.kind.rawValue).appendingPathComponent(path.dataset).appendingPathComponent(path.fileName)
    }

    @discardableResult
    public func write(_ bytes: [UInt8], to path: AssetPath) throws(AssetError) -> Bool {
        let target = url(path)
        let folder = target.deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: target.path) { return false }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let temporary = folder.appendingPathComponent(".upload-\(UUID().uuidString)")
            try Self.writeDurably(bytes, to: temporary)
            guard rename(temporary.path, target.path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary.path)
                throw AssetError(.storage, "The asset \(path) could not be put in place: \(reason)")
            }
            Self.flushFolder(folder)
            return true
        } catch let error as AssetError {
            throw error
        } catch {
            throw AssetError(.storage, "The asset \(path) could not be written: \(error.localizedDescription)",
                             advice: "check the free space and permissions of the data directory")
        }
    }

    public func read(_ path: AssetPath) throws(AssetError) -> [UInt8]? {
        let target = url(path)
        guard FileManager.default.fileExists(atPath: target.path) else { return nil }
        do { return Array(try Data(contentsOf: target)) } catch {
            throw AssetError(.storage, "The asset \(path) could not be read: \(error.localizedDescription)")
        }
    }

    public func remove(_ path: AssetPath) throws(AssetError) {
        let target = url(path)
        guard unlink(target.path) == 0 || errno == ENOENT else {
            throw AssetError(.storage, "The asset \(path) could not be removed: \(String(cString: strerror(errno)))")
        }
        Self.flushFolder(target.deletingLastPathComponent())
    }

    public func paths(_ kind: AssetPath.Kind, dataset: String) throws(AssetError) -> [AssetPath] {
        let folder = root.appendingPathComponent(kind.rawValue).appendingPathComponent(dataset)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().compactMap { try? AssetPath(kind: kind, dataset: dataset, fileName: $0) }
    }

    /// Writes and flushes a new file; a failure removes what was written.
    static func writeDurably(_ bytes: [UInt8], to url: URL) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw AssetError(.storage, "\(url.lastPathComponent): \(String(cString: strerror(errno)))") }
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if let failure {
            unlink(url.path)
            throw AssetError(.storage, "writing \(url.lastPathComponent) failed: \(failure)",
                             advice: "check the free space and permissions of the data directory")
        }
    }

    /// Flushes a folder's entries, so that a rename or removal in it survives a power cut.
    static func flushFolder(_ folder: URL) {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// Removes the temporary files of writes that a crash interrupted.
    func removeInterruptedWrites() {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return }
        for case let url as URL in walker where url.lastPathComponent.hasPrefix(".upload-") {
            unlink(url.path)
        }
    }
}
