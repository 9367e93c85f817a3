import GROQ
import OrderedCollections

extension MendozaPatch {
    /// `patch` run on `value`: the value it describes. Reads every opcode of the format (see
    /// ``Opcode``), not only those the encoder writes, so that it can check patches made
    /// elsewhere; a patch that does not fit `value` (an index out of range, a field pushed from
    /// a non-object) is an `invalid` error saying where it went wrong.
    public static func apply(_ patch: JSONValue, to value: JSONValue) throws(StoreError) -> JSONValue {
        guard case .array(let program) = patch else {
            throw StoreError.invalid("A Mendoza patch is a JSON array, found \(patch.serialized())",
                                     advice: "Pass the \"apply\" or \"revert\" array of an effect.")
        }
        var machine = MendozaMachine(root: value, program: program)
        return try machine.run()
    }
}

/// The decoder's state: the operations left to read, and the two stacks of the format.
private struct MendozaMachine {
    /// One value of the old document being walked, with the key it was pushed from.
    struct InputEntry {
        var value: JSONValue
        var key: String?
    }

    /// One value being produced: `written` once an operation wrote to it, else `source`
    /// (`nil` for a blank not yet written, which is `null` when returned).
    struct OutputEntry {
        var source: JSONValue?
        var written: JSONValue?
        var result: JSONValue { written ?? source ?? .null }
    }

    let program: [JSONValue]
    var position = 0
    var input: [InputEntry]
    var output: [OutputEntry]

    init(root: JSONValue, program: [JSONValue]) {
        self.program = program
        input = [InputEntry(value: root)]
        output = [OutputEntry(source: root)]
    }

    mutating func run() throws(StoreError) -> JSONValue {
        while position < program.count {
            let at = position
            let code = try unsigned()
            guard let opcode = MendozaPatch.Opcode(rawValue: code) else { throw failure(at, "unknown opcode \(code)") }
            try execute(opcode, at: at)
        }
        guard let last = output.last else { throw failure(program.count, "the output stack is empty at the end") }
        return last.result
    }

    private mutating func execute(_ opcode: MendozaPatch.Opcode, at: Int) throws(StoreError) {
        switch opcode {
        case .value: output.append(OutputEntry(source: try operand()))
        case .copy: output.append(OutputEntry(source: try top(at).value))
        case .blank: output.append(OutputEntry(source: nil))
        case .returnIntoArray: try returnIntoArray(at)
        case .returnIntoObject: try returnIntoObject(key: try string(), at)
        case .returnIntoObjectSameKey: try returnIntoObjectSameKey(at)
        case .pushField: try pushField(at)
        case .pushElement: try pushElement(at)
        case .pushParent:
            let n = try unsigned()
            guard n + 1 < input.count else { throw failure(at, "there is no parent \(n) to push") }
            input.append(input[input.count - 2 - n])
        case .pop: try pop(at)
        case .pushFieldCopy:
            try pushField(at)
            output.append(OutputEntry(source: try top(at).value))
        case .pushFieldBlank:
            try pushField(at)
            output.append(OutputEntry(source: nil))
        case .pushElementCopy:
            try pushElement(at)
            output.append(OutputEntry(source: try top(at).value))
        case .pushElementBlank:
            try pushElement(at)
            output.append(OutputEntry(source: nil))
        case .returnIntoObjectPop:
            try returnIntoObject(key: try string(), at)
            try pop(at)
        case .returnIntoObjectSameKeyPop:
            try returnIntoObjectSameKey(at)
            try pop(at)
        case .returnIntoArrayPop:
            try returnIntoArray(at)
            try pop(at)
        case .objectSetFieldValue:
            output.append(OutputEntry(source: try operand()))
            try returnIntoObject(key: try string(), at)
        case .objectCopyField:
            try pushField(at)
            output.append(OutputEntry(source: try top(at).value))
            try returnIntoObjectSameKey(at)
            try pop(at)
        case .objectDeleteField:
            let key = try fieldKey(at)
            var object = try outputObject(at)
            object.removeValue(forKey: key)
            output[output.count - 1].written = .object(object)
        case .arrayAppendValue:
            let value = try operand()
            var array = try outputArray(at)
            array.append(value)
            output[output.count - 1].written = .array(array)
        case .arrayAppendSlice:
            let (left, right) = (try unsigned(), try unsigned())
            guard case .array(let source) = try top(at).value, left <= right, right <= source.count else {
                throw failure(at, "the slice \(left)..<\(right) is not in the input array")
            }
            var array = try outputArray(at)
            array.append(contentsOf: source[left ..< right])
            output[output.count - 1].written = .array(array)
        case .stringAppendString:
            let text = try string()
            output[output.count - 1].written = .string(try outputString(at) + text)
        case .stringAppendSlice:
            let (left, right) = (try unsigned(), try unsigned())
            guard case .string(let source) = try top(at).value, left <= right, right <= source.utf8.count,
                  let slice = String(validating: Array(source.utf8)[left ..< right], as: UTF8.self)
            else { throw failure(at, "the bytes \(left)..<\(right) are not whole characters of the input string") }
            output[output.count - 1].written = .string(try outputString(at) + slice)
        }
    }

