import GROQ

/// A hand-written recursive-descent parser for JSONMatch paths.
///
/// Works on unicode scalars so that positions in error messages are stable and cheap to compute; every
/// syntactically meaningful character is ASCII, so for the paths people write this equals the character offset.
struct PatchPathParser {
    private let text: String
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(text: String) {
        self.text = text
        self.scalars = Array(text.unicodeScalars)
    }

    mutating func parse() throws(PatchError) -> [PatchPath.Segment] {
        var segments: [PatchPath.Segment] = []
        skipSpaces()
        guard let first = peek else { throw failure("the path is empty", at: 0) }
        if first == "[" {
            segments.append(try bracket())
        } else {
            segments.append(.attribute(try identifier()))
        }
        while true {
            skipSpaces()
            guard let next = peek else { break }
            switch next {
            case ".":
                position += 1
                skipSpaces()
                segments.append(.attribute(try identifier()))
            case "[":
                segments.append(try bracket())
            default:
                throw failure("unexpected \(describe(next)); expected \".\" or \"[\"", at: position)
            }
            if segments.count > PatchPath.maximumSegments {
                throw PatchError(
                    operation: "patch", path: text,
                    reason: "the path has more than \(PatchPath.maximumSegments) segments",
                    advice: "Documents nest at most \(PatchPath.maximumSegments) levels deep; shorten the path")
            }
        }
        return segments
    }

    // MARK: - Tokens

    private var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private mutating func skipSpaces() {
        while let scalar = peek, scalar == " " || scalar == "\t" { position += 1 }
    }

    private mutating func expect(_ expected: Unicode.Scalar, _ what: String) throws(PatchError) {
        skipSpaces()
        guard let scalar = peek else {
            throw failure("the path ends where \(what) \"\(expected)\" was expected", at: position)
        }
        guard scalar == expected else {
            throw failure("unexpected \(describe(scalar)); expected \(what) \"\(expected)\"", at: position)
        }
        position += 1
    }

    private mutating func identifier() throws(PatchError) -> String {
        guard let first = peek else {
            throw failure("the path ends where an attribute name was expected", at: position)
        }
        guard PatchPath.isIdentifierStart(first) else {
            throw failure(
                "unexpected \(describe(first)); expected an attribute name (letters, digits and _, "
                    + "not starting with a digit)", at: position)
        }
        var name = String.UnicodeScalarView()
        while let scalar = peek, PatchPath.isIdentifierPart(scalar) {
            name.append(scalar)
            position += 1
        }
        return String(name)
    }

    /// Everything between `[` and `]`: a wildcard, a quoted attribute, a constraint, an index or a slice.
    private mutating func bracket() throws(PatchError) -> PatchPath.Segment {
        let open = position
        position += 1  // "["
        skipSpaces()
        guard let scalar = peek else {
            throw failure("the path ends inside the brackets opened at position \(open)", at: position)
        }
        let segment: PatchPath.Segment
        switch scalar {
        case "*":
            position += 1
            segment = .wildcard
        case "\"", "'":
            segment = .attribute(try quotedString())
        case "]":
            throw failure("empty brackets; expected an index, a slice, a constraint, * or a quoted name", at: position)
        case "-", ":", "0"..."9":
            segment = try indexOrSlice()
        default:
            guard PatchPath.isIdentifierStart(scalar) else {
                throw failure("unexpected \(describe(scalar)) inside brackets", at: position)
            }
            segment = try constraint()
        }
        try expect("]", "the closing bracket")
        return segment
    }

    private mutating func constraint() throws(PatchError) -> PatchPath.Segment {
        let attribute = try identifier()
        skipSpaces()
        let operatorStart = position
        guard position + 1 < scalars.count, scalars[position] == "=", scalars[position + 1] == "=" else {
            if let scalar = peek, "!<>=".unicodeScalars.contains(scalar) {
                throw failure("only == is supported in constraints", at: operatorStart)
            }
            let found = peek.map(describe) ?? "the end of the path"
            throw failure("unexpected \(found); expected == after \"\(attribute)\"", at: operatorStart)
        }
        position += 2
        skipSpaces()
        return .match(attribute: attribute, value: try literal())
    }

    private mutating func literal() throws(PatchError) -> JSONValue {
        guard let scalar = peek else {
            throw failure("the path ends where a value was expected after ==", at: position)
        }
        switch scalar {
        case "\"", "'":
            return .string(try quotedString())
        case "-", "0"..."9":
            return .number(try number())
        default:
            let start = position
            if PatchPath.isIdentifierStart(scalar) {
                switch try identifier() {
                case "true": return .bool(true)
                case "false": return .bool(false)
                case "null": return .null
                default: break
                }
            }
            throw failure("expected a string, number, true, false or null after ==", at: start)
        }
    }

    private mutating func quotedString() throws(PatchError) -> String {
        let start = position
        guard let quote = peek else { throw failure("expected a quoted string", at: position) }
        position += 1
        var value = String.UnicodeScalarView()
        while true {
            guard let scalar = peek else {
                throw failure("the string starting at position \(start) is never closed", at: position)
            }
            position += 1
            if scalar == quote { break }
            if scalar == "\\" {
                // Sanity's tokenizer takes the character after a backslash literally; so do we.
                guard let escaped = peek else {
                    throw failure("the string starting at position \(start) is never closed", at: position)
                }
                value.append(escaped)
                position += 1
            } else {
                value.append(scalar)
            }
        }
        return String(value)
    }

    private mutating func indexOrSlice() throws(PatchError) -> PatchPath.Segment {
        let start = try optionalInteger()
        skipSpaces()
        guard peek == ":" else {
            guard let start else { throw failure("expected an index", at: position) }
            return .index(start)
        }
        position += 1
        skipSpaces()
        let end = try optionalInteger()
        skipSpaces()
        if peek == ":" { throw failure("slice steps are not supported", at: position) }
        return .slice(start: start, end: end)
    }

    private mutating func optionalInteger() throws(PatchError) -> Int? {
        guard let scalar = peek, scalar == "-" || ("0"..."9").contains(scalar) else { return nil }
        let start = position
        let number = try number()
        guard number.rounded() == number, abs(number) <= 1e15 else {
            throw failure("\(PatchPath.formatNumber(number)) is not a whole number in range", at: start)
        }
        return Int(number)
    }

    private mutating func number() throws(PatchError) -> Double {
        let start = position
        var digits = ""
        if peek == "-" {
            digits.append("-")
            position += 1
        }
        var sawDigit = false
        var sawDot = false
        while let scalar = peek {
            if ("0"..."9").contains(scalar) {
                sawDigit = true
            } else if scalar == ".", !sawDot, sawDigit {
                sawDot = true
            } else {
                break
            }
            digits.unicodeScalars.append(scalar)
            position += 1
        }
        guard sawDigit, let value = Double(digits), value.isFinite else {
            throw failure("expected a number", at: start)
        }
        return value
    }

    // MARK: - Errors

    private func describe(_ scalar: Unicode.Scalar) -> String {
        scalar == " " ? "space" : "\"\(scalar)\""
    }

    private func failure(_ reason: String, at offset: Int) -> PatchError {
        PatchError(
            operation: "patch", path: text, reason: "\(reason) at position \(offset)",
            advice: "Write paths in JSONMatch form: a.b, a[3], a[-1], a[2:4], a[_key==\"k\"], a[*] or [\"odd key\"]")
    }
}
