import Foundation
import GROQ

/// The colours of an image as Sanity's metadata gives them: the dominant colour, and the
/// vibrant and muted swatches in light, normal and dark, each with a text colour readable on it
/// and how many pixels it stands for.
///
/// Colours are found as Android's `Palette` finds them, which Sanity's palette follows: the
/// pixels are cut into at most 16 boxes of similar colour (median cut), and each target picks the
/// box that best matches its lightness and saturation, weighted by how many pixels it holds.
///
/// ```swift
/// let palette = ImagePalette(pixels: rgba, bands: 4)
/// palette.dominant?.hex      // "#c81e1e"
/// palette.json               // {"_type": "sanity.imagePalette", "dominant": {...}, "vibrant": {...}, …}
/// ```
public struct ImagePalette: Sendable, Equatable {
    /// One colour of the palette.
    public struct Swatch: Sendable, Equatable {
        public var red: Int, green: Int, blue: Int
        /// The pixels of the sampled image this colour stands for.
        public var population: Int

        public var hex: String {
            "#" + [red, green, blue].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }

        /// White or black, whichever contrasts more with the swatch (WCAG relative luminance).
        public var foreground: String {
            func channel(_ value: Int) -> Double {
                let v = Double(value) / 255
                return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055).power(2.4)
            }
            let luminance = 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
            return (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) ? "#fff" : "#000"
        }

        /// Hue-saturation-lightness: saturation and lightness from 0 to 1.
        var saturationAndLightness: (saturation: Double, lightness: Double) {
            let r = Double(red) / 255, g = Double(green) / 255, b = Double(blue) / 255
            let high = max(r, g, b), low = min(r, g, b)
            let lightness = (high + low) / 2
            guard high != low else { return (0, lightness) }
            let delta = high - low
            return (delta / (1 - abs(2 * lightness - 1)), lightness)
        }

