import PolicyDSL

/// Evidence read from commit-message trailers (`Reviewed-by:`, `Approved-by:`, `Tested:`).
///
/// A trailer is a claim anyone can type, so it counts only when the policy says `trust trailers`;
/// with `signed with "FILE"`, only in commits whose signature verifies against that file's keys
/// (and, with `committed by GROUP`, by a member of the group). A committer e-mail alone proves
/// nothing, so `committed by` without keys trusts no trailer. Untrusted trailers are still
/// collected, so that reports can say they were seen and why they did not count.
public struct TrailerEvidence: Sendable, Hashable {
    public var reviewers: [ReviewerEvidence]
    /// Trusted `Tested:` trailers, as passed tests.
    public var tests: [TestEvidence]
    /// `Tested:` trailers that did not count, with why.
    public var ignoredTests: [IgnoredTest]

    public struct IgnoredTest: Sendable, Hashable {
        public var test: TestEvidence
        public var reason: String
    }

    /// `signatures` holds the verified signature of each commit (``CommitSignatures``); a commit
    /// missing from it counts as unsigned.
    ///
    /// - Parameters:
    ///   - commits: The change's commits, whose trailers are read.
    ///   - trust: The policy's `trust trailers` line; nil trusts none.
    ///   - groups: The policy's groups, for `committed by GROUP`.
    ///   - identities: The policy's identity map.
    ///   - signatures: Each commit's verified signature.
    public init(
        commits: [CommitInfo], trust: TrailerTrust?, groups: [Group], identities: IdentityMap = IdentityMap(),
        signatures: [ObjectID: SignatureStatus] = [:]
    ) {
        reviewers = []
        tests = []
        ignoredTests = []
        for commit in commits {
            for trailer in commit.trailers {
                guard let name = TrailerTrust.known.first(where: { $0.lowercased() == trailer.key.lowercased() }),
                    !trailer.value.isEmpty
                else { continue }
                let source = "\(name)\(Self.sourceInfix)\(commit.id.short)"
                let distrust = Self.distrust(
                    name, in: commit, trust: trust, groups: groups, identities: identities,
                    signature: signatures[commit.id] ?? .unsigned)
                if name == "Tested" {
                    let test = TestEvidence(name: trailer.value, status: .passed, source: source)
                    if let distrust {
                        ignoredTests.append(IgnoredTest(test: test, reason: distrust))
                    } else {
                        tests.append(test)
                    }
                } else {
                    reviewers.append(
                        ReviewerEvidence(
                            identity: Self.identity(trailer.value), source: source, counts: distrust == nil,
                            reason: distrust))
                }
            }
        }
    }

    /// How an evidence source names a trailer: `Reviewed-by trailer in abc1234`.
    static let sourceInfix = " trailer in "

    /// True when `source` names a trailer (``init(commits:trust:groups:identities:signatures:)``):
    /// evidence a re-judgement reads from the commits again, not from a record of it.
    ///
    /// - Parameter source: An evidence source.
    /// - Returns: Whether it names a trailer.
    public static func isTrailerSource(_ source: String) -> Bool {
        TrailerTrust.known.contains { source.hasPrefix($0 + sourceInfix) }
    }

    /// Why a trailer does not count, or nil when the policy trusts it.
    private static func distrust(
        _ name: String, in commit: CommitInfo, trust: TrailerTrust?, groups: [Group], identities: IdentityMap,
        signature: SignatureStatus
    ) -> String? {
        guard let trust else {
            return "comes from a \(name): trailer, which the policy does not trust (see `trust trailers`)"
        }
        guard trust.trusts(name) else { return "comes from a \(name): trailer, which the policy does not trust" }
        let trailer = "comes from a \(name): trailer in \(commit.id.short)"
        guard let file = trust.signersFile, trust.allowedSigners != nil else {
            guard trust.committerGroup == nil else {
                return "\(trailer), committed as \(commit.committer.email), which anyone can write: `committed by` "
                    + "counts only in signed commits (add `signed with \"FILE\"` to `trust trailers`)"
            }
            return nil
        }
        switch signature {
        case .unsigned:
            return
                "\(trailer), which is not signed (the policy trusts trailers only in commits signed with a key in \(file))"
        case .unverified(let reason):
            return "\(trailer), whose signature does not verify against \(file): \(reason)"
        case .signed(let signer):
            if let groupName = trust.committerGroup,
                groups.first(where: { $0.name == groupName })?.contains(signer, identities: identities) != true
            {
                return "\(trailer), signed by \(signer), who is not in group \(groupName)"
            }
            return nil
        }
    }

    /// `Alice Doe <alice@example.com>` → `alice@example.com`; anything else as written.
    static func identity(_ value: String) -> String {
        if let open = value.lastIndex(of: "<"), let close = value.lastIndex(of: ">"), open < close {
            let inner = value[value.index(after: open)..<close].trimmingWhitespace()
            if !inner.isEmpty { return inner }
        }
        return value.trimmingWhitespace()
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
