/// Comparisons whose time does not depend on where two secrets differ, so that a caller cannot
/// find a signature or a token byte by byte from the answers' timing.
enum ConstantTime {
    /// Whether `a` and `b` are equal, reading every byte of both whatever they hold; only the
    /// lengths (not secret: a SHA-256 is always 32 bytes) end the comparison early.
    static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
