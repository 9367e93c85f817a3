// A port of diff_main from google/diff-match-patch (JavaScript) as forked by @sanity/diff-match-patch.
// Everything works on UTF-16 code units because that is what JavaScript strings index, and the patch
// positions and fuzzy-match scores only agree with Sanity's clients when counted the same way.

extension DiffMatchPatch {
    /// UTF-16 code units: the unit JavaScript's `substring`, `indexOf` and `length` count in.
    typealias Units = [UInt16]

    /// One of the three things a diff says about a run of text.
    enum Operation: Sendable, Equatable {
        case delete, insert, equal
    }

    /// A run of text that was deleted, inserted or kept.
    struct Diff: Sendable, Equatable {
        var operation: Operation
        var text: Units

        init(_ operation: Operation, _ text: Units) {
            self.operation = operation
            self.text = text
        }
    }

    /// The library's `Diff_Timeout`: past it the bisection gives up and returns a coarse diff.
    static let diffTimeout: Duration = .seconds(1)

    /// `diff(textA, textB)` of the Sanity fork: `diff_main` followed by re-joining surrogate pairs that
    /// the code-unit diff split, so that no diff text holds half a character. For the `.utf16`
    /// dialect it is Google's plain `diff_main`: repairing there would change hunks Google's library
    /// makes fine, because its cleanups often merge the split halves back by themselves.
    static func diff(_ text1: Units, _ text2: Units, checkLines: Bool, dialect: OffsetUnit) -> [Diff] {
        var diffs = diffMain(text1, text2, checkLines: checkLines, deadline: .now + diffTimeout)
        if dialect == .utf8 {
            adjustForSurrogatePairs(&diffs)
        }
        return diffs
    }

    /// `diff_main`: strips the common prefix and suffix, diffs the middle, and merges the result.
    static func diffMain(_ text1: Units, _ text2: Units, checkLines: Bool, deadline: ContinuousClock.Instant) -> [Diff] {
        if text1 == text2 {
            return text1.isEmpty ? [] : [Diff(.equal, text1)]
        }
        let prefixLength = commonPrefix(text1, text2)
        let prefix = Units(text1[..<prefixLength])
        var middle1 = Units(text1[prefixLength...])
        var middle2 = Units(text2[prefixLength...])
        let suffixLength = commonSuffix(middle1, middle2)
        let suffix = Units(middle1[(middle1.count - suffixLength)...])
        middle1.removeLast(suffixLength)
        middle2.removeLast(suffixLength)

        var diffs = compute(middle1, middle2, checkLines: checkLines, deadline: deadline)
        if !prefix.isEmpty { diffs.insert(Diff(.equal, prefix), at: 0) }
        if !suffix.isEmpty { diffs.append(Diff(.equal, suffix)) }
        cleanupMerge(&diffs)
        return diffs
    }

    /// `diff_compute_`: the texts share no prefix or suffix here.
    private static func compute(_ text1: Units, _ text2: Units, checkLines: Bool, deadline: ContinuousClock.Instant) -> [Diff] {
        if text1.isEmpty { return [Diff(.insert, text2)] }
        if text2.isEmpty { return [Diff(.delete, text1)] }

        let text1IsLonger = text1.count > text2.count
        let longText = text1IsLonger ? text1 : text2
        let shortText = text1IsLonger ? text2 : text1
        let index = indexOf(longText, shortText)
        if index != -1 {
            let edge: Operation = text1IsLonger ? .delete : .insert
            return [
                Diff(edge, Units(longText[..<index])),
                Diff(.equal, shortText),
                Diff(edge, Units(longText[(index + shortText.count)...])),
            ]
        }
        if shortText.count == 1 {
            return [Diff(.delete, text1), Diff(.insert, text2)]
        }
        if let halfMatch = halfMatch(text1, text2) {
            let diffsA = diffMain(halfMatch.text1A, halfMatch.text2A, checkLines: checkLines, deadline: deadline)
            let diffsB = diffMain(halfMatch.text1B, halfMatch.text2B, checkLines: checkLines, deadline: deadline)
            return diffsA + [Diff(.equal, halfMatch.common)] + diffsB
        }
        if checkLines && text1.count > 100 && text2.count > 100 {
            return lineMode(text1, text2, deadline: deadline)
        }
        return bisect(text1, text2, deadline: deadline)
    }

