import FacetAnalytics
import Testing