        var json: JSONValue {
            ["_type": "sanity.imagePaletteSwatch", "background": .string(hex), "foreground": .string(foreground),
             "population": .number(Double(population)), "title": .string(foreground)]
        }
    }

    public var dominant: Swatch?
    public var vibrant: Swatch?, lightVibrant: Swatch?, darkVibrant: Swatch?
    public var muted: Swatch?, lightMuted: Swatch?, darkMuted: Swatch?

    /// The palette of 8-bit sRGB `pixels`, `bands` bytes each; with 4 bands (or 2), pixels less
    /// than half opaque are left out.
    public init(pixels: [UInt8], bands: Int) {
        // Colours are counted at 5 bits a channel, as Android's palette counts them; each keeps the
        // sum of its exact values, so a flat area comes back as exactly the colour painted.
        var histogram: [Int: Bin] = [:]
        let hasAlpha = bands == 4 || bands == 2
        var offset = 0
        while offset + bands <= pixels.count {
            defer { offset += bands }
            if hasAlpha, pixels[offset + bands - 1] < 128 { continue }
            let (r, g, b) = bands >= 3 ? (pixels[offset], pixels[offset + 1], pixels[offset + 2]) : (pixels[offset], pixels[offset], pixels[offset])
            let key = Int(r >> 3) << 10 | Int(g >> 3) << 5 | Int(b >> 3)
            histogram[key, default: Bin()].add(r, g, b)
        }
        let colours = histogram.sorted { $0.key < $1.key }.map(\.value)
        let swatches = Self.medianCut(colours, boxes: 16)
        dominant = swatches.max { $0.population < $1.population }
        let largest = Double(dominant?.population ?? 1)
        var used = Set<Int>()
        func pick(_ target: Target) -> Swatch? {
            var best: (index: Int, score: Double)?
            for (index, swatch) in swatches.enumerated() where !used.contains(index) {
                let (saturation, lightness) = swatch.saturationAndLightness
                guard target.saturation.contains(saturation), target.lightness.contains(lightness) else { continue }
                let score = 0.24 * (1 - abs(saturation - target.idealSaturation))
                    + 0.52 * (1 - abs(lightness - target.idealLightness))
                    + 0.24 * Double(swatch.population) / largest
                if best == nil || score > best!.score { best = (index, score) }
            }
            guard let best else { return nil }
            used.insert(best.index)
            return swatches[best.index]
        }
        // Android's order: the vibrant swatches first, so that a colour serves one target only.
        vibrant = pick(.vibrant)
        lightVibrant = pick(.lightVibrant)
        darkVibrant = pick(.darkVibrant)
        muted = pick(.muted)
        lightMuted = pick(.lightMuted)
        darkMuted = pick(.darkMuted)
    }

    /// Sanity's `sanity.imagePalette` object (targets that matched no colour are left out).
    public var json: JSONValue {
        var object: JSONObject = ["_type": "sanity.imagePalette"]
        let named: [(String, Swatch?)] = [("darkMuted", darkMuted), ("darkVibrant", darkVibrant), ("dominant", dominant),
                                          ("lightMuted", lightMuted), ("lightVibrant", lightVibrant), ("muted", muted),
                                          ("vibrant", vibrant)]
        for (name, swatch) in named { if let swatch { object[name] = swatch.json } }
        return .object(object)
    }

    private struct Target {
        var saturation: ClosedRange<Double>, idealSaturation: Double
        var lightness: ClosedRange<Double>, idealLightness: Double
        static let lightVibrant = Target(saturation: 0.35...1, idealSaturation: 1, lightness: 0.55...1, idealLightness: 0.74)
        static let vibrant = Target(saturation: 0.35...1, idealSaturation: 1, lightness: 0.3...0.7, idealLightness: 0.5)
        static let darkVibrant = Target(saturation: 0.35...1, idealSaturation: 1, lightness: 0...0.45, idealLightness: 0.26)
        static let lightMuted = Target(saturation: 0...0.4, idealSaturation: 0.3, lightness: 0.55...1, idealLightness: 0.74)
        static let muted = Target(saturation: 0...0.4, idealSaturation: 0.3, lightness: 0.3...0.7, idealLightness: 0.5)
        static let darkMuted = Target(saturation: 0...0.4, idealSaturation: 0.3, lightness: 0...0.45, idealLightness: 0.26)
    }

    /// The pixels of one 5-bit colour cell: how many, and the sums of their exact channels.
    struct Bin {
        var count = 0, red = 0, green = 0, blue = 0
        mutating func add(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
            count += 1; red += Int(r); green += Int(g); blue += Int(b)
        }
        func channel(_ index: Int) -> Int { index == 0 ? red / count : index == 1 ? green / count : blue / count }
    }

    /// Splits the colour cells into at most `boxes` boxes, always cutting the box with the widest
    /// channel range where half its pixels lie on each side (a cell is never cut); each box
    /// becomes the average colour of its pixels.
    private static func medianCut(_ cells: [Bin], boxes: Int) -> [Swatch] {
        guard !cells.isEmpty else { return [] }
        var parts: [[Bin]] = [cells]
        func widest(_ part: [Bin]) -> (channel: Int, range: Int) {
            var best = (channel: 0, range: -1)
            for channel in 0..<3 {
                let values = part.map { $0.channel(channel) }
                let range = values.max()! - values.min()!
                if range > best.range { best = (channel, range) }
            }
            return best
        }
        while parts.count < boxes {
            let candidates = parts.indices.filter { parts[$0].count > 1 }.map { ($0, widest(parts[$0])) }
            guard let (index, (channel, range)) = candidates.max(by: { $0.1.range < $1.1.range }), range > 0 else { break }
            let sorted = parts[index].sorted { $0.channel(channel) < $1.channel(channel) }
            let total = sorted.reduce(0) { $0 + $1.count }
            var running = 0, cut = 1
            for (position, cell) in sorted.enumerated() {
                running += cell.count
                if running * 2 >= total { cut = position + 1; break }
            }
            cut = Swift.min(Swift.max(cut, 1), sorted.count - 1)
            parts[index] = Array(sorted[..<cut])
            parts.append(Array(sorted[cut...]))
        }
        return parts.map { part in
            var sum = Bin()
            for cell in part { sum.count += cell.count; sum.red += cell.red; sum.green += cell.green; sum.blue += cell.blue }
            let half = sum.count / 2
            return Swatch(red: (sum.red + half) / sum.count, green: (sum.green + half) / sum.count, blue: (sum.blue + half) / sum.count,
                          population: sum.count)
        }
    }
}

extension Double {
    fileprivate func power(_ exponent: Double) -> Double { exp(log(self) * exponent) }
}
