import ChangeGate
import Foundation
import Testing

/// The bound on the bytes one decision reads (``ReadBudget``): counted from the objects' headers
/// before anything is read, configurable per request, and covering the revert look-back.
@Suite("Read budget")
struct ReadBudgetTests {
    @Test("over the bound, the diff reads nothing and says what it would have read")
    func refusedBeforeReading() throws {
        var repo = try GitFixture(label: "budget-diff")
        defer { repo.remove() }
        try repo.write("db/a.yaml", "a: 1\n")
        let base = try repo.commit("base")
        try repo.write("db/a.yaml", "a: 2\n" + String(repeating: "# pad\n", count: 200))
        try repo.write("db/b.yaml", "b: 1\n")
        try repo.commit("head")
        let repository = try Repository(path: repo.path)
        var differ = RepositorySettingsDiff(repository: repository)
        differ.maxBytesRead = 1_000
        let report = try differ.diff(from: ObjectID(hex: base), to: try repository.resolveCommit("HEAD"))
        #expect(differ.bytesRead == 0)
        #expect(differ.cachedBlobCount == 0)
        let refusal = try #require(differ.budgetRefusal)
        #expect(refusal.reads.map(\.path) == ["db/a.yaml", "db/a.yaml", "db/b.yaml"])
        #expect(refusal.reads.map(\.bytes) == [1_205, 5, 5])
        #expect(report.changes.isEmpty)
        #expect(report.errors.count == 1)

        // Within the bound, every blob is read once and counted.
        var within = RepositorySettingsDiff(repository: repository)
        within.maxBytesRead = 1_215
        let read = try within.diff(from: ObjectID(hex: base), to: try repository.resolveCommit("HEAD"))
        #expect(within.budgetRefusal == nil)
        #expect(within.bytesRead == 1_215)
        #expect(read.changes.count == 2)
    }

    @Test("the request sets the bound: the same change is refused under a low one and judged under the default")
    func requestSetsTheBound() throws {
        var repo = try GitFixture(label: "budget-request")
        defer { repo.remove() }
        try repo.write("policies/p.policy", "policy \"p\"\nfiles \"db/**/*.yaml\"\n")
        try repo.write("db/a.yaml", "a: 1\n")
        let base = try repo.commit("base")
        try repo.write("db/a.yaml", "a: 2\n")
        try repo.commit("head")
        let gate = Gate(repository: try Repository(path: repo.path))
        var request = GateRequest(base: base, head: "HEAD", now: 1_717_509_300)
        #expect(request.maxBytesRead == 32 << 20)
        #expect(gate.decide(request).verdict == .allow)
        request.maxBytesRead = 6
        let refused = gate.decide(request)
        #expect(refused.verdict == .error)
        #expect(refused.problems.first?.message.contains("10 bytes to read") == true)
    }

    @Test("the revert look-back's earlier versions count: past the bound the decision fails closed")
    func lookBackCounts() throws {
        var repo = try GitFixture(label: "budget-lookback")
        defer { repo.remove() }
        try repo.write(
            "policies/p.policy",
            "policy \"p\"\nfiles \"db/**/*.yaml\"\nrisk -10 \"restores an earlier value\" when reverts\n")
        let padding = String(repeating: "# pad\n", count: 100)
        var tips: [ObjectID: Int] = [:]
        var base = ""
        for (index, value) in [10, 20, 30, 40].enumerated() {
            try repo.write("db/a.yaml", "a: \(value)\n" + padding + "# version \(index)\n")
            base = try repo.commit("v\(index)", date: "2024-05-0\(index + 1)T12:00:00+00:00")
            tips[try #require(ObjectID(hex: base))] = 1_714_564_800 + index * 86_400
        }
        try repo.write("db/a.yaml", "a: 20\n" + padding + "# version 1\n")
        try repo.commit("back to 20")
        let gate = Gate(repository: try Repository(path: repo.path))
        var request = GateRequest(
            base: base, head: "HEAD", now: 1_717_509_300, knownGoodTips: .accepted(tips))
        let judged = gate.decide(request)
        #expect(judged.problems.isEmpty, "\(judged.problems)")
        #expect(judged.evaluation?.riskItems.contains { $0.reason == "restores an earlier value" } == true)
        // Base and head fit (two blobs of 618 bytes; the head's is version 1's), the earlier versions do not.
        request.maxBytesRead = 1_300
        let refused = gate.decide(request)
        #expect(refused.verdict == .error)
        let problem = try #require(refused.problems.first).message
        #expect(problem.contains("the revert look-back would read db/a.yaml"))
        #expect(problem.contains("over the bound of 1,300 bytes"))
    }
}
