import PolicyDSL

extension PolicyValue {
    /// A configuration value as the policy language sees it. Lists keep their items; a map (only an
    /// empty one reaches here as a setting) has no counterpart and reads as an empty list.
    ///
    /// - Parameter value: A setting's value.
    public init(_ value: ConfigValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .integer(let i): self = .integer(i)
        case .float(let d): self = .float(d)
        case .string(let s): self = .string(s)
        case .list(let items): self = .list(items.map { PolicyValue($0.value) })
        case .map: self = .list([])
        }
    }
}
