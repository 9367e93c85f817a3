/// Function calls, pipe functions, custom function declarations (`fn ns::name($p) = …;`) and
/// diff selectors.
extension Parser {
    /// Reads an identifier at the current position, or returns `nil` (position unchanged).
    mutating func identifier() -> String? {
        let len = identLength(at: pos)
        guard len > 0 else { return nil }
        defer { pos += len }
        return text(pos, pos + len)
    }

    /// Parses the argument list after `(`, up to and including `)`; a trailing comma is allowed.
    private mutating func parseArguments(selectorAt selectorIndex: Int? = nil) throws(GROQError) -> (nodes: [Node], selector: Selector?, ranges: [Range<Int>]) {
        var args: [Node] = []
        var ranges: [Range<Int>] = []
        var selector: Selector? = nil
        skipWS()
        if peek() != UInt8(ascii: ")") {
            while true {
                skipWS()
                let start = pos
                if args.count == selectorIndex {
                    selector = try parseSelector()
                    args.append(.literal(.null))
                } else {
                    args.append(try parseExpr(0))
                }
                ranges.append(start..<pos)
                skipWS()
                guard peek() == UInt8(ascii: ",") else { break }
                pos += 1
                skipWS()
                if peek() == UInt8(ascii: ")") { break }
            }
        }
        skipWS()
        guard peek() == UInt8(ascii: ")") else {
            throw syntax("expected ',' or ')' after a function argument, found \(describeHere())", at: pos)
        }
        pos += 1
        return (args, selector, ranges)
    }

    /// `name(…)` or `namespace::name(…)`; `pos` is just after the first identifier.
    mutating func parseFunctionCall(name first: String, start: Int) throws(GROQError) -> Node {
        var namespace = "global"
        var name = first
        if peek() == UInt8(ascii: ":") {
            pos += 2
            skipWS()
            guard let second = identifier() else {
                throw syntax("expected a function name after '\(first)::'", at: pos)
            }
            namespace = first
            name = second
            skipWS()
            guard peek() == UInt8(ascii: "(") else {
                throw syntax("expected '(' after the function name \(first)::\(second)", at: pos)
            }
        }
        pos += 1
        let qualified = "\(namespace)::\(name)"

        if namespace == "global" && name == "select" {
            let (args, _, _) = try parseArguments()
            var alternatives: [(condition: Node, value: Node)] = []
            var fallback: Node? = nil
            for arg in args {
                if fallback != nil {
                    throw query("select() takes its default value last: nothing may follow it", at: start)
                }
                if case .pair(let condition, let value, _) = arg {
                    alternatives.append((condition, value))
                } else {
                    try validateTopLevel(arg)
                    fallback = arg
                }
            }
            return .select(alternatives, fallback: fallback)
        }

        if namespace == "diff" && (name == "changedAny" || name == "changedOnly") {
            let (args, selector, _) = try parseArguments(selectorAt: 2)
            guard args.count == 3, let selector else {
                throw query("\(qualified)() takes 3 arguments (before, after, selector), got \(args.count)", at: start)
            }
            for arg in args.prefix(2) { try validateTopLevel(arg) }
            return .diff(only: name == "changedOnly", args[0], args[1], selector)
        }
        if namespace == "delta" && (name == "changedAny" || name == "changedOnly") {
            let (args, selector, _) = try parseArguments(selectorAt: 0)
            guard args.count == 1, let selector else {
                throw query("\(qualified)() takes 1 argument (a selector), got \(args.count)", at: start)
            }
            return .delta(only: name == "changedOnly", selector)
        }

        let (args, _, _) = try parseArguments()
        for arg in args { try validateTopLevel(arg) }

        if skimCustomCalls && namespace != "global"
            && (customFunctions[qualified] != nil || FunctionLibrary.function(namespace: namespace, name: name) == nil)
        {
            return .literal(.null)
        }
        if let custom = customFunctions[qualified] {
            guard args.count == 1 else {
                throw query("\(qualified)() takes 1 argument, got \(args.count)", at: start)
            }
            return try expand(custom, argument: args[0], at: start)
        }

        if namespace == "global" && (name == "before" || name == "after") && args.isEmpty {
            return .context(name)
        }
        if namespace == "delta" && name == "operation" {
            guard args.isEmpty else { throw query("delta::operation() takes no arguments, got \(args.count)", at: start) }
            return .context("operation")
        }
        if namespace == "global" && name == "boost" {
            guard allowBoost else {
                throw query("boost() is only allowed inside score()", at: start)
            }
        }
        if namespace == "global" && name == "anywhere" {
            throw query("anywhere() is only allowed inside a diff::changedAny() selector", at: start)
        }
        guard let function = FunctionLibrary.function(namespace: namespace, name: name) else {
            let customNamespace = customFunctions.keys.contains { $0.hasPrefix("\(namespace)::") }
            if !FunctionLibrary.namespaces.contains(namespace) && !customNamespace {
                throw query("unknown function namespace '\(namespace)::' (known: \(FunctionLibrary.namespaces.sorted().joined(separator: ", ")))", at: start)
            }
            throw query("unknown function \(qualified)()\(FunctionLibrary.suggestion(for: name, in: namespace))", at: start)
        }
        guard function.arity.contains(args.count) else {
            throw query("\(function.displayName)() takes \(function.arityDescription), got \(args.count)", at: start)
        }
        return .call(FunctionCall(function: function, arguments: args, offset: start))
    }

