import GROQ

extension ThreatPolicy {
    /// The settings a configuration file may change, and what each expects.
    static let configurableKeys = [
        "addressLimit": "{\"perSecond\": number, \"burst\": whole number}",
        "identityLimit": "{\"perSecond\": number, \"burst\": whole number}",
        "automationLimit": "{\"perSecond\": number, \"burst\": whole number}",
        "automation": "{\"ai-scraper\" | \"search-crawler\" | … : \"allow\" | \"flag\" | \"throttle\" | \"refuse\"}",
        "injection": "\"allow\" | \"flag\" | \"throttle\" | \"refuse\"",
        "accountFailureThreshold": "whole number",
        "addressFailureThreshold": "whole number",
        "lockoutCapSeconds": "number",
        "maxInFlight": "whole number",
        "bodyReadTimeoutSeconds": "number",
    ]

    /// The default policy with the settings `json` gives (a configuration file's `"threats"`
    /// object); an unknown key or a value of the wrong kind is an error naming it.
    ///
    /// ```json
    /// {"threats": {"addressLimit": {"perSecond": 50, "burst": 200}, "automation": {"search-crawler": "throttle"}}}
    /// ```
    public init(json: JSONValue) throws(SecurityError) {
        self.init()
        guard case .object(let object) = json else {
            throw SecurityError(.invalid, "\"threats\" must be an object", advice: "Give settings such as {\"addressLimit\": {\"perSecond\": 50, \"burst\": 200}}.")
        }
        for (key, value) in object {
            guard let expected = Self.configurableKeys[key] else {
                throw SecurityError(.invalid, "\"threats\" sets \"\(key)\", which Facet does not know",
                                    advice: "Known settings: \(Self.configurableKeys.keys.sorted().joined(separator: ", ")).")
            }
            func wrong() -> SecurityError {
                SecurityError(.invalid, "\"threats.\(key)\" must be \(expected), not \(value.serialized())")
            }
            func positive(_ value: JSONValue) throws(SecurityError) -> Double {
                guard let number = value.numberValue, number > 0 else { throw wrong() }
                return number
            }
            func whole(_ value: JSONValue) throws(SecurityError) -> Int {
                let number = try positive(value)
                guard number.rounded() == number, number <= 1e12 else { throw wrong() }
                return Int(number)
            }
            func limit() throws(SecurityError) -> RateLimit {
                guard let rate = value["perSecond"], let burst = value["burst"], value.objectValue?.count == 2 else { throw wrong() }
                return RateLimit(perSecond: try positive(rate), burst: try whole(burst))
            }
            func response(_ value: JSONValue) throws(SecurityError) -> ThreatResponse {
                guard let text = value.stringValue, let response = ThreatResponse(rawValue: text) else { throw wrong() }
                return response
            }
            switch key {
            case "addressLimit": addressLimit = try limit()
            case "identityLimit": identityLimit = try limit()
            case "automationLimit": automationLimit = try limit()
            case "automation":
                guard case .object(let classes) = value else { throw wrong() }
                for (name, given) in classes {
                    guard let kind = AutomationClass(rawValue: name) else {
                        throw SecurityError(.invalid, "\"threats.automation\" names \"\(name)\", which is not a class of automation",
                                            advice: "Classes: \(AutomationClass.allCases.map(\.rawValue).joined(separator: ", ")).")
                    }
                    automation[kind] = try response(given)
                }
            case "injection": injection = try response(value)
            case "accountFailureThreshold": accountFailureThreshold = try whole(value)
            case "addressFailureThreshold": addressFailureThreshold = try whole(value)
            case "lockoutCapSeconds": lockoutCap = try positive(value)
            case "maxInFlight": maxInFlight = try whole(value)
            case "bodyReadTimeoutSeconds": bodyReadTimeout = try positive(value)
            default: throw wrong()
            }
        }
    }
}
