// The patch text format: patch_fromText and patch_toText (patch_obj.toString), in both dialects,
// Google's (header numbers in UTF-16 code units) and Sanity's (header numbers in UTF-8 bytes).

extension DiffMatchPatch {
    /// One hunk (`patch_obj`). `start`/`length` are UTF-16 code units, the coordinates the algorithms
    /// run in; `header*` are the numbers as the header writes them, which differ in the UTF-8 dialect.
    struct Hunk: Sendable {
        var diffs: [Diff] = []
        var start1 = 0
        var start2 = 0
        var length1 = 0
        var length2 = 0
        var headerStart1 = 0
        var headerStart2 = 0
        var headerLength1 = 0
        var headerLength2 = 0
        /// Index of the hunk in the patch text; pieces made by splitMax keep it so a failure can be
        /// reported against the hunk the sender wrote.
        var origin = 0
    }

    /// Where a parsed hunk came from, for error messages.
    struct HunkSource: Sendable {
        var header: String
        var line: Int
    }

    /// `patch_fromText`, plus the Sanity fork's conversion of UTF-8 lengths to UTF-16 ones.
    static func parse(_ patchText: String, units: OffsetUnit) throws(DiffMatchPatchError) -> (hunks: [Hunk], sources: [HunkSource]) {
        if patchText.isEmpty { return ([], []) }
        // Split on U+000A scalars like JavaScript's split('\n'); splitting Characters would keep "\r\n"
        // together and would glue combining marks onto a line's leading sign.
        let lines = patchText.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map(Substring.init)
        var hunks: [Hunk] = []
        var sources: [HunkSource] = []
        var pointer = 0
        while pointer < lines.count {
            let headerLine = lines[pointer]
            guard let header = parseHeader(headerLine) else {
                throw .malformedHeader(line: pointer + 1, text: headerLine)
            }
            var hunk = Hunk()
            hunk.origin = hunks.count
            (hunk.headerStart1, hunk.headerLength1) = header.old
            (hunk.headerStart2, hunk.headerLength2) = header.new
            hunk.start1 = hunk.headerStart1
            hunk.start2 = hunk.headerStart2
            hunk.length1 = hunk.headerLength1
            hunk.length2 = hunk.headerLength2
            let source = HunkSource(header: String(headerLine), line: pointer + 1)
            pointer += 1

            while pointer < lines.count {
                let line = lines[pointer]
                guard let sign = line.unicodeScalars.first else {
                    pointer += 1
                    continue
                }
                if sign == "@" { break }
                let operation: Operation
                switch sign {
                case "-": operation = .delete
                case "+": operation = .insert
                case " ": operation = .equal
                default:
                    throw .invalidLine(hunk: hunks.count + 1, line: pointer + 1, header: source.header, text: line)
                }
                let text: Units
                do {
                    text = try decodeURI(Substring(line.unicodeScalars.dropFirst()))
                } catch {
                    throw .malformedEscape(hunk: hunks.count + 1, line: pointer + 1, header: source.header, reason: error.reason)
                }
                hunk.diffs.append(Diff(operation, text))
                if units == .utf8 {
                    // The header counted this line in (the fork's) UTF-8 bytes; the algorithms need code units.
                    let excess = sanityUTF8Count(text) - text.count
                    if operation != .insert { hunk.length1 -= excess }
                    if operation != .delete { hunk.length2 -= excess }
                }
                pointer += 1
            }
            hunks.append(hunk)
            sources.append(source)
        }
        return (hunks, sources)
    }

    /// `^@@ -(\d+),?(\d*) \+(\d+),?(\d*) @@$` and the library's reading of the four groups.
    private static func parseHeader(_ line: Substring) -> (old: (Int, Int), new: (Int, Int))? {
        var rest = line.utf8[...]
        func expect(_ literal: String) -> Bool {
            let bytes = literal.utf8
            guard rest.starts(with: bytes) else { return false }
            rest = rest.dropFirst(bytes.count)
            return true
        }
        func digits() -> Substring.UTF8View.SubSequence {
            let run = rest.prefix { (0x30...0x39).contains($0) }
            rest = rest.dropFirst(run.count)
            return run
        }
        func coordinates() -> (Int, Int)? {
            let start = digits()
            guard !start.isEmpty else { return nil }
            _ = expect(",")
            let length = digits()
            // No JavaScript string reaches 2^40 units; refusing larger numbers keeps the offset
            // arithmetic in apply far from overflow.
            guard let startValue = Int(String(decoding: start, as: UTF8.self)), startValue < 1 << 40 else { return nil }
            if length.isEmpty { return (startValue - 1, 1) }
            let lengthText = String(decoding: length, as: UTF8.self)
            if lengthText == "0" { return (startValue, 0) }
            guard let lengthValue = Int(lengthText), lengthValue < 1 << 40 else { return nil }
            return (startValue - 1, lengthValue)
        }
        guard expect("@@ -"), let old = coordinates(), expect(" +"), let new = coordinates(), expect(" @@"), rest.isEmpty
        else { return nil }
        return (old, new)
    }

    /// `patch_toText`: the hunks as text, header numbers in the chosen unit.
    static func toText(_ hunks: [Hunk], units: OffsetUnit) -> String {
        var output = ""
        for hunk in hunks {
            let old = units == .utf8 ? (hunk.headerStart1, hunk.headerLength1) : (hunk.start1, hunk.length1)
            let new = units == .utf8 ? (hunk.headerStart2, hunk.headerLength2) : (hunk.start2, hunk.length2)
            output += "@@ -\(coordinates(old.0, old.1)) +\(coordinates(new.0, new.1)) @@\n"
            for diff in hunk.diffs {
                switch diff.operation {
                case .insert: output += "+"
                case .delete: output += "-"
                case .equal: output += " "
                }
                output += encodeLine(diff.text)
                output += "\n"
            }
        }
        return output
    }

    /// Headers are 1-based, except that an empty range names the position before it.
    private static func coordinates(_ start: Int, _ length: Int) -> String {
        switch length {
        case 0: "\(start),0"
        case 1: "\(start + 1)"
        default: "\(start + 1),\(length)"
        }
    }

    /// `countUtf8Bytes` of @sanity/diff-match-patch, quirk included: it visits every UTF-16 index, so
    /// a character outside the BMP counts 4 bytes for its high surrogate and 3 more for its low one.
    /// Sanity's clients write and read header lengths with it, so matching them means copying it.
    static func sanityUTF8Count(_ text: Units) -> Int {
        var bytes = 0
        for index in text.indices {
            let unit = text[index]
            if isHighSurrogate(unit), index + 1 < text.count, isLowSurrogate(text[index + 1]) {
                bytes += 4
            } else {
                bytes += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3
            }
        }
        return bytes
    }
}
