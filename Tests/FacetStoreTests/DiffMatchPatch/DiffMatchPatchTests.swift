// Tests for Facet's port of diff-match-patch. Many cases are ported from the library's own suites
// (google/diff-match-patch javascript/tests/diff_match_patch_test.js and the Sanity fork's vitest
// files); expected patch texts marked "verbatim" were produced by those JavaScript libraries.

import Testing
@testable import FacetStore

private typealias DMP = DiffMatchPatch

private func units(_ text: String) -> [UInt16] { Array(text.utf16) }

private func string(_ units: [UInt16]) -> String { String(decoding: units, as: UTF16.self) }

/// The library's `patch_apply` on patch text: (text, results) without Facet's all-or-nothing policy.
private func libraryApply(
    _ patchText: String, _ text: String, units dialect: DMP.OffsetUnit = .utf16,
    match: DMP.MatchSettings = DMP.MatchSettings(), deleteThreshold: Double = 0.5
) throws -> (String, [Bool]) {
    let hunks = try DMP.parse(patchText, units: dialect).hunks
    let (result, applied) = DMP.applyHunks(
        hunks, to: units(text), dialect: dialect, match: match, deleteThreshold: deleteThreshold)
    return (string(result), applied.map(\.ok))
}

private func thrownError(_ body: () throws(DiffMatchPatchError) -> String) -> DiffMatchPatchError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

// MARK: - Match (testMatchAlphabet, testMatchBitap, testMatchMain)

@Test func matchAlphabetMasksEachCodeUnit() {
    #expect(DMP.matchAlphabet(units("abc")) == [97: 4, 98: 2, 99: 1])
    #expect(DMP.matchAlphabet(units("abcaba")) == [97: 37, 98: 18, 99: 8])
}

@Test func matchBitapFindsExactAndFuzzyMatches() {
    var settings = DMP.MatchSettings(threshold: 0.5, distance: 100)
    func bitap(_ text: String, _ pattern: String, _ loc: Int) -> Int {
        DMP.matchBitap(units(text), units(pattern), loc, settings: settings)
    }
    // Exact matches.
    #expect(bitap("abcdefghijk", "fgh", 5) == 5)
    #expect(bitap("abcdefghijk", "fgh", 0) == 5)
    // Fuzzy matches.
    #expect(bitap("abcdefghijk", "efxhi", 0) == 4)
    #expect(bitap("abcdefghijk", "cdefxyhijk", 5) == 2)
    #expect(bitap("abcdefghijk", "bxy", 1) == -1)
    // Overflow.
    #expect(bitap("123456789xx0", "3456789x0", 2) == 2)
    // Threshold.
    settings.threshold = 0.4
    #expect(bitap("abcdefghijk", "efxyhi", 1) == 4)
    settings.threshold = 0.3
    #expect(bitap("abcdefghijk", "efxyhi", 1) == -1)
    settings.threshold = 0.0
    #expect(bitap("abcdefghijk", "bcdef", 1) == 1)
    settings.threshold = 0.5
    // Multiple select.
    #expect(bitap("abcdexyzabcde", "abccde", 3) == 0)
    #expect(bitap("abcdexyzabcde", "abccde", 5) == 8)
    // Distance.
    settings.distance = 10
    #expect(bitap("abcdefghijklmnopqrstuvwxyz", "abcdefg", 24) == -1)
    #expect(bitap("abcdefghijklmnopqrstuvwxyz", "abcdxxefg", 1) == 0)
    settings.distance = 1000
    #expect(bitap("abcdefghijklmnopqrstuvwxyz", "abcdefg", 24) == 0)
}

@Test func matchBitapHandlesFullWidthPatterns() {
    // 32 code units fill the whole mask, so the sign bit of JavaScript's int32 is in play.
    let pattern = "abcdefghijklmnopqrstuvwxyz012345"
    #expect(DMP.matchBitap(units("xx" + pattern + "yy"), units(pattern), 0) == 2)
    #expect(DMP.matchBitap(units("xxabcdefghijklMnopqrstuvwxyz012345yy"), units(pattern), 0) == 2)
}