    /// `base | order(…)` / `base | score(…)`; `pos` is just after the `|`.
    mutating func parsePipeCall(base: Node, pipeOffset: Int) throws(GROQError) -> Node {
        skipWS()
        let nameStart = pos
        guard var name = identifier() else {
            throw syntax("expected a pipe function such as order() or score() after '|', found \(describeHere())", at: pos)
        }
        if peek() == UInt8(ascii: ":"), peek(1) == UInt8(ascii: ":") {
            guard name == "global" else {
                throw query("pipe functions live in the global namespace: '\(name)::' cannot follow '|'", at: nameStart)
            }
            pos += 2
            skipWS()
            guard let unqualified = identifier() else {
                throw syntax("expected a pipe function name after 'global::'", at: pos)
            }
            name = unqualified
            skipWS()
        }
        guard peek() == UInt8(ascii: "(") else {
            throw syntax("expected '(' after the pipe function \(name)", at: pos)
        }
        pos += 1
        let savedBoost = allowBoost
        if name == "score" { allowBoost = true }
        let (args, _, ranges) = try parseArguments()
        allowBoost = savedBoost
        guard let function = PipeFunction(rawValue: name) else {
            if name == "select" || FunctionLibrary.function(namespace: "global", name: name) != nil {
                let members = ranges.map { text($0.lowerBound, $0.upperBound) }.joined(separator: ", ")
                let hint = name == "select" && !ranges.isEmpty
                    ? " To pick fields, use a projection instead: `{\(members)}`."
                    : " Call it as \(name)(…) outside the pipe."
                throw query("\(name)() is not a pipe function: only order() and score() can follow '|'.\(hint)", at: nameStart)
            }
            name = String(name)
            throw query("unknown pipe function \(name)(): only order() and score() can follow '|'", at: nameStart)
        }
        guard !args.isEmpty else {
            throw query("\(name)() needs at least one argument", at: nameStart)
        }
        if function == .score && !Self.isDocumentArray(base) {
            throw query("score() ranks documents: apply it to *, a filter such as *[_type == \"post\"], a slice or another pipe, then project", at: nameStart)
        }
        for arg in args {
            switch arg {
            case .asc(let inner, _), .desc(let inner, _):
                guard function == .order else {
                    throw query("asc/desc is only allowed in order()", at: nameStart)
                }
                try validateTopLevel(inner)
            default:
                try validateTopLevel(arg)
            }
        }
        return .pipe(function, base, args)
    }

    private static func isDocumentArray(_ node: Node) -> Bool {
        switch node {
        case .everything, .filter, .slice, .pipe, .arrayCoerce, .array, .parameter, .literal(.array): return true
        case .group(let inner): return isDocumentArray(inner)
        default: return false
        }
    }

    // MARK: Custom functions