    /// `diff_lineMode_`: a fast line-level diff, then a character diff of each replaced block.
    private static func lineMode(_ text1: Units, _ text2: Units, deadline: ContinuousClock.Instant) -> [Diff] {
        var lines = LineEncoding()
        let chars1 = lines.encode(text1, maxLines: 40000)
        let chars2 = lines.encode(text2, maxLines: 65535)
        var diffs = diffMain(chars1, chars2, checkLines: false, deadline: deadline)
        for index in diffs.indices {
            diffs[index].text = diffs[index].text.flatMap { lines.lines[Int($0)] }
        }
        cleanupSemantic(&diffs)

        diffs.append(Diff(.equal, []))
        var pointer = 0
        var countDelete = 0
        var countInsert = 0
        var textDelete: Units = []
        var textInsert: Units = []
        while pointer < diffs.count {
            switch diffs[pointer].operation {
            case .insert:
                countInsert += 1
                textInsert += diffs[pointer].text
            case .delete:
                countDelete += 1
                textDelete += diffs[pointer].text
            case .equal:
                if countDelete >= 1 && countInsert >= 1 {
                    let start = pointer - countDelete - countInsert
                    let subDiffs = diffMain(textDelete, textInsert, checkLines: false, deadline: deadline)
                    diffs.replaceSubrange(start..<pointer, with: subDiffs)
                    pointer = start + subDiffs.count
                }
                countInsert = 0
                countDelete = 0
                textDelete = []
                textInsert = []
            }
            pointer += 1
        }
        diffs.removeLast()
        return diffs
    }

    /// `diff_linesToChars_`: one code unit per distinct line, so the line diff can reuse the char diff.
    private struct LineEncoding {
        // Index 0 stays empty so that no line is encoded as U+0000, as in the library.
        var lines: [Units] = [[]]
        var hash: [Units: Int] = [:]

        mutating func encode(_ text: Units, maxLines: Int) -> Units {
            var chars: Units = []
            var lineStart = 0
            var lineEnd = -1
            while lineEnd < text.count - 1 {
                lineEnd = DiffMatchPatch.indexOf(text, [10], from: lineStart)
                if lineEnd == -1 { lineEnd = text.count - 1 }
                var line = Units(text[lineStart...lineEnd])
                if let known = hash[line] {
                    chars.append(UInt16(known))
                } else {
                    if lines.count == maxLines {
                        // Out of code units: the rest of the text becomes one "line", as in the library.
                        line = Units(text[lineStart...])
                        lineEnd = text.count
                    }
                    chars.append(UInt16(truncatingIfNeeded: lines.count))
                    hash[line] = lines.count
                    lines.append(line)
                }
                lineStart = lineEnd + 1
            }
            return chars
        }
    }

