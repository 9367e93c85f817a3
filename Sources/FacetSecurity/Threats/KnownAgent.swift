/// A class of automated client, each answered as ``ThreatPolicy/automation`` says.
public enum AutomationClass: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    /// Crawlers that collect content to train or feed AI models.
    case aiScraper = "ai-scraper"
    /// Search-engine and link-preview crawlers: a private studio API has nothing for them.
    case searchCrawler = "search-crawler"
    /// Scripted browsers (HeadlessChrome, Puppeteer, Playwright, Selenium).
    case headlessBrowser = "headless-browser"
    /// HTTP libraries and command-line tools: often legitimate integrations.
    case scriptClient = "script-client"
    /// No `User-Agent` at all: every browser and mainstream library sends one.
    case missingUserAgent = "missing-user-agent"
    /// Requests at machine-regular intervals.
    case regularCadence = "regular-cadence"
    /// Walking through documents: sequential ids, or many distinct ones per minute.
    case enumeration
}

/// A user agent recognised as automated: a case-insensitive substring of the `User-Agent`
/// header, its class and how suspicious it is.
public struct KnownAgent: Sendable, Equatable {
    /// Matched case-insensitively anywhere in the header.
    public let token: String
    public var automation: AutomationClass
    /// 0–100.
    public var score: Int

    /// `token` folded once, not on every request.
    let foldedToken: FoldedToken

    public init(_ token: String, _ automation: AutomationClass, score: Int) {
        self.token = token
        self.automation = automation
        self.score = score
        foldedToken = FoldedToken(token)
    }

    /// The agents Facet recognises out of the box; more specific tokens come first, because the
    /// first match wins (`Applebot-Extended` is an AI crawler, `Applebot` a search one).
    public static let catalogue: [KnownAgent] = [
        // AI training and answer-engine crawlers.
        KnownAgent("GPTBot", .aiScraper, score: 90),
        KnownAgent("ChatGPT-User", .aiScraper, score: 85),
        KnownAgent("OAI-SearchBot", .aiScraper, score: 85),
        KnownAgent("ClaudeBot", .aiScraper, score: 90),
        KnownAgent("Claude-Web", .aiScraper, score: 85),
        KnownAgent("anthropic-ai", .aiScraper, score: 90),
        KnownAgent("Google-Extended", .aiScraper, score: 90),
        KnownAgent("Applebot-Extended", .aiScraper, score: 90),
        KnownAgent("CCBot", .aiScraper, score: 90),
        KnownAgent("PerplexityBot", .aiScraper, score: 90),
        KnownAgent("Perplexity-User", .aiScraper, score: 85),
        KnownAgent("Bytespider", .aiScraper, score: 95),
        KnownAgent("Amazonbot", .aiScraper, score: 85),
        KnownAgent("meta-externalagent", .aiScraper, score: 90),
        KnownAgent("FacebookBot", .aiScraper, score: 85),
        KnownAgent("cohere-ai", .aiScraper, score: 90),
        KnownAgent("Diffbot", .aiScraper, score: 85),
        KnownAgent("YouBot", .aiScraper, score: 85),
        KnownAgent("Timpibot", .aiScraper, score: 85),
        KnownAgent("ImagesiftBot", .aiScraper, score: 85),
        KnownAgent("Omgilibot", .aiScraper, score: 85),
        // Search engines and link previews.
        KnownAgent("Googlebot", .searchCrawler, score: 70),
        KnownAgent("bingbot", .searchCrawler, score: 70),
        KnownAgent("DuckDuckBot", .searchCrawler, score: 70),
        KnownAgent("YandexBot", .searchCrawler, score: 70),
        KnownAgent("Baiduspider", .searchCrawler, score: 70),
        KnownAgent("Applebot", .searchCrawler, score: 65),
        KnownAgent("facebookexternalhit", .searchCrawler, score: 65),
        KnownAgent("Twitterbot", .searchCrawler, score: 60),
        KnownAgent("AhrefsBot", .searchCrawler, score: 75),
        KnownAgent("SemrushBot", .searchCrawler, score: 75),
        KnownAgent("MJ12bot", .searchCrawler, score: 75),
        // Scripted browsers.
        KnownAgent("HeadlessChrome", .headlessBrowser, score: 60),
        KnownAgent("PhantomJS", .headlessBrowser, score: 65),
        KnownAgent("Puppeteer", .headlessBrowser, score: 60),
        KnownAgent("Playwright", .headlessBrowser, score: 60),
        KnownAgent("Selenium", .headlessBrowser, score: 60),
        // Libraries and tools: integrations use them too, so they score low.
        KnownAgent("Scrapy", .scriptClient, score: 60),
        KnownAgent("python-requests", .scriptClient, score: 35),
        KnownAgent("python-urllib", .scriptClient, score: 35),
        KnownAgent("aiohttp", .scriptClient, score: 30),
        KnownAgent("httpx", .scriptClient, score: 30),
        KnownAgent("Go-http-client", .scriptClient, score: 30),
        KnownAgent("libwww-perl", .scriptClient, score: 40),
        KnownAgent("Wget", .scriptClient, score: 30),
        KnownAgent("curl/", .scriptClient, score: 20),
        KnownAgent("okhttp", .scriptClient, score: 20),
        KnownAgent("node-fetch", .scriptClient, score: 20),
        KnownAgent("axios", .scriptClient, score: 20),
    ]

    /// The position in `agents` of the first agent whose token `userAgent` contains.
    static func matchIndex(_ userAgent: String, in agents: [KnownAgent]) -> Int? {
        let folded = FoldedText(userAgent)
        return agents.firstIndex { folded.contains($0.foldedToken) }
    }
}
