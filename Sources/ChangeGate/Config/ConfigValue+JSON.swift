// Here rather than beside JSONValue: Support/ sits below the flow and knows no folder's types.
extension JSONValue {
    /// A configuration value as native JSON.
    ///
    /// - Parameter value: The value; maps keep their keys' order.
    public init(_ value: ConfigValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .integer(let i): self = .integer(i)
        case .float(let d): self = .number(d)
        case .string(let s): self = .string(s)
        case .list(let items): self = .array(items.map { JSONValue($0.value) })
        case .map(let map): self = .object(map.entries.map { ($0.key, JSONValue($0.node.value)) })
        }
    }

    /// A configuration value as native JSON, `null` when absent.
    ///
    /// - Parameter value: The value, or nil.
    public init(_ value: ConfigValue?) {
        self = value.map { JSONValue($0) } ?? .null
    }
}