    /// `diff_bisect_`: Myers' middle-snake search; falls back to delete+insert at the deadline.
    private static func bisect(_ text1: Units, _ text2: Units, deadline: ContinuousClock.Instant) -> [Diff] {
        let length1 = text1.count
        let length2 = text2.count
        let maxD = (length1 + length2 + 1) / 2
        let vOffset = maxD
        let vLength = 2 * maxD
        // Two spare slots: JavaScript arrays grow silently, Swift arrays do not.
        var v1 = [Int](repeating: -1, count: vLength + 2)
        var v2 = [Int](repeating: -1, count: vLength + 2)
        v1[vOffset + 1] = 0
        v2[vOffset + 1] = 0
        let delta = length1 - length2
        let front = delta % 2 != 0
        var k1start = 0, k1end = 0, k2start = 0, k2end = 0

        for d in 0..<maxD {
            if ContinuousClock.now > deadline { break }

            var k1 = -d + k1start
            while k1 <= d - k1end {
                let k1Offset = vOffset + k1
                var x1: Int
                if k1 == -d || (k1 != d && v1[k1Offset - 1] < v1[k1Offset + 1]) {
                    x1 = v1[k1Offset + 1]
                } else {
                    x1 = v1[k1Offset - 1] + 1
                }
                var y1 = x1 - k1
                while x1 < length1 && y1 < length2 && text1[x1] == text2[y1] {
                    x1 += 1
                    y1 += 1
                }
                v1[k1Offset] = x1
                if x1 > length1 {
                    k1end += 2
                } else if y1 > length2 {
                    k1start += 2
                } else if front {
                    let k2Offset = vOffset + delta - k1
                    if k2Offset >= 0 && k2Offset < vLength && v2[k2Offset] != -1 {
                        let x2 = length1 - v2[k2Offset]
                        if x1 >= x2 {
                            return bisectSplit(text1, text2, x1, y1, deadline: deadline)
                        }
                    }
                }
                k1 += 2
            }

            var k2 = -d + k2start
            while k2 <= d - k2end {
                let k2Offset = vOffset + k2
                var x2: Int
                if k2 == -d || (k2 != d && v2[k2Offset - 1] < v2[k2Offset + 1]) {
                    x2 = v2[k2Offset + 1]
                } else {
                    x2 = v2[k2Offset - 1] + 1
                }
                var y2 = x2 - k2
                while x2 < length1 && y2 < length2 && text1[length1 - x2 - 1] == text2[length2 - y2 - 1] {
                    x2 += 1
                    y2 += 1
                }
                v2[k2Offset] = x2
                if x2 > length1 {
                    k2end += 2
                } else if y2 > length2 {
                    k2start += 2
                } else if !front {
                    let k1Offset = vOffset + delta - k2
                    if k1Offset >= 0 && k1Offset < vLength && v1[k1Offset] != -1 {
                        let x1 = v1[k1Offset]
                        let y1 = vOffset + x1 - k1Offset
                        if x1 >= length1 - x2 {
                            return bisectSplit(text1, text2, x1, y1, deadline: deadline)
                        }
                    }
                }
                k2 += 2
            }
        }
        return [Diff(.delete, text1), Diff(.insert, text2)]
    }

    private static func bisectSplit(_ text1: Units, _ text2: Units, _ x: Int, _ y: Int, deadline: ContinuousClock.Instant) -> [Diff] {
        let diffsA = diffMain(Units(text1[..<x]), Units(text2[..<y]), checkLines: false, deadline: deadline)
        let diffsB = diffMain(Units(text1[x...]), Units(text2[y...]), checkLines: false, deadline: deadline)
        return diffsA + diffsB
    }

    private struct HalfMatch {
        var text1A: Units, text1B: Units, text2A: Units, text2B: Units, common: Units
    }