@Test func matchMainShortcutsAndComplexMatch() {
    func match(_ text: String, _ pattern: String, _ loc: Int) -> Int {
        DMP.matchMain(units(text), units(pattern), loc)
    }
    #expect(match("abcdef", "abcdef", 1000) == 0)
    #expect(match("", "abcdef", 1) == -1)
    #expect(match("abcdef", "", 3) == 3)
    #expect(match("abcdef", "de", 3) == 3)
    #expect(match("abcdef", "defy", 4) == 3)
    #expect(match("abcdef", "abcdefy", 0) == 0)
    #expect(match("I am the very model of a modern major general.", " that berry ", 5) == 4)
}

// MARK: - Patch text (testPatchObj, testPatchFromText, testPatchToText)

@Test func patchTextRoundTripsThroughParseAndToText() throws {
    let samples = [
        "@@ -21,18 +22,17 @@\n jump\n-s\n+ed\n  over \n-the\n+a\n %0Alaz\n",
        "@@ -1 +1 @@\n-a\n+b\n",
        "@@ -1,3 +0,0 @@\n-abc\n",
        "@@ -0,0 +1,3 @@\n+abc\n",
        "@@ -21,18 +22,17 @@\n jump\n-s\n+ed\n  over \n-the\n+a\n  laz\n",
        "@@ -1,9 +1,9 @@\n-f\n+F\n oo+fooba\n@@ -7,9 +7,9 @@\n obar\n-,\n+.\n  tes\n",
        // Sanity's parse test (verbatim): UTF-8 lengths survive the round trip.
        "@@ -8,9 +8,10 @@\n lir \n-g%C3%B8y\n+kjipt\n .\n",
    ]
    for sample in samples {
        for dialect in [DMP.OffsetUnit.utf16, .utf8] {
            let hunks = try DMP.parse(sample, units: dialect).hunks
            #expect(DMP.toText(hunks, units: dialect) == sample)
        }
    }
}

@Test func parseReadsHeaderForms() throws {
    let hunk = try #require(DMP.parse("@@ -21,18 +22,17 @@\n jump\n-s\n+ed\n  over \n-the\n+a\n %0Alaz\n", units: .utf16).hunks.first)
    #expect((hunk.start1, hunk.length1, hunk.start2, hunk.length2) == (20, 18, 21, 17))
    #expect(hunk.diffs.map(\.operation) == [.equal, .delete, .insert, .equal, .delete, .insert, .equal])
    #expect(hunk.diffs.last?.text == units("\nlaz"))
    let short = try #require(DMP.parse("@@ -1 +0,0 @@\n-a\n", units: .utf16).hunks.first)
    #expect((short.start1, short.length1, short.start2, short.length2) == (0, 1, 0, 0))
    // Sanity's dialect: 9 bytes in the header are 8 code units ("ø" is 2 bytes, 1 unit).
    let utf8 = try #require(DMP.parse("@@ -8,9 +8,10 @@\n lir \n-g%C3%B8y\n+kjipt\n .\n", units: .utf8).hunks.first)
    #expect((utf8.length1, utf8.length2, utf8.headerLength1, utf8.headerLength2) == (8, 10, 9, 10))
}

@Test func parseDecodesLikeDecodeURI() throws {
    // testPatchMake "Character decoding".
    let patch = "@@ -1,21 +1,21 @@\n-%601234567890-=%5B%5D%5C;',./\n+~!@#$%25%5E&*()_+%7B%7D%7C:%22%3C%3E?\n"
    let hunk = try #require(DMP.parse(patch, units: .utf16).hunks.first)
    #expect(hunk.diffs == [DMP.Diff(.delete, units("`1234567890-=[]\\;',./")), DMP.Diff(.insert, units("~!@#$%^&*()_+{}|:\"<>?"))])
    // decodeURI leaves escapes of reserved characters (#, ;, /, ...) as written, and decodes the rest.
    let reserved = try #require(DMP.parse("@@ -0,0 +1,5 @@\n+%23%41%3B%C3%A9\n", units: .utf16).hunks.first)
    #expect(reserved.diffs == [DMP.Diff(.insert, units("%23A%3Bé"))])
    // Blank lines are ignored.
    let blank = try DMP.parse("@@ -1 +1 @@\n\n-a\n\n+b\n\n", units: .utf16).hunks
    #expect(blank.count == 1 && blank[0].diffs.count == 2)
}

