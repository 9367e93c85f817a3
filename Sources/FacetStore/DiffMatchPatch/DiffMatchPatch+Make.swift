// patch_make and patch_addContext_ as the Sanity fork has them: Google's algorithm, with header
// numbers also tracked in (the fork's) UTF-8 bytes and context that never ends inside a surrogate pair.

extension DiffMatchPatch {
    /// The library's `Patch_Margin`: context code units on each side of a hunk.
    static let patchMargin = 4

    /// `patch_make(text1, text2)`: diff with the line-mode speed-up, then the semantic and efficiency
    /// cleanups when the diff has more than two parts, then hunks with context.
    static func makeHunks(_ text1: Units, _ text2: Units, dialect: OffsetUnit) -> [Hunk] {
        var diffs = diff(text1, text2, checkLines: true, dialect: dialect)
        if diffs.count > 2 {
            cleanupSemantic(&diffs)
            cleanupEfficiency(&diffs)
        }
        // The cleanups shift edits one code unit at a time and can cut a pair again; where that happens
        // the fork's stringify would throw, so the pair is re-joined instead.
        if splitsSurrogatePair(diffs) {
            adjustForSurrogatePairs(&diffs)
        }
        return makeHunks(text1, diffs)
    }

    /// `patch_make(text1, diffs)`, with rolling context: each hunk's coordinates assume the hunks
    /// before it were applied.
    static func makeHunks(_ text1: Units, _ diffs: [Diff]) -> [Hunk] {
        if diffs.isEmpty { return [] }
        var hunks: [Hunk] = []
        var hunk = Hunk()
        var charCount1 = 0, charCount2 = 0
        var byteCount1 = 0, byteCount2 = 0
        var prepatchText = text1
        var postpatchText = text1

        for (index, diff) in diffs.enumerated() {
            let length = diff.text.count
            let bytes = sanityUTF8Count(diff.text)
            if hunk.diffs.isEmpty && diff.operation != .equal {
                hunk.start1 = charCount1
                hunk.start2 = charCount2
                hunk.headerStart1 = byteCount1
                hunk.headerStart2 = byteCount2
            }
            switch diff.operation {
            case .insert:
                hunk.diffs.append(diff)
                hunk.length2 += length
                hunk.headerLength2 += bytes
                postpatchText.insert(contentsOf: diff.text, at: charCount2)
            case .delete:
                hunk.length1 += length
                hunk.headerLength1 += bytes
                hunk.diffs.append(diff)
                postpatchText.removeSubrange(charCount2..<(charCount2 + length))
            case .equal:
                if length <= 2 * patchMargin && !hunk.diffs.isEmpty && index != diffs.count - 1 {
                    // A small equality stays inside the hunk.
                    hunk.diffs.append(diff)
                    hunk.length1 += length
                    hunk.length2 += length
                    hunk.headerLength1 += bytes
                    hunk.headerLength2 += bytes
                } else if length >= 2 * patchMargin && !hunk.diffs.isEmpty {
                    addContext(&hunk, prepatchText)
                    hunks.append(hunk)
                    hunk = Hunk()
                    prepatchText = postpatchText
                    charCount1 = charCount2
                    byteCount1 = byteCount2
                }
            }
            if diff.operation != .insert {
                charCount1 += length
                byteCount1 += bytes
            }
            if diff.operation != .delete {
                charCount2 += length
                byteCount2 += bytes
            }
        }
        if !hunk.diffs.isEmpty {
            addContext(&hunk, prepatchText)
            hunks.append(hunk)
        }
        return hunks
    }

    /// `patch_addContext_`: widens the context until the pattern is unique in `text` (within
    /// Match_MaxBits), plus one more margin, never starting or ending between two surrogates.
    static func addContext(_ hunk: inout Hunk, _ text: Units) {
        if text.isEmpty { return }
        var pattern = substring(text, hunk.start2, hunk.start2 + hunk.length1)
        var padding = 0
        while indexOf(text, pattern) != lastIndexOf(text, pattern, from: text.count)
            && pattern.count < matchMaxBits - patchMargin - patchMargin {
            padding += patchMargin
            pattern = substring(text, hunk.start2 - padding, hunk.start2 + hunk.length1 + padding)
        }
        padding += patchMargin

        var prefixStart = hunk.start2 - padding
        if prefixStart >= 1 && prefixStart < text.count && isLowSurrogate(text[prefixStart]) {
            prefixStart -= 1
        }
        let prefix = substring(text, prefixStart, hunk.start2)
        if !prefix.isEmpty {
            hunk.diffs.insert(Diff(.equal, prefix), at: 0)
        }

        var suffixEnd = hunk.start2 + hunk.length1 + padding
        if suffixEnd >= 0 && suffixEnd < text.count && isLowSurrogate(text[suffixEnd]) {
            suffixEnd += 1
        }
        let suffix = substring(text, hunk.start2 + hunk.length1, suffixEnd)
        if !suffix.isEmpty {
            hunk.diffs.append(Diff(.equal, suffix))
        }

        let prefixBytes = sanityUTF8Count(prefix)
        let suffixBytes = sanityUTF8Count(suffix)
        hunk.start1 -= prefix.count
        hunk.start2 -= prefix.count
        hunk.headerStart1 -= prefixBytes
        hunk.headerStart2 -= prefixBytes
        hunk.length1 += prefix.count + suffix.count
        hunk.length2 += prefix.count + suffix.count
        hunk.headerLength1 += prefixBytes + suffixBytes
        hunk.headerLength2 += prefixBytes + suffixBytes
    }
}
