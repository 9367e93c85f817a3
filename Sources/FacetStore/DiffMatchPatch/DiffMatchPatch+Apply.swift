// patch_apply with patch_addPadding and patch_splitMax, and the Sanity fork's translation of UTF-8
// header offsets into UTF-16 ones (adjustIndiciesToUcs2).

extension DiffMatchPatch {
    /// The library's `Patch_DeleteThreshold`: how unlike the expected text a large deletion may be.
    static let patchDeleteThreshold = 0.5

    /// `patch_apply`: the patched text and, per hunk after splitting, whether it applied.
    /// `hunks` are not modified (the library deep-copies them; value semantics do that here).
    /// The thresholds are parameters only so the library's own tests can be ported; Facet uses the defaults.
    static func applyHunks(
        _ hunks: [Hunk], to original: Units, dialect: OffsetUnit,
        match: MatchSettings = MatchSettings(), deleteThreshold: Double = patchDeleteThreshold
    ) -> (text: Units, applied: [(origin: Int, ok: Bool)]) {
        if hunks.isEmpty { return (original, []) }
        var patches = hunks
        let nullPadding = addPadding(&patches)
        var text = nullPadding + original + nullPadding
        splitMax(&patches)

        // How far the previous hunk landed from where it was expected; later hunks shift by as much.
        var delta = 0
        var results: [(origin: Int, ok: Bool)] = []
        for patch in patches {
            let expectedLoc = patch.start2 + delta
            let text1 = sourceText(patch.diffs)
            var startLoc: Int
            var endLoc = -1
            if text1.count > matchMaxBits {
                // Only a monster deletion gets here: match its two ends separately.
                startLoc = matchMain(text, Units(text1[..<matchMaxBits]), expectedLoc, settings: match)
                if startLoc != -1 {
                    endLoc = matchMain(
                        text, Units(text1[(text1.count - matchMaxBits)...]), expectedLoc + text1.count - matchMaxBits, settings: match)
                    if endLoc == -1 || startLoc >= endLoc {
                        startLoc = -1
                    }
                }
            } else {
                startLoc = matchMain(text, text1, expectedLoc, settings: match)
            }

            if startLoc == -1 {
                results.append((patch.origin, false))
                delta -= patch.length2 - patch.length1
                continue
            }
            var applied = true
            delta = startLoc - expectedLoc
            let text2 = endLoc == -1
                ? substring(text, startLoc, startLoc + text1.count)
                : substring(text, startLoc, endLoc + matchMaxBits)
            if text1 == text2 {
                text = substring(text, 0, startLoc) + targetText(patch.diffs) + substring(text, startLoc + text1.count)
            } else {
                // Imperfect match: a diff between expected and found text maps positions across.
                var diffs = diff(text1, text2, checkLines: false, dialect: dialect)
                if text1.count > matchMaxBits
                    && Double(levenshtein(diffs)) / Double(text1.count) > deleteThreshold {
                    applied = false
                } else {
                    cleanupSemanticLossless(&diffs)
                    var index1 = 0
                    var index2 = 0
                    for mod in patch.diffs {
                        if mod.operation != .equal {
                            index2 = xIndex(diffs, index1)
                        }
                        switch mod.operation {
                        case .insert:
                            text = substring(text, 0, startLoc + index2) + mod.text + substring(text, startLoc + index2)
                        case .delete:
                            text = substring(text, 0, startLoc + index2)
                                + substring(text, startLoc + xIndex(diffs, index1 + mod.text.count))
                        case .equal:
                            break
                        }
                        if mod.operation != .delete {
                            index1 += mod.text.count
                        }
                    }
                }
            }
            results.append((patch.origin, applied))
        }
        text = substring(text, nullPadding.count, text.count - nullPadding.count)
        return (text, results)
    }

    /// `patch_addPadding`: code units 1...4 around the text give hunks at its edges something to match.
    static func addPadding(_ patches: inout [Hunk]) -> Units {
        let paddingLength = patchMargin
        let nullPadding = Units((1...UInt16(paddingLength)).map { $0 })
        for index in patches.indices {
            patches[index].start1 += paddingLength
            patches[index].start2 += paddingLength
        }

        var first = patches[0]
        if first.diffs.first?.operation != .equal {
            first.diffs.insert(Diff(.equal, nullPadding), at: 0)
            first.start1 -= paddingLength
            first.start2 -= paddingLength
            first.length1 += paddingLength
            first.length2 += paddingLength
        } else if paddingLength > first.diffs[0].text.count {
            let existing = first.diffs[0].text.count
            let extra = paddingLength - existing
            first.diffs[0].text = Units(nullPadding[existing...]) + first.diffs[0].text
            first.start1 -= extra
            first.start2 -= extra
            first.length1 += extra
            first.length2 += extra
        }
        patches[0] = first

        var last = patches[patches.count - 1]
        if last.diffs.last?.operation != .equal {
            last.diffs.append(Diff(.equal, nullPadding))
            last.length1 += paddingLength
            last.length2 += paddingLength
        } else if paddingLength > last.diffs[last.diffs.count - 1].text.count {
            let extra = paddingLength - last.diffs[last.diffs.count - 1].text.count
            last.diffs[last.diffs.count - 1].text += nullPadding[..<extra]
            last.length1 += extra
            last.length2 += extra
        }
        patches[patches.count - 1] = last
        return nullPadding
    }

