import GROQ

/// What went wrong while applying one operation, with the concrete place it happened.
///
/// The place is collected while unwinding (each level prepends its step), so the successful path — the
/// common one — never builds location arrays.
struct PatchFailure: Error {
    enum Problem {
        /// A segment needed an object (attribute) or an array (selector) and found something else.
        case notContainer(found: String, segment: PatchPath.Segment)
        case notNumber(found: String)
        case notString(found: String)
        case missing
        case indexOutOfRange(index: Int, count: Int)
        case noMatch(attribute: String, value: JSONValue)
        case tooDeep
        case diffMatchPatch(String)
    }

    var location: [PatchLocationStep]
    var problem: Problem

    init(_ problem: Problem, at location: [PatchLocationStep] = []) {
        self.problem = problem
        self.location = location
    }

    func prefixed(_ step: PatchLocationStep) -> PatchFailure {
        var copy = self
        copy.location.insert(step, at: 0)
        return copy
    }
}

extension PatchFailure {
    /// The public error: the operation and path as written, the concrete place in the reason, and advice
    /// tailored to the operation.
    func patchError(for operation: Patch.Operation) -> PatchError {
        let name = operation.name
        let place = PatchLocationStep.render(location)
        let reason: String
        let advice: String
        switch problem {
        case .notContainer(let found, .attribute(let attribute)):
            reason = "\(place) is \(Patch.article(found)), not an object, so it has no attribute \"\(attribute)\""
            advice = name == "set" || name == "setIfMissing"
                ? "Set \(place) to an object first, or unset it"
                : "Check the path against the document's shape"
        case .notContainer(let found, _):
            reason = "\(place) is \(Patch.article(found)), not an array"
            advice = name == "insert"
                ? "insert only works on arrays; set \(place) to an array first, or unset it"
                : "Selectors such as [0], [_key==\"k\"] and [*] only apply to arrays"
        case .notNumber(let found):
            reason = "\(place) is \(Patch.article(found)), not a number"
            advice = "\(name) only changes numbers; use set to replace the value"
        case .notString(let found):
            reason = "\(place) is \(Patch.article(found)), not a string"
            advice = "diffMatchPatch only edits strings; use set to replace the value"
        case .missing:
            reason = "\(place) does not exist"
            advice = "diffMatchPatch edits an existing string; add setIfMissing {\"\(operation.path)\": \"\"} to "
                + "create it first"
        case .indexOutOfRange(let index, let count):
            reason = "index \(index) is out of range for \(place), which has \(count) "
                + (count == 1 ? "element" : "elements")
            advice = name == "insert"
                ? "Use after: \"…[-1]\" to append or before: \"…[0]\" to prepend"
                : "Index paths never create elements; use insert to add elements"
        case .noMatch(let attribute, let value):
            reason = "no element with \(attribute) \(PatchPath.literal(value)) in \(place)"
            advice = "Check the \(attribute); the element may have been removed or renamed"
        case .tooDeep:
            reason = "writing at \(place) would nest the document more than \(Patch.maximumDepth) levels deep"
            advice = "Flatten the value; documents nest at most \(Patch.maximumDepth) levels"
        case .diffMatchPatch(let message):
            reason = "the patch text could not be applied to \(place): \(message)"
            advice = "Compute the patch against the current value of the string, or use set"
        }
        return PatchError(operation: name, path: operation.path.description, reason: reason, advice: advice)
    }
}
