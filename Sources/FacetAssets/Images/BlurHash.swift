import Foundation

/// A BlurHash (blurha.sh): a short text that a client decodes into a blurred placeholder of the
/// image, the `blurHash` of Sanity's image metadata.
///
/// ```swift
/// let hash = BlurHash(pixels: rgb, width: 32, height: 24, bands: 3)   // "LEHV6nWB2yk8pyo0adR*.7kCMdnj"
/// ```
public struct BlurHash: Sendable, Equatable, CustomStringConvertible {
    public let description: String

    /// The hash of 8-bit sRGB `pixels` (`bands` bytes each; a fourth band is ignored) with
    /// `xComponents` × `yComponents` cosine components (1 to 9 each).
    public init(pixels: [UInt8], width: Int, height: Int, bands: Int, xComponents: Int = 4, yComponents: Int = 3) {
        precondition((1...9).contains(xComponents) && (1...9).contains(yComponents) && bands >= 3 && width > 0 && height > 0)
        var linear = [Double](repeating: 0, count: width * height * 3)
        for pixel in 0..<(width * height) {
            for channel in 0..<3 { linear[pixel * 3 + channel] = Self.table[Int(pixels[pixel * bands + channel])] }
        }
        var factors: [(Double, Double, Double)] = []
        for j in 0..<yComponents {
            for i in 0..<xComponents {
                let normalisation = i == 0 && j == 0 ? 1.0 : 2.0
                var r = 0.0, g = 0.0, b = 0.0
                for y in 0..<height {
                    let basisY = cos(Double.pi * Double(j) * Double(y) / Double(height))
                    for x in 0..<width {
                        let basis = normalisation * cos(Double.pi * Double(i) * Double(x) / Double(width)) * basisY
                        let offset = (y * width + x) * 3
                        r += basis * linear[offset]
                        g += basis * linear[offset + 1]
                        b += basis * linear[offset + 2]
                    }
                }
                let scale = 1.0 / Double(width * height)
                factors.append((r * scale, g * scale, b * scale))
            }
        }
        var hash = Self.base83((xComponents - 1) + (yComponents - 1) * 9, length: 1)
        let ac = factors.dropFirst()
        var maximum = 1.0
        if ac.isEmpty {
            hash += Self.base83(0, length: 1)
        } else {
            let actual = ac.map { max(abs($0.0), abs($0.1), abs($0.2)) }.max() ?? 0
            let quantised = Int(max(0, min(82, (actual * 166 - 0.5).rounded(.down))))
            maximum = Double(quantised + 1) / 166
            hash += Self.base83(quantised, length: 1)
        }
        let dc = factors[0]
        hash += Self.base83((Self.sRGB(dc.0) << 16) + (Self.sRGB(dc.1) << 8) + Self.sRGB(dc.2), length: 4)
        for factor in ac {
            func quantise(_ value: Double) -> Int {
                let signed = copysign(pow(abs(value / maximum), 0.5), value)
                return Int(max(0, min(18, (signed * 9 + 9.5).rounded(.down))))
            }
            hash += Self.base83(quantise(factor.0) * 19 * 19 + quantise(factor.1) * 19 + quantise(factor.2), length: 2)
        }
        description = hash
    }

    /// sRGB byte to linear light, for every byte.
    private static let table: [Double] = (0...255).map { byte in
        let value = Double(byte) / 255
        return value <= 0.04045 ? value / 12.92 : pow((value + 0.055) / 1.055, 2.4)
    }

    private static func sRGB(_ linear: Double) -> Int {
        let value = max(0, min(1, linear))
        let encoded = value <= 0.0031308 ? value * 12.92 : 1.055 * pow(value, 1 / 2.4) - 0.055
        return Int((encoded * 255 + 0.5).rounded(.down))
    }

    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~")

    private static func base83(_ value: Int, length: Int) -> String {
        var text = ""
        for position in 1...length {
            var divisor = 1
            for _ in 0..<(length - position) { divisor *= 83 }
            text.append(alphabet[(value / divisor) % 83])
        }
        return text
    }
}
