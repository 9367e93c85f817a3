import Dispatch
@testable import FacetAssets
import TestSupport
import Synchronization
import Testing

@Suite("Image URL parameters: sizes, fits, crops and formats", .ownThread(computing: true))
struct ImageTransformTests {
    func plan(_ query: [(String, String)], _ width: Int = 2000, _ height: Int = 1500) throws -> ImageTransform.Plan {
        try ImageTransform(query: query).plan(sourceWidth: width, sourceHeight: height)
    }

    func size(_ query: [(String, String)], _ width: Int = 2000, _ height: Int = 1500) throws -> [Int] {
        let output = try plan(query, width, height).output
        return [output.width, output.height]
    }

    @Test("Each fit gives the size Sanity's CDN gives")
    func fits() throws {
        #expect(try size([]) == [2000, 1500])
        #expect(try size([("w", "400")]) == [400, 300])
        #expect(try size([("h", "300")]) == [400, 300])
        #expect(try size([("w", "400"), ("h", "400")]) == [400, 300])                      // clip: within the box
        #expect(try size([("w", "400"), ("h", "400"), ("fit", "crop")]) == [400, 400])     // crop: fills the box
        #expect(try size([("w", "400"), ("h", "400"), ("fit", "fill")]) == [400, 400])     // fill: padded
        #expect(try plan([("w", "400"), ("h", "400"), ("fit", "fill")]).scaled == (400, 300))
        #expect(try size([("w", "400"), ("h", "400"), ("fit", "scale")]) == [400, 400])    // scale: stretched
        #expect(try plan([("w", "400"), ("h", "400"), ("fit", "scale")]).scaled == (400, 400))
        #expect(try size([("w", "4000"), ("fit", "max")]) == [2000, 1500])                 // max: never larger
        #expect(try size([("w", "4000"), ("fit", "clip")]) == [4000, 3000])
        #expect(try size([("w", "4000"), ("h", "4000"), ("fit", "min")]) == [1500, 1500])  // min: the shape, not larger
        #expect(try size([("w", "4000"), ("h", "4000"), ("fit", "fillmax")]) == [4000, 4000])
        #expect(try plan([("w", "4000"), ("h", "4000"), ("fit", "fillmax")]).scaled == (2000, 1500))
        #expect(try size([("w", "400"), ("dpr", "2")]) == [800, 600])
        #expect(try size([("max-w", "500")]) == [500, 375])
        #expect(try size([("w", "900"), ("max-w", "500")]) == [500, 375])
        #expect(try size([("min-h", "3000")]) == [4000, 3000])
        #expect(try size([("w", "100"), ("min-w", "200")]) == [200, 150])
    }

    @Test("Crops keep the edge, the focal point or the centre asked for")
    func crops() throws {
        let centre = try plan([("w", "300"), ("h", "300"), ("fit", "crop")])
        #expect(centre.scaled == (400, 300))
        #expect(centre.window?.left == 50 && centre.window?.top == 0)
        #expect(try plan([("w", "300"), ("h", "300"), ("fit", "crop"), ("crop", "left")]).window?.left == 0)
        #expect(try plan([("w", "300"), ("h", "300"), ("fit", "crop"), ("crop", "right")]).window?.left == 100)
        let tall = try plan([("w", "300"), ("h", "300"), ("fit", "crop"), ("crop", "bottom")], 1500, 2000)
        #expect(tall.window?.top == 100)
        let focal = try plan([("w", "300"), ("h", "300"), ("fit", "crop"), ("crop", "focalpoint"), ("fp-x", "0.9"), ("fp-y", "0.5")])
        #expect(focal.window?.left == 100)   // as far right as the image allows
        #expect(try plan([("w", "300"), ("h", "300"), ("fit", "crop"), ("crop", "entropy")]).entropyCrop)
        let rect = try plan([("rect", "100,200,800,600"), ("w", "400")])
        #expect(rect.source == (100, 200, 800, 600))
        #expect(rect.output == (400, 300))
    }

    @Test("A bad value names the parameter and what it takes")
    func badValues() throws {
        for query in [[("w", "0")], [("w", "abc")], [("w", "9000")], [("fit", "squash")], [("fm", "bmp")], [("q", "101")],
                      [("crop", "middle")], [("rect", "1,2,3")], [("rect", "0,0,0,10")], [("bg", "red")], [("flip", "x")],
                      [("auto", "compress")], [("dpr", "4")], [("blur", "-1")]] {
            do {
                _ = try ImageTransform(query: query)
                Issue.record("\(query) was taken")
            } catch {
                #expect(error.kind == .badParameter)
                #expect(error.message.contains(query[0].0))
                #expect(!error.advice.isEmpty)
            }
        }
        #expect(throws: AssetError.self) { () throws -> Void in _ = try ImageTransform(query: [("rect", "3000,0,10,10")]).plan(sourceWidth: 2000, sourceHeight: 1500) }
        // Parameters Facet does not know are ignored, as Sanity ignores them.
        #expect(try ImageTransform(query: [("utm_source", "mail")]).isIdentity)
    }

