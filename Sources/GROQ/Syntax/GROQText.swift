/// A ``Node`` written back as GROQ text, for people: the steps of an explained plan and the part
/// a stopped query was scanning name what the query said (`*[_type == "order" && total > 100]`).
///
/// The text reads as the query did, not byte for byte: parameters already folded into the tree
/// show as their values, traversals as the paths they walk, and nested operations are
/// parenthesised. Long or deep expressions are cut with `…`, so a 40,000-term query costs a few
/// hundred characters to name.
enum GROQText {
    /// How many characters a rendering keeps before `…`.
    static let maxLength = 160
    /// How deep a rendering descends before writing `…` for what is below.
    static let maxDepth = 24

    static func render(_ node: Node, maxLength: Int = maxLength) -> String {
        var writer = Writer(limit: maxLength)
        writer.write(node, depth: 0)
        return writer.text.count > maxLength ? String(writer.text.prefix(maxLength - 1)) + "…" : writer.text
    }

    private struct Writer {
        let limit: Int
        var text = ""

        var isFull: Bool { text.utf8.count > limit }

        mutating func write(_ node: Node, depth: Int) {
            guard !isFull else { return }
            guard depth < GROQText.maxDepth else { text += "…"; return }
            let next = depth + 1
            switch node {
            case .everything: text += "*"
            case .this: text += "@"
            case .parent(let n): text += Array(repeating: "^", count: n).joined(separator: ".")
            case .parameter(let name, _): text += "$" + name
            case .literal(let value): text += Self.literalText(value)
            case .attribute(.this, let name): text += name
            case .attribute(.dereference(let base), let name): write(base, depth: next); text += "->" + name
            case .attribute(let base, let name): write(base, depth: next); text += "." + name
            case .element(let base, let index): write(base, depth: next); text += "[\(index)]"
            case .slice(let base, let from, let to, let inclusive):
                write(base, depth: next); text += "[\(from)\(inclusive ? ".." : "...")\(to)]"
            case .filter(let base, let condition):
                write(base, depth: next); text += "["; write(condition, depth: next); text += "]"
            case .projection(.this, let expression): write(expression, depth: next)
            case .projection(let base, let expression), .map(let base, let expression), .flatMap(let base, let expression):
                write(base, depth: next)
                if case .attribute = expression { text += "." } else if case .dereference = expression { text += "." } else { text += " " }
                write(expression, depth: next)
            case .dereference(let base): write(base, depth: next); text += "->"
            case .arrayCoerce(let base): write(base, depth: next); text += "[]"
            case .group(let inner): text += "("; write(inner, depth: next); text += ")"
            case .invariant(let inner, _): write(inner, depth: depth)
            case .object(let entries):
                text += "{"
                for (index, entry) in entries.enumerated() {
                    if index > 0 { text += ", " }
                    switch entry {
                    case .value(let key, let value): text += "\"\(key)\": "; write(value, depth: next)
                    case .splat(let value): text += "..."; write(value, depth: next)
                    case .conditional(let condition, let value): write(condition, depth: next); text += " => "; write(value, depth: next)
                    }
                    if isFull { break }
                }
                text += "}"
            case .record(let template, let values):
                text += "{"
                for (index, (key, value)) in zip(template.keys, values).enumerated() {
                    if index > 0 { text += ", " }
                    if case .attribute(.this, key) = value { text += key } else { text += "\"\(key)\": "; write(value, depth: next) }
                    if isFull { break }
                }
                text += "}"
            case .array(let elements):
                text += "["
                for (index, element) in elements.enumerated() {
                    if index > 0 { text += ", " }
                    if element.isSplat { text += "..." }
                    write(element.value, depth: next)
                    if isFull { break }
                }
                text += "]"
            case .and, .or:
                // A chain of thousands of `&&` is a tree thousands deep: written as the list it
                // is, from its first term, at one depth.
                let isAnd = if case .and = node { true } else { false }
                for (index, term) in Self.chain(node, and: isAnd).enumerated() {
                    if index > 0 { text += isAnd ? " && " : " || " }
                    operand(term, of: node, depth: next)
                    if isFull { break }
                }
            case .not(let inner): text += "!"; operand(inner, of: node, depth: next)
            case .negate(let inner): text += "-"; operand(inner, of: node, depth: next)
            case .plus(let inner): text += "+"; operand(inner, of: node, depth: next)
            case .binary(let op, let l, let r):
                operand(l, of: node, depth: next); text += " \(op.rawValue) "; operand(r, of: node, depth: next)
            case .inRange(let value, let from, let to, let inclusive):
                operand(value, of: node, depth: next); text += " in "; operand(from, of: node, depth: next)
                text += inclusive ? ".." : "..."; operand(to, of: node, depth: next)
            case .select(let alternatives, let fallback):
                text += "select("
                for (index, (condition, value)) in alternatives.enumerated() {
                    if index > 0 { text += ", " }
                    write(condition, depth: next); text += " => "; write(value, depth: next)
                }
                if let fallback { text += alternatives.isEmpty ? "" : ", "; write(fallback, depth: next) }
                text += ")"
            case .call(let call):
                text += call.function.displayName + "("
                arguments(call.arguments, depth: next)
                text += ")"
            case .pipe(let function, let base, let args):
                write(base, depth: next); text += " | \(function)("; arguments(args, depth: next); text += ")"
            case .asc(let inner, _): write(inner, depth: next); text += " asc"
            case .desc(let inner, _): write(inner, depth: next); text += " desc"
            case .diff(let only, _, _, _): text += "diff::\(only ? "changedOnly" : "changedAny")(…)"
            case .delta(let only, _): text += "delta::\(only ? "changedOnly" : "changedAny")(…)"
            case .context(let key): text += (key == "operation" ? "delta::operation" : key) + "()"
            case .pair(let l, let r, _): write(l, depth: next); text += " => "; write(r, depth: next)
            case .tuple(let items, _): text += "("; arguments(items, depth: next); text += ")"
            }
        }

