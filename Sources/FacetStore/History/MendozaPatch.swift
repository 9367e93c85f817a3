import GROQ
import OrderedCollections

/// A change from one JSON value to another in Sanity's Mendoza format: what the history API's
/// `effectFormat=mendoza` puts in a transaction's `effects` (`{"apply": …, "revert": …}` per
/// document) and what Sanity's studio applies to step through a document's revisions.
///
/// A patch is a program in one flat JSON array, each opcode followed by its operands, run by a
/// machine with an input stack (walking the old value) and an output stack (building the new
/// one), both starting at the old value; the empty patch leaves the value as it is. The opcodes
/// are those of Sanity's `mendoza` specification (`docs/format.adoc`, as its Go and JavaScript
/// decoders read them), see ``Opcode``.
///
/// The encoder is not minimal but never repeats what is unchanged:
/// - objects are edited in place, so unchanged fields are kept by reference (nothing is written
///   for them); removed fields are deleted, changed containers entered and edited, other new
///   values set;
/// - arrays are rebuilt from slices of the old array (elements found unchanged, in order or not)
///   and new values, and an element object whose `_key` (or position) matches an old one is
///   entered and edited rather than repeated;
/// - a long string keeps its unchanged beginning and end as slices of the old one;
/// - anything else, and any value sharing nothing with the old one, is written whole.
///
/// A document that did not exist is `null`: creation applies `[0, <document>]` and deletion
/// `[0, null]`, which is how Sanity's studio tells the two apart.
///
/// ```swift
/// let effect = MendozaPatch.effect(from: previous, to: current)   // {"apply": […], "revert": […]}
/// let next = try MendozaPatch.apply(effect["apply"]!, to: previous ?? .null)
/// ```
public enum MendozaPatch {
    /// The operations of the format, numbered as the specification numbers them. Composite
    /// operations are shorthands for two to four primitive ones.
    public enum Opcode: Int, Sendable, CaseIterable {
        /// `value`: pushes `value` onto the output stack.
        case value = 0
        /// Pushes the input value onto the output stack.
        case copy
        /// Pushes an empty value (an object, array or string once written to).
        case blank
        /// Pops the output value and appends it to the array below it.
        case returnIntoArray
        /// `key`: pops the output value and stores it at `key` in the object below it.
        case returnIntoObject
        /// Like ``returnIntoObject`` under the key the input value was pushed from.
        case returnIntoObjectSameKey
        /// `index`: pushes the field that is `index`th in the sorted keys of the input object.
        case pushField
        /// `index`: pushes an element of the input array.
        case pushElement
        /// `n`: pushes an earlier input value again (0 is the parent).
        case pushParent
        /// Pops the input stack.
        case pop
        case pushFieldCopy, pushFieldBlank, pushElementCopy, pushElementBlank
        case returnIntoObjectPop, returnIntoObjectSameKeyPop, returnIntoArrayPop
        /// `value`, `key`: sets a field of the output object.
        case objectSetFieldValue
        /// `index`: copies a field of the input object into the output object.
        case objectCopyField
        /// `index`: deletes a field (by its place in the input's sorted keys) from the output object.
        case objectDeleteField
        /// `value`: appends to the output array.
        case arrayAppendValue
        /// `left`, `right`: appends the input array's elements `left..<right`.
        case arrayAppendSlice
        /// `string`: appends to the output string.
        case stringAppendString
        /// `left`, `right`: appends the input string's UTF-8 bytes `left..<right`.
        case stringAppendSlice

        var json: JSONValue { .number(Double(rawValue)) }
    }

    /// The patch that turns `before` into `after` (a JSON array of opcodes and operands).
    public static func patch(from before: JSONValue, to after: JSONValue) -> JSONValue {
        var ops: [JSONValue] = []
        switch change(from: before, to: after) {
        case .same: break
        case .replace(let value): ops = [Opcode.value.json, value]
        case .edit(let edits): ops = edits
        case .rebuild(let parts): ops = [Opcode.blank.json] + parts
        }
        return .array(ops)
    }

    /// Sanity's effect pair for one document: `{"apply": patch(before → after), "revert":
    /// patch(after → before)}`, `nil` standing for a document that did not exist.
    public static func effect(from before: JSONValue?, to after: JSONValue?) -> JSONValue {
        let (old, new) = (before ?? .null, after ?? .null)
        return ["apply": patch(from: old, to: new), "revert": patch(from: new, to: old)]
    }

    /// Strings shorter than this in their unchanged beginning and end are written whole: slices
    /// would cost about as much as the text they keep.
    static let shortestKeptText = 24

    /// How one value becomes another, in the place where it sits.
    private enum Change {
        case same
        /// Write the new value whole.
        case replace(JSONValue)
        /// Operations on a copy of the old object (entered with `…Copy`).
        case edit([JSONValue])
        /// Operations filling an empty array or string (entered with `…Blank`).
        case rebuild([JSONValue])
    }

    private static func change(from before: JSONValue, to after: JSONValue) -> Change {
        if before == after, sameSpelling(before, after) { return .same }
        switch (before, after) {
        case (.object(let old), .object(let new)): return objectChange(from: old, to: new)
        case (.array(let old), .array(let new)): return arrayChange(from: old, to: new)
        case (.string(let old), .string(let new)): return stringChange(from: old, to: new)
        default: return .replace(after)
        }
    }

