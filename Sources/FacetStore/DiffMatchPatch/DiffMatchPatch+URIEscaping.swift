// JavaScript's encodeURI and decodeURI, which the patch text format uses for each line's body.
// Written out by hand because Foundation's percent-encoding keeps a different set of characters and
// decodes the reserved ones that decodeURI leaves alone.

extension DiffMatchPatch {
    /// Characters `encodeURI` leaves as they are: unreserved marks and the URI's reserved characters.
    private static let encodeURIKeeps: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789;,/?:@&=+$-_.!~*'()#".utf8)
    )

    /// Characters `decodeURI` refuses to decode: an escape of one of these stays as written.
    private static let decodeURIKeepsEscaped: Set<UInt16> = Set(Array(";/?:@&=+$,#".utf16))

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// `encodeURI(text)` followed by the library's `.replace(/%20/g, ' ')`.
    ///
    /// Only called on diff texts free of split surrogate pairs; a lone surrogate (where JavaScript
    /// would throw) is written as U+FFFD rather than crashing.
    static func encodeLine(_ text: Units) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        for scalar in String(decoding: text, as: UTF16.self).unicodeScalars {
            if scalar == " " {
                output.append(0x20)
                continue
            }
            for byte in String(scalar).utf8 {
                if encodeURIKeeps.contains(byte) {
                    output.append(byte)
                } else {
                    output.append(UInt8(ascii: "%"))
                    output.append(hexDigits[Int(byte >> 4)])
                    output.append(hexDigits[Int(byte & 0xF)])
                }
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Why `decodeURI` would throw `URIError: URI malformed`.
    struct MalformedEscape: Error {
        var reason: String
    }

    /// `decodeURI(text)` on a patch line's body, as UTF-16 code units.
    static func decodeURI(_ text: Substring) throws(MalformedEscape) -> Units {
        let units = Array(text.utf16)
        var output: Units = []
        output.reserveCapacity(units.count)
        var index = 0

        func hexByte(at position: Int) throws(MalformedEscape) -> UInt8 {
            guard position + 2 < units.count, units[position] == 0x25,
                  let high = hexValue(units[position + 1]), let low = hexValue(units[position + 2])
            else {
                throw MalformedEscape(reason: "`%` must be followed by two hexadecimal digits")
            }
            return high << 4 | low
        }

        while index < units.count {
            let unit = units[index]
            guard unit == 0x25 else {
                output.append(unit)
                index += 1
                continue
            }
            let first = try hexByte(at: index)
            if first < 0x80 {
                if decodeURIKeepsEscaped.contains(UInt16(first)) {
                    output.append(contentsOf: units[index..<(index + 3)])
                } else {
                    output.append(UInt16(first))
                }
                index += 3
                continue
            }
            let count: Int
            let minimum: UInt32
            var scalar: UInt32
            switch first {
            case 0xC0...0xDF: (count, minimum, scalar) = (2, 0x80, UInt32(first & 0x1F))
            case 0xE0...0xEF: (count, minimum, scalar) = (3, 0x800, UInt32(first & 0x0F))
            case 0xF0...0xF7: (count, minimum, scalar) = (4, 0x10000, UInt32(first & 0x07))
            default: throw MalformedEscape(reason: "`%\(hex(first))` does not start a UTF-8 sequence")
            }
            for position in 1..<count {
                let continuation = try hexByte(at: index + 3 * position)
                guard continuation & 0xC0 == 0x80 else {
                    throw MalformedEscape(reason: "`%\(hex(first))` is not followed by UTF-8 continuation bytes")
                }
                scalar = scalar << 6 | UInt32(continuation & 0x3F)
            }
            guard scalar >= minimum, let decoded = Unicode.Scalar(scalar) else {
                throw MalformedEscape(reason: "the escapes starting at `%\(hex(first))` are not valid UTF-8")
            }
            output.append(contentsOf: String(decoded).utf16)
            index += 3 * count
        }
        return output
    }

    private static func hexValue(_ unit: UInt16) -> UInt8? {
        switch unit {
        case 0x30...0x39: UInt8(unit - 0x30)
        case 0x41...0x46: UInt8(unit - 0x41 + 10)
        case 0x61...0x66: UInt8(unit - 0x61 + 10)
        default: nil
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        String(decoding: [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]], as: UTF8.self)
    }
}
