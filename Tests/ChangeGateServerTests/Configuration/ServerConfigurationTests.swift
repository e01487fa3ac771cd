import Foundation
import Testing

@testable import ChangeGateServer

@Suite("Server: the configuration file")
struct ServerConfigurationTests {
    /// Writes `yaml` (with `{dir}` for a scratch folder holding a bare repository folder and a
    /// secret) and loads it.
    func load(_ yaml: String, environment: [String: String] = [:]) throws(ServerConfigurationError)
        -> ServerConfiguration
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cg-config-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(
            at: folder.appendingPathComponent("repo.git"), withIntermediateDirectories: true)
        try? "s3cret\n".write(to: folder.appendingPathComponent("secret"), atomically: true, encoding: .utf8)
        let path = folder.appendingPathComponent("serve.yml").path
        try? yaml.replacingOccurrences(of: "{dir}", with: folder.path)
            .write(toFile: path, atomically: true, encoding: .utf8)
        return try ServerConfiguration.load(path: path, environment: environment)
    }

    static let valid = """
        listen: 127.0.0.1:8080
        audit: {dir}/audit.sqlite
        forges:
          github:
            kind: github
            api: https://github.example.com/api/v3/
            token_env: GH_TOKEN
            secret_file: {dir}/secret
        repositories:
          shop/db:
            forge: github
            path: {dir}/repo.git
            protected: [refs/heads/main]
            policy: /etc/changegate/policies
        clients:
          ci:
            token_sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
            repositories: ["*"]
            actions: [check, audit]

        """

    @Test("a valid file: every field read, secrets from a file (without its newline) and a variable")
    func valid() throws {
        let configuration = try load(Self.valid, environment: ["GH_TOKEN": "ghp_token"])
        #expect(configuration.listen == .init(host: "127.0.0.1", port: 8080))
        let forge = try #require(configuration.forges["github"])
        #expect(forge.kind == .github)
        #expect(forge.apiBaseURL == "https://github.example.com/api/v3")
        #expect(forge.token.bytes == Array("ghp_token".utf8))
        #expect(forge.webhookSecret.bytes == Array("s3cret".utf8))
        // A secret's description names where it came from, never the secret.
        #expect("\(forge.token)" == "<secret from $GH_TOKEN>")
        let repository = try #require(configuration.repositories["shop/db"])
        #expect(repository.policy == .path("/etc/changegate/policies"))
        #expect(repository.protectedRefs == ["refs/heads/main"])
        let client = try #require(configuration.clients["ci"])
        #expect(client.may(.check, repository: "shop/db"))
        #expect(!client.may(.metrics))
        #expect(client.tokenSHA256.count == 32)
    }

    /// The error `yaml` gives, as `FILE:LINE:COLUMN: error: …` without the file.
    func failure(_ yaml: String, environment: [String: String] = ["GH_TOKEN": "t"]) -> String {
        do {
            _ = try load(yaml, environment: environment)
            return "no error"
        } catch {
            let text = error.description
            return String(text[text.range(of: "serve.yml")!.upperBound...])
        }
    }

    @Test("every error names the line and what is wrong; unknown keys are errors")
    func errors() {
        #expect(
            failure(Self.valid.replacingOccurrences(of: "    kind: github", with: "    kind: github\n    knd: x"))
                .hasPrefix(":6:5: error: unknown key `knd` in forge github"))
        #expect(
            failure(Self.valid + "tls: on\n").hasPrefix(":20:1: error: unknown key `tls` in the configuration"))
        #expect(
            failure(Self.valid.replacingOccurrences(of: "forge: github", with: "forge: gitlab"))
                .hasPrefix(":11:5: error: repository shop/db names forge `gitlab`, which `forges` does not define"))
        #expect(
            failure(Self.valid, environment: [:])
                == ":7:16: error: the API token of forge github: the variable GH_TOKEN is not set, or empty")
        #expect(
            failure(Self.valid.replacingOccurrences(of: "127.0.0.1:8080", with: "8080")).hasPrefix(
                ":1:9: error: `listen` must be HOST:PORT"))
        #expect(
            failure(Self.valid.replacingOccurrences(of: "kind: github", with: "kind: bitbucket")).hasPrefix(
                ":5:11: error: `kind` of forge github must be one of github, gitlab, gitea"))
        #expect(
            failure(Self.valid.replacingOccurrences(of: "9f86d08", with: "9f86d0")).hasPrefix(
                ":17:19: error: `token_sha256` of client ci must be 64 hexadecimal digits"))
        #expect(
            failure(Self.valid.replacingOccurrences(of: "[check, audit]", with: "[check, push]")).hasPrefix(
                ":19:14: error: client ci: unknown action push"))
        #expect(
            failure(Self.valid.replacingOccurrences(of: "https://github.example.com/api/v3/", with: "ftp://x"))
                .hasPrefix(":6:10: error: `api` of forge github must be an http(s) URL"))
        #expect(
            failure(Self.valid.replacingOccurrences(of: "{dir}/repo.git", with: "{dir}/missing.git"))
                .contains("missing.git is not a folder"))
        #expect(
            failure(
                Self.valid.replacingOccurrences(
                    of: "listen: 127.0.0.1:8080", with: "listen: 127.0.0.1:8080\nlisten: 127.0.0.1:9090")
            )
            .hasPrefix(":2:"))
        // The checkpoint's keys are read at start: one that is not there stops it, naming the line.
        #expect(
            failure(Self.valid + "checkpoint:\n  path: /var/lib/cg/checkpoint\n  keys: [/nonexistent/trail.pub]\n")
                .hasPrefix(":22:9: error: `keys` of `checkpoint`: "))
        #expect(
            failure(Self.valid + "checkpoint:\n  path: checkpoint\n  keys: [/x.pub]\n")
                .hasPrefix(":21:9: error: `path` of `checkpoint` must be an absolute path"))
        #expect(
            failure(Self.valid + "checkpoint:\n  path: /c\n  keys: []\n")
                .hasPrefix(":22:9: error: `keys` of `checkpoint` must name the trail's verifier key"))
    }
}
