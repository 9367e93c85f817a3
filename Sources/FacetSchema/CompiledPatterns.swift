import Foundation
import Synchronization

/// Regular expressions compiled once per pattern and shared: a `regex` or `email` rule runs for
/// every document written, and compiling the pattern each time would cost more than matching.
enum CompiledPatterns {
    private static let cache = Mutex<[String: NSRegularExpression]>([:])

    /// The compiled `pattern`, or `nil` when it is not a valid regular expression.
    static func expression(_ pattern: String) -> NSRegularExpression? {
        if let known = cache.withLock({ $0[pattern] }) { return known }
        guard let compiled = try? NSRegularExpression(pattern: pattern) else { return nil }
        cache.withLock { $0[pattern] = compiled }
        return compiled
    }

    /// Whether `pattern` matches somewhere in `text`; `nil` when the pattern is invalid.
    static func matches(_ pattern: String, _ text: String) -> Bool? {
        guard let expression = expression(pattern) else { return nil }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