        private mutating func arguments(_ nodes: [Node], depth: Int) {
            for (index, node) in nodes.enumerated() {
                if index > 0 { text += ", " }
                write(node, depth: depth)
                if isFull { return }
            }
        }

        /// An operand in parentheses when it is itself an operation (other than the same
        /// `&&` or `||` chain), so the text keeps the tree's grouping.
        private mutating func operand(_ node: Node, of parent: Node, depth: Int) {
            let needsParentheses: Bool
            switch (node, parent) {
            case (.and, .and), (.or, .or), (.and, .or): needsParentheses = false
            // Comparisons and the rest bind tighter than `&&` and `||`.
            case (_, .and), (_, .or): needsParentheses = node.isOr
            case (.and, _), (.or, _), (.binary, _), (.inRange, _), (.not, .binary), (.negate, .binary): needsParentheses = true
            default: needsParentheses = false
            }
            if needsParentheses { text += "(" }
            write(node, depth: depth)
            if needsParentheses { text += ")" }
        }

        /// The terms of a chain of one operator, left to right, without recursion.
        private static func chain(_ node: Node, and: Bool) -> [Node] {
            var terms: [Node] = []
            var pending = [node]
            while let current = pending.popLast() {
                switch current {
                case .and(let l, let r) where and: pending.append(r); pending.append(l)
                case .or(let l, let r) where !and: pending.append(r); pending.append(l)
                default: terms.append(current)
                }
            }
            return terms
        }

        private static func literalText(_ value: Value) -> String {
            switch value {
            case .dateTime(let date): "dateTime(\"\(date.description)\")"
            default: json(value.json)
            }
        }

        /// A value's JSON, its first few items and characters only: a literal list of 40,000 ids
        /// costs as little to name as a short one.
        private static func json(_ value: JSONValue) -> String {
            switch value {
            case .array(let items) where items.count > 4:
                return "[" + items.prefix(3).map(json).joined(separator: ", ") + ", … (\(items.count) items)]"
            case .array(let items):
                return "[" + items.map(json).joined(separator: ", ") + "]"
            case .object(let object) where object.count > 4:
                return "{…}"
            case .string(let text) where text.utf8.count > 60:
                return JSONValue.string(String(text.prefix(40)) + "…").serialized()
            default:
                return String(value.serialized().prefix(80))
            }
        }
    }
}

private extension Node {
    var isOr: Bool {
        if case .or = self { return true }
        return false
    }
}