@Test func malformedPatchTextIsRejectedWithItsLine() {
    let bad = thrownError { () throws(DiffMatchPatchError) in try DMP.apply("Bad\nPatch\n", to: "x") }
    #expect(bad?.reason == .malformedHeader)
    #expect(bad?.line == 1)
    #expect(bad?.description.contains("`Bad`") == true)

    let secondHeader = thrownError { () throws(DiffMatchPatchError) in
        try DMP.apply("@@ -1 +1 @@\n-a\n+b\n@@ -x,1 +1 @@\n", to: "a")
    }
    #expect(secondHeader?.reason == .malformedHeader)
    #expect(secondHeader?.line == 4)

    let huge = thrownError { () throws(DiffMatchPatchError) in try DMP.apply("@@ -9223372036854775807,2 +1 @@\n-a\n", to: "a") }
    #expect(huge?.reason == .malformedHeader)
    // Far-off but representable offsets are clamped to the text and only seed the search; both
    // JavaScript libraries return "xb" here (the fuzzy diff maps the deletion onto the last "a" + "x").
    #expect((try? DMP.apply("@@ -900000000,1 +900000000,1 @@\n-a\n+b\n", to: "xax")) == "xb")

    // JavaScript's split('\n') keeps "\r", which the header regex's `$` then rejects.
    let crlf = thrownError { () throws(DiffMatchPatchError) in try DMP.apply("@@ -1 +1 @@\r\n-a\r\n+b\r\n", to: "a") }
    #expect(crlf?.reason == .malformedHeader)

    let mode = thrownError { () throws(DiffMatchPatchError) in try DMP.apply("@@ -1 +1 @@\n-a\n*b\n", to: "a") }
    #expect(mode?.reason == .invalidLine)
    #expect(mode?.hunk == 1)
    #expect(mode?.line == 3)
    #expect(mode?.header == "@@ -1 +1 @@")

    for escape in ["%ZZ", "%C3", "%C3%28", "%ED%A0%80", "%F8%88%80%80%80", "%C0%AF", "abc%"] {
        let error = thrownError { () throws(DiffMatchPatchError) in try DMP.apply("@@ -1 +1 @@\n-a\n+\(escape)\n", to: "a") }
        #expect(error?.reason == .malformedEscape, "\(escape)")
        #expect(error?.line == 3, "\(escape)")
    }
}

// MARK: - Making patches (testPatchMake, testPatchAddContext, testPatchSplitMax, testPatchAddPadding)

@Test func makePatchMatchesTheLibrary() {
    #expect(DMP.makePatch(from: "", to: "") == "")
    let text1 = "The quick brown fox jumps over the lazy dog."
    let text2 = "That quick brown fox jumped over a lazy dog."
    // The second hunk is "-21,17 +21,18", not "-22,17 +21,18", because of rolling context.
    #expect(DMP.makePatch(from: text2, to: text1)
        == "@@ -1,8 +1,7 @@\n Th\n-at\n+e\n  qui\n@@ -21,17 +21,18 @@\n jump\n-ed\n+s\n  over \n-a\n+the\n  laz\n")
    #expect(DMP.makePatch(from: text1, to: text2)
        == "@@ -1,11 +1,12 @@\n Th\n-e\n+at\n  quick b\n@@ -22,18 +22,17 @@\n jump\n-s\n+ed\n  over \n-the\n+a\n  laz\n")
    #expect(DMP.makePatch(from: "`1234567890-=[]\\;',./", to: "~!@#$%^&*()_+{}|:\"<>?")
        == "@@ -1,21 +1,21 @@\n-%601234567890-=%5B%5D%5C;',./\n+~!@#$%25%5E&*()_+%7B%7D%7C:%22%3C%3E?\n")
    let repeated = String(repeating: "abcdef", count: 100)
    #expect(DMP.makePatch(from: repeated, to: repeated + "123")
        == "@@ -573,28 +573,31 @@\n cdefabcdefabcdefabcdefabcdef\n+123\n")
    // Sanity's index test (verbatim).
    #expect(DMP.makePatch(from: "from this", to: "to this") == "@@ -1,8 +1,6 @@\n-from\n+to\n  thi\n")
}