    /// JSON equality compares strings as Swift does (canonically equivalent strings are equal);
    /// a patch must reproduce the exact characters, so two strings are the same only byte for byte.
    private static func sameSpelling(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
        case (.array(let x), .array(let y)): return zip(x, y).allSatisfy(sameSpelling)
        case (.object(let x), .object(let y)):
            return x.allSatisfy { key, value in y[key].map { sameSpelling(value, $0) } ?? false }
        default: return true
        }
    }

    private static func objectChange(from old: JSONObject, to new: JSONObject) -> Change {
        let index = fieldIndexes(of: old)
        var ops: [JSONValue] = []
        var kept = 0
        for key in old.keys where new[key] == nil {
            ops += [Opcode.objectDeleteField.json, .number(Double(index[key]!))]
        }
        for (key, value) in new {
            guard let previous = old[key] else {
                ops += [Opcode.objectSetFieldValue.json, value, .string(key)]
                continue
            }
            switch change(from: previous, to: value) {
            case .same:
                kept += 1
            case .replace(let value):
                ops += [Opcode.objectSetFieldValue.json, value, .string(key)]
            case .edit(let edits):
                kept += 1
                ops += [Opcode.pushFieldCopy.json, .number(Double(index[key]!))] + edits + [Opcode.returnIntoObjectSameKeyPop.json]
            case .rebuild(let parts):
                kept += 1
                ops += [Opcode.pushFieldBlank.json, .number(Double(index[key]!))] + parts + [Opcode.returnIntoObjectSameKeyPop.json]
            }
        }
        return kept == 0 ? .replace(.object(new)) : .edit(ops)
    }

    /// Each key's place among the object's keys sorted by their UTF-8 bytes (as the reference
    /// decoder sorts them; the key indexes of ``Opcode/pushField`` and the like count in it).
    static func fieldIndexes(of object: JSONObject) -> [String: Int] {
        let sorted = sortedKeys(of: object)
        return Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, $0) })
    }

    static func sortedKeys(of object: JSONObject) -> [String] {
        object.keys.sorted { $0.utf8Precedes($1) }
    }

    private static func arrayChange(from old: [JSONValue], to new: [JSONValue]) -> Change {
        guard !new.isEmpty else { return .replace(.array([])) }
        var firstIndex: [JSONValue: Int] = [:]
        var byKey: [String: Int] = [:]
        for (index, element) in old.enumerated().reversed() {
            firstIndex[element] = index
            if let key = element["_key"]?.stringValue { byKey[key] = index }
        }
        var ops: [JSONValue] = []
        var kept = 0
        var slice: Range<Int>?
        func flush() {
            guard let range = slice else { return }
            ops += [Opcode.arrayAppendSlice.json, .number(Double(range.lowerBound)), .number(Double(range.upperBound))]
            slice = nil
        }
        // Where the next element most likely comes from: just after the last one taken.
        var next = 0
        for element in new {
            let found = next < old.count && old[next] == element && sameSpelling(old[next], element)
                ? next : firstIndex[element].flatMap { sameSpelling(old[$0], element) ? $0 : nil }
            if let found {
                kept += 1
                if let range = slice, range.upperBound == found {
                    slice = range.lowerBound ..< found + 1
                } else {
                    flush()
                    slice = found ..< found + 1
                }
                next = found + 1
                continue
            }
            flush()
            let counterpart = element["_key"]?.stringValue.flatMap { byKey[$0] } ?? (next < old.count ? next : nil)
            if let source = counterpart, case .edit(let edits)? = objectEdit(from: old[source], to: element) {
                kept += 1
                ops += [Opcode.pushElementCopy.json, .number(Double(source))] + edits + [Opcode.returnIntoArrayPop.json]
                next = source + 1
                continue
            }
            ops += [Opcode.arrayAppendValue.json, element]
        }
        flush()
        return kept == 0 ? .replace(.array(new)) : .rebuild(ops)
    }

    /// An element object edited from its counterpart, when both are objects sharing something.
    private static func objectEdit(from old: JSONValue, to new: JSONValue) -> Change? {
        guard case .object(let a) = old, case .object(let b) = new else { return nil }
        return objectChange(from: a, to: b)
    }

    private static func stringChange(from old: String, to new: String) -> Change {
        let a = Array(old.unicodeScalars), b = Array(new.unicodeScalars)
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let bytes = { (scalars: ArraySlice<Unicode.Scalar>) in scalars.reduce(0) { $0 + UTF8.width($1) } }
        let prefixBytes = bytes(a[..<prefix]), suffixBytes = bytes(a[(a.count - suffix)...])
        guard prefixBytes + suffixBytes >= shortestKeptText else { return .replace(.string(new)) }
        let total = old.utf8.count
        var ops: [JSONValue] = []
        if prefixBytes > 0 { ops += [Opcode.stringAppendSlice.json, 0, .number(Double(prefixBytes))] }
        let middle = b[prefix ..< b.count - suffix]
        if !middle.isEmpty {
            var text = ""
            text.unicodeScalars.append(contentsOf: middle)
            ops += [Opcode.stringAppendString.json, .string(text)]
        }
        if suffixBytes > 0 { ops += [Opcode.stringAppendSlice.json, .number(Double(total - suffixBytes)), .number(Double(total))] }
        return .rebuild(ops)
    }
}
