#if canImport(Glibc)
import Glibc
#endif

/// Hands back to the system the memory the allocator keeps free after a dataset is opened.
///
/// Opening decodes documents on every core, and each core's allocator arena is left with the
/// decoding's scratch space freed between the documents it keeps. glibc returns such pages only
/// when asked (`malloc_trim`, which its Swift module does not declare, so it is looked up).
enum ReleasedMemory {
    static func returnToTheSystem() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }
}
