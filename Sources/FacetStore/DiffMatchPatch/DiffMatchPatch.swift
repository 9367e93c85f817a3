/// Google's diff-match-patch as Sanity uses it for the `diffMatchPatch` patch operation:
/// applying a patch in the library's text format to a string, and making such a patch.
///
/// A patch is a list of hunks, each a header and `+`/`-`/space lines whose text is escaped with
/// JavaScript's `encodeURI`:
///
/// ```
/// @@ -8,9 +8,12 @@
///  lir 
/// -g%C3%B8y
/// +%C3%A6kkelt
///  .
/// ```
///
/// Application is fuzzy, exactly as in the library: each hunk's context is searched for near the
/// position its header gives (Bitap, threshold 0.5, distance 1000), so a hunk still applies when the
/// text moved or changed a little around it. Facet is stricter than the library about the outcome:
/// when any hunk cannot be placed, nothing is applied and an error names the hunk.
///
/// The algorithms count UTF-16 code units, as JavaScript strings do. The numbers in hunk headers
/// are, by default, in the unit Sanity's Content Lake and `@sanity/diff-match-patch` (v3, used by
/// Sanity Studio and Sanity's client libraries) use, UTF-8 bytes; ``OffsetUnit/utf16`` reads and
/// writes the original Google library's UTF-16 headers instead. For ASCII text the two agree.
public enum DiffMatchPatch {
    /// The unit in which the numbers of a hunk header (`@@ -start,length +start,length @@`) count.
    public enum OffsetUnit: Sendable, Equatable {
        /// UTF-8 bytes, as Sanity writes and reads patches (`@sanity/diff-match-patch` ≥ 1.0).
        ///
        /// Copies that library's way of counting: a character outside the Basic Multilingual Plane
        /// (most emoji) counts 7 bytes in the headers it writes and in the lengths it reads, but 4
        /// when it turns a header's start offset into a position. Patches from a library that counts
        /// bytes strictly still apply, since header numbers only seed the fuzzy search.
        case utf8
        /// UTF-16 code units, as the original google/diff-match-patch JavaScript library writes them.
        case utf16
    }

    /// Applies a patch in diff-match-patch's text format (`@@ -a,b +c,d @@` hunks, %-encoded lines)
    /// to `text`, reading header numbers as Sanity does (UTF-8 bytes, see ``OffsetUnit/utf8``).
    ///
    /// Throws when the patch text is malformed or a hunk cannot be placed.
    public static func apply(_ patchText: String, to text: String) throws(DiffMatchPatchError) -> String {
        try apply(patchText, to: text, offsets: .utf8)
    }

    /// Applies a patch in diff-match-patch's text format to `text`, reading header numbers in `offsets`.
    ///
    /// An empty patch returns `text` unchanged. Throws ``DiffMatchPatchError`` when the patch text is
    /// malformed, when any hunk's context cannot be found (``DiffMatchPatchError/Reason/hunkDidNotApply``,
    /// naming the first such hunk), or when the fuzzily placed hunks would cut a surrogate pair
    /// (``DiffMatchPatchError/Reason/splitsCharacter``): Swift strings cannot hold half a character,
    /// and replacing it with U+FFFD would silently change the document.
    public static func apply(_ patchText: String, to text: String, offsets: OffsetUnit) throws(DiffMatchPatchError) -> String {
        var (hunks, sources) = try parse(patchText, units: offsets)
        if hunks.isEmpty { return text }
        let base = Array(text.utf16)
        if offsets == .utf8 {
            convertUTF8Offsets(&hunks, in: base)
        }
        let (result, applied) = applyHunks(hunks, to: base, dialect: offsets)

        var failed: [Int] = []
        for outcome in applied where !outcome.ok && !failed.contains(outcome.origin) {
            failed.append(outcome.origin)
        }
        if let first = failed.first {
            let source = sources[first]
            let others = failed.count > 1 ? " (\(failed.count - 1) more of the \(sources.count) hunks failed too)" : ""
            throw DiffMatchPatchError(
                reason: .hunkDidNotApply, hunk: first + 1, line: source.line, header: source.header,
                message: "diffMatchPatch: hunk \(first + 1) of \(sources.count), `\(source.header)` (line \(source.line) "
                    + "of the patch), could not be applied: its context was not found near the expected place "
                    + "in the current text\(others). \(DiffMatchPatchError.remakeAdvice)")
        }

        if let split = firstUnpairedSurrogate(result) {
            throw DiffMatchPatchError(
                reason: .splitsCharacter,
                message: "diffMatchPatch: the patch applied only by cutting a character in two (a surrogate pair "
                    + "at UTF-16 offset \(split) of the result), which would corrupt the text. "
                    + DiffMatchPatchError.remakeAdvice)
        }
        return String(decoding: result, as: UTF16.self)
    }

    /// The patch text that turns `old` into `new` (diff_main + patch_make + patch_toText), as
    /// `@sanity/diff-match-patch` makes it: headers in UTF-8 bytes (``OffsetUnit/utf8``).
    public static func makePatch(from old: String, to new: String) -> String {
        makePatch(from: old, to: new, offsets: .utf8)
    }

    /// The patch text that turns `old` into `new`, with header numbers in `offsets`.
    ///
    /// Hunks are the JavaScript library's: `diff_main` with the half-match and line-mode speed-ups
    /// (and its one-second time limit, past which the diff is coarser but still correct), then
    /// `diff_cleanupSemantic` and `diff_cleanupEfficiency`, then 4 code units of context that grows
    /// until unique. As in the Sanity fork, no hunk boundary falls inside a surrogate pair (Google's
    /// library would throw `URIError` there). Returns the empty string when the texts are equal.
    public static func makePatch(from old: String, to new: String, offsets: OffsetUnit) -> String {
        toText(makeHunks(Array(old.utf16), Array(new.utf16), dialect: offsets), units: offsets)
    }

    private static func firstUnpairedSurrogate(_ text: Units) -> Int? {
        var index = 0
        while index < text.count {
            let unit = text[index]
            if isHighSurrogate(unit) {
                guard index + 1 < text.count, isLowSurrogate(text[index + 1]) else { return index }
                index += 2
            } else if isLowSurrogate(unit) {
                return index
            } else {
                index += 1
            }
        }
        return nil
    }
}