@Test func addContextGrowsUntilUnique() throws {
    func context(_ patch: String, _ text: String) throws -> String {
        var hunk = try #require(DMP.parse(patch, units: .utf16).hunks.first)
        DMP.addContext(&hunk, units(text))
        return DMP.toText([hunk], units: .utf16)
    }
    #expect(try context("@@ -21,4 +21,10 @@\n-jump\n+somersault\n", "The quick brown fox jumps over the lazy dog.")
        == "@@ -17,12 +17,18 @@\n fox \n-jump\n+somersault\n s ov\n")
    #expect(try context("@@ -21,4 +21,10 @@\n-jump\n+somersault\n", "The quick brown fox jumps.")
        == "@@ -17,10 +17,16 @@\n fox \n-jump\n+somersault\n s.\n")
    #expect(try context("@@ -3 +3,2 @@\n-e\n+at\n", "The quick brown fox jumps.")
        == "@@ -1,7 +1,8 @@\n Th\n-e\n+at\n  qui\n")
    #expect(try context("@@ -3 +3,2 @@\n-e\n+at\n", "The quick brown fox jumps.  The quick brown fox crashes.")
        == "@@ -1,27 +1,28 @@\n Th\n-e\n+at\n  quick brown fox jumps. \n")
}

@Test func splitMaxCutsLongHunks() {
    func split(_ old: String, _ new: String) -> String {
        var hunks = DMP.makeHunks(units(old), units(new), dialect: .utf16)
        DMP.splitMax(&hunks)
        return DMP.toText(hunks, units: .utf16)
    }
    #expect(split("abcdefghijklmnopqrstuvwxyz01234567890", "XabXcdXefXghXijXklXmnXopXqrXstXuvXwxXyzX01X23X45X67X89X0")
        == "@@ -1,32 +1,46 @@\n+X\n ab\n+X\n cd\n+X\n ef\n+X\n gh\n+X\n ij\n+X\n kl\n+X\n mn\n+X\n op\n+X\n qr\n+X\n st\n+X\n uv\n+X\n wx\n+X\n yz\n+X\n 012345\n@@ -25,13 +39,18 @@\n zX01\n+X\n 23\n+X\n 45\n+X\n 67\n+X\n 89\n+X\n 0\n")
    let big = "abcdef1234567890123456789012345678901234567890123456789012345678901234567890uvwxyz"
    #expect(split(big, "abcdefuvwxyz") == DMP.makePatch(from: big, to: "abcdefuvwxyz", offsets: .utf16))
    #expect(split("1234567890123456789012345678901234567890123456789012345678901234567890", "abc")
        == "@@ -1,32 +1,4 @@\n-1234567890123456789012345678\n 9012\n@@ -29,32 +1,4 @@\n-9012345678901234567890123456\n 7890\n@@ -57,14 +1,3 @@\n-78901234567890\n+abc\n")
    #expect(split("abcdefghij , h : 0 , t : 1 abcdefghij , h : 0 , t : 1 abcdefghij , h : 0 , t : 1",
                  "abcdefghij , h : 1 , t : 1 abcdefghij , h : 1 , t : 1 abcdefghij , h : 0 , t : 1")
        == "@@ -2,32 +2,32 @@\n bcdefghij , h : \n-0\n+1\n  , t : 1 abcdef\n@@ -29,32 +29,32 @@\n bcdefghij , h : \n-0\n+1\n  , t : 1 abcdef\n")
}

