/// Redis Sentinel's failover, from its documentation (redis.io "High availability with Redis
/// Sentinel"; src/sentinel.c defaults; ../shared/reference/failover-timers.md § 4).
enum SentinelFailoverModel {
    static let source = "Redis docs: sentinel.md, src/sentinel.c"
    /// Up to 1 s of random desync before the failover starts, ~1 s of election, then promotion.
    static let electAndPromote = 2

    /// Several `known-sentinel` lines are flattened to `known-sentinel[0]`, `[1]`, …: the Sentinels
    /// they name and this one; nil when there is none.
    static func knownSentinels(_ settings: [String: ConfigValue], base: String) -> Int? {
        let prefix = base + "known-sentinel["
        let lines = Set(
            settings.keys.compactMap { key -> Substring? in
                guard key.hasPrefix(prefix) else { return nil }
                return key.dropFirst(prefix.count).prefix { $0 != "]" }
            })
        return lines.isEmpty ? nil : lines.count + 1
    }

    /// One assessment per monitored master.
    static func assess(_ settings: [String: ConfigValue], file: String) -> [FailoverAssessment] {
        let masters = Set(
            settings.keys.compactMap { key -> String? in
                guard key.hasPrefix("sentinel."), key.hasSuffix(".monitor.quorum") else { return nil }
                return String(key.dropFirst("sentinel.".count).dropLast(".monitor.quorum".count))
            }
        ).sorted()
        return masters.map { master in
            var result = FailoverAssessment(system: .sentinel, file: file)
            result.cluster = master
            let base = "sentinel.\(master)."
            func number(_ name: String, default value: Int) -> Int {
                result.input(
                    [(base + name, settings[base + name])], default: value, reported: base + name, semantics: .atoi)
            }
            let quorum = number("monitor.quorum", default: 2)
            let downAfter = number("down-after-milliseconds", default: 30_000)
            let failoverTimeout = number("failover-timeout", default: 180_000)
            let seconds = (downAfter + 999) / 1000 + electAndPromote
            result.bounds.append(
                .init(
                    mode: .nodeLost, seconds: seconds,
                    formula: "down-after-milliseconds / 1000 + election and promotion = \(downAfter / 1000) + "
                        + "\(electAndPromote) (a failed election retries after 2 × failover-timeout = "
                        + "\(2 * failoverTimeout / 1000) s)",
                    source: source))
            // A quorum no deployment can reach is a mistake, not a choice: impossible and broken.
            if quorum < 1 {
                result.impossibleBecause.append("\(base)monitor.quorum is \(quorum): never ODOWN")
                result.violations.append("\(base)monitor.quorum is \(quorum): a quorum is at least 1")
            }
            // The Sentinels this one knows of, and itself, when the file lists them (Sentinel
            // rewrites its file with `known-sentinel` lines).
            let known: Int? =
                switch settings[base + "known-sentinel"] {
                case .list(let items)?: items.count + 1
                case .string?: 2
                default: Self.knownSentinels(settings, base: base)
                }
            if let known {
                result.inputs.append(.init(key: base + "known-sentinel", value: "\(known) Sentinels", assumed: false))
                if quorum > known {
                    let reason =
                        "\(base)monitor.quorum is \(quorum) with \(known) Sentinels: the master is never agreed down"
                    result.impossibleBecause.append(reason)
                    result.violations.append(reason)
                }
            } else {
                result.limits.append(
                    "the number of Sentinels is not in this file (no known-sentinel lines): a quorum above it "
                        + "would never agree")
            }
            result.limits.append("replica-priority is set in each replica's redis.conf, not here")
            return result
        }
    }
}
