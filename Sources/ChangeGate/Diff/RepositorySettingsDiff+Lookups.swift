/// Single files and settings, for the gate's `head(…)`, the revert look-back and the failover model:
/// read through the same caches as the diff.
extension RepositorySettingsDiff {
    /// The flattened settings of the file at `path` in `commit`, or nil when there is no such file
    /// or it cannot be read (the diff reports why). With `keys`, only those of them the file has.
    package mutating func values(of path: String, at commit: ObjectID, keys: Set<String>? = nil) throws(GitError)
        -> [String: ConfigValue]?
    {
        guard let blob = try repository.file(at: path, in: commit) else { return nil }
        return try values(ofBlob: blob, path: path, keys: keys)
    }

    /// The flattened settings of a blob read as the file at `path` (with `keys`, only those of
    /// them it has), or nil when it cannot be read.
    package mutating func values(ofBlob blob: ObjectID, path: String, keys: Set<String>? = nil) throws(GitError)
        -> [String: ConfigValue]?
    {
        guard let keys else {
            guard let settings = try settings(ofBlob: blob, path: path) else { return nil }
            var values: [String: ConfigValue] = [:]
            values.reserveCapacity(settings.count)
            for setting in settings { values[setting.key] = setting.value }
            Self.addDocumentKeys(from: settings, into: &values, wanted: nil)
            return values
        }
        guard let settings = try settings(ofBlob: blob, path: path) else { return nil }
        // One pass over the file: cheaper than an index of it for the few keys a policy names.
        // (Keys compare as Swift strings, canonically: no byte-level shortcut.)
        var values: [String: ConfigValue] = [:]
        for setting in settings where keys.contains(setting.key) {
            values[setting.key] = setting.value
        }
        if values.count < keys.count { Self.addDocumentKeys(from: settings, into: &values, wanted: keys) }
        return values
    }

    /// True when the settings come from one document: all with the same `[doc=…]` prefix, or none.
    static func holdsOneDocument(_ settings: [Setting]) -> Bool {
        guard let first = settings.first else { return true }
        let document = SettingPath.documentKey(first.key)?.document
        return settings.allSatisfy { SettingPath.documentKey($0.key)?.document == document }
    }

    /// `head("spec.maxSyncReplicas")` on a file whose Cluster is `[doc=Cluster/db]`: a key the file
    /// lacks as written is read from the one document that has it, so a rule across two settings
    /// of a Kubernetes resource works whether the resource is named, or alone in its file. When
    /// several documents have it, none is chosen (the rule reads null, as for a missing key).
    static func addDocumentKeys(
        from settings: [Setting], into values: inout [String: ConfigValue], wanted: Set<String>?
    ) {
        var found: [Substring: (document: Substring, value: ConfigValue)] = [:]
        var ambiguous = Set<Substring>()
        for setting in settings {
            guard let split = SettingPath.documentKey(setting.key), values[String(split.key)] == nil,
                wanted.map({ $0.contains(String(split.key)) }) ?? true
            else { continue }
            if let earlier = found[split.key] {
                if earlier.document != split.document { ambiguous.insert(split.key) }
            } else {
                found[split.key] = (split.document, setting.value)
            }
        }
        for (key, entry) in found where !ambiguous.contains(key) { values[String(key)] = entry.value }
    }

    /// The flattened settings of a blob read as the file at `path`, in document order, or nil when
    /// it cannot be read.
    package mutating func settings(ofBlob blob: ObjectID, path: String) throws(GitError) -> [Setting]? {
        guard let format = format(for: path) ?? ConfigFormat(path: path) else { return nil }
        guard case .settings(let settings, _, _) = try reading(blob, path: path, format: format) else { return nil }
        return settings
    }

    /// The failover systems a blob read as the file at `path` is (``ConfigSystem/detect(in:)``, from
    /// its parse), or nil when it cannot be read.
    package mutating func systems(ofBlob blob: ObjectID, path: String) throws(GitError) -> Set<ConfigSystem>? {
        guard let format = format(for: path) ?? ConfigFormat(path: path) else { return nil }
        guard case .settings(_, _, let systems) = try reading(blob, path: path, format: format) else { return nil }
        return systems
    }

    /// One setting of a blob read as the file at `path`: nil when the blob has no such key or cannot
    /// be read. The blob's keys are indexed on the first lookup.
    package mutating func setting(_ key: String, ofBlob blob: ObjectID, path: String) throws(GitError) -> Setting? {
        guard let format = format(for: path) ?? ConfigFormat(path: path) else { return nil }
        guard case .settings(let settings, _, _) = try reading(blob, path: path, format: format) else { return nil }
        let cacheKey = readingKey(blob, path: path, format: format)
        if indexes[cacheKey] == nil {
            var index: [String: Int] = [:]
            index.reserveCapacity(settings.count)
            for (position, setting) in settings.enumerated() { index[setting.key] = position }
            indexes[cacheKey] = index
        }
        return indexes[cacheKey]?[key].map { settings[$0] }
    }
}
