import Foundation

/// The distribution functions the trend tests need: normal, chi-square and Student t tails.
public enum Distributions {
    /// P(Z ≤ z) for a standard normal Z.
    public static func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// The standard normal quantile, by Acklam's rational approximation refined with one Halley
    /// step (relative error near machine precision).
    public static func normalQuantile(_ p: Double) -> Double {
        guard p > 0 else { return -.infinity }
        guard p < 1 else { return .infinity }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = normalCDF(x) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// The Student t quantile with ν degrees of freedom, by the Cornish–Fisher expansion around
    /// the normal quantile (Abramowitz and Stegun 26.7.5); within 0.2% of the exact value for ν ≥ 3.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        let z = normalQuantile(p)
        let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z
        return z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu * nu)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu * nu * nu)
            + (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92_160 * nu * nu * nu * nu)
    }

    /// P(χ²ₖ ≥ x): the p-value of a chi-square statistic with k degrees of freedom.
    public static func chiSquareSurvival(_ x: Double, degreesOfFreedom k: Double) -> Double {
        guard x > 0 else { return 1 }
        return regularizedUpperGamma(k / 2, x / 2)
    }

    /// Q(s, x) = Γ(s, x)/Γ(s): the series for x < s + 1, Lentz's continued fraction otherwise
    /// (each converges fast on its side).
    static func regularizedUpperGamma(_ s: Double, _ x: Double) -> Double {
        guard x > 0 else { return 1 }
        let logPrefactor = s * log(x) - x - logGamma(s)
        if x < s + 1 {
            var term = 1 / s, sum = term, n = s
            for _ in 0..<10_000 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return max(0, 1 - sum * exp(logPrefactor))
        }
        let tiny = 1e-300
        var b = x + 1 - s, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - s)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return min(1, exp(logPrefactor) * h)
    }
}