    /// `fn ns::name($param) = body;` — recorded now, expanded where it is called.
    mutating func parseFunctionDeclaration() throws(GROQError) {
        let start = pos
        pos += 2
        skipWS()
        guard let namespace = identifier() else { throw syntax("expected a function name after 'fn'", at: pos) }
        skipWS()
        guard peek() == UInt8(ascii: ":"), peek(1) == UInt8(ascii: ":") else {
            throw syntax("expected '::' after the namespace of a custom function (fn ns::name($p) = …;)", at: pos)
        }
        pos += 2
        skipWS()
        guard let name = identifier() else { throw syntax("expected a function name after '::'", at: pos) }
        try expect(UInt8(ascii: "("), "'(' after the function name")
        var parameters: [String] = []
        skipWS()
        while peek() != UInt8(ascii: ")") {
            guard peek() == UInt8(ascii: "$") else { throw syntax("expected a parameter such as $value", at: pos) }
            pos += 1
            guard let p = identifier() else { throw syntax("expected a parameter name after '$'", at: pos) }
            parameters.append(p)
            skipWS()
            if peek() == UInt8(ascii: ",") {
                pos += 1
                skipWS()
            } else if peek() != UInt8(ascii: ")") {
                throw syntax("expected ',' or ')' in the parameter list", at: pos)
            }
        }
        pos += 1
        guard parameters.count == 1 else {
            throw query("a custom function takes exactly one parameter, \(namespace)::\(name) declares \(parameters.count)", at: start)
        }
        try expect(UInt8(ascii: "="), "'=' before the function body")
        skipWS()
        let bodyStart = pos
        let qualified = "\(namespace)::\(name)"
        customFunctions[qualified] = CustomFunction(name: qualified, parameter: parameters[0], bodyStart: bodyStart, offset: start)
        // Parse once now to find the end of the body and to reject a malformed body early.
        var probe = self
        probe.expanding.insert(qualified)
        probe.functionParameter = parameters[0]
        probe.skimCustomCalls = true
        _ = try probe.parseCustomBody(bodyStart: bodyStart, parameter: parameters[0], name: qualified)
        pos = probe.pos
        try expect(UInt8(ascii: ";"), "';' after the body of \(qualified)")
    }

    private mutating func expand(_ custom: CustomFunction, argument: Node, at offset: Int) throws(GROQError) -> Node {
        if skimCustomCalls { return .literal(.null) }
        guard !expanding.contains(custom.name) else {
            throw query("\(custom.name) calls itself: recursive custom functions are not allowed", at: offset)
        }
        var inner = self
        inner.expanding.insert(custom.name)
        inner.functionParameter = custom.parameter
        let body = try inner.parseCustomBody(bodyStart: custom.bodyStart, parameter: custom.parameter, name: custom.name)
        return Self.substitute(body, argument)
    }

    /// The body must be `$p{…}`, `$p->{…}`, `$p[]{…}` or `$p[]->{…}`, and may use `^` only
    /// inside its own nested scopes.
    private mutating func parseCustomBody(bodyStart: Int, parameter: String, name: String) throws(GROQError) -> Node {
        pos = bodyStart
        let body = try parseExpr(0)
        let projectionBody: Node
        switch body {
        case .projection(.parameter(parameter, _), let object), .projection(.dereference(.parameter(parameter, _)), let object):
            projectionBody = object
        case .map(.arrayCoerce(.parameter(parameter, _)), let inner):
            switch inner {
            case .projection(.this, let object), .projection(.dereference(.this), let object):
                projectionBody = object
            default:
                throw query("the body of \(name) must be a projection of $\(parameter): $\(parameter){…}, $\(parameter)->{…}, $\(parameter)[]{…} or $\(parameter)[]->{…}", at: bodyStart)
            }
        default:
            throw query("the body of \(name) must be a projection of $\(parameter): $\(parameter){…}, $\(parameter)->{…}, $\(parameter)[]{…} or $\(parameter)[]->{…}", at: bodyStart)
        }
        try Self.validateCustomBody(projectionBody, level: 0, name: name, at: bodyStart, source: source)
        return body
    }

