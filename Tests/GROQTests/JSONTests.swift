import Foundation
import Testing
import TestSupport

@testable import GROQ

/// Parses `text`, returning the error it throws (or `nil` when it parses).
private func parseError(_ text: String, maxDepth: Int = 512) -> JSONError? {
    parseError(Array(text.utf8), maxDepth: maxDepth)
}

private func parseError(_ bytes: [UInt8], maxDepth: Int = 512) -> JSONError? {
    do {
        _ = try JSONValue(parsing: bytes, maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}

private func parse(_ text: String) throws -> JSONValue { try JSONValue(parsing: text) }

@Suite("JSON", .ownThread(computing: true))
struct JSONTests {
    // MARK: Round trips and structure

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"a": 1, "b": [true, false, null], "c": "x", "d": {}, "e": [], "f": -2.5} "#)
        #expect(value == ["a": 1, "b": [true, false, nil], "c": "x", "d": [:], "e": [], "f": -2.5])
    }

    @Test func compactRoundTrip() throws {
        let text = #"{"a":1,"b":[true,null],"c":{"d":"e\nf","g":[]},"h":{},"i":-0.5,"j":"😀é"}"#
        let value = try parse(text)
        #expect(value.serialized() == text)
        #expect(try JSONValue(parsing: value.serialized(pretty: true)) == value)
    }

    @Test func prettyOutputMatchesJSONStringify() throws {
        let value = try parse(#"{"a":1,"b":[true,null,{"c":[]}],"d":{}}"#)
        let expected = """
            {
              "a": 1,
              "b": [
                true,
                null,
                {
                  "c": []
                }
              ],
              "d": {}
            }
            """
        #expect(value.serialized(pretty: true) == expected)
        #expect(JSONValue.array([]).serialized(pretty: true) == "[]")
        #expect(JSONValue.string("x").serialized(pretty: true) == #""x""#)
    }

    @Test func writeAppendsToAnExistingBuffer() {
        var bytes = Array("prefix:".utf8)
        (["k": [1, "v"]] as JSONValue).write(to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #"prefix:{"k":[1,"v"]}"#)
    }

    @Test func keyOrderIsPreserved() throws {
        let value = try parse(#"{"z":1,"a":2,"m":3,"b":4}"#)
        #expect(value.objectValue.map { Array($0.keys) } == ["z", "a", "m", "b"])
        #expect(value.serialized() == #"{"z":1,"a":2,"m":3,"b":4}"#)
    }

    @Test func duplicateKeysLastValueWinsAtFirstPosition() throws {
        let value = try parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.serialized() == #"{"a":3,"b":2}"#)
    }

    @Test func allInputFormsAgree() throws {
        let text = #"[1,"two",{"three":3}]"#
        let fromString = try JSONValue(parsing: text)
        let fromArray = try JSONValue(parsing: Array(text.utf8))
        let fromCollection = try JSONValue(parsing: text.utf8)
        let fromSlice = try JSONValue(parsing: Array("xx\(text)".utf8).dropFirst(2))
        let fromRaw = try Array(text.utf8).withUnsafeBytes { raw in try JSONValue(parsing: raw) }
        let fromLazy = try JSONValue(parsing: text.utf8.lazy.map { $0 })  // not contiguous
        #expect(fromString == fromArray && fromArray == fromCollection && fromCollection == fromSlice)
        #expect(fromSlice == fromRaw && fromRaw == fromLazy)
        // Offsets count from the start of the slice, not of its base array.
        #expect(throws: JSONError(offset: 5, message: "unexpected 'x', expected a value")) {
            try JSONValue(parsing: Array("xx[1,2,x]".utf8).dropFirst(2))
        }
    }

    // MARK: Whitespace and garbage

    @Test func whitespace() throws {
        #expect(try parse(" \t\r\n[ 1 ,\t2 ]\r\n ") == [1, 2])
        #expect(try parse("\n{\n\"a\"\n:\n1\n}\n") == ["a": 1])
        // Form feed and non-breaking space are not JSON whitespace.
        #expect(parseError("\u{0C}1")?.offset == 0)
        #expect(parseError("[1,\u{A0}2]")?.offset == 3)
        #expect(parseError("")?.message == "unexpected end of input, expected a value")
        #expect(parseError("   ")?.offset == 3)
    }

    @Test func trailingGarbageIsRejected() {
        let error = parseError("{\"a\":1} x")
        #expect(error?.offset == 8)
        #expect(error?.description == "invalid JSON at byte 8: unexpected 'x' after the JSON value, expected end of input")
        #expect(parseError("1 2")?.offset == 2)
        #expect(parseError("[1]]")?.offset == 3)
        #expect(parseError("truex")?.offset == 4)
    }

    @Test func strictGrammar() {
        #expect(parseError("[1,]")?.message == "unexpected ']', expected a value")
        #expect(parseError(#"{"a":1,}"#)?.message == "expected a string key, found '}'")
        #expect(parseError("[1 2]")?.message == "expected ',' or ']' after array element, found '2'")
        #expect(parseError(#"{"a":1 "b":2}"#)?.description == "invalid JSON at byte 7: expected ',' or '}' after object member, found '\"'")
        #expect(parseError(#"{"a" 1}"#)?.message == "expected ':' after object key, found '1'")
        #expect(parseError("{a:1}")?.message == "expected a string key or '}', found 'a'")
        #expect(parseError("[1 // c\n]") != nil)
        #expect(parseError("/* c */ 1") != nil)
        #expect(parseError("NaN")?.message == "unexpected 'N', expected a value")
        #expect(parseError("Infinity") != nil)
        #expect(parseError("tru")?.message == "invalid literal, expected 'true'")
        #expect(parseError("nul") != nil)
        #expect(parseError("'a'") != nil)
        #expect(parseError("[1")?.message == "unexpected end of input, expected ',' or ']' after array element")
        #expect(parseError(#"{"a":1"#)?.message == "unexpected end of input, expected ',' or '}' after object member")
        #expect(parseError(#""abc"#)?.message == "unterminated string: found end of input, expected '\"'")
    }

    // MARK: Strings

    @Test func everyEscape() throws {
        let value = try parse(#""\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20AC \u0000""#)
        #expect(value == .string("\" \\ / \u{08} \u{0C} \n \r \t A é € \u{0}"))
        #expect(value.serialized() == #""\" \\ / \b \f \n \r \t A é € \u0000""#)
        #expect(parseError(#""\x""#)?.message.hasPrefix("invalid escape '\\x'") == true)
        #expect(parseError(#""\u12G4""#)?.offset == 5)
        #expect(parseError(#""\u12"#) != nil)
        #expect(parseError(#""\"#) != nil)
    }

    @Test func serializerEscapesLikeJSONStringify() {
        let controls = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        let expected = #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f""#
        #expect(JSONValue.string(controls).serialized() == expected)
        #expect(JSONValue.string("a\"b\\c/d\u{7F}é😀\u{2028}").serialized() == "\"a\\\"b\\\\c/d\u{7F}é😀\u{2028}\"")
        #expect((["k\"ey": "v"] as JSONValue).serialized() == #"{"k\"ey":"v"}"#)
    }

    @Test func surrogatePairs() throws {
        #expect(try parse(#""\ud83d\ude00""#) == "😀")
        #expect(try parse(#""a\uD834\uDD1Eb""#) == "a𝄞b")
        // Lone surrogates become U+FFFD; the escape after a lone high surrogate is kept.
        #expect(try parse(#""\ud83d""#) == "\u{FFFD}")
        #expect(try parse(#""\ude00x""#) == "\u{FFFD}x")
        #expect(try parse(#""\ud83dx""#) == "\u{FFFD}x")
        #expect(try parse(#""\ud83d\u0041""#) == "\u{FFFD}A")
        #expect(try parse(#""\ud83d\ud83d\ude00""#) == "\u{FFFD}😀")
    }

    @Test func rawUTF8IsAccepted() throws {
        let text = "\"é€😀 mixed ascii\""
        #expect(try parse(text) == .string("é€😀 mixed ascii"))
        #expect(try JSONValue(parsing: [0x22, 0xF4, 0x8F, 0xBF, 0xBF, 0x22]) == .string("\u{10FFFF}"))
    }

    @Test func invalidUTF8IsRejectedAtItsOffset() {
        // 0xC3 0x28: a two-byte lead followed by '('.
        let bad = parseError([0x5B, 0x22, 0x61, 0xC3, 0x28, 0x22, 0x5D])
        #expect(bad?.offset == 3)
        #expect(bad?.message == "invalid UTF-8: byte 0x28 cannot follow 0xC3 in the sequence starting here")
        #expect(parseError([0x22, 0xFF, 0x22])?.offset == 1)
        #expect(parseError([0x22, 0xFF, 0x22])?.message == "invalid UTF-8: byte 0xFF cannot start a character")
        #expect(parseError([0x22, 0x61, 0x80, 0x22])?.offset == 2)  // lone continuation byte
        #expect(parseError([0x22, 0xE2, 0x82, 0x22])?.offset == 1)  // truncated three-byte sequence
        #expect(parseError([0x22, 0xF0, 0x9F, 0x98])?.offset == 1)  // truncated at end of input
        #expect(parseError([0x22, 0xC0, 0xAF, 0x22])?.offset == 1)  // overlong
        #expect(parseError([0x22, 0xED, 0xA0, 0x80, 0x22])?.offset == 1)  // encoded surrogate
        #expect(parseError([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22])?.offset == 1)  // above U+10FFFF
        #expect(parseError([0xFF])?.message == "unexpected byte 0xFF, expected a value")
    }

    @Test func rawControlCharactersAreRejected() {
        for byte in UInt8(0)..<0x20 {
            let error = parseError([0x22, 0x61, byte, 0x22])
            #expect(error?.offset == 2)
            #expect(error?.message.hasPrefix("control character") == true)
        }
        #expect(parseError([0x22, 0x7F, 0x22]) == nil)  // DEL is allowed
    }

    // MARK: Numbers

    @Test func numbersParse() throws {
        #expect(try parse("0") == 0)
        #expect(try parse("-0").numberValue?.sign == .minus)
        #expect(try parse("123") == 123)
        #expect(try parse("-1.5e3") == -1500)
        #expect(try parse("1E2") == 100)
        #expect(try parse("1e+2") == 100)
        #expect(try parse("2.5E-3") == 0.0025)
        #expect(try parse("0.1") == 0.1)
        #expect(try parse("1e21") == 1e21)
        #expect(try parse("1e-7") == 1e-7)
        #expect(try parse("1e-400") == 0)  // underflow rounds to zero, as JSON.parse does
        #expect(try parse("5e-324") == .number(Double.leastNonzeroMagnitude))
        #expect(try parse("1.7976931348623157e308") == .number(Double.greatestFiniteMagnitude))
        #expect(try parse("9007199254740993") == 9007199254740992)  // ties to even
        #expect(try parse("0.30000000000000004") == .number(0.1 + 0.2))
        #expect(try parse("123456789012345678901234567890") == 123456789012345678901234567890.0)
        #expect(try parse("0.0000000000000000000000000001") == 1e-28)
        #expect(try parse("2.2250738585072011e-308") == .number(Double(bitPattern: 0x000F_FFFF_FFFF_FFFF)))  // largest subnormal
    }

    @Test func invalidNumbersAreRejected() {
        #expect(parseError("1e400")?.message == "number out of range: 1e400")
        #expect(parseError("-1e400")?.offset == 0)
        #expect(parseError("[1,1" + String(repeating: "0", count: 400) + "]")?.offset == 3)
        #expect(parseError("01")?.message == "leading zeros are not allowed in numbers")
        #expect(parseError("-01") != nil)
        #expect(parseError("00") != nil)
        #expect(parseError("1.")?.message == "expected a digit after the decimal point, found end of input")
        #expect(parseError(".5")?.message == "unexpected '.', expected a value")
        #expect(parseError("+1")?.message == "unexpected '+', expected a value")
        #expect(parseError("-")?.message == "expected a digit after '-', found end of input")
        #expect(parseError("1e")?.message == "expected a digit in the exponent, found end of input")
        #expect(parseError("1e+") != nil)
        #expect(parseError("1.e5") != nil)
        #expect(parseError("0x10") != nil)
    }

    @Test func numbersSerializeLikeJavaScript() {
        let cases: [(Double, String)] = [
            (0, "0"), (-0.0, "0"), (3, "3"), (-42, "-42"), (1.5, "1.5"), (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"), (1e20, "100000000000000000000"), (1e21, "1e+21"),
            (1.5e21, "1.5e+21"), (123e20, "1.23e+22"), (1e-6, "0.000001"), (1.5e-6, "0.0000015"),
            (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (-1.5e-7, "-1.5e-7"), (123.456, "123.456"),
            (9007199254740991, "9007199254740991"), (9007199254740992, "9007199254740992"),
            (1152921504606846976, "1152921504606847000"), (.leastNonzeroMagnitude, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"), (100, "100"), (1e16, "10000000000000000"),
            (0.001, "0.001"), (123456.789e3, "123456789"), (.leastNonzeroMagnitude * 4, "2e-323"),
            (.nan, "null"), (.infinity, "null"), (-.infinity, "null"),
        ]
        for (number, expected) in cases {
            #expect(JSONValue.number(number).serialized() == expected, "\(number)")
        }
    }

    @Test func randomDoublesRoundTripExactly() throws {
        var generator = SystemRandomNumberGenerator()
        var checked = 0
        while checked < 20_000 {
            let number: Double
            if checked.isMultiple(of: 2) {
                number = Double(bitPattern: generator.next())
            } else {
                // Shorter decimals, which take the fast path.
                number = Double(Int.random(in: -1_000_000_000...1_000_000_000, using: &generator))
                    / [1, 10, 100, 1e3, 1e7, 1e15][checked % 6]
            }
            guard number.isFinite else { continue }
            let text = JSONValue.number(number).serialized()
            let back = try JSONValue(parsing: text)
            let expected = number == 0 ? 0 : number  // -0 prints as 0
            #expect(back.numberValue?.bitPattern == expected.bitPattern, "\(number) -> \(text)")
            checked += 1
        }
    }

    // MARK: Depth

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try parse(ok).serialized() == ok)
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        let error = parseError(deep)
        #expect(error?.offset == 512)
        #expect(error?.message == "nesting deeper than 512 levels")
        let objects = String(repeating: #"{"a":"#, count: 513) + "1" + String(repeating: "}", count: 513)
        #expect(parseError(objects)?.message == "nesting deeper than 512 levels")
        #expect(parseError(String(repeating: "[", count: 513) + String(repeating: "]", count: 513), maxDepth: 600) == nil)
        #expect(parseError("[[1]]", maxDepth: 1)?.message == "nesting deeper than 1 levels")
        // Empty containers count too.
        #expect(parseError(String(repeating: "[", count: 512) + "[]" + String(repeating: "]", count: 512)) != nil)
    }

    @Test func hugeNestingDoesNotCrash() {
        #expect(parseError(String(repeating: "[", count: 100_000))?.offset == 512)
        #expect(parseError(String(repeating: #"{"a":"#, count: 100_000)) != nil)
        // With a raised limit the iterative parser still fails cleanly at the end of input.
        #expect(parseError(String(repeating: "[", count: 100_000), maxDepth: 1_000_000)?.offset == 100_000)
    }

    // MARK: NDJSON

    private func readAll(_ text: String) throws -> [JSONValue] {
        var reader = NDJSONReader(bytes: Array(text.utf8))
        var values: [JSONValue] = []
        try reader.forEach { values.append($0) }
        return values
    }

    @Test func ndjsonSkipsBlankLinesAndCR() throws {
        #expect(try readAll("{\"a\":1}\n\n  \n[2]\r\n\r\n3\r\n\"x\"") == [["a": 1], [2], 3, "x"])
        #expect(try readAll("") == [])
        #expect(try readAll("\n\n") == [])
        #expect(try readAll("1\n") == [1])
    }

    @Test func ndjsonErrorCarriesLineNumber() throws {
        var reader = NDJSONReader(bytes: Array("{\"a\":1}\n\n{\"b\":2 \"c\":3}\n4\n".utf8))
        #expect(try reader.next() == ["a": 1])
        do {
            _ = try reader.next()
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 3)
            #expect(error.offset == 7)
            #expect(error.description == "invalid JSON at line 3, byte 7: expected ',' or '}' after object member, found '\"'")
        }
        // Reading can carry on after a bad line.
        #expect(try reader.next() == 4)
        #expect(try reader.next() == nil)
    }

    @Test func ndjsonStreamsAFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("json-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("export.ndjson").path

        // Several chunks' worth, with one line longer than a chunk and lines straddling boundaries.
        var text = ""
        var expected: [JSONValue] = []
        for index in 0..<6_000 {
            let doc: JSONValue = ["_id": .string("doc-\(index)"), "n": .number(Double(index)), "pad": .string(String(repeating: "x", count: index % 200))]
            expected.append(doc)
            text += doc.serialized() + (index.isMultiple(of: 3) ? "\r\n" : "\n")
            if index.isMultiple(of: 1000) { text += "\n" }
        }
        let long: JSONValue = ["long": .string(String(repeating: "é", count: NDJSONReader.chunkSize))]
        expected.append(long)
        text += long.serialized()  // no final newline
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))

        var reader = try NDJSONReader(path: path)
        var count = 0
        while let value = try reader.next() {
            #expect(value == expected[count])
            count += 1
        }
        #expect(count == expected.count)
        #expect(try reader.next() == nil)
    }

    @Test func ndjsonFileErrorLineNumbers() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("1\n2\n[3,]\n".utf8).write(to: URL(fileURLWithPath: path))
        var reader = try NDJSONReader(path: path)
        var seen: [JSONValue] = []
        #expect(throws: JSONError(offset: 3, line: 3, message: "unexpected ']', expected a value")) {
            try reader.forEach { seen.append($0) }
        }
        #expect(seen == [1, 2])
    }

    @Test func ndjsonMissingFileNamesPathAndReason() {
        let path = "/nonexistent-dir/missing.ndjson"
        do {
            _ = try NDJSONReader(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "cannot open '/nonexistent-dir/missing.ndjson': No such file or directory")
        }
    }

    // MARK: Throughput (run by hand)

    /// Not a timed test: prints throughput when `FACET_JSON_BENCH` names an NDJSON file. Run it with
    /// `FACET_JSON_BENCH=/work/shared/groq-test-suite/suite.ndjson swift test -c release
    /// -Xswiftc -enable-testing --filter JSONTests/throughput`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FACET_JSON_BENCH"] != nil))
    func throughput() throws {
        let path = ProcessInfo.processInfo.environment["FACET_JSON_BENCH"] ?? ""
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let clock = ContinuousClock()
        var best = Duration.seconds(1_000)
        var documents = 0
        for _ in 0..<3 {
            documents = 0
            let elapsed = try clock.measure {
                var reader = try NDJSONReader(path: path)
                while try reader.next() != nil { documents += 1 }
            }
            best = min(best, elapsed)
        }
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
        let megabytes = Double(size) / 1_000_000
        print("NDJSON: \(documents) documents, \(megabytes) MB in \(seconds) s = \(megabytes / seconds) MB/s")

        var out: [UInt8] = []
        var reader = try NDJSONReader(path: path)
        var values: [JSONValue] = []
        while let value = try reader.next() { values.append(value) }
        let writeTime = clock.measure {
            for value in values {
                value.write(to: &out)
                out.append(0x0A)
            }
        }
        let writeSeconds = Double(writeTime.components.seconds) + Double(writeTime.components.attoseconds) / 1e18
        print("serialize: \(Double(out.count) / 1_000_000) MB in \(writeSeconds) s = \(Double(out.count) / 1_000_000 / writeSeconds) MB/s")
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        print("re-serialized output is byte-identical to the file: \(original.elementsEqual(out))")
    }
}

