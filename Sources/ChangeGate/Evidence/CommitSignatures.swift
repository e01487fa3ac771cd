import Foundation

/// What a commit's signature proves, checked against the SSH allowed-signers file a policy names.
public enum SignatureStatus: Sendable, Hashable {
    case unsigned
    /// Signed, but not verifiably by a key of the file; the reason in plain words.
    case unverified(String)
    /// Verified: the principal the allowed-signers file gives the key.
    case signed(by: String)
}

/// Verifies commits' signatures the way `git verify-commit` does, with the policy's allowed-signers
/// file as `gpg.ssh.allowedSignersFile` and GPG and X.509 turned off: only keys the policy names can
/// vouch for a commit. git runs with the caller's environment, so a hook's quarantined objects are
/// visible to it.
public enum CommitSignatures {
    /// Each commit's signature, verified against the allowed signers.
    ///
    /// - Parameters:
    ///   - commits: The commits.
    ///   - gitDirectory: The repository's git directory, for `git`.
    ///   - allowedSigners: The policy's allowed-signers file.
    /// - Returns: Each commit's status.
    public static func verify(_ commits: [ObjectID], gitDirectory: String, allowedSigners: String) -> [ObjectID:
        SignatureStatus]
    {
        guard !commits.isEmpty else { return [:] }
        func all(_ reason: String) -> [ObjectID: SignatureStatus] {
            Dictionary(commits.map { ($0, .unverified(reason)) }, uniquingKeysWith: { a, _ in a })
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "changegate-allowed-signers-\(UUID().uuidString)")
        do {
            try Data(allowedSigners.utf8).write(to: file)
        } catch {
            return all("cannot write the allowed-signers file to verify with: \(error)")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "git", "--git-dir=\(gitDirectory)", "-c", "gpg.ssh.allowedSignersFile=\(file.path)", "-c",
                "gpg.program=false", "-c", "gpg.x509.program=false", "log", "--no-walk=unsorted",
                "--format=%H%x1f%G?%x1f%GS",
            ] + commits.map(\.hex)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return all("cannot run git to verify the signature: \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let text = String(data: data, encoding: .utf8) else {
            return all("git could not verify the signature (exit \(process.terminationStatus))")
        }
        var statuses = all("git did not report on the commit")
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\u{1f}", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, let id = ObjectID(hex: fields[0]), statuses[id] != nil else { continue }
            statuses[id] = status(code: fields[1], signer: fields[2])
        }
        return statuses
    }

    /// `%G?` and `%GS` as a status; only G (good, and the key is in the file) verifies.
    static func status(code: String, signer: String) -> SignatureStatus {
        switch code {
        case "G" where !signer.isEmpty: .signed(by: signer)
        case "N": .unsigned
        case "U": .unverified("signed with a key that is not in the allowed-signers file")
        case "B": .unverified("the signature is bad")
        case "X", "Y": .unverified("the signature or its key has expired")
        case "R": .unverified("the key was revoked")
        default: .unverified("the signature cannot be checked (only SSH signatures can; status \(code))")
        }
    }
}
