import ChangeGateCommands
import Foundation
import Testing

/// `serve` as the binaries run it: the lean `changegate` hands it to `changegate-server` (exec),
/// which reads and checks the configuration.
@Suite("Server: the serve command")
struct ServeCommandTests {
    @Test("the lean binary hands `serve` to changegate-server as its first word only")
    func dispatchRule() {
        func wanted(_ words: [String]) -> Bool {
            ServerDispatch.wanted(arguments: ["changegate"] + words, auditVariable: nil)
        }
        #expect(wanted(["serve", "--config", "serve.yml"]))
        #expect(wanted(["serve", "--help"]))
        #expect(!wanted(["check", "--base", "serve"]))
        #expect(!wanted(["--", "serve"]))
        #expect(!wanted([]))
    }

    @Test("`changegate serve --check-config` runs in changegate-server, which the lean binary execs")
    func handOver() async throws {
        let server = try await ServerHarness()
        let config = server.configPath
        await server.stop()
        // The harness removed its folder: write the configuration again, with a repository folder.
        let folder = URL(fileURLWithPath: config).deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let repository = try GateRepository(in: folder)
        try Data("s\n".utf8).write(to: folder.appendingPathComponent("secret"))
        let yaml = """
            listen: 127.0.0.1:0
            audit: \(folder.path)/audit.sqlite
            forges:
              github:
                kind: github
                api: https://api.github.com
                token_env: CG_TEST_TOKEN
                secret_file: \(folder.path)/secret
            repositories:
              a/b:
                forge: github
                path: \(repository.bare.path)

            """
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        let lean = Processes.binary("changegate").path
        let environment = [
            "CG_TEST_TOKEN": "t", "CHANGEGATE_SERVER_BINARY": Processes.binary("changegate-server").path,
        ]
        let checked = try Processes.run(
            [lean, "serve", "--config", config, "--check-config"], environment: environment)
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.hasPrefix("ok: \(config): 1 repositories, 1 forges, 0 API clients"))
        // A wrong file: exit 2, naming the file and the line.
        try (yaml + "extra: 1\n").write(toFile: config, atomically: true, encoding: .utf8)
        let wrong = try Processes.run([lean, "serve", "--config", config, "--check-config"], environment: environment)
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("\(config):13:1: error: unknown key `extra`"), "\(wrong.stderr)")
        // Without the server binary the lean one says where it looked, and exits 2.
        let missing = try Processes.run(
            [lean, "serve", "--config", config], environment: ["CHANGEGATE_SERVER_BINARY": "/nonexistent/server"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("`changegate serve` runs in `changegate-server`"), "\(missing.stderr)")
    }
}
