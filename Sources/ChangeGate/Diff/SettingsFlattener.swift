/// Flattens parsed files into settings keyed by ``SettingPath``.
public enum SettingsFlattener {
    /// Every setting of `config`, in document order.
    ///
    /// A YAML document's keys depend on that document alone, so that adding, removing or moving
    /// another document beside it changes none of them (issue 16):
    /// - a Kubernetes-style document (a map with a string `kind` and a string `metadata.name`) is
    ///   always prefixed `[doc=Kind/name]`, or `[doc=Kind/namespace/name]`, even alone in its file;
    ///   should the identity repeat in the file, the later ones add their rank: `[doc=Kind/name#1]`;
    /// - the first document without that identity has no prefix (a Patroni file, a Helm values file),
    ///   and the later ones their rank among such documents: `[doc=1]`, `[doc=2]`;
    /// - an empty document (`---` alone, `~`) holds no setting and takes no rank.
    /// Other formats have one document, keyed from its root.
    /// Throws when the paths would exceed `limits.maxFlattenedBytes`.
    ///
    /// - Parameters:
    ///   - config: The parsed file.
    ///   - limits: The bounds; ``ReaderLimits/maxFlattenedBytes`` applies.
    /// - Returns: The settings, in document order.
    /// - Throws: ``ConfigError`` when the paths would exceed `limits.maxFlattenedBytes`.
    public static func settings(of config: ParsedConfig, limits: ReaderLimits = .default) throws(ConfigError)
        -> [Setting]
    {
        var out = Output(limit: limits.maxFlattenedBytes, path: config.path)
        guard config.format == .yaml else {
            for document in config.documents {
                try flatten(document, path: "", overridden: [], into: &out)
            }
            return out.settings
        }
        // How many documents of each identity came before ("" for those without one).
        var ranks: [String: Int] = [:]
        for document in config.documents {
            if case .null = document.value { continue }
            let identity = kubernetesIdentity(document)
            let rank = ranks[identity ?? "", default: 0]
            ranks[identity ?? ""] = rank + 1
            let prefix: String
            switch (identity, rank) {
            case (nil, 0): prefix = ""
            case (nil, _): prefix = SettingPath.appending(field: "doc", value: String(rank), to: "")
            case (let id?, 0): prefix = SettingPath.appending(field: "doc", value: id, to: "")
            case (let id?, _): prefix = SettingPath.appending(field: "doc", value: "\(id)#\(rank)", to: "")
            }
            try flatten(document, path: prefix, overridden: [], into: &out)
        }
        return out.settings
    }

    /// The settings as a dictionary by key path (the last wins should two paths collide).
    ///
    /// - Parameters:
    ///   - config: The parsed file.
    ///   - limits: The bounds; ``ReaderLimits/maxFlattenedBytes`` applies.
    /// - Returns: The settings by key path.
    /// - Throws: ``ConfigError`` when the paths would exceed `limits.maxFlattenedBytes`.
    public static func settingsByKey(of config: ParsedConfig, limits: ReaderLimits = .default) throws(ConfigError)
        -> [String: Setting]
    {
        let settings = try settings(of: config, limits: limits)
        var byKey: [String: Setting] = [:]
        byKey.reserveCapacity(settings.count)
        for setting in settings { byKey[setting.key] = setting }
        return byKey
    }

    /// Collects settings and keeps the running size under the limit.
    private struct Output {
        let limit: Int
        let path: String
        var settings: [Setting] = []
        var bytes = 0

        mutating func append(_ setting: Setting) throws(ConfigError) {
            bytes += setting.key.utf8.count + 16
            if bytes > limit {
                throw ConfigError(
                    .tooLarge, path: path, at: setting.position,
                    "the file's settings would take more than \(limit) bytes of key paths (very long keys repeated, or aliased, many times)"
                )
            }
            settings.append(setting)
        }
    }

    static func kubernetesIdentity(_ document: ConfigNode) -> String? {
        guard case .map(let map) = document.value, case .string(let kind)? = map["kind"]?.value,
            case .map(let metadata)? = map["metadata"]?.value, case .string(let name)? = metadata["name"]?.value
        else { return nil }
        if case .string(let namespace)? = metadata["namespace"]?.value {
            return "\(kind)/\(namespace)/\(name)"
        }
        return "\(kind)/\(name)"
    }

    private static func flatten(
        _ node: ConfigNode, path: String, overridden: [SourcePosition], into out: inout Output
    ) throws(ConfigError) {
        switch node.value {
        case .map(let map) where !map.isEmpty:
            for entry in map.entries {
                try flatten(
                    entry.node, path: SettingPath.appending(key: entry.key, to: path),
                    overridden: entry.overriddenPositions, into: &out)
            }
        case .list(let items) where !items.isEmpty:
            if let field = identityField(of: items) {
                for item in items {
                    guard case .map(let map) = item.value, let id = map[field]?.value.scalarText else { continue }
                    try flatten(
                        item, path: SettingPath.appending(field: field, value: id, to: path), overridden: [], into: &out
                    )
                }
            } else {
                for (index, item) in items.enumerated() {
                    try flatten(item, path: SettingPath.appending(index: index, to: path), overridden: [], into: &out)
                }
            }
        default:
            try out.append(
                Setting(key: path, value: node.value, position: node.position, overriddenPositions: overridden))
        }
    }

    /// The first of `name`, `id`, `key` that every item (all maps) has as a string, integer or
    /// bool, with no two items alike.
    static func identityField(of items: [ConfigNode]) -> String? {
        var maps: [ConfigMap] = []
        maps.reserveCapacity(items.count)
        for item in items {
            guard case .map(let map) = item.value else { return nil }
            maps.append(map)
        }
        fields: for field in SettingPath.listIdentityFields {
            var seen = Set<String>()
            for map in maps {
                guard let value = map[field]?.value else { continue fields }
                switch value {
                case .string, .integer, .bool:
                    guard seen.insert(value.scalarText!).inserted else { continue fields }
                default:
                    continue fields
                }
            }
            return field
        }
        return nil
    }
}