    // MARK: Stacks

    private func top(_ at: Int) throws(StoreError) -> InputEntry {
        guard let entry = input.last else { throw failure(at, "the input stack is empty") }
        return entry
    }

    private mutating func pop(_ at: Int) throws(StoreError) {
        guard input.count > 1 else { throw failure(at, "pops the root from the input stack") }
        input.removeLast()
    }

    private mutating func pushField(_ at: Int) throws(StoreError) {
        let key = try fieldKey(at)
        input.append(InputEntry(value: try top(at).value[key] ?? .null, key: key))
    }

    private mutating func pushElement(_ at: Int) throws(StoreError) {
        let index = try unsigned()
        guard case .array(let array) = try top(at).value, index < array.count else {
            throw failure(at, "element \(index) is not in the input value")
        }
        input.append(InputEntry(value: array[index]))
    }

    /// The key a key index operand names in the input object.
    private mutating func fieldKey(_ at: Int) throws(StoreError) -> String {
        let index = try unsigned()
        guard case .object(let object) = try top(at).value else { throw failure(at, "names a field of an input value that is not an object") }
        let keys = MendozaPatch.sortedKeys(of: object)
        guard index < keys.count else { throw failure(at, "field \(index) is beyond the \(keys.count) fields of the input object") }
        return keys[index]
    }

    /// Pops the output value, leaving the one it goes into on top.
    private mutating func popOutput(_ at: Int) throws(StoreError) -> JSONValue {
        guard output.count > 1 else { throw failure(at, "returns from the root of the output stack") }
        return output.removeLast().result
    }

    private mutating func returnIntoArray(_ at: Int) throws(StoreError) {
        let value = try popOutput(at)
        var array = try outputArray(at)
        array.append(value)
        output[output.count - 1].written = .array(array)
    }

    private mutating func returnIntoObject(key: String, _ at: Int) throws(StoreError) {
        let value = try popOutput(at)
        var object = try outputObject(at)
        object[key] = value
        output[output.count - 1].written = .object(object)
    }

    private mutating func returnIntoObjectSameKey(_ at: Int) throws(StoreError) {
        guard let key = try top(at).key else { throw failure(at, "returns to the same key, but the input value was not pushed from a field") }
        try returnIntoObject(key: key, at)
    }

    // MARK: Writable output

    private func outputObject(_ at: Int) throws(StoreError) -> JSONObject {
        switch output.last?.written ?? output.last?.source {
        case .object(let object)?: return object
        case nil: return [:]
        default: throw failure(at, "writes a field into an output value that is not an object")
        }
    }

    private func outputArray(_ at: Int) throws(StoreError) -> [JSONValue] {
        switch output.last?.written ?? output.last?.source {
        case .array(let array)?: return array
        case nil: return []
        default: throw failure(at, "appends to an output value that is not an array")
        }
    }

    private func outputString(_ at: Int) throws(StoreError) -> String {
        switch output.last?.written ?? output.last?.source {
        case .string(let text)?: return text
        case nil: return ""
        default: throw failure(at, "appends text to an output value that is not a string")
        }
    }

    // MARK: Operands

    private mutating func operand() throws(StoreError) -> JSONValue {
        guard position < program.count else { throw failure(position, "an operand is missing at the end") }
        defer { position += 1 }
        return program[position]
    }

    private mutating func unsigned() throws(StoreError) -> Int {
        let at = position
        guard case .number(let number) = try operand(), number >= 0, number < 1e15, number.rounded() == number else {
            throw failure(at, "expects a whole number that is not negative")
        }
        return Int(number)
    }

    private mutating func string() throws(StoreError) -> String {
        let at = position
        guard case .string(let text) = try operand() else { throw failure(at, "expects a string") }
        return text
    }

    private func failure(_ at: Int, _ problem: String) -> StoreError {
        StoreError.invalid("The Mendoza patch does not apply at position \(at): \(problem)",
                           advice: "Apply a patch to the value it was made from (an effect's \"apply\" to the previous revision, \"revert\" to the next).")
    }
}
