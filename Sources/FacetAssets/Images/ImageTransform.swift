import Foundation

/// What an image URL asks for, read from Sanity's image URL parameters: size (`w`, `h`, `max-w`,
/// `max-h`, `min-w`, `min-h`, `dpr`), how to fit it (`fit`, `crop`, `fp-x`, `fp-y`, `rect`), the
/// format and quality (`fm`, `auto=format`, `q`), and finishing (`bg`, `blur`, `sharp`, `flip`,
/// `dl`). Parameters Sanity defines and Facet does not implement are ignored, as unknown ones are.
///
/// ```swift
/// let transform = try ImageTransform(query: [("w", "400"), ("fit", "crop"), ("fm", "webp")])
/// let plan = transform.plan(sourceWidth: 2000, sourceHeight: 1500)   // 400 × 300, then webp
/// ```
public struct ImageTransform: Sendable, Equatable {
    public enum Fit: String, Sendable, CaseIterable { case clip, crop, fill, fillmax, max, scale, min }
    public enum OutputFormat: String, Sendable, CaseIterable { case jpg, pjpg, png, webp }

    /// The part of the image to keep when `fit=crop` cuts it: edges, the focal point or the busiest part.
    public struct CropAnchor: Sendable, Equatable {
        public var horizontal = 0.5, vertical = 0.5
        public var focalPoint = false, entropy = false
    }

    public var width: Int?, height: Int?
    public var maxWidth: Int?, maxHeight: Int?, minWidth: Int?, minHeight: Int?
    public var devicePixelRatio = 1.0
    public var fit = Fit.clip
    public var crop = CropAnchor()
    public var focalPoint: (x: Double, y: Double)?
    /// `rect=left,top,width,height`: the source region to start from, in source pixels.
    public var rect: (left: Int, top: Int, width: Int, height: Int)?
    public var format: OutputFormat?
    /// `auto=format`: WebP for a client that accepts it, unless `fm` chose a format.
    public var automaticFormat = false
    public var quality: Int?
    /// Red, green, blue, alpha (0–255).
    public var background: [Double]?
    public var blur: Double?
    public var sharpen: Double?
    public var flipHorizontal = false, flipVertical = false
    /// `dl`: serve as an attachment; the file name, or "" for the asset's own.
    public var download: String?

    /// The largest side a transform makes, as Sanity's CDN limits it.
    public static let largestSide = 8192

    public static func == (lhs: ImageTransform, rhs: ImageTransform) -> Bool { lhs.canonicalKey == rhs.canonicalKey }

    /// No parameters: the original bytes are served.
    public init() {}

