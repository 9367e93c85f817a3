// The Sanity fork's repair of diffs that cut a surrogate pair in half. Google's JavaScript diff works
// on code units, so "😀" -> "😁" (D83D DE00 -> D83D DE01) keeps D83D as an equality; such a diff cannot
// be written as patch text (encodeURI throws on half a character), so the fork moves the stray half
// into the neighbouring edits. Ported as written, including where it places new edits.

extension DiffMatchPatch {
    static func isHighSurrogate(_ unit: UInt16) -> Bool { (0xD800...0xDBFF).contains(unit) }
    static func isLowSurrogate(_ unit: UInt16) -> Bool { (0xDC00...0xDFFF).contains(unit) }

    /// Whether any diff text starts or ends inside a surrogate pair.
    static func splitsSurrogatePair(_ diffs: [Diff]) -> Bool {
        diffs.contains { diff in
            guard let first = diff.text.first, let last = diff.text.last else { return false }
            return isLowSurrogate(first) || isHighSurrogate(last)
        }
    }

    /// `adjustDiffForSurrogatePairs` of @sanity/diff-match-patch.
    static func adjustForSurrogatePairs(_ diffs: inout [Diff]) {
        var index = 0
        while index < diffs.count {
            let diff = diffs[index]
            if diff.operation == .equal, let first = diff.text.first, let last = diff.text.last {
                if isHighSurrogate(last) {
                    deisolateChar(&diffs, index, forward: true)
                }
                // The fork reads the first character before the forward pass changed the diff.
                if isLowSurrogate(first) {
                    deisolateChar(&diffs, index, forward: false)
                }
            }
            index += 1
        }
        // As in the fork, an empty diff directly after a removed one is skipped over, not removed.
        index = 0
        while index < diffs.count {
            if diffs[index].text.isEmpty {
                diffs.remove(at: index)
            }
            index += 1
        }
    }

    /// Moves the last (forward) or first (backward) code unit of the equality at `index` into the
    /// nearest insertion and deletion in that direction, creating them when missing.
    private static func deisolateChar(_ diffs: inout [Diff], _ index: Int, forward: Bool) {
        let step = forward ? 1 : -1
        var insertIndex: Int?
        var deleteIndex: Int?
        var j = index + step
        while j >= 0 && j < diffs.count && (insertIndex == nil || deleteIndex == nil) {
            let candidate = diffs[j]
            if candidate.text.isEmpty {
                j += step
                continue
            }
            switch candidate.operation {
            case .insert:
                if insertIndex == nil { insertIndex = j }
                j += step
                continue
            case .delete:
                if deleteIndex == nil { deleteIndex = j }
                j += step
                continue
            case .equal:
                if insertIndex == nil && deleteIndex == nil {
                    // Two equalities in a row: hand the character straight over.
                    guard let char = takeChar(&diffs[index].text, fromEnd: forward) else { return }
                    putChar(char, into: &diffs[j].text, atEnd: !forward)
                    return
                }
            }
            break
        }

        if let insertAt = insertIndex, let deleteAt = deleteIndex,
           sharedChar(diffs[insertAt].text, diffs[deleteAt].text, atEnd: forward) {
            // Both edits begin (or end) with the same unit: pull it into the equality instead.
            guard let char = takeChar(&diffs[insertAt].text, fromEnd: !forward) else { return }
            _ = takeChar(&diffs[deleteAt].text, fromEnd: !forward)
            putChar(char, into: &diffs[index].text, atEnd: forward)
            return
        }

        guard let char = takeChar(&diffs[index].text, fromEnd: forward) else { return }
        // The fork splices at `j`; JavaScript would read -1 as "before the last element", a case that
        // valid text cannot reach, so it is clamped here.
        let spliceAt = max(0, min(j, diffs.count))
        if let insertAt = insertIndex {
            putChar(char, into: &diffs[insertAt].text, atEnd: !forward)
        } else {
            diffs.insert(Diff(.insert, [char]), at: spliceAt)
            if let deleteAt = deleteIndex, deleteAt >= spliceAt { deleteIndex = deleteAt + 1 }
        }
        if let deleteAt = deleteIndex {
            putChar(char, into: &diffs[deleteAt].text, atEnd: !forward)
        } else {
            diffs.insert(Diff(.delete, [char]), at: spliceAt)
        }
    }

    private static func takeChar(_ text: inout Units, fromEnd: Bool) -> UInt16? {
        if text.isEmpty { return nil }
        return fromEnd ? text.removeLast() : text.removeFirst()
    }

    private static func putChar(_ char: UInt16, into text: inout Units, atEnd: Bool) {
        if atEnd { text.append(char) } else { text.insert(char, at: 0) }
    }

    private static func sharedChar(_ one: Units, _ two: Units, atEnd: Bool) -> Bool {
        atEnd ? one.last == two.last : one.first == two.first
    }
}
