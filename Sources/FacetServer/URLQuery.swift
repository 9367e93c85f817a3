/// The parameters of a URL's query string, decoded as browsers and `URLSearchParams` encode
/// them: `%XX` is a byte and `+` a space, in names as in values. (Hummingbird's own decoding keeps
/// a `+` and leaves names encoded: `*[a == 1]` sent as `*%5Ba+%3D%3D+1%5D` would not parse, nor
/// `%24id` be the parameter `$id`.) A literal `+` arrives as `%2B`, as `encodeURIComponent` sends it.
struct URLQuery: Sendable {
    let pairs: [(name: String, value: String)]

    init(_ query: String?) {
        guard let query, !query.isEmpty else {
            pairs = []
            return
        }
        pairs = query.utf8.split(separator: UInt8(ascii: "&")).map { pair in
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return (Self.decode(pair[...]), "") }
            return (Self.decode(pair[..<equals]), Self.decode(pair[pair.index(after: equals)...]))
        }
    }

    /// The first value given for `name`.
    subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    static func decode(_ part: Substring.UTF8View.SubSequence) -> String {
        guard part.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(decoding: part, as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(part.count)
        var index = part.startIndex
        while index < part.endIndex {
            let byte = part[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), part.distance(from: index, to: part.endIndex) >= 3,
                      let high = hexValue(part[part.index(index, offsetBy: 1)]), let low = hexValue(part[part.index(index, offsetBy: 2)])
            {
                bytes.append(high << 4 | low)
                index = part.index(index, offsetBy: 3)
                continue
            } else {
                bytes.append(byte)
            }
            index = part.index(after: index)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