    /// Reads the parameters; a known parameter with a value it does not take is an error naming
    /// the parameter, the value, and what it takes.
    public init(query: [(String, String)]) throws(AssetError) {
        func number(_ name: String, _ text: String, _ range: ClosedRange<Double>) throws(AssetError) -> Double {
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                throw AssetError(.badParameter, "\(name)=\(text) is not a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))",
                                 advice: "give \(name) as a number in that range")
            }
            return value
        }
        func size(_ name: String, _ text: String) throws(AssetError) -> Int {
            Int(try number(name, text, 1...Double(Self.largestSide)).rounded())
        }
        func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ text: String, _ type: T.Type) throws(AssetError) -> T where T.RawValue == String {
            guard let value = T(rawValue: text) else {
                throw AssetError(.badParameter, "\(name)=\(text) is not one of " + T.allCases.map(\.rawValue).joined(separator: ", "),
                                 advice: "choose one of those")
            }
            return value
        }
        var fpX: Double?, fpY: Double?
        for (name, text) in query {
            switch name {
            case "w": width = try size(name, text)
            case "h": height = try size(name, text)
            case "max-w": maxWidth = try size(name, text)
            case "max-h": maxHeight = try size(name, text)
            case "min-w": minWidth = try size(name, text)
            case "min-h": minHeight = try size(name, text)
            case "dpr": devicePixelRatio = try number(name, text, 1...3)
            case "q": quality = Int(try number(name, text, 0...100).rounded())
            case "fit": fit = try choice(name, text, Fit.self)
            case "fm": format = try choice(name, text, OutputFormat.self)
            case "auto":
                guard text == "format" else { throw AssetError(.badParameter, "auto=\(text) is not known", advice: "the only value is auto=format") }
                automaticFormat = true
            case "fp-x": fpX = try number(name, text, 0...1)
            case "fp-y": fpY = try number(name, text, 0...1)
            case "blur": blur = try number(name, text, 0...2000)
            case "sharp": sharpen = try number(name, text, 0...100)
            case "bg": background = try Self.colour(text)
            case "dl": download = text
            case "flip":
                switch text {
                case "h": flipHorizontal = true
                case "v": flipVertical = true
                case "hv", "vh": flipHorizontal = true; flipVertical = true
                default: throw AssetError(.badParameter, "flip=\(text) is not h, v or hv", advice: "flip the image with h, v or hv")
                }
            case "crop": crop = try Self.anchor(text)
            case "rect":
                let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
                guard parts.count == 4, let left = parts[0], let top = parts[1], let w = parts[2], let h = parts[3],
                      left >= 0, top >= 0, w > 0, h > 0
                else {
                    throw AssetError(.badParameter, "rect=\(text) is not left,top,width,height in whole pixels",
                                     advice: "give four whole numbers, the last two above 0, e.g. rect=0,0,400,300")
                }
                rect = (left, top, w, h)
            default: continue
            }
        }
        if fpX != nil || fpY != nil { focalPoint = (fpX ?? 0.5, fpY ?? 0.5) }
    }

    /// Whether nothing is asked of the image: the original is served as uploaded.
    public var isIdentity: Bool { canonicalKey.isEmpty }

    /// The parameters that change the output, in one fixed order: the key of a cached variant.
    public var canonicalKey: String {
        var parts: [String] = []
        func add(_ name: String, _ value: Any?) { if let value { parts.append("\(name)=\(value)") } }
        add("w", width); add("h", height); add("max-w", maxWidth); add("max-h", maxHeight)
        add("min-w", minWidth); add("min-h", minHeight)
        if devicePixelRatio != 1 { add("dpr", devicePixelRatio) }
        if fit != .clip { add("fit", fit.rawValue) }
        if crop != CropAnchor() { add("crop", "\(crop.horizontal),\(crop.vertical),\(crop.focalPoint),\(crop.entropy)") }
        if let focalPoint { add("fp", "\(focalPoint.x),\(focalPoint.y)") }
        if let rect { add("rect", "\(rect.left),\(rect.top),\(rect.width),\(rect.height)") }
        add("fm", format?.rawValue); add("q", quality)
        if let background { add("bg", background.map { String(Int($0)) }.joined(separator: ",")) }
        add("blur", blur); add("sharp", sharpen)
        if flipHorizontal || flipVertical { add("flip", (flipHorizontal ? "h" : "") + (flipVertical ? "v" : "")) }
        return parts.joined(separator: "&")
    }

    // MARK: Geometry

    /// How an image of the given size becomes the output: the region cut from the source, the
    /// size it is scaled to, the window kept of the scaled image, and the canvas it is placed on.
    public struct Plan: Sendable, Equatable {
        public var source: (left: Int, top: Int, width: Int, height: Int)
        public var scaled: (width: Int, height: Int)
        /// The window kept of the scaled image; `nil` when all of it is kept.
        public var window: (left: Int, top: Int, width: Int, height: Int)?
        /// Whether the window is chosen by libvips's entropy measure rather than `window`'s position.
        public var entropyCrop = false
        /// The canvas the image is centred on (`fill`, `fillmax`); `nil` for none.
        public var canvas: (width: Int, height: Int)?

        /// The size of the output.
        public var output: (width: Int, height: Int) {
            canvas ?? window.map { ($0.width, $0.height) } ?? scaled
        }

        public static func == (lhs: Plan, rhs: Plan) -> Bool {
            lhs.source == rhs.source && lhs.scaled == rhs.scaled && lhs.window?.left == rhs.window?.left && lhs.window?.top == rhs.window?.top
                && lhs.window?.width == rhs.window?.width && lhs.window?.height == rhs.window?.height
                && lhs.entropyCrop == rhs.entropyCrop && lhs.canvas?.width == rhs.canvas?.width && lhs.canvas?.height == rhs.canvas?.height
        }
    }

    /// The plan for a source of `sourceWidth` × `sourceHeight` (as displayed, after its EXIF orientation).
    public func plan(sourceWidth: Int, sourceHeight: Int) throws(AssetError) -> Plan {
        var source = (left: 0, top: 0, width: sourceWidth, height: sourceHeight)
        if let rect {
            guard rect.left < sourceWidth, rect.top < sourceHeight else {
                throw AssetError(.badParameter, "rect starts at \(rect.left),\(rect.top), outside the \(sourceWidth) × \(sourceHeight) image",
                                 advice: "start the rectangle inside the image")
            }
            source = (rect.left, rect.top, min(rect.width, sourceWidth - rect.left), min(rect.height, sourceHeight - rect.top))
        }
        let sw = Double(source.width), sh = Double(source.height)
        func scaledSide(_ side: Int?) -> Double? { side.map { Double($0) * devicePixelRatio } }
        var w = scaledSide(width), h = scaledSide(height)
        let maxW = scaledSide(maxWidth), maxH = scaledSide(maxHeight), minW = scaledSide(minWidth), minH = scaledSide(minHeight)
        if w == nil, h == nil {
            // Bounds alone scale the whole source, keeping its shape.
            var factor = 1.0
            if let maxW, sw > maxW { factor = Swift.min(factor, maxW / sw) }
            if let maxH, sh > maxH { factor = Swift.min(factor, maxH / sh) }
            if factor == 1, let minW, sw < minW { factor = Swift.max(factor, minW / sw) }
            if factor == 1 || factor > 1, let minH, sh * factor < minH { factor = Swift.max(factor, minH / sh) }
            if factor != 1 { w = sw * factor; h = sh * factor }
        } else {
            // Bounds clamp the size asked for.
            func clamp(_ value: Double?, _ low: Double?, _ high: Double?) -> Double? {
                guard var value else { return nil }
                if let high { value = Swift.min(value, high) }
                if let low { value = Swift.max(value, low) }
                return value
            }
            w = clamp(w, minW, maxW)
            h = clamp(h, minH, maxH)
        }

        var plan = Plan(source: source, scaled: (source.width, source.height))
        func side(_ value: Double) -> Int { Swift.max(1, Swift.min(Self.largestSide, Int(value.rounded()))) }
        guard w != nil || h != nil else { return plan }
        let wide = w ?? sw * h! / sh, tall = h ?? sh * w! / sw
        switch fit {
        case .scale:
            plan.scaled = (side(wide), side(tall))
        case .clip, .max:
            var factor = Swift.min(wide / sw, tall / sh)
            if fit == .max { factor = Swift.min(factor, 1) }
            plan.scaled = (side(sw * factor), side(sh * factor))
        case .fill, .fillmax:
            var factor = Swift.min(wide / sw, tall / sh)
            if fit == .fillmax { factor = Swift.min(factor, 1) }
            plan.scaled = (side(sw * factor), side(sh * factor))
            plan.canvas = (side(wide), side(tall))
        case .crop, .min:
            var targetW = wide, targetH = tall
            if fit == .min {
                // Never larger than the source: shrink the window, keeping its shape.
                let shrink = Swift.min(1, sw / targetW, sh / targetH)
                targetW *= shrink; targetH *= shrink
            }
            let factor = Swift.max(targetW / sw, targetH / sh)
            plan.scaled = (Swift.max(side(targetW), side(sw * factor)), Swift.max(side(targetH), side(sh * factor)))
            let windowW = side(targetW), windowH = side(targetH)
            if plan.scaled.width == windowW, plan.scaled.height == windowH { break }
            if crop.entropy {
                plan.entropyCrop = true
                plan.window = (0, 0, windowW, windowH)
                break
            }
            var centreX = crop.horizontal * Double(plan.scaled.width), centreY = crop.vertical * Double(plan.scaled.height)
            if crop.focalPoint || (focalPoint != nil && crop == CropAnchor()) {
                let point = focalPoint ?? (0.5, 0.5)
                centreX = point.x * Double(plan.scaled.width)
                centreY = point.y * Double(plan.scaled.height)
            } else {
                // An edge anchor keeps that edge: the window starts (or ends) there.
                centreX = crop.horizontal * Double(plan.scaled.width - windowW) + Double(windowW) / 2
                centreY = crop.vertical * Double(plan.scaled.height - windowH) + Double(windowH) / 2
            }
            let left = Swift.min(Swift.max(0, Int((centreX - Double(windowW) / 2).rounded())), plan.scaled.width - windowW)
            let top = Swift.min(Swift.max(0, Int((centreY - Double(windowH) / 2).rounded())), plan.scaled.height - windowH)
            plan.window = (left, top, windowW, windowH)
        }
        return plan
    }

    // MARK: Parsing helpers

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// `crop=top,left`, `crop=center`, `crop=focalpoint`, `crop=entropy`.
    static func anchor(_ text: String) throws(AssetError) -> CropAnchor {
        var anchor = CropAnchor()
        for word in text.split(separator: ",") {
            switch word {
            case "top": anchor.vertical = 0
            case "bottom": anchor.vertical = 1
            case "left": anchor.horizontal = 0
            case "right": anchor.horizontal = 1
            case "center", "centre": continue
            case "focalpoint": anchor.focalPoint = true
            case "entropy": anchor.entropy = true
            default:
                throw AssetError(.badParameter, "crop=\(text): \"\(word)\" is not a crop mode",
                                 advice: "use top, bottom, left, right, center, focalpoint or entropy (edges may be combined: top,left)")
            }
        }
        return anchor
    }

    /// `bg` as Sanity takes it: hex `RGB`, `ARGB`, `RRGGBB` or `AARRGGBB`, with or without `#`.
    static func colour(_ text: String) throws(AssetError) -> [Double] {
        let hex = text.hasPrefix("#") ? String(text.dropFirst()) : text
        let digits = hex.compactMap { $0.hexDigitValue }
        guard digits.count == hex.count, [3, 4, 6, 8].contains(digits.count) else {
            throw AssetError(.badParameter, "bg=\(text) is not a hex colour", advice: "give RGB, ARGB, RRGGBB or AARRGGBB, e.g. bg=ffffff")
        }
        let bytes: [Double] = digits.count <= 4
            ? digits.map { Double($0 * 17) }
            : stride(from: 0, to: digits.count, by: 2).map { Double(digits[$0] * 16 + digits[$0 + 1]) }
        // Alpha comes first when there are four components.
        return bytes.count == 4 ? Array(bytes[1...]) + [bytes[0]] : bytes + [255]
    }
}
