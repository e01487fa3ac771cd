/// The failover systems whose configuration files ChangeGate recognises by their content (a
/// policy's `files detect SYSTEM`): upstream projects keep them under names no glob can guess
/// (Patroni's `postgres0.yml`, CloudNativePG's `docs/src/samples/*.yaml`).
public enum ConfigSystem: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case patroni
    /// A CloudNativePG `Cluster` resource.
    case cnpg
    /// MySQL Orchestrator's JSON configuration.
    case orchestrator
    /// A Redis Sentinel configuration (`sentinel monitor …`).
    case sentinel

    public var description: String {
        switch self {
        case .patroni: "Patroni"
        case .cnpg: "CloudNativePG"
        case .orchestrator: "Orchestrator"
        case .sentinel: "Redis Sentinel"
        }
    }

    /// What a file must hold to count, for docs and for the note on a file that was not read.
    public var signature: String {
        switch self {
        case .patroni: "a `bootstrap.dcs` map or `postgresql.data_dir`"
        case .cnpg: "a document with `apiVersion: postgresql.cnpg.io/…` and `kind: Cluster`"
        case .orchestrator:
            "a JSON object with one of Orchestrator's own keys (\(Self.orchestratorKeyNames[0]), …)"
        case .sentinel: "a `sentinel monitor NAME HOST PORT QUORUM` line"
        }
    }

    /// The systems whose configuration `config` is. Pure: runs on the parsing threads.
    ///
    /// - Parameter config: A parsed file.
    /// - Returns: The systems; empty for none.
    public static func detect(in config: ParsedConfig) -> Set<ConfigSystem> {
        var found = Set<ConfigSystem>()
        for document in config.documents {
            guard case .map(let map) = document.value else { continue }
            if isPatroni(map) { found.insert(.patroni) }
            if isCloudNativePGCluster(map) { found.insert(.cnpg) }
            if config.format == .json, map.entries.contains(where: { orchestratorKeys.contains(KeyFolding.go($0.key)) })
            {
                found.insert(.orchestrator)
            }
            if config.format == .redis, case .map(let sentinel)? = map["sentinel"]?.value,
                sentinel.entries.contains(where: { entry in
                    if case .map(let master) = entry.node.value, master["monitor"] != nil { return true }
                    return false
                })
            {
                found.insert(.sentinel)
            }
        }
        return found
    }

    /// The systems whose configuration bytes that could not be parsed look like, by the words
    /// their files cannot do without: a file that fails to parse is then still judged (and its
    /// error fails the check) rather than passed over as "not that system's".
    ///
    /// - Parameter bytes: A file's content.
    /// - Returns: The systems it looks like; empty for none.
    public static func suspected(in bytes: [UInt8]) -> Set<ConfigSystem> {
        let lower = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        func has(_ word: String) -> Bool { ByteSearch.contains(Array(word.utf8), in: lower) }
        var found = Set<ConfigSystem>()
        if (has("bootstrap") && has("dcs")) || has("data_dir") { found.insert(.patroni) }
        if has("postgresql.cnpg.io") { found.insert(.cnpg) }
        if orchestratorKeys.contains(where: has) { found.insert(.orchestrator) }
        if has("sentinel") { found.insert(.sentinel) }
        return found
    }

    /// A line whose first word, as Redis reads it (quotes removed, any case), is `sentinel`: Redis
    /// Sentinel's configuration, never INI.
    ///
    /// - Parameter bytes: A file's content.
    /// - Returns: Whether a line starts with `sentinel`.
    public static func looksLikeSentinel(_ bytes: [UInt8]) -> Bool {
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: true) {
            // Redis's leading `isspace`, then the word up to a space, tab or CR, quotes dropped.
            let body = line.drop { [0x20, 0x09, 0x0D, 0x0B, 0x0C].contains($0) }
            let word = body.prefix { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }
                .filter { $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "'") }
            if word.count == 8, word.map({ $0 | 0x20 }).elementsEqual("sentinel".utf8) { return true }
        }
        return false
    }

    /// Patroni's documentation ("YAML Configuration Settings"): `bootstrap.dcs` is the dynamic
    /// configuration written at bootstrap; `postgresql.data_dir` is required of every member.
    private static func isPatroni(_ map: ConfigMap) -> Bool {
        if case .map(let bootstrap)? = map["bootstrap"]?.value, bootstrap["dcs"] != nil { return true }
        if case .map(let postgresql)? = map["postgresql"]?.value, postgresql["data_dir"] != nil { return true }
        return false
    }

    private static func isCloudNativePGCluster(_ map: ConfigMap) -> Bool {
        guard case .string(let api)? = map["apiVersion"]?.value, case .string(let kind)? = map["kind"]?.value
        else { return false }
        // `kind: List` (what `kubectl get -o yaml` writes, and kubectl applies) holds resources in `items`.
        if kind == "List", case .list(let items)? = map["items"]?.value {
            return items.contains { item in
                if case .map(let resource) = item.value { return isCloudNativePGCluster(resource) }
                return false
            }
        }
        return api.hasPrefix("postgresql.cnpg.io/") && kind == "Cluster"
    }

    /// Keys only Orchestrator's configuration has (its `go/config/config.go`): one is enough, so
    /// that a small file with only its recovery filters counts.
    /// (Lower-cased: Go's encoding/json matches them in any case.)
    static let orchestratorKeys: Set<String> = Set(orchestratorKeyNames.map { KeyFolding.go($0) })

    static let orchestratorKeyNames: [String] = [
        "MySQLTopologyUser", "MySQLTopologyCredentialsConfigFile", "MySQLOrchestratorHost",
        "MySQLOrchestratorCredentialsConfigFile", "RecoverMasterClusterFilters",
        "RecoverIntermediateMasterClusterFilters", "RecoveryPeriodBlockSeconds", "RecoveryPeriodBlockMinutes",
        "FailureDetectionPeriodBlockMinutes", "InstancePollSeconds", "DetectClusterAliasQuery",
        "ApplyMySQLPromotionAfterMasterFailover", "PreventCrossDataCenterMasterFailover",
    ]
}
