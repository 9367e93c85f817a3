/// A text folded to lower case for the threat checks' literal searches: ASCII letters are
/// lowered byte by byte and every other byte is kept as it is.
///
/// The checks look for ASCII tokens (`gptbot`, `union`, `<`) in every request's user agent and
/// parameters; going through Foundation's `contains` for each token cost more than the rest of
/// a request's handling. Bytes are enough because every token is ASCII: a non-ASCII letter never
/// folds to one that matters here in a way a browser or database would honour.
struct FoldedText {
    let bytes: [UInt8]
    /// The byte values the text holds: most tokens are ruled out by one of their bytes missing,
    /// without a search.
    let present: ByteSet

    init(_ text: some StringProtocol) {
        bytes = text.utf8.map(Self.fold)
        present = ByteSet(bytes)
    }

    /// Whether `token` occurs anywhere in the text.
    func contains(_ token: FoldedToken) -> Bool {
        guard present.contains(token.present), let first = token.bytes.first else { return token.bytes.isEmpty }
        guard token.bytes.count <= bytes.count else { return false }
        return bytes.withUnsafeBufferPointer { text in
            token.bytes.withUnsafeBufferPointer { needle in
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

    static func fold(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}

/// A token to look for in a ``FoldedText``, folded once, not on every request.
struct FoldedToken: Sendable, Equatable {
    let bytes: [UInt8]
    let present: ByteSet

    init(_ text: String) {
        bytes = text.utf8.map(FoldedText.fold)
        present = ByteSet(bytes)
    }
}

/// A set of byte values, one bit each.
struct ByteSet: Sendable, Equatable {
    private var low: UInt64 = 0, high: UInt64 = 0, upperLow: UInt64 = 0, upperHigh: UInt64 = 0

    init(_ bytes: [UInt8]) {
        for byte in bytes {
            let bit = UInt64(1) << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: low |= bit
            case 1: high |= bit
            case 2: upperLow |= bit
            default: upperHigh |= bit
            }
        }
    }

    /// Whether every byte of `other` is in this set.
    func contains(_ other: ByteSet) -> Bool {
        low & other.low == other.low && high & other.high == other.high && upperLow & other.upperLow == other.upperLow
            && upperHigh & other.upperHigh == other.upperHigh
    }
}
