/// An image made by a transform: its bytes and their type.
public struct RenderedImage: Sendable {
    public var bytes: [UInt8]
    public var format: ImageFormat
    public var width: Int, height: Int
    public var mimeType: String { format.mimeType }
}

extension ImageTransform {
    /// The format the output is encoded in: `fm`, else WebP for `auto=format` when the client
    /// accepts it, else the source's own format when an encoder has it, else JPEG.
    public func outputFormat(source: SniffedContent, acceptsWebP: Bool) -> (format: ImageFormat, progressive: Bool) {
        switch format {
        case .jpg: return (.jpg, false)
        case .pjpg: return (.jpg, true)
        case .png: return (.png, false)
        case .webp: return (.webp, false)
        case nil:
            if automaticFormat, acceptsWebP { return (.webp, false) }
            return (ImageFormat.allCases.first { $0.mimeType == source.mimeType } ?? .jpg, false)
        }
    }

    /// Applies the transform to `bytes` (an image of type `source`), within `timeLimit`; images
    /// with more than `maximumPixels` pixels are refused before any is decoded.
    public func render(_ bytes: [UInt8], source: SniffedContent, acceptsWebP: Bool, maximumPixels: Int,
                       timeLimit: Duration) throws(AssetError) -> RenderedImage
    {
        let opened = try RasterImage(decoding: bytes)
        let (sourceWidth, sourceHeight) = opened.displayedSize
        try Self.checkPixels(width: sourceWidth, height: sourceHeight, limit: maximumPixels)
        let plan = try plan(sourceWidth: sourceWidth, sourceHeight: sourceHeight)
        let (format, progressive) = outputFormat(source: source, acceptsWebP: acceptsWebP)
        var image: RasterImage
        let wholeSource = plan.source.width == sourceWidth && plan.source.height == sourceHeight
        if wholeSource, plan.scaled.width < sourceWidth || plan.scaled.height < sourceHeight {
            // Shrinking the whole image: libvips decodes it at a fraction of its size in one step.
            // Kept in memory (it is no larger than the output): crops and flips read it out of order.
            image = try RasterImage(thumbnailOf: bytes, width: plan.scaled.width, height: plan.scaled.height, exact: true).sRGB().inMemory(timeLimit: timeLimit)
        } else {
            image = try opened.upright().sRGB()
            if !wholeSource {
                image = try image.cropped(left: plan.source.left, top: plan.source.top, width: plan.source.width, height: plan.source.height)
            }
            image = try image.resized(toWidth: plan.scaled.width, height: plan.scaled.height)
        }
        if let window = plan.window {
            image = plan.entropyCrop
                ? try image.smartCropped(width: window.width, height: window.height, entropy: true)
                : try image.cropped(left: window.left, top: window.top, width: window.width, height: window.height)
        }
        if let canvas = plan.canvas, canvas.width != image.width || canvas.height != image.height {
            // A fill colour with transparency needs an alpha band to paint it into.
            let colour = background ?? (format.keepsAlpha ? [0, 0, 0, 0] : [255, 255, 255, 255])
            if colour.count == 4, colour[3] < 255, format.keepsAlpha { image = try image.withAlpha() }
            image = try image.placed(onCanvasWidth: canvas.width, height: canvas.height,
                                     left: (canvas.width - image.width) / 2, top: (canvas.height - image.height) / 2, colour: colour)
        }
        if flipHorizontal { image = try image.flipped(horizontal: true) }
        if flipVertical { image = try image.flipped(horizontal: false) }
        if let blur, blur > 0 { image = try image.blurred(sigma: Swift.max(0.3, blur / 20)) }
        if let sharpen, sharpen > 0 { image = try image.sharpened(sigma: 0.5 + sharpen / 50) }
        if image.hasAlpha, !format.keepsAlpha || background != nil {
            // JPEG has no transparency: blend onto `bg`, or white.
            let colour = background.map { Array($0.prefix(3)) } ?? [255, 255, 255]
            image = try image.flattened(onto: colour)
        }
        let encoded = try image.encoded(as: format, quality: quality ?? 75, progressive: progressive, timeLimit: timeLimit)
        return RenderedImage(bytes: encoded, format: format, width: image.width, height: image.height)
    }

    /// Refuses an image over the pixel limit: decoding it could take gigabytes (a decompression bomb).
    public static func checkPixels(width: Int, height: Int, limit: Int) throws(AssetError) {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard overflow || pixels > limit else { return }
        throw AssetError(.tooManyPixels, "The image is \(width) × \(height) pixels, over the limit of \(limit) pixels",
                         advice: "scale it down before uploading, or ask an admin to raise the limit (assets.maxImagePixels)")
    }
}