@Test func addPaddingFillsEdges() {
    func padded(_ old: String, _ new: String) -> String {
        var hunks = DMP.makeHunks(units(old), units(new), dialect: .utf16)
        _ = DMP.addPadding(&hunks)
        return DMP.toText(hunks, units: .utf16)
    }
    #expect(padded("", "test") == "@@ -1,8 +1,12 @@\n %01%02%03%04\n+test\n %01%02%03%04\n")
    #expect(padded("XY", "XtestY") == "@@ -2,8 +2,12 @@\n %02%03%04X\n+test\n Y%01%02%03\n")
    #expect(padded("XXXXYYYY", "XXXXtestYYYY") == "@@ -5,8 +5,12 @@\n XXXX\n+test\n YYYY\n")
}

// MARK: - Applying patches (testPatchApply)

private let quickFox = "The quick brown fox jumps over the lazy dog."
private let quickFoxEdited = "That quick brown fox jumped over a lazy dog."
private let bigDelete = "x1234567890123456789012345678901234567890123456789012345678901234567890y"

@Test func applyExactPartialAndFailedMatches() throws {
    let patch = DMP.makePatch(from: quickFox, to: quickFoxEdited)
    #expect(try libraryApply("", "Hello world.") == ("Hello world.", []))
    #expect(try libraryApply(patch, quickFox) == (quickFoxEdited, [true, true]))
    #expect(try libraryApply(patch, "The quick red rabbit jumps over the tired tiger.")
        == ("That quick red rabbit jumped over a tired tiger.", [true, true]))
    let general = "I am the very model of a modern major general."
    #expect(try libraryApply(patch, general) == (general, [false, false]))

    // Facet's policy on the same three texts.
    #expect(try DMP.apply(patch, to: quickFox) == quickFoxEdited)
    #expect(try DMP.apply(patch, to: "The quick red rabbit jumps over the tired tiger.")
        == "That quick red rabbit jumped over a tired tiger.")
    let error = try #require(thrownError { () throws(DiffMatchPatchError) in try DMP.apply(patch, to: general) })
    #expect(error.reason == .hunkDidNotApply)
    #expect(error.hunk == 1)
    #expect(error.line == 1)
    #expect(error.header == "@@ -1,11 +1,12 @@")
    #expect(error.description.contains("hunk 1 of 2"))
    #expect(error.description.contains("1 more of the 2 hunks failed too"))
    #expect(error.description.contains("The text changed since the patch was made; fetch the document and make the patch again."))
}

@Test func applyBigDeletes() throws {
    let patch = DMP.makePatch(from: bigDelete, to: "xabcy")
    // Big delete, small change.
    #expect(try libraryApply(patch, "x123456789012345678901234567890-----++++++++++-----123456789012345678901234567890y")
        == ("xabcy", [true, true]))
    // Big delete, big change 1: the deletion's middle is too unlike what the patch expects.
    let changed = "x12345678901234567890---------------++++++++++---------------12345678901234567890y"
    #expect(try libraryApply(patch, changed)
        == ("xabc12345678901234567890---------------++++++++++---------------12345678901234567890y", [false, true]))
    // Big delete, big change 2: a looser Patch_DeleteThreshold accepts it.
    #expect(try libraryApply(patch, changed, deleteThreshold: 0.6) == ("xabcy", [true, true]))

    // Facet reports the hunk the sender wrote, although splitMax cut it in two internally.
    #expect(try DMP.parse(patch, units: .utf8).hunks.count == 1)
    let error = thrownError { () throws(DiffMatchPatchError) in try DMP.apply(patch, to: changed) }
    #expect(error?.hunk == 1)
    #expect(error?.description.contains("hunk 1 of 1") == true)
}

