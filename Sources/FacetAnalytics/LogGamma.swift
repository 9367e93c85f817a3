import Foundation

/// ln |Γ(x)|, the C library's lgamma. Named so that the Double overload is chosen unambiguously
/// (Glibc also exports an lgamma returning the sign as a tuple).
@inline(__always)
func logGamma(_ x: Double) -> Double {
    let value: Double = lgamma(x)
    return value
}
