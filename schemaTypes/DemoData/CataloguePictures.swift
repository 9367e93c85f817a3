import Foundation

/// Pictures of the demo catalogue, painted at seed time (nothing is downloaded): each product
/// shown as its category's silhouette in its metal, set with its stones, on its collection's
/// colour; each collection as a banner of its pieces' metals. The same product always gets the
/// same picture, so seeding twice stores each image once.
public enum CataloguePictures {
    /// RGB pixels, row by row.
    public struct Picture: Sendable {
        public let width: Int
        public let height: Int
        public let pixels: [UInt8]
    }

    static let metals: [String: (Double, Double, Double)] = [
        "yellow-gold": (212, 175, 55), "white-gold": (222, 222, 214), "rose-gold": (196, 128, 120),
        "platinum": (200, 204, 210), "silver": (182, 186, 190),
    ]
    static let stones: [String: (Double, Double, Double)] = [
        "diamond": (236, 244, 252), "sapphire": (28, 58, 168), "ruby": (176, 16, 48), "emerald": (12, 128, 72),
        "pearl": (240, 232, 214), "tanzanite": (82, 60, 170), "opal": (180, 220, 226), "aquamarine": (110, 196, 214),
        "morganite": (236, 170, 170), "onyx": (24, 24, 28),
    ]

    /// The backdrop of a collection: a soft colour picked from its title.
    static func backdrop(_ title: String) -> (Double, Double, Double) {
        var hash: UInt64 = 1469598103934665603
        for byte in title.utf8 { hash = (hash ^ UInt64(byte)) &* 1099511628211 }
        let hue = Double(hash % 360) / 360
        // Pale and little saturated: the piece stands out on it.
        return hsl(hue, 0.35, 0.86)
    }

    /// The product's picture: `side` × `side` pixels.
    public static func product(category: String, metal: String, gemstones: [String], collection: String, side: Int = 480) -> Picture {
        let back = backdrop(collection)
        let base = metals[metal] ?? metals["yellow-gold"]!
        let stone = gemstones.first.flatMap { stones[$0] }
        let s = Double(side)
        return paint(width: side, height: side) { x, y in
            let u = (Double(x) + 0.5) / s - 0.5, v = (Double(y) + 0.5) / s - 0.5
            // A vignette, lighter at the top: a studio backdrop.
            let shade = 1.04 - 0.10 * (v + 0.5) - 0.18 * (u * u + v * v)
            guard let (light, isStone) = shape(category, u, v) else { return (back.0 * shade, back.1 * shade, back.2 * shade) }
            let lit = isStone ? (stone ?? base) : base
            // A highlight on the upper left of the metal, as under a soft box.
            let gloss = 0.78 + 0.5 * light
            return (lit.0 * gloss, lit.1 * gloss, lit.2 * gloss)
        }
    }

    /// The collection's banner: 16:9, its backdrop with a row of rings in the given metals.
    public static func collection(title: String, metals names: [String], width: Int = 960) -> Picture {
        let height = width * 9 / 16
        let back = backdrop(title)
        let deep = (back.0 * 0.55, back.1 * 0.55, back.2 * 0.55)
        let bands = names.isEmpty ? ["yellow-gold"] : Array(names.prefix(5))
        return paint(width: width, height: height) { x, y in
            let t = Double(x) / Double(width)
            let slot = Double(width) / Double(bands.count)
            let index = min(bands.count - 1, Int(Double(x) / slot))
            let u = (Double(x) - slot * (Double(index) + 0.5)) / Double(height), v = (Double(y) - Double(height) * 0.55) / Double(height)
            guard let (light, _) = shape("rings", u * 1.3, v * 1.3) else {
                return (back.0 * (1 - t) + deep.0 * t, back.1 * (1 - t) + deep.1 * t, back.2 * (1 - t) + deep.2 * t)
            }
            let metal = metals[bands[index]] ?? metals["yellow-gold"]!
            let gloss = 0.78 + 0.5 * light
            return (metal.0 * gloss, metal.1 * gloss, metal.2 * gloss)
        }
    }

