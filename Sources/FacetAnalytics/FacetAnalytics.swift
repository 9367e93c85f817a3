/// Statistics and predictive models over plain Swift values: no HTTP, no GROQ.
public enum FacetAnalytics {}
