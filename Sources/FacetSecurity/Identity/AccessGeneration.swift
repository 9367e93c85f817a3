import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A counter, shared by every process that uses one security database, of the changes that take
/// access away: a token revoked, a user disabled or signed out, a role changed, a password reset.
///
/// The counter is the length of a small file beside the database, to which each change appends
/// one byte (`O_APPEND` writes are atomic across processes, and a length only grows, where file
/// times are too coarse to tell two changes a millisecond apart). Reading it is one `stat` call:
/// cheap enough for every request, which is what lets ``VerifiedTokens`` trust a cached token
/// only while nothing has been taken away anywhere since it was checked.
struct AccessGeneration: Sendable {
    /// The file's identity and length; any change of either is a new generation.
    struct Stamp: Equatable, Sendable {
        let inode: UInt64
        let length: Int64
    }

    /// Where the counter lives; `nil` keeps it in this process only (nothing is shared).
    let path: String?

    /// Past this length the file is replaced by an empty one (a new inode, so a new generation).
    private static let maximumLength: Int64 = 1 << 20

    /// The current generation; when the file cannot be read, a stamp no cache entry has, so that
    /// tokens are checked against the database rather than trusted.
    func current() -> Stamp {
        guard let path else { return Stamp(inode: 0, length: 0) }
        var info = stat()
        guard stat(path, &info) == 0 else { return Stamp(inode: UInt64.max, length: Int64.random(in: 0..<Int64.max)) }
        return Stamp(inode: UInt64(info.st_ino), length: Int64(info.st_size))
    }

    /// Starts a new generation, seen by every process at its next request.
    func bump() {
        guard let path else { return }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        guard descriptor >= 0 else { return }
        var byte: UInt8 = 0x2E
        _ = write(descriptor, &byte, 1)
        var info = stat()
        let length = fstat(descriptor, &info) == 0 ? Int64(info.st_size) : 0
        close(descriptor)
        if length > Self.maximumLength {
            // Renamed over, so that a reader never sees the length fall back to an old value.
            let fresh = path + ".new"
            let created = open(fresh, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            if created >= 0 {
                close(created)
                rename(fresh, path)
            }
        }
    }
}