    /// `patch_splitMax`: cuts hunks longer than Match_MaxBits into pieces Bitap can search for, each
    /// with a margin of context; a large deletion may pass whole.
    static func splitMax(_ patches: inout [Hunk]) {
        let patchSize = matchMaxBits
        var x = 0
        while x < patches.count {
            if patches[x].length1 <= patchSize {
                x += 1
                continue
            }
            var bigPatch = patches.remove(at: x)
            x -= 1
            var start1 = bigPatch.start1
            var start2 = bigPatch.start2
            var precontext: Units = []
            while !bigPatch.diffs.isEmpty {
                var patch = Hunk()
                patch.origin = bigPatch.origin
                var empty = true
                patch.start1 = start1 - precontext.count
                patch.start2 = start2 - precontext.count
                if !precontext.isEmpty {
                    patch.length1 = precontext.count
                    patch.length2 = precontext.count
                    patch.diffs.append(Diff(.equal, precontext))
                }
                while !bigPatch.diffs.isEmpty && patch.length1 < patchSize - patchMargin {
                    let diffType = bigPatch.diffs[0].operation
                    var diffText = bigPatch.diffs[0].text
                    if diffType == .insert {
                        patch.length2 += diffText.count
                        start2 += diffText.count
                        patch.diffs.append(bigPatch.diffs.removeFirst())
                        empty = false
                    } else if diffType == .delete && patch.diffs.count == 1
                        && patch.diffs[0].operation == .equal && diffText.count > 2 * patchSize {
                        patch.length1 += diffText.count
                        start1 += diffText.count
                        empty = false
                        patch.diffs.append(Diff(diffType, diffText))
                        bigPatch.diffs.removeFirst()
                    } else {
                        diffText = Units(diffText.prefix(patchSize - patch.length1 - patchMargin))
                        patch.length1 += diffText.count
                        start1 += diffText.count
                        if diffType == .equal {
                            patch.length2 += diffText.count
                            start2 += diffText.count
                        } else {
                            empty = false
                        }
                        patch.diffs.append(Diff(diffType, diffText))
                        if diffText == bigPatch.diffs[0].text {
                            bigPatch.diffs.removeFirst()
                        } else {
                            bigPatch.diffs[0].text.removeFirst(diffText.count)
                        }
                    }
                }
                precontext = Units(targetText(patch.diffs).suffix(patchMargin))
                let postcontext = Units(sourceText(bigPatch.diffs).prefix(patchMargin))
                if !postcontext.isEmpty {
                    patch.length1 += postcontext.count
                    patch.length2 += postcontext.count
                    if let lastDiff = patch.diffs.last, lastDiff.operation == .equal {
                        patch.diffs[patch.diffs.count - 1].text += postcontext
                    } else {
                        patch.diffs.append(Diff(.equal, postcontext))
                    }
                }
                if !empty {
                    x += 1
                    patches.insert(patch, at: x)
                }
            }
            x += 1
        }
    }

    /// `adjustIndiciesToUcs2` of @sanity/diff-match-patch with `allowExceedingIndices: true` (as
    /// Sanity's editors call it): header offsets are UTF-8 bytes into `base`; walk `base` once,
    /// in hunk order, to find the UTF-16 offsets. An offset inside a character rounds up to the next
    /// character, and one past the end stops at the end; the fuzzy matcher absorbs the difference.
    static func convertUTF8Offsets(_ hunks: inout [Hunk], in base: Units) {
        var byteOffset = 0
        var index = 0
        func advance(to target: Int) -> Int {
            while byteOffset < target && index < base.count {
                let unit = base[index]
                if isHighSurrogate(unit), index + 1 < base.count, isLowSurrogate(base[index + 1]) {
                    byteOffset += 4
                    index += 2
                } else {
                    byteOffset += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3
                    index += 1
                }
            }
            return index
        }
        for position in hunks.indices {
            hunks[position].start1 = advance(to: hunks[position].start1)
            hunks[position].start2 = advance(to: hunks[position].start2)
        }
    }
}
