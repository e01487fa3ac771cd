/// git's rules for a ref name (`git check-ref-format`), so that the hook refuses input naming a ref
/// git could never have written: such a name matches no `--protect` pattern, and would pass unjudged.
public enum RefName {
    /// Why `name` is not a full ref name git accepts, or nil when it is.
    ///
    /// - Parameter name: A ref name (`refs/heads/main`).
    /// - Returns: What is wrong with it, or nil.
    public static func problem(_ name: String) -> String? {
        guard name.hasPrefix("refs/") else { return "the ref name does not start with refs/" }
        for scalar in name.unicodeScalars {
            switch scalar.value {
            case 0..<0x20, 0x7F:
                return "the ref name holds a control character (U+\(hex(scalar.value)))"
            default: break
            }
            if " ~^:?*[\\".unicodeScalars.contains(scalar) {
                return "the ref name holds \"\(scalar)\", which git does not allow in one"
            }
        }
        if name.contains("..") { return "the ref name holds \"..\"" }
        if name.contains("@{") { return "the ref name holds \"@{\"" }
        if name.contains("//") || name.hasSuffix("/") { return "the ref name has an empty component" }
        if name.hasSuffix(".") { return "the ref name ends with \".\"" }
        for component in name.split(separator: "/") {
            if component.hasPrefix(".") { return "a component of the ref name starts with \".\"" }
            if component.hasSuffix(".lock") { return "a component of the ref name ends with \".lock\"" }
        }
        return nil
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