    @Test("Background colours in Sanity's hex forms")
    func backgrounds() throws {
        #expect(try ImageTransform(query: [("bg", "fff")]).background == [255, 255, 255, 255])
        #expect(try ImageTransform(query: [("bg", "#102030")]).background == [16, 32, 48, 255])
        #expect(try ImageTransform(query: [("bg", "80102030")]).background == [16, 32, 48, 128])
    }

    @Test("Rendering gives the planned size in the asked format", arguments: [
        ([("w", "400"), ("fm", "webp")], 400, 300, "image/webp"),
        ([("w", "300"), ("h", "300"), ("fit", "crop"), ("fm", "png")], 300, 300, "image/png"),
        ([("w", "300"), ("h", "300"), ("fit", "fill"), ("bg", "00ff00")], 300, 300, "image/jpeg"),
        ([("h", "150"), ("fm", "pjpg"), ("q", "40")], 200, 150, "image/jpeg"),
        ([("w", "120"), ("h", "120"), ("fit", "crop"), ("crop", "entropy")], 120, 120, "image/jpeg"),
        ([("rect", "0,0,200,150"), ("flip", "hv"), ("blur", "40"), ("sharp", "30")], 200, 150, "image/jpeg"),
        ([("w", "100"), ("auto", "format")], 100, 75, "image/webp"),
    ] as [([(String, String)], Int, Int, String)])
    func rendering(query: [(String, String)], width: Int, height: Int, mime: String) async throws {
        // Seconds of image work: off the threads the server tests beside it need.
        try await offThePool {
            let source = try TestPictures.twoColours(width: 400, height: 300)
            let transform = try ImageTransform(query: query)
            let output = try transform.render(source, source: SniffedContent(source), acceptsWebP: true, maximumPixels: 1_000_000,
                                              timeLimit: .seconds(30))
            let decoded = try RasterImage(decoding: output.bytes)
            #expect(decoded.width == width && decoded.height == height)
            #expect(SniffedContent(output.bytes).mimeType == mime)
            #expect(output.mimeType == mime)
        }
    }

    @Test("A fill's padding has the bg colour, and a flip moves the colours across")
    func pixelsWhereExpected() async throws {
        // Seconds of image work: off the threads the server tests beside it need.
        try await offThePool {
            let source = try TestPictures.twoColours(width: 400, height: 300, as: .png)
            let filled = try ImageTransform(query: [("w", "400"), ("h", "400"), ("fit", "fill"), ("bg", "00ff00"), ("fm", "png")])
                .render(source, source: SniffedContent(source), acceptsWebP: false, maximumPixels: 1_000_000, timeLimit: .seconds(30))
            let pixels = try RasterImage(decoding: filled.bytes).sRGB().firstBands(3).pixels()
            #expect(Array(pixels[0..<3]) == [0, 255, 0])                         // top band: padding
            let middle = (200 * 400 + 10) * 3
            #expect(Array(pixels[middle..<middle + 3]) == [200, 30, 30])         // the picture itself
            let flipped = try ImageTransform(query: [("flip", "h"), ("fm", "png")])
                .render(source, source: SniffedContent(source), acceptsWebP: false, maximumPixels: 1_000_000, timeLimit: .seconds(30))
            let flippedPixels = try RasterImage(decoding: flipped.bytes).sRGB().firstBands(3).pixels()
            #expect(Array(flippedPixels[0..<3]) == [20, 40, 200])                // the accent, now on the left
        }
    }

    @Test("Pictures are rendered on every core at once without liborc's vector code")
    func renderingOnEveryCore() async throws {
        // Freeing liborc's generated code from two threads at once crashed one demo seed in
        // about fifteen; the library is started with it off.
        #expect(!ImageLibrary.runsGeneratedVectorCode)
        let sizes = try await offThePool {
            let source = try TestPictures.twoColours(width: 600, height: 400)
            let query: [(String, String)] = [("w", "200"), ("blur", "3"), ("sharp", "20"), ("fm", "webp")]
            let rendered = Mutex<[Int]>([])
            DispatchQueue.concurrentPerform(iterations: 16) { _ in
                let width = (try? ImageTransform(query: query)
                    .render(source, source: SniffedContent(source), acceptsWebP: true, maximumPixels: 10_000_000, timeLimit: .seconds(60)))
                    .flatMap { try? RasterImage(decoding: $0.bytes).width }
                rendered.withLock { $0.append(width ?? -1) }
            }
            return rendered.withLock { $0 }
        }
        #expect(sizes == Array(repeating: 200, count: 16))
    }

    @Test("A transform past its time limit is stopped")
    func timeLimit() async throws {
        // Seconds of image work: off the threads the server tests beside it need.
        try await offThePool {
            let source = try TestPictures.twoColours(width: 2000, height: 1500)
            do {
                _ = try ImageTransform(query: [("blur", "2000"), ("w", "2000"), ("fm", "png")])
                    .render(source, source: SniffedContent(source), acceptsWebP: false, maximumPixels: 10_000_000, timeLimit: .milliseconds(1))
                Issue.record("a heavy blur finished within 1 ms")
            } catch let error as AssetError {
                #expect(error.kind == .timedOut)
            }
        }
    }
}