/// A long array is written a part per core; the text is the one a single writer makes.
@Suite("JSON written in parts", .ownThread(computing: true))
struct JSONPartsTests {
    private static func rows(_ count: Int) -> JSONValue {
        .array((0..<count).map { index -> JSONValue in
            switch index % 5 {
            case 0: ["_id": .string("order-\(index)"), "total": .number(Double(index) / 7), "tags": ["é", "\u{1F48D}", "\"q\""]]
            case 1: .number(Double(index) * 1e21)
            case 2: .string("line\nbreak \(index)")
            case 3: .null
            default: ["nested": ["deep": [.bool(index % 2 == 0), .array([])]], "empty": [:]]
            }
        })
    }

    @Test func aLongArrayIsWrittenAsOneWriterWritesIt() {
        for count in [8_191, 8_192, 20_001] {
            let value = Self.rows(count)
            let whole = value.serialized()
            var bytes = Array(#"{"result":"#.utf8)
            #expect(value.write(to: &bytes, limit: Int.max))
            #expect(String(decoding: bytes, as: UTF8.self) == #"{"result":"# + whole, "\(count) rows")
        }
    }

    @Test func aLongArrayStopsAtTheLimitCountedFromWhatIsAlreadyWritten() {
        let value = Self.rows(20_001)
        let size = value.serialized().utf8.count
        var exact = Array("xyz".utf8)
        #expect(value.write(to: &exact, limit: 3 + size), "the text fits exactly")
        #expect(exact.count == 3 + size)
        var over: [UInt8] = Array("xyz".utf8)
        #expect(!value.write(to: &over, limit: 3 + size - 1), "one byte too many")
        #expect(over.count <= 3 + size)
    }
}