    /// A picture whose every pixel is `colour(x, y)` (red, green, blue from 0 to 255, clamped).
    static func paint(width: Int, height: Int, _ colour: (Int, Int) -> (Double, Double, Double)) -> Picture {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let (red, green, blue) = colour(x, y)
                let offset = (y * width + x) * 3
                pixels[offset] = clamp(red)
                pixels[offset + 1] = clamp(green)
                pixels[offset + 2] = clamp(blue)
            }
        }
        return Picture(width: width, height: height, pixels: pixels)
    }

    /// Whether the point (u, v), from -0.5 to 0.5 across the picture, lies on the piece: how
    /// lit it is there (0 to 1) and whether it is a stone rather than metal; `nil` for backdrop.
    static func shape(_ category: String, _ u: Double, _ v: Double) -> (Double, Bool)? {
        func light(_ x: Double, _ y: Double) -> Double { max(0, min(1, 0.5 - 0.9 * x - 0.9 * y)) }
        func ring(_ cx: Double, _ cy: Double, _ radius: Double, _ width: Double, rx: Double = 1, ry: Double = 1) -> Bool {
            let d = (((u - cx) / rx) * ((u - cx) / rx) + ((v - cy) / ry) * ((v - cy) / ry)).squareRoot()
            return abs(d - radius) < width
        }
        func disc(_ cx: Double, _ cy: Double, _ radius: Double) -> Bool {
            (u - cx) * (u - cx) + (v - cy) * (v - cy) < radius * radius
        }
        switch category {
        case "rings":
            if disc(0, -0.25, 0.07) { return (light(u, v + 0.25), true) }
            if ring(0, 0.04, 0.24, 0.035) { return (light(u, v), false) }
        case "necklaces":
            if disc(0, 0.22, 0.07) { return (light(u, v - 0.22), true) }
            if ring(0, -0.05, 0.3, 0.012, rx: 1, ry: 0.9), v > -0.25 { return (light(u, v), false) }
        case "earrings":
            for side in [-0.17, 0.17] {
                if disc(side, 0.08, 0.06) { return (light(u - side, v - 0.08), true) }
                if ring(side, -0.08, 0.07, 0.02) { return (light(u - side, v), false) }
            }
        case "bracelets":
            if disc(0.3, 0, 0.045) { return (light(u - 0.3, v), true) }
            if ring(0, 0, 0.3, 0.03, rx: 1, ry: 0.6) { return (light(u, v), false) }
        case "watches":
            if abs(u) < 0.11, abs(v) < 0.42, !disc(0, 0, 0.19) { return (light(u, v) * 0.6, false) }
            if disc(0, 0, 0.15) { return (0.9, true) }
            if ring(0, 0, 0.17, 0.025) { return (light(u, v), false) }
        default:
            if disc(0, 0, 0.08) { return (light(u, v), true) }
            if ring(0, 0, 0.2, 0.04) { return (light(u, v), false) }
        }
        return nil
    }

    static func clamp(_ value: Double) -> UInt8 { UInt8(max(0, min(255, value.rounded()))) }

    static func hsl(_ h: Double, _ s: Double, _ l: Double) -> (Double, Double, Double) {
        let c = (1 - abs(2 * l - 1)) * s
        let x = c * (1 - abs((h * 6).truncatingRemainder(dividingBy: 2) - 1))
        let m = l - c / 2
        let (r, g, b): (Double, Double, Double) = switch Int(h * 6) % 6 {
        case 0: (c, x, 0)
        case 1: (x, c, 0)
        case 2: (0, c, x)
        case 3: (0, x, c)
        case 4: (x, 0, c)
        default: (c, 0, x)
        }
        return ((r + m) * 255, (g + m) * 255, (b + m) * 255)
    }
}
