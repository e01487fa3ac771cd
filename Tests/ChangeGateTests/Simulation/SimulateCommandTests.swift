import Foundation
import Testing

/// `changegate simulate patroni`'s refusals, which start no cluster: exit 2 and a message that
/// says what to do.
@Suite("Simulation command")
struct SimulateCommandTests {
    @Test("a file that is not Patroni configuration, an unknown scenario, a bad RTO: exit 2")
    func refusals() throws {
        let folder = try Paths.temporaryDirectory("simulate-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("app.yml")
        try "server:\n  port: 8080\n".write(to: file, atomically: true, encoding: .utf8)
        let notPatroni = try Shell.run([Paths.changegate.path, "simulate", "patroni", file.path])
        #expect(notPatroni.status == 2)
        #expect(notPatroni.stderr.contains("is not Patroni configuration"), "\(notPatroni.stderr)")
        let scenario = try Shell.run([Paths.changegate.path, "simulate", "patroni", "--scenario", "unplug", file.path])
        #expect(scenario.status == 2)
        #expect(scenario.stderr.contains("kill-leader, crash-postgres, switchover"), "\(scenario.stderr)")
        let rto = try Shell.run([Paths.changegate.path, "simulate", "patroni", "--rto", "soon", file.path])
        #expect(rto.status == 2)
        #expect(rto.stderr.contains("--rto"), "\(rto.stderr)")
    }
}