@Test func applyCompensatesForFailedPatch() throws {
    let patch = DMP.makePatch(
        from: "abcdefghijklmnopqrstuvwxyz--------------------1234567890",
        to: "abcXXXXXXXXXXdefghijklmnopqrstuvwxyz--------------------1234567YYYYYYYYYY890")
    let strict = DMP.MatchSettings(threshold: 0, distance: 0)
    #expect(try libraryApply(patch, "ABCDEFGHIJKLMNOPQRSTUVWXYZ--------------------1234567890", match: strict)
        == ("ABCDEFGHIJKLMNOPQRSTUVWXYZ--------------------1234567YYYYYYYYYY890", [false, true]))
}

@Test func applyAtTheEdges() throws {
    #expect(try libraryApply(DMP.makePatch(from: "", to: "test"), "") == ("test", [true]))
    #expect(try libraryApply(DMP.makePatch(from: "XY", to: "XtestY"), "XY") == ("XtestY", [true]))
    #expect(try libraryApply(DMP.makePatch(from: "y", to: "y123"), "x") == ("x123", [true]))
    #expect(try DMP.apply(DMP.makePatch(from: "y", to: "y123"), to: "x") == "x123")
    #expect(try DMP.apply("", to: "Hello world.") == "Hello world.")
}

@Test func applyHasNoSideEffectsOnTheParsedHunks() throws {
    for (old, new, target) in [("", "test", ""), (quickFox, "Woof", quickFox)] {
        let hunks = try DMP.parse(DMP.makePatch(from: old, to: new), units: .utf8).hunks
        let before = DMP.toText(hunks, units: .utf8)
        let first = DMP.applyHunks(hunks, to: units(target), dialect: .utf8)
        let second = DMP.applyHunks(hunks, to: units(target), dialect: .utf8)
        #expect(DMP.toText(hunks, units: .utf8) == before)
        #expect(first.text == second.text)
    }
}

// MARK: - Sanity and Unicode

private let japanese = "速ヒマヤレ誌相ルなあね日諸せ変評ホ真攻同潔ク作先た員勝どそ際接レゅ自17浅ッ実情スヤ籍認ス重力務鳥の。8平はートご多乗12青國暮整ル通国うれけこ能新ロコラハ元横ミ休探ミソ梓批ざょにね薬展むい本隣ば禁抗ワアミ部真えくト提知週むすほ。査ル人形ルおじつ政謙減セヲモ読見れレぞえ録精てざ定第ぐゆとス務接産ヤ写馬エモス聞氏サヘマ有午ごね客岡ヘロ修彩枝雨父のけリド。\n\n住ゅなぜ日16語約セヤチ任政崎ソオユ枠体ぞン古91一専泉給12関モリレネ解透ぴゃラぼ転地す球北ドざう記番重投ぼづ。期ゃ更緒リだすし夫内オ代他られくド潤刊本クヘフ伊一ウムニヘ感週け出入ば勇起ょ関図ぜ覧説めわぶ室訪おがト強車傾町コ本喰杜椿榎ほれた。暮る生的更芸窓どさはむ近問ラ入必ラニス療心コウ怒応りめけひ載総ア北吾ヌイヘ主最ニ余記エツヤ州5念稼め化浮ヌリ済毎養ぜぼ。"

