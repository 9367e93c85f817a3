/// A text folded to lower case for the threat checks' literal searches: ASCII letters are
/// lowered byte by byte and every other byte is kept as it is.
///
/// The checks look for ASCII tokens (`gptbot`, `union`, `<`) in every request's user agent and
/// parameters; going through Foundation's `contains` for each token cost more than the rest of
/// a request's handling. Bytes are enough because every token is ASCII: a non-ASCII letter never
/// folds to one that matters here in a way a browser or database would honour.
struct FoldedText {
    let bytes: [UInt8]

    init(_ text: some StringProtocol) {
        bytes = text.utf8.map(Self.fold)
    }

    /// A token to look for, folded the same way once, not on every request.
    static func token(_ text: String) -> [UInt8] {
        text.utf8.map(fold)
    }

    /// Whether `token` (already folded) occurs anywhere in the text.
    func contains(_ token: [UInt8]) -> Bool {
        guard let first = token.first else { return true }
        guard token.count <= bytes.count else { return false }
        return bytes.withUnsafeBufferPointer { text in
            token.withUnsafeBufferPointer { needle in
                var start = 0
                let last = text.count - needle.count
                while start <= last {
                    if text[start] == first {
                        var offset = 1
                        while offset < needle.count, text[start + offset] == needle[offset] { offset += 1 }
                        if offset == needle.count { return true }
                    }
                    start += 1
                }
                return false
            }
        }
    }

    private static func fold(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
