import FacetSchema
import GROQ

/// The demo's analytics dashboard: what a new editor sees under Intelligence before any model has
/// run — clients by segment and LIZA tier, revenue by year and channel, the most valuable
/// clients. Each widget is a GROQ query over the seeded documents, drawn by the studio.
enum DemoDashboard {
    static let id = "dashboard-demo-overview"

    static func document(window: ObservationWindow) -> JSONValue {
        let clients = #"_type in ["customer", "lizaCustomer"]"#
        let delivered = #"_type == "salesOrder" && status != "cancelled" && status != "returned""#
        let bySegment = Vocabulary.segments.map { option in
            "\(quoted(option.title)): count(*[\(clients) && segment == \(quoted(option.value.stringValue ?? ""))])"
        }
        let byTier = Vocabulary.lizaTiers.map { option in
            "\(quoted(option.title)): count(*[_type == \"lizaCustomer\" && tier == \(quoted(option.value.stringValue ?? ""))])"
        }
        let byChannel = Vocabulary.salesChannels.map { option in
            "\(quoted(option.title)): math::sum(*[\(delivered) && channel == \(quoted(option.value.stringValue ?? ""))].total)"
        }
        let years = (window.start.year..<window.end.year).map { year in
            "\"\(year)\": math::sum(*[\(delivered) && orderDate >= \"\(year)-01-01\" && orderDate < \"\(year + 1)-01-01\"].total)"
        }
        let widgets: [JSONValue] = [
            widget("clients-by-segment", "Clients by value segment", "bar-chart", "{\(bySegment.joined(separator: ", "))}"),
            widget("revenue-by-year", "Revenue by year", "line-chart", "{\(years.joined(separator: ", "))}"),
            widget("revenue-by-channel", "Revenue by sales channel", "donut-chart", "{\(byChannel.joined(separator: ", "))}"),
            widget("liza-tiers", "LIZA VIPs by tier", "bar-chart", "{\(byTier.joined(separator: ", "))}"),
            widget("top-clients", "Most valuable clients", "table",
                   "*[\(clients)] | order(lifetimeValue desc)[0...8]{name, segment, lifetimeValue}"),
        ]
        return [
            "_id": .string(id), "_type": "analyticsDashboard", "title": "Demo overview",
            "slug": ["_type": "slug", "current": "demo-overview"],
            "description": "The demo CRM at a glance: clients, revenue and the most valuable clients.",
            "audience": ["admin", "manager", "sales", "marketing"],
            "refreshSchedule": "daily",
            "widgets": .array(widgets),
        ]
    }

    private static func widget(_ key: String, _ title: String, _ kind: String, _ query: String) -> JSONValue {
        ["_key": .string(key), "_type": "widget", "title": .string(title), "kind": .string(kind), "query": .string(query),
         "refreshMinutes": 60]
    }

    private static func quoted(_ text: String) -> String {
        "\"\(text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
    }
}