@Test func appliesPatchesMadeBySanitysLibrary() throws {
    // From @sanity/diff-match-patch's own tests (verbatim): headers count UTF-8 bytes.
    let norwegian = "@@ -8,9 +8,12 @@\n lir \n-g%C3%B8y\n+%C3%A6kkelt\n .\n"
    #expect(DMP.makePatch(from: "Dette blir gøy.", to: "Dette blir ækkelt.") == norwegian)
    #expect(try DMP.apply(norwegian, to: "Dette blir gøy.") == "Dette blir ækkelt.")

    let source = [japanese, japanese, japanese].joined(separator: "\n\n")
    let target = [japanese + ". EOL.", japanese, japanese].joined(separator: "\n\n")
    let sanityPatch = "@@ -1010,90 +1010,96 @@\n %E3%83%A4%E5%B7%9E5%E5%BF%B5%E7%A8%BC%E3%82%81%E5%8C%96%E6%B5%AE%E3%83%8C%E3%83%AA%E6%B8%88%E6%AF%8E%E9%A4%8A%E3%81%9C%E3%81%BC%E3%80%82\n+. EOL.\n %0A%0A%E9%80%9F%E3%83%92%E3%83%9E%E3%83%A4%E3%83%AC%E8%AA%8C%E7%9B%B8%E3%83%AB%E3%81%AA%E3%81%82%E3%81%AD%E6%97%A5%E8%AB%B8%E3%81%9B\n"
    #expect(DMP.makePatch(from: source, to: target) == sanityPatch)
    #expect(try DMP.apply(sanityPatch, to: source) == target)
    // The same patch read as UTF-16 offsets points ~700 units too far and lands in the third copy.
    #expect(try DMP.apply(sanityPatch, to: source, offsets: .utf16) != target)

    // A Sanity-style mutation on a document whose body gained a prefix since the patch was made.
    let body = "Blåbærsyltetøy er det beste man kan putte på brødskiva"
    let mutation = "@@ -45,15 +45,32 @@\n  p%C3%A5 \n-br%C3%B8d\n skiva\n+, men ost er ogs%C3%A5 bra\n"
    #expect(DMP.makePatch(from: body, to: "Blåbærsyltetøy er det beste man kan putte på skiva, men ost er også bra") == mutation)
    #expect(try DMP.apply(mutation, to: "Ærlig talt: " + body)
        == "Ærlig talt: Blåbærsyltetøy er det beste man kan putte på skiva, men ost er også bra")
}

@Test func emojiPatchesMatchSanitysByteCounting() throws {
    // Verbatim @sanity/diff-match-patch output: an emoji counts 7 "bytes" in lengths (4 + 3, a quirk
    // of its countUtf8Bytes), never half an emoji in a line.
    let cases = [
        ("Honestly? I thought it was total 😉, really.", "Honestly? I thought it was total 😀, really.",
         "@@ -30,15 +30,15 @@\n tal \n-%F0%9F%98%89\n+%F0%9F%98%80\n , re\n"),
        ("Gøy 😅", "øy 😅", "@@ -1,12 +1,11 @@\n-G\n %C3%B8y %F0%9F%98%85\n"),
        ("a😀b", "a😁b", "@@ -1,9 +1,9 @@\n a\n-%F0%9F%98%80\n+%F0%9F%98%81\n b\n"),
        ("😀 hello world", "😀 hello there world", "@@ -1,19 +1,25 @@\n %F0%9F%98%80 hello \n+there \n world\n"),
    ]
    for (old, new, expected) in cases {
        #expect(DMP.makePatch(from: old, to: new) == expected)
        #expect(try DMP.apply(expected, to: old) == new)
    }
}

@Test func googleDialectUsesUTF16Offsets() throws {
    // Verbatim google/diff-match-patch output: 8 code units where Sanity writes 9 bytes.
    let google = "@@ -8,8 +8,11 @@\n lir \n-g%C3%B8y\n+%C3%A6kkelt\n .\n"
    #expect(DMP.makePatch(from: "Dette blir gøy.", to: "Dette blir ækkelt.", offsets: .utf16) == google)
    #expect(try DMP.apply(google, to: "Dette blir gøy.", offsets: .utf16) == "Dette blir ækkelt.")
    // Where Google's library would throw URIError (context cutting 😀 in half), the patch stays whole.
    let emoji = DMP.makePatch(from: "😀 hello world", to: "😀 hello there world", offsets: .utf16)
    #expect(emoji == "@@ -1,14 +1,20 @@\n %F0%9F%98%80 hello \n+there \n world\n")
    #expect(try DMP.apply(emoji, to: "😀 hello world", offsets: .utf16) == "😀 hello there world")
}

