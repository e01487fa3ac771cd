import Foundation
import PolicyDSL

/// Policies to test against: the ones the project ships, the examples in its docs, and the
/// DESIGN.md example when ../shared is beside the checkout.
enum Corpus {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every `*.policy` file under `policies/` and `examples/`.
    static var shippedPolicies: [SourceFile] {
        var out: [SourceFile] = []
        for folder in ["policies", "examples"] {
            let root = packageRoot.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
                continue
            }
            for case let url as URL in walker where url.pathExtension == "policy" {
                if let text = try? String(contentsOf: url, encoding: .utf8) {
                    out.append(SourceFile(path: String(url.path.dropFirst(packageRoot.path.count + 1)), text: text))
                }
            }
        }
        return out.sorted { $0.path < $1.path }
    }

    /// The ```policy blocks of every Markdown file under `docs/` and of README.md.
    static var documentedPolicies: [SourceFile] {
        var files = [packageRoot.appendingPathComponent("README.md")]
        if let names = try? FileManager.default.contentsOfDirectory(
            atPath: packageRoot.appendingPathComponent("docs").path)
        {
            files += names.filter { $0.hasSuffix(".md") }.sorted().map {
                packageRoot.appendingPathComponent("docs/\($0)")
            }
        }
        var out: [SourceFile] = []
        for file in files {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            out += fencedBlocks(in: text, tag: "policy").enumerated().map { index, block in
                SourceFile(path: "\(file.lastPathComponent)#policy-\(index + 1)@line\(block.line)", text: block.text)
            }
        }
        return out
    }

    /// The example policy of ../shared/DESIGN.md, if present.
    static var designExample: SourceFile? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/DESIGN.md")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let blocks = fencedBlocks(in: text, tag: "").filter { $0.text.hasPrefix("policy \"") }
        return blocks.first.map { SourceFile(path: "DESIGN.md example", text: $0.text) }
    }

    static func fencedBlocks(in markdown: String, tag: String) -> [(line: Int, text: String)] {
        var blocks: [(Int, String)] = []
        var current: [String]? = nil
        var start = 0
        for (index, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if current == nil, line == "```" + tag {
                current = []
                start = index + 2
            } else if current != nil, line == "```" {
                blocks.append((start, current!.joined(separator: "\n") + "\n"))
                current = nil
            } else if current != nil {
                current!.append(String(line))
            }
        }
        return blocks
    }

    /// A policy using every construct, kept here so that the tests never depend on shipped files alone.
    static let everyConstruct = SourceFile(
        path: "every-construct.policy",
        text: """
            # Every construct of the language.
            policy "every construct"

            files "db/**/*.yaml", "db/**/*.yml"
            files "orchestrator/*.conf.json" as json
            files "k8s/**/*.yaml" except "**/templates/**", "k8s/vendor/**"
            files detect patroni
            files "conf/**/*.conf" detect sentinel as redis
            ignore "**/node_modules/**"
            group dba = ["alice@example.com", "bob@example.com", "carol@example.com"]
            group oncall = ["dave@example.com"]
            watch "**.failover.enabled" weight 40 tag failover
            watch "**.failover.**", "members[*].priority" weight 15 tag failover, members
            watch "bootstrap.dcs.ttl" weight 20 tag failover
            risk +30 "production file" when file matches "db/prod/**"
            risk +50 "failover off" when key matches "**.failover.enabled" and new == false
            risk +15 "value more than doubled" when new > old * 2
            risk -25 "restores an earlier value" when reverts
            reverts within 30d stable 24h over 200 commits
            risk +10 "weekend push" when weekday in ["Sat", "Sun"]
            risk +5 "night push" when hour < 6 or hour >= 22
            deny "failover stays on in production"
              when any change (file matches "db/prod/**" and key matches "**.failover.enabled" and new == false)
            deny "ttl rule" when any file (head("bootstrap.dcs.loop_wait") + 2 * head("bootstrap.dcs.retry_timeout") > head("bootstrap.dcs.ttl"))
            require "failover reviewed" when any change (tags has "failover") {
              reviewers >= 1 from dba  # a DBA
              tests "failover-simulation*" passed
            }
            require "high risk" when risk >= 60 {
              reviewers >= 2 from dba
              changed "tests/failover/**"
              risk <= 200
            } override by oncall
            freeze "peak season" from 2026-11-26T00:00Z to 2026-12-01T00:00Z override by oncall
            warn "many failover settings" when count change (tags has "failover") > 10
            warn "stale" when now - 2026-01-01 > 30d and actor not in dba and missing(actor) == false
            """)
}
