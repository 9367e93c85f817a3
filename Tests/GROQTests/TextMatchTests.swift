import Testing
import TestSupport
@testable import GROQ

/// GROQ's `match` as people searching expect it: accents, case, full-width letters and
/// apostrophes folded on both sides, and the streaming reader agreeing with the plain rule.
@Suite("Text matching", .ownThread(computing: true))
struct TextMatchTests {
    @Test func matchIgnoresAccentsCaseAndApostrophesOnBothSides() {
        checkMatches([
            (#""María López" match "lopez""#, "true"),
            (#""Maria Lopez" match "LÓPEZ""#, "true"),
            (#""Zoë Dubois" match "zoe""#, "true"),
            (#""ZOE" match "zoë*""#, "true"),
            (#""Seán O'Brien" match "obrien""#, "true"),
            (#""Seán O’Brien" match "o'brien""#, "true"),
            (#""Ｌｏｐｅｚ" match "lopez""#, "true"),
            (#""Lopes" match "lopez""#, "false"),
            (#""Çelik" match "cel*""#, "true"),
            (#"["Zoë", "Łukasz"] match "zoe""#, "true"),
            (#""Łukasz Øster" match "lukasz oster""#, "true"),
            (#""Nguyễn Thị" match "nguyen thi""#, "true"),
            (#""Straße" match "strasse""#, "true"),
            (#""ПОСЧАСТЛИВИТСЯ" match "посчастливится""#, "true"),
            (#""Churn risk — customer-000084" match "risk""#, "true"),
        ])
    }

    @Test func streamingMatchAgreesWithMatchingWholeTokenLists() {
        var random = SystemRandomNumberGenerator()
        let pieces = ["a", "b", "ab", "A", "B", ".", "..", " ", "-", "_", "x1", "é", "É", "'", "*", "?", "é.", ".b", "Zoë", "1.2", "a.b.c"]
        func text(_ count: Int) -> String { (0..<count).map { _ in pieces.randomElement(using: &random)! }.joined() }
        for _ in 0..<5_000 {
            let subject: Value = Int.random(in: 0..<4, using: &random) == 0
                ? .array([.string(text(Int.random(in: 0..<6, using: &random))), .number(1), .string(text(Int.random(in: 0..<6, using: &random)))])
                : .string(text(Int.random(in: 0..<10, using: &random)))
            let pattern = Value.string(text(Int.random(in: 0..<4, using: &random)))
            #expect(TextMatch.matches(text: subject, pattern: pattern) == TextMatch.matchesByTokens(text: subject, pattern: pattern),
                    "\(subject) match \(pattern)")
            #expect(TextMatch.score(text: subject, pattern: pattern) == TextMatch.scoreByTokens(text: subject, pattern: pattern),
                    "score(\(subject) match \(pattern))")
        }
    }

    private func checkMatches(_ table: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) {
        for (query, expected) in table {
            do {
                let result = try GROQQuery(query).evaluate(in: InMemoryDataset([]))
                #expect(result.serialized() == expected, "\(query) gave \(result.serialized())", sourceLocation: sourceLocation)
            } catch {
                Issue.record("\(query) threw \(error)", sourceLocation: sourceLocation)
            }
        }
    }
}