    /// `diff_halfMatch_`: a shared substring at least half as long as the longer text splits the
    /// problem in two. Non-minimal, but it is what the library does with a timeout set.
    private static func halfMatch(_ text1: Units, _ text2: Units) -> HalfMatch? {
        let text1IsLonger = text1.count > text2.count
        let longText = text1IsLonger ? text1 : text2
        let shortText = text1IsLonger ? text2 : text1
        if longText.count < 4 || shortText.count * 2 < longText.count { return nil }

        // Results are (longA, longB, shortA, shortB, common).
        func halfMatchAt(_ i: Int) -> [Units]? {
            let seed = Units(longText[i..<min(longText.count, i + longText.count / 4)])
            var j = -1
            var bestCommon: Units = []
            var best: [Units] = []
            while true {
                j = indexOf(shortText, seed, from: j + 1)
                if j == -1 { break }
                let prefixLength = commonPrefix(Units(longText[i...]), Units(shortText[j...]))
                let suffixLength = commonSuffix(Units(longText[..<i]), Units(shortText[..<j]))
                if bestCommon.count < suffixLength + prefixLength {
                    bestCommon = Units(shortText[(j - suffixLength)..<(j + prefixLength)])
                    best = [
                        Units(longText[..<(i - suffixLength)]),
                        Units(longText[(i + prefixLength)...]),
                        Units(shortText[..<(j - suffixLength)]),
                        Units(shortText[(j + prefixLength)...]),
                        bestCommon,
                    ]
                }
            }
            return bestCommon.count * 2 >= longText.count ? best : nil
        }

        let hm1 = halfMatchAt((longText.count + 3) / 4)
        let hm2 = halfMatchAt((longText.count + 1) / 2)
        let hm: [Units]
        switch (hm1, hm2) {
        case (nil, nil): return nil
        case (let one?, nil): hm = one
        case (nil, let two?): hm = two
        case (let one?, let two?): hm = one[4].count > two[4].count ? one : two
        }
        if text1IsLonger {
            return HalfMatch(text1A: hm[0], text1B: hm[1], text2A: hm[2], text2B: hm[3], common: hm[4])
        }
        return HalfMatch(text1A: hm[2], text1B: hm[3], text2A: hm[0], text2B: hm[1], common: hm[4])
    }

    // MARK: - String helpers with JavaScript semantics

    static func commonPrefix(_ text1: Units, _ text2: Units) -> Int {
        let limit = min(text1.count, text2.count)
        var index = 0
        while index < limit && text1[index] == text2[index] { index += 1 }
        return index
    }

    static func commonSuffix(_ text1: Units, _ text2: Units) -> Int {
        let limit = min(text1.count, text2.count)
        var length = 0
        while length < limit && text1[text1.count - 1 - length] == text2[text2.count - 1 - length] { length += 1 }
        return length
    }

    /// `diff_commonOverlap_`: how much of the end of `text1` starts `text2`.
    static func commonOverlap(_ text1: Units, _ text2: Units) -> Int {
        var a = text1
        var b = text2
        if a.isEmpty || b.isEmpty { return 0 }
        if a.count > b.count {
            a = Units(a[(a.count - b.count)...])
        } else if a.count < b.count {
            b = Units(b[..<a.count])
        }
        let textLength = min(a.count, b.count)
        if a == b { return textLength }
        var best = 0
        var length = 1
        while true {
            let pattern = Units(a[(textLength - length)...])
            let found = indexOf(b, pattern)
            if found == -1 { return best }
            length += found
            if found == 0 || a[(textLength - length)...].elementsEqual(b[..<length]) {
                best = length
                length += 1
            }
        }
    }

    /// JavaScript `haystack.indexOf(needle, from)`.
    static func indexOf(_ haystack: Units, _ needle: Units, from: Int = 0) -> Int {
        let start = max(0, min(from, haystack.count))
        if needle.isEmpty { return start }
        let last = haystack.count - needle.count
        if start > last { return -1 }
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pin in
                let first = pin[0]
                var position = start
                while position <= last {
                    if hay[position] == first {
                        var offset = 1
                        while offset < pin.count && hay[position + offset] == pin[offset] { offset += 1 }
                        if offset == pin.count { return position }
                    }
                    position += 1
                }
                return -1
            }
        }
    }

    /// JavaScript `haystack.lastIndexOf(needle, from)`.
    static func lastIndexOf(_ haystack: Units, _ needle: Units, from: Int) -> Int {
        var position = min(max(0, from), haystack.count - needle.count)
        while position >= 0 {
            if haystack[position..<(position + needle.count)].elementsEqual(needle) { return position }
            position -= 1
        }
        return -1
    }

    /// JavaScript `text.substring(from, to)`: indices are clamped to the text and swapped if reversed.
    static func substring(_ text: Units, _ from: Int, _ to: Int? = nil) -> Units {
        let a = max(0, min(from, text.count))
        let b = max(0, min(to ?? text.count, text.count))
        return Units(text[min(a, b)..<max(a, b)])
    }
}
