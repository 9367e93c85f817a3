import Dispatch

/// Two independent pieces of work run at once, one per core, and both results returned.
///
/// Building a dataset's indexes, writing a batch's documents and its mutations, sorting the
/// two halves of a long list: each pair reads shared immutable input and writes only its own
/// result, so the pair takes as long as the longer of the two.
///
/// ```swift
/// let (ids, references) = SideBySide.run({ idIndex(documents) }, { referenceIndex(documents) })
/// ```
public enum SideBySide {
    public static func run<First, Second>(_ first: () -> First, _ second: () -> Second) -> (First, Second) {
        var results: (First?, Second?) = (nil, nil)
        withoutActuallyEscaping(first) { first in
            withoutActuallyEscaping(second) { second in
                withUnsafeMutablePointer(to: &results) { out in
                    // Each job calls only its own closure and writes only its own half of `out`.
                    nonisolated(unsafe) let (first, second, out) = (first, second, out)
                    DispatchQueue.concurrentPerform(iterations: 2) { job in
                        if job == 0 { out.pointee.0 = first() } else { out.pointee.1 = second() }
                    }
                }
            }
        }
        return (results.0!, results.1!)
    }
}