    private static func validateCustomBody(_ node: Node, level: Int, name: String, at offset: Int, source: String) throws(GROQError) {
        func check(_ n: Node, _ l: Int) throws(GROQError) { try validateCustomBody(n, level: l, name: name, at: offset, source: source) }
        switch node {
        case .parameter(let p, let position):
            throw GROQError(.query, "$\(p) may only be the base of the body of \(name), not used inside it", at: position, in: source)
        case .parent(let n):
            if n > level {
                throw GROQError(.query, "'^' in \(name) refers to a scope outside the function", at: offset, in: source)
            }
        case .projection(let base, let expr), .filter(let base, let expr):
            try check(base, level)
            try check(expr, level + 1)
        case .pipe(_, let base, let args):
            try check(base, level)
            for a in args { try check(a, level + 1) }
        case .map(let base, let expr), .flatMap(let base, let expr):
            try check(base, level)
            try check(expr, level)
        case .attribute(let base, _), .element(let base, _), .slice(let base, _, _, _), .dereference(let base),
            .arrayCoerce(let base), .group(let base), .not(let base), .negate(let base), .plus(let base),
            .asc(let base, _), .desc(let base, _):
            try check(base, level)
        case .object(let entries):
            for entry in entries {
                switch entry {
                case .value(_, let v), .splat(let v): try check(v, level)
                case .conditional(let c, let v):
                    try check(c, level)
                    try check(v, level)
                }
            }
        case .array(let elements):
            for e in elements { try check(e.value, level) }
        case .record(_, let values):
            for v in values { try check(v, level) }
        case .and(let l, let r), .or(let l, let r), .binary(_, let l, let r):
            try check(l, level)
            try check(r, level)
        case .inRange(let a, let l, let r, _):
            try check(a, level)
            try check(l, level)
            try check(r, level)
        case .call(let call):
            for a in call.arguments { try check(a, level) }
        case .select(let alternatives, let fallback):
            for (c, v) in alternatives {
                try check(c, level)
                try check(v, level)
            }
            if let fallback { try check(fallback, level) }
        default:
            break
        }
    }

    /// Replaces the parameter at the base of a custom function body by the call's argument.
    private static func substitute(_ body: Node, _ argument: Node) -> Node {
        switch body {
        case .projection(.parameter, let object): return .projection(argument, object)
        case .projection(.dereference(.parameter), let object): return .projection(.dereference(argument), object)
        case .map(.arrayCoerce(.parameter), let inner): return .map(.arrayCoerce(argument), inner)
        default: return body
        }
    }

    // MARK: Selectors

    /// A diff selector: `attr`, `a.b`, `a[]`, `a[filter]`, `(s1, s2)`, `a.(s1, s2)`, `anywhere(expr)`.
    mutating func parseSelector() throws(GROQError) -> Selector {
        skipWS()
        let start = pos
        var selector: Selector
        if peek() == UInt8(ascii: "(") {
            selector = try parseSelectorGroup()
        } else if let name = identifier() {
            if peek() == UInt8(ascii: "(") {
                guard name == "anywhere" else {
                    throw query("invalid selector: only anywhere(…) may be called in a selector", at: start)
                }
                pos += 1
                let (args, _, _) = try parseArguments()
                guard args.count == 1 else { throw query("anywhere() takes 1 argument, got \(args.count)", at: start) }
                selector = .anywhere(args[0])
            } else {
                selector = .attribute(nil, name)
            }
        } else {
            throw query("invalid selector: expected an attribute name, '(', or anywhere(…), found \(describeHere())", at: start)
        }
        let entryDepth = depth
        defer { depth = entryDepth }
        while true {
            let save = pos
            try deepen(at: pos)
            skipWS()
            if peek() == UInt8(ascii: ".") {
                pos += 1
                skipWS()
                if peek() == UInt8(ascii: "(") {
                    selector = .nested(selector, try parseSelectorGroup())
                } else if let name = identifier() {
                    selector = .attribute(selector, name)
                } else {
                    throw query("invalid selector: expected an attribute name or '(' after '.'", at: pos)
                }
            } else if peek() == UInt8(ascii: "[") {
                let bracket = pos
                pos += 1
                skipWS()
                if peek() == UInt8(ascii: "]") {
                    pos += 1
                    selector = .arrayCoerce(selector)
                    continue
                }
                let expr = try parseExpr(0)
                try expect(UInt8(ascii: "]"), "']' to close the selector filter")
                switch Self.constantValue(expr) {
                case .number?: throw query("invalid selector: array indexes are not allowed, use [] or a filter", at: bracket)
                case .string(let name)?: selector = .attribute(selector, name)
                default: selector = .filter(selector, expr)
                }
            } else {
                pos = save
                return selector
            }
        }
    }

    private mutating func parseSelectorGroup() throws(GROQError) -> Selector {
        let entryDepth = depth
        defer { depth = entryDepth }
        try deepen(at: pos)
        pos += 1
        var members = [try parseSelector()]
        skipWS()
        while peek() == UInt8(ascii: ",") {
            pos += 1
            members.append(try parseSelector())
            skipWS()
        }
        guard peek() == UInt8(ascii: ")") else {
            throw query("invalid selector: expected ',' or ')', found \(describeHere())", at: pos)
        }
        pos += 1
        return members.count == 1 ? .group(members[0]) : .tuple(members)
    }
}
