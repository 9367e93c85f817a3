// diff_cleanupMerge, diff_cleanupSemantic, diff_cleanupSemanticLossless and diff_cleanupEfficiency,
// ported statement by statement: their exact output decides the hunks a patch is made of, and
// cleanupSemanticLossless also decides where an imperfectly matched hunk lands.

extension DiffMatchPatch {
    /// The library's `Diff_EditCost`.
    static let diffEditCost = 4

    /// `diff_cleanupMerge`: joins neighbouring edits of one kind, factors common affixes out of
    /// delete/insert pairs, and slides single edits over equalities to merge them.
    static func cleanupMerge(_ diffs: inout [Diff]) {
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
                pointer += 1
            case .delete:
                countDelete += 1
                textDelete += diffs[pointer].text
                pointer += 1
            case .equal:
                if countDelete + countInsert > 1 {
                    if countDelete != 0 && countInsert != 0 {
                        var common = commonPrefix(textInsert, textDelete)
                        if common != 0 {
                            let before = pointer - countDelete - countInsert
                            if before > 0 && diffs[before - 1].operation == .equal {
                                diffs[before - 1].text += textInsert[..<common]
                            } else {
                                diffs.insert(Diff(.equal, Units(textInsert[..<common])), at: 0)
                                pointer += 1
                            }
                            textInsert.removeFirst(common)
                            textDelete.removeFirst(common)
                        }
                        common = commonSuffix(textInsert, textDelete)
                        if common != 0 {
                            diffs[pointer].text = Units(textInsert[(textInsert.count - common)...]) + diffs[pointer].text
                            textInsert.removeLast(common)
                            textDelete.removeLast(common)
                        }
                    }
                    pointer -= countDelete + countInsert
                    diffs.removeSubrange(pointer..<(pointer + countDelete + countInsert))
                    if !textDelete.isEmpty {
                        diffs.insert(Diff(.delete, textDelete), at: pointer)
                        pointer += 1
                    }
                    if !textInsert.isEmpty {
                        diffs.insert(Diff(.insert, textInsert), at: pointer)
                        pointer += 1
                    }
                    pointer += 1
                } else if pointer != 0 && diffs[pointer - 1].operation == .equal {
                    diffs[pointer - 1].text += diffs[pointer].text
                    diffs.remove(at: pointer)
                } else {
                    pointer += 1
                }
                countInsert = 0
                countDelete = 0
                textDelete = []
                textInsert = []
            }
        }
        if let last = diffs.last, last.text.isEmpty {
            diffs.removeLast()
        }

        // Second pass: A<ins>BA</ins>C -> <ins>AB</ins>AC.
        var changes = false
        pointer = 1
        while pointer < diffs.count - 1 {
            if diffs[pointer - 1].operation == .equal && diffs[pointer + 1].operation == .equal {
                let previous = diffs[pointer - 1].text
                let edit = diffs[pointer].text
                let next = diffs[pointer + 1].text
                if substring(edit, edit.count - previous.count) == previous {
                    diffs[pointer].text = previous + substring(edit, 0, edit.count - previous.count)
                    diffs[pointer + 1].text = previous + next
                    diffs.remove(at: pointer - 1)
                    changes = true
                } else if substring(edit, 0, next.count) == next {
                    diffs[pointer - 1].text += next
                    diffs[pointer].text = substring(edit, next.count) + next
                    diffs.remove(at: pointer + 1)
                    changes = true
                }
            }
            pointer += 1
        }
        if changes {
            cleanupMerge(&diffs)
        }
    }

    /// `diff_cleanupSemantic`: removes equalities no longer than the edits around them, then
    /// extracts overlaps between a deletion and the insertion after it.
    static func cleanupSemantic(_ diffs: inout [Diff]) {
        var changes = false
        var equalities = EqualityStack()
        var lastEquality: Units?
        var pointer = 0
        var lengthInsertions1 = 0, lengthDeletions1 = 0
        var lengthInsertions2 = 0, lengthDeletions2 = 0
        while pointer < diffs.count {
            if diffs[pointer].operation == .equal {
                equalities.push(pointer)
                lengthInsertions1 = lengthInsertions2
                lengthDeletions1 = lengthDeletions2
                lengthInsertions2 = 0
                lengthDeletions2 = 0
                lastEquality = diffs[pointer].text
            } else {
                if diffs[pointer].operation == .insert {
                    lengthInsertions2 += diffs[pointer].text.count
                } else {
                    lengthDeletions2 += diffs[pointer].text.count
                }
                // `lastEquality &&` in JavaScript: an empty string counts as absent.
                if let equality = lastEquality, !equality.isEmpty,
                   equality.count <= max(lengthInsertions1, lengthDeletions1),
                   equality.count <= max(lengthInsertions2, lengthDeletions2) {
                    let position = equalities.top
                    diffs.insert(Diff(.delete, equality), at: position)
                    diffs[position + 1].operation = .insert
                    equalities.length -= 2
                    pointer = equalities.length > 0 ? equalities.top : -1
                    lengthInsertions1 = 0
                    lengthDeletions1 = 0
                    lengthInsertions2 = 0
                    lengthDeletions2 = 0
                    lastEquality = nil
                    changes = true
                }
            }
            pointer += 1
        }

        if changes {
            cleanupMerge(&diffs)
        }
        cleanupSemanticLossless(&diffs)

        // <del>abcxxx</del><ins>xxxdef</ins> -> <del>abc</del>xxx<ins>def</ins>, and the reverse.
        pointer = 1
        while pointer < diffs.count {
            if diffs[pointer - 1].operation == .delete && diffs[pointer].operation == .insert {
                let deletion = diffs[pointer - 1].text
                let insertion = diffs[pointer].text
                let overlap1 = commonOverlap(deletion, insertion)
                let overlap2 = commonOverlap(insertion, deletion)
                // JavaScript divides in floating point here: 5 / 2 is 2.5, not 2.
                let halfDeletion = Double(deletion.count) / 2
                let halfInsertion = Double(insertion.count) / 2
                if overlap1 >= overlap2 {
                    if Double(overlap1) >= halfDeletion || Double(overlap1) >= halfInsertion {
                        diffs.insert(Diff(.equal, Units(insertion[..<overlap1])), at: pointer)
                        diffs[pointer - 1].text = Units(deletion[..<(deletion.count - overlap1)])
                        diffs[pointer + 1].text = Units(insertion[overlap1...])
                        pointer += 1
                    }
                } else if Double(overlap2) >= halfDeletion || Double(overlap2) >= halfInsertion {
                    diffs.insert(Diff(.equal, Units(deletion[..<overlap2])), at: pointer)
                    diffs[pointer - 1] = Diff(.insert, Units(insertion[..<(insertion.count - overlap2)]))
                    diffs[pointer + 1] = Diff(.delete, Units(deletion[overlap2...]))
                    pointer += 1
                }
                pointer += 1
            }
            pointer += 1
        }
    }

    /// The library's stack of equality indices, kept with its JavaScript quirk: the length can go
    /// negative (it is decremented twice after eliminating the first equality) and later pushes then
    /// land on negative "indices". Modelling it exactly keeps where the rescans restart identical.
    private struct EqualityStack {
        var storage: [Int: Int] = [:]
        var length = 0

        mutating func push(_ index: Int) {
            storage[length] = index
            length += 1
        }

        /// `equalities[equalitiesLength - 1]`; a hole reads as `undefined`, which `splice` treats as 0.
        var top: Int { storage[length - 1] ?? 0 }
    }

    /// `diff_cleanupSemanticLossless`: slides single edits sideways onto word and line boundaries.
    static func cleanupSemanticLossless(_ diffs: inout [Diff]) {
        var pointer = 1
        while pointer < diffs.count - 1 {
            if diffs[pointer - 1].operation == .equal && diffs[pointer + 1].operation == .equal {
                var equality1 = diffs[pointer - 1].text
                var edit = diffs[pointer].text
                var equality2 = diffs[pointer + 1].text

                let commonOffset = commonSuffix(equality1, edit)
                if commonOffset > 0 {
                    let common = Units(edit[(edit.count - commonOffset)...])
                    equality1.removeLast(commonOffset)
                    edit = common + edit[..<(edit.count - commonOffset)]
                    equality2 = common + equality2
                }

                var bestEquality1 = equality1
                var bestEdit = edit
                var bestEquality2 = equality2
                var bestScore = semanticScore(equality1, edit) + semanticScore(edit, equality2)
                while let first = edit.first, first == equality2.first {
                    equality1.append(first)
                    edit.removeFirst()
                    edit.append(equality2.removeFirst())
                    let score = semanticScore(equality1, edit) + semanticScore(edit, equality2)
                    // >= prefers trailing rather than leading whitespace on edits.
                    if score >= bestScore {
                        bestScore = score
                        bestEquality1 = equality1
                        bestEdit = edit
                        bestEquality2 = equality2
                    }
                }

                if diffs[pointer - 1].text != bestEquality1 {
                    if !bestEquality1.isEmpty {
                        diffs[pointer - 1].text = bestEquality1
                    } else {
                        diffs.remove(at: pointer - 1)
                        pointer -= 1
                    }
                    diffs[pointer].text = bestEdit
                    if !bestEquality2.isEmpty {
                        diffs[pointer + 1].text = bestEquality2
                    } else {
                        diffs.remove(at: pointer + 1)
                        pointer -= 1
                    }
                }
            }
            pointer += 1
        }
    }

    /// `diff_cleanupSemanticScore_`: 6 (edge) down to 0 (mid-word) for a boundary between two texts,
    /// using JavaScript's regular-expression classes on single UTF-16 code units.
    private static func semanticScore(_ one: Units, _ two: Units) -> Int {
        guard let char1 = one.last, let char2 = two.first else { return 6 }
        let nonAlphaNumeric1 = !isASCIIAlphaNumeric(char1)
        let nonAlphaNumeric2 = !isASCIIAlphaNumeric(char2)
        let whitespace1 = nonAlphaNumeric1 && isJavaScriptWhitespace(char1)
        let whitespace2 = nonAlphaNumeric2 && isJavaScriptWhitespace(char2)
        let lineBreak1 = whitespace1 && (char1 == 13 || char1 == 10)
        let lineBreak2 = whitespace2 && (char2 == 13 || char2 == 10)
        let blankLine1 = lineBreak1 && (one.suffix(2) == [10, 10] || one.suffix(3) == [10, 13, 10])
        let blankLine2 = lineBreak2 && (two.prefix(2) == [10, 10] || two.prefix(3) == [13, 10, 10]
            || two.prefix(3) == [10, 13, 10] || two.prefix(4) == [13, 10, 13, 10])
        if blankLine1 || blankLine2 { return 5 }
        if lineBreak1 || lineBreak2 { return 4 }
        if nonAlphaNumeric1 && !whitespace1 && whitespace2 { return 3 }
        if whitespace1 || whitespace2 { return 2 }
        if nonAlphaNumeric1 || nonAlphaNumeric2 { return 1 }
        return 0
    }

    private static func isASCIIAlphaNumeric(_ unit: UInt16) -> Bool {
        (48...57).contains(unit) || (65...90).contains(unit) || (97...122).contains(unit)
    }

    /// JavaScript's `\s`: ECMAScript WhiteSpace and LineTerminator code points.
    private static func isJavaScriptWhitespace(_ unit: UInt16) -> Bool {
        switch unit {
        case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
            true
        default:
            false
        }
    }

    /// `diff_cleanupEfficiency`: removes short equalities that cost more to keep than to re-edit.
    static func cleanupEfficiency(_ diffs: inout [Diff]) {
        var changes = false
        var equalities = EqualityStack()
        var lastEquality: Units?
        var pointer = 0
        var preInsert = false, preDelete = false, postInsert = false, postDelete = false
        while pointer < diffs.count {
            if diffs[pointer].operation == .equal {
                if diffs[pointer].text.count < diffEditCost && (postInsert || postDelete) {
                    equalities.push(pointer)
                    preInsert = postInsert
                    preDelete = postDelete
                    lastEquality = diffs[pointer].text
                } else {
                    equalities.length = 0
                    lastEquality = nil
                }
                postInsert = false
                postDelete = false
            } else {
                if diffs[pointer].operation == .delete {
                    postDelete = true
                } else {
                    postInsert = true
                }
                let flags = [preInsert, preDelete, postInsert, postDelete].filter { $0 }.count
                if let equality = lastEquality, !equality.isEmpty,
                   (preInsert && preDelete && postInsert && postDelete)
                    || (Double(equality.count) < Double(diffEditCost) / 2 && flags == 3) {
                    let position = equalities.top
                    diffs.insert(Diff(.delete, equality), at: position)
                    diffs[position + 1].operation = .insert
                    equalities.length -= 1
                    lastEquality = nil
                    if preInsert && preDelete {
                        postInsert = true
                        postDelete = true
                        equalities.length = 0
                    } else {
                        equalities.length -= 1
                        pointer = equalities.length > 0 ? equalities.top : -1
                        postInsert = false
                        postDelete = false
                    }
                    changes = true
                }
            }
            pointer += 1
        }
        if changes {
            cleanupMerge(&diffs)
        }
    }

    /// `diff_xIndex`: the position in the new text that `location` in the old text maps to.
    static func xIndex(_ diffs: [Diff], _ location: Int) -> Int {
        var chars1 = 0, chars2 = 0, lastChars1 = 0, lastChars2 = 0
        var index = 0
        while index < diffs.count {
            if diffs[index].operation != .insert { chars1 += diffs[index].text.count }
            if diffs[index].operation != .delete { chars2 += diffs[index].text.count }
            if chars1 > location { break }
            lastChars1 = chars1
            lastChars2 = chars2
            index += 1
        }
        if index != diffs.count && diffs[index].operation == .delete {
            return lastChars2
        }
        return lastChars2 + (location - lastChars1)
    }

    /// `diff_levenshtein`: inserted, deleted or substituted code units.
    static func levenshtein(_ diffs: [Diff]) -> Int {
        var distance = 0, insertions = 0, deletions = 0
        for diff in diffs {
            switch diff.operation {
            case .insert: insertions += diff.text.count
            case .delete: deletions += diff.text.count
            case .equal:
                distance += max(insertions, deletions)
                insertions = 0
                deletions = 0
            }
        }
        return distance + max(insertions, deletions)
    }

    /// `diff_text1`: the old text (equalities and deletions).
    static func sourceText(_ diffs: [Diff]) -> Units {
        diffs.filter { $0.operation != .insert }.flatMap(\.text)
    }

    /// `diff_text2`: the new text (equalities and insertions).
    static func targetText(_ diffs: [Diff]) -> Units {
        diffs.filter { $0.operation != .delete }.flatMap(\.text)
    }
}
