import TestSupport

/// One generated config file: a fixed body (drawn once from the seed) and a few settings that
/// commits change, so that each version is rendered from the file's state in one pass.
struct SyntheticFile {
    enum Kind: CaseIterable {
        /// `db/<region>/<cluster>/patroni.yml`: Patroni settings, where the failover commits land.
        case patroni
        /// `k8s/<namespace>/<app>/values.yaml`: Helm-style values.
        case helmValues
        /// `services/<service>/database.toml`: a service's database client settings.
        case databaseTOML
        /// `services/<service>/app.json`: application settings the policy does not read.
        case appJSON
        /// `orchestrator/<dc>-orchestrator.conf.json`: orchestrator settings.
        case orchestrator
        /// `k8s/catalog/large-<n>.yaml`: about 1 MiB of generated catalogue.
        case large
        /// `db/<region>/pg-<n>/patroni.yml` of about 620 bytes: the many-small-files shape, where
        /// the walk and the per-file costs matter more than parsing.
        case smallPatroni
    }

    var kind: Kind
    var path: String
    /// Failover settings of a Patroni file: ttl, loop_wait, retry_timeout, maximum_lag_on_failover.
    var failover: [Int] = [30, 10, 10, 1_048_576]
    /// Settings that ordinary commits change.
    var tuning: [Int]
    /// Everything else, rendered once.
    var body: String

    /// The file's content at its current state.
    func render() -> String {
        var text = ""
        text.reserveCapacity(body.utf8.count + 512)
        switch kind {
        case .patroni, .smallPatroni:
            text += "scope: \(path.split(separator: "/").dropLast().last ?? "pg")\nbootstrap:\n  dcs:\n"
            text += "    ttl: \(failover[0])\n    loop_wait: \(failover[1])\n"
            text += "    retry_timeout: \(failover[2])\n    maximum_lag_on_failover: \(failover[3])\n"
            text += "tuning:\n"
            for (index, value) in tuning.enumerated() { text += "  k\(index): \(value)\n" }
            text += body
        case .helmValues, .large:
            text += "tuning:\n"
            for (index, value) in tuning.enumerated() { text += "  k\(index): \(value)\n" }
            text += body
        case .databaseTOML:
            text += "[tuning]\n"
            for (index, value) in tuning.enumerated() { text += "k\(index) = \(value)\n" }
            text += body
        case .appJSON, .orchestrator:
            text += "{\n  \"tuning\": {"
            text += tuning.enumerated().map { "\"k\($0.offset)\": \($0.element)" }.joined(separator: ", ")
            text += "},\n" + body
        }
        return text
    }

    /// A file of `kind` number `index`, its body drawn from `random`.
    static func make(_ kind: Kind, index: Int, random: inout SeededGenerator) -> SyntheticFile {
        let tuning = (0..<6).map { _ in Int.random(in: 1...4096, using: &random) }
        switch kind {
        case .patroni:
            let region = ["eu-west", "us-east", "ap-south", "us-west"][index % 4]
            return SyntheticFile(
                kind: kind, path: "db/\(region)/pg-\(index)/patroni.yml", tuning: tuning,
                body: patroniBody(index: index, random: &random))
        case .helmValues:
            return SyntheticFile(
                kind: kind, path: "k8s/ns-\(index % 40)/app-\(index)/values.yaml", tuning: tuning,
                body: yamlSections(sections: 8, keys: 10, random: &random))
        case .databaseTOML:
            return SyntheticFile(
                kind: kind, path: "services/svc-\(index)/database.toml", tuning: tuning,
                body: tomlSections(sections: 8, keys: 10, random: &random))
        case .appJSON:
            return SyntheticFile(
                kind: kind, path: "services/svc-\(index)/app.json", tuning: tuning,
                body: jsonMembers(members: 8, keys: 10, random: &random))
        case .orchestrator:
            return SyntheticFile(
                kind: kind, path: "orchestrator/dc-\(index)-orchestrator.conf.json", tuning: tuning,
                body: jsonMembers(members: 8, keys: 10, random: &random))
        case .smallPatroni:
            let region = ["eu-west", "us-east", "ap-south", "us-west"][index % 4]
            var body = "restapi:\n  listen: 0.0.0.0:8008\n  connect_address: 10.\(index % 250).0.1:8008\n"
            body += "postgresql:\n  listen: 0.0.0.0:5432\n  data_dir: /var/lib/postgresql/data\n  parameters:\n"
            for parameter in 0..<8 { body += "    p\(parameter)_\(word(&random)): \(value(&random))\n" }
            return SyntheticFile(
                kind: kind, path: "db/\(region)/pg-\(index)/patroni.yml", tuning: tuning, body: body)
        case .large:
            // 1,100 sections of 30 keys: about 1 MiB.
            return SyntheticFile(
                kind: kind, path: "k8s/catalog/large-\(index).yaml", tuning: tuning,
                body: yamlSections(sections: 1_100, keys: 30, random: &random))
        }
    }

    private static func word(_ random: inout SeededGenerator) -> String {
        let words = [
            "alpha", "bravo", "cache", "delta", "edge", "fleet", "gamma", "harbor", "index", "jade", "kilo", "lumen",
        ]
        return words[Int.random(in: 0..<words.count, using: &random)]
    }

    private static func value(_ random: inout SeededGenerator) -> String {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return "\(Int.random(in: 0...100_000, using: &random))"
        case 1: return Bool.random(using: &random) ? "true" : "false"
        default: return "\"\(word(&random))-\(Int.random(in: 0...999, using: &random))\""
        }
    }

    private static func patroniBody(index: Int, random: inout SeededGenerator) -> String {
        var text = "restapi:\n  listen: 0.0.0.0:8008\n  connect_address: 10.\(index % 250).0.1:8008\n"
        text += "postgresql:\n  listen: 0.0.0.0:5432\n  data_dir: /var/lib/postgresql/data\n  parameters:\n"
        for parameter in 0..<60 { text += "    p\(parameter)_\(word(&random)): \(value(&random))\n" }
        text += "tags:\n  nofailover: false\n  noloadbalance: false\n"
        return text
    }

    private static func yamlSections(sections: Int, keys: Int, random: inout SeededGenerator) -> String {
        var text = ""
        for section in 0..<sections {
            text += "s\(section)_\(word(&random)):\n"
            for key in 0..<keys { text += "  k\(key)_\(word(&random)): \(value(&random))\n" }
        }
        return text
    }

    private static func tomlSections(sections: Int, keys: Int, random: inout SeededGenerator) -> String {
        var text = ""
        for section in 0..<sections {
            text += "\n[s\(section)_\(word(&random))]\n"
            for key in 0..<keys { text += "k\(key)_\(word(&random)) = \(value(&random))\n" }
        }
        return text
    }

    /// JSON members after the `"tuning"` member, and the closing brace.
    private static func jsonMembers(members: Int, keys: Int, random: inout SeededGenerator) -> String {
        var sections: [String] = []
        for member in 0..<members {
            let pairs = (0..<keys).map { "\"k\($0)_\(word(&random))\": \(value(&random))" }
            sections.append("  \"s\(member)\": {" + pairs.joined(separator: ", ") + "}")
        }
        return sections.joined(separator: ",\n") + "\n}\n"
    }
}
