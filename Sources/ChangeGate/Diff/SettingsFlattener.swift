/// Flattens parsed files into settings keyed by ``KeyPath``.
public enum SettingsFlattener {
    /// Every setting of `config`, in document order.
    ///
    /// A file with several documents prefixes each with `[doc=ID]`: `Kind/name` (or
    /// `Kind/namespace/name`) for a Kubernetes-style document whose identity is unique in the file, so
    /// that reordering documents changes nothing; the document's index otherwise.
    public static func settings(of config: ParsedConfig) -> [Setting] {
        var out: [Setting] = []
        let documents = config.documents
        if documents.count == 1 {
            flatten(documents[0], path: "", overridden: [], into: &out)
            return out
        }
        let identities = documents.map(kubernetesIdentity)
        var counts: [String: Int] = [:]
        for case let id? in identities { counts[id, default: 0] += 1 }
        for (index, document) in documents.enumerated() {
            let id = identities[index].flatMap { counts[$0] == 1 ? $0 : nil } ?? String(index)
            flatten(document, path: KeyPath.appending(field: "doc", value: id, to: ""), overridden: [], into: &out)
        }
        return out
    }

    /// The settings as a dictionary by key path (the last wins should two paths collide).
    public static func settingsByKey(of config: ParsedConfig) -> [String: Setting] {
        var byKey: [String: Setting] = [:]
        for setting in settings(of: config) { byKey[setting.key] = setting }
        return byKey
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
        _ node: ConfigNode, path: String, overridden: [SourcePosition], into out: inout [Setting]
    ) {
        switch node.value {
        case .map(let map) where !map.isEmpty:
            for entry in map.entries {
                flatten(
                    entry.node, path: KeyPath.appending(key: entry.key, to: path),
                    overridden: entry.overriddenPositions, into: &out)
            }
        case .list(let items) where !items.isEmpty:
            if let field = identityField(of: items) {
                for item in items {
                    guard case .map(let map) = item.value, let id = map[field]?.value.scalarText else { continue }
                    flatten(
                        item, path: KeyPath.appending(field: field, value: id, to: path), overridden: [], into: &out)
                }
            } else {
                for (index, item) in items.enumerated() {
                    flatten(item, path: KeyPath.appending(index: index, to: path), overridden: [], into: &out)
                }
            }
        default:
            out.append(Setting(key: path, value: node.value, position: node.position, overriddenPositions: overridden))
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
        fields: for field in KeyPath.listIdentityFields {
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