@Test func refusesToCutASurrogatePair() throws {
    // Sanity's JavaScript returns ".中文😀😀aaax🅰🅱🅰é\n ßab.😁 \u{DD70}ø" here (a lone low surrogate)
    // and reports success; Facet refuses instead of storing a broken character.
    let patch = "@@ -1,30 +1,38 @@\n .\n-%E4%B8%AD\n+aax%F0%9F%85%B0%F0%9F%85%B1\n %F0%9F%85%B0b.%F0%9F%98%81a\n-%F0%9F%85%B0\n+ \n %C3%B8\n"
    let error = thrownError { () throws(DiffMatchPatchError) in try DMP.apply(patch, to: ".中文😀😀a🅰é\n ßab.😁a🅰ø") }
    #expect(error?.reason == .splitsCharacter)
    #expect(error?.description.contains("fetch the document and make the patch again") == true)
    // The same patch on the text it was made from applies cleanly.
    #expect(try DMP.apply(patch, to: ".中🅰b.😁a🅰ø") == ".aax🅰🅱🅰b.😁a ø")
}

@Test func surrogateRepairKeepsPairsTogether() {
    let diffs = DMP.diff(units("\u{1F170}\u{1F171}"), units("\u{1F170}\u{1F170}\u{1F171}"), checkLines: false, dialect: .utf8)
    #expect(diffs == [DMP.Diff(.equal, units("\u{1F170}")), DMP.Diff(.insert, units("\u{1F170}")), DMP.Diff(.equal, units("\u{1F171}"))])
    let swap = DMP.diff(units("\u{1F170}"), units("\u{1F171}"), checkLines: false, dialect: .utf8)
    #expect(swap == [DMP.Diff(.delete, units("\u{1F170}")), DMP.Diff(.insert, units("\u{1F171}"))])
}

// MARK: - Round trip property

/// SplitMix64: a fixed seed gives the same cases on every run and platform.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let alphabet: [Character] = [
    "a", "b", "c", " ", ".", "\n", "%", "#", "é", "ø", "ß", "中", "文", "😀", "😁", "🅰", "🅱", "👍🏽", "e\u{301}",
]

private func randomText(_ count: Int, _ rng: inout SeededGenerator) -> String {
    String((0..<count).map { _ in alphabet.randomElement(using: &rng)! })
}

private func randomEdit(_ text: String, _ rng: inout SeededGenerator) -> String {
    var characters = Array(text)
    for _ in 0..<Int.random(in: 1...4, using: &rng) {
        let position = Int.random(in: 0...characters.count, using: &rng)
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            characters.insert(contentsOf: randomText(Int.random(in: 1...6, using: &rng), &rng), at: position)
        case 1:
            let end = min(characters.count, position + Int.random(in: 1...5, using: &rng))
            characters.removeSubrange(position..<end)
        default:
            if position < characters.count {
                characters[position] = alphabet.randomElement(using: &rng)!
            }
        }
    }
    return String(characters)
}

@Test(arguments: [DiffMatchPatch.OffsetUnit.utf8, .utf16])
func makePatchThenApplyReproducesTheNewText(offsets: DiffMatchPatch.OffsetUnit) throws {
    var rng = SeededGenerator(state: 20_240_601)
    for _ in 0..<300 {
        let length = Int.random(in: 0...10, using: &rng) == 0 ? Int.random(in: 100...400, using: &rng) : Int.random(in: 0...60, using: &rng)
        let old = randomText(length, &rng)
        let new = randomEdit(old, &rng)
        let patch = DMP.makePatch(from: old, to: new, offsets: offsets)
        #expect(try DMP.apply(patch, to: old, offsets: offsets) == new, "\(old.debugDescription) -> \(new.debugDescription)")
        // Patch text is what a client would send: it survives being parsed and written again.
        #expect(DMP.toText(try DMP.parse(patch, units: offsets).hunks, units: offsets) == patch)
    }
}
