import Crypto
import Foundation
import PolicyDSL

/// Reads a policy from disk or from a commit: a `.policy` file, or a directory whose `*.policy`
/// files (sorted by name) together make one policy. Group files named by `group NAME from "FILE"`
/// are read beside them.
public enum PolicyLoader {
    /// Why a policy could not be read (compile errors are not load errors: they are in the
    /// `PolicyCompiler.Result`).
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        /// The file, directory or `commit:directory/` that could not be read.
        public var path: String
        /// Why.
        public var reason: String
        /// Where in the file the problem is, when it is at one place (invalid UTF-8).
        public var location: SourceLocation? = nil
        public var description: String { "\(path): error: \(reason)" }
    }

    /// The source files of the policy at `path`.
    ///
    /// - Parameter path: A `.policy` file, or a directory of them.
    /// - Returns: The file, or the directory's `.policy` files sorted by name.
    /// - Throws: ``LoadError`` when nothing is at `path`, the directory has no `.policy` file, or a
    ///   file cannot be read or is not UTF-8.
    public static func sources(at path: String) throws(LoadError) -> [SourceFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LoadError(path: path, reason: "no such file or directory")
        }
        var paths = [path]
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            paths = names.filter { $0.hasSuffix(".policy") }.sorted().map {
                (path as NSString).appendingPathComponent($0)
            }
            if paths.isEmpty { throw LoadError(path: path, reason: "the directory holds no .policy file") }
        }
        return try paths.map { (file) throws(LoadError) -> SourceFile in
            guard let data = FileManager.default.contents(atPath: file) else {
                throw LoadError(path: file, reason: "cannot read the file")
            }
            return try source(path: file, bytes: data)
        }
    }

    /// The policy file `path` holding `bytes`, refused at the first invalid UTF-8 sequence.
    static func source(path: String, bytes: some Collection<UInt8>, at commit: ObjectID? = nil) throws(LoadError)
        -> SourceFile
    {
        do {
            return try SourceFile(path: path, bytes: bytes)
        } catch {
            let revision = commit.map { " at \($0.short)" } ?? ""
            throw LoadError(path: path, reason: "\(error)\(revision)", location: error.location)
        }
    }

    /// Reads a group file relative to the working directory (paths arrive already resolved).
    ///
    /// - Parameter path: The group file's path.
    /// - Returns: Its text; nil when it cannot be read as UTF-8.
    public static func readFile(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// Loads and compiles the policy at `path`.
    ///
    /// - Parameter path: A `.policy` file, or a directory of them.
    /// - Returns: The compiler's result: the program, or the diagnostics.
    /// - Throws: ``LoadError`` when the files cannot be read.
    public static func compile(at path: String) throws(LoadError) -> PolicyCompiler.Result {
        try load(at: path).result
    }

    /// Loads and compiles the policy at `path`, with the digest of every file it was built from.
    ///
    /// - Parameter path: A `.policy` file, or a directory of them.
    /// - Returns: The compiled policy with its files' digests.
    /// - Throws: ``LoadError`` when the files cannot be read.
    public static func load(at path: String) throws(LoadError) -> LoadedPolicy {
        let sources = try sources(at: path)
        var read = DigestRecorder()
        for source in sources { read.record(path: source.path, text: source.text) }
        let result = PolicyCompiler.compile(sources) { file in
            let text = readFile(file)
            if let text { read.record(path: file, text: text) }
            return text
        }
        return LoadedPolicy(result: result, source: path, files: read.files(relativeTo: directory(of: path)))
    }

    /// The folder that file names in a digest are relative to: the policy directory itself, or
    /// the folder of a single policy file.
    private static func directory(of path: String) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return path
        }
        return (path as NSString).deletingLastPathComponent
    }
}

extension PolicyLoader {
    /// The most `.policy` files one policy may have, and the most bytes in all: the hook reads the
    /// target branch's policy on every push, and a push can add files to it.
    public static let maxPolicyFiles = 256
    public static let maxPolicyBytes = 4 << 20

    /// The policy committed at `commit` under `directory` (the base side's `policies/`): every
    /// `.policy` file there is one policy; group files are read from the same commit.
    ///
    /// - Parameters:
    ///   - repository: The repository.
    ///   - commit: The commit whose tree holds the policy.
    ///   - directory: The policy's folder in that tree.
    /// - Returns: The compiler's result.
    /// - Throws: ``LoadError`` when the folder holds no `.policy` file or a file cannot be read.
    public static func compile(in repository: Repository, at commit: ObjectID, directory: String = "policies")
        throws(LoadError) -> PolicyCompiler.Result
    {
        try load(in: repository, at: commit, directory: directory).result
    }

    /// Like ``compile(in:at:directory:)``, with the digest of every file read.
    ///
    /// - Parameters:
    ///   - repository: The repository.
    ///   - commit: The commit whose tree holds the policy.
    ///   - directory: The policy's folder in that tree.
    /// - Returns: The compiled policy with its files' digests.
    /// - Throws: ``LoadError`` when the folder holds no `.policy` file or a file cannot be read.
    public static func load(in repository: Repository, at commit: ObjectID, directory: String = "policies")
        throws(LoadError) -> LoadedPolicy
    {
        let location = "\(commit.short):\(directory)/"
        let files: [TreeFile]
        do {
            files = try repository.files(in: directory, at: commit).filter { $0.path.hasSuffix(".policy") }
        } catch {
            throw LoadError(path: location, reason: "\(error)")
        }
        guard !files.isEmpty else {
            throw LoadError(
                path: location,
                reason: "no .policy file at the base revision; commit one under \(directory)/ or pass --policy PATH")
        }
        func text(_ blob: ObjectID, _ path: String) throws(LoadError) -> String {
            try source(blob, path).text
        }
        func source(_ blob: ObjectID, _ path: String) throws(LoadError) -> SourceFile {
            switch try? repository.blob(blob, maxSize: 1 << 20) {
            case .text(let bytes): return try PolicyLoader.source(path: path, bytes: bytes, at: commit)
            case .binary:
                // git calls a blob binary for a NUL byte in its first 8,000 bytes: read it whole, so
                // that the lexer names the byte's line and column.
                guard let bytes = try? repository.rawBlob(blob, maxSize: 1 << 20) else {
                    throw LoadError(
                        path: path, reason: "the file holds a NUL byte (git judges it binary) at \(commit.short)")
                }
                return try PolicyLoader.source(path: path, bytes: bytes, at: commit)
            case .tooLarge(let size):
                throw LoadError(path: path, reason: "the file has \(size) bytes, more than 1 MiB, at \(commit.short)")
            case nil:
                throw LoadError(path: path, reason: "cannot read the file at \(commit.short)")
            }
        }
        // Each file is bounded (1 MiB); so is the policy as a whole, which a push can make of many files.
        guard files.count <= maxPolicyFiles else {
            throw LoadError(
                path: location,
                reason:
                    "\(files.count) .policy files at \(commit.short), more than the \(maxPolicyFiles) one policy may have"
            )
        }
        var totalBytes = 0
        for file in files {
            totalBytes += (try? repository.blobSize(file.blob)) ?? 0
        }
        guard totalBytes <= maxPolicyBytes else {
            throw LoadError(
                path: location,
                reason: "the .policy files at \(commit.short) hold \(totalBytes) bytes, more than the "
                    + "\(maxPolicyBytes) one policy may have")
        }
        var read = DigestRecorder()
        var sources: [SourceFile] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
            let source = try source(file.blob, file.path)
            read.record(path: source.path, text: source.text)
            sources.append(source)
        }
        let result = PolicyCompiler.compile(sources) { path in
            guard let blob = try? repository.file(at: path, in: commit), let content = try? text(blob, path) else {
                return nil
            }
            read.record(path: path, text: content)
            return content
        }
        return LoadedPolicy(result: result, source: location, files: read.files(relativeTo: directory))
    }

    /// The newest policy that compiles on `commit`'s first-parent history, `commit` itself excluded,
    /// within `limit` commits: what judges a change while the branch's own policy is broken (only an
    /// override then lands anything, the fix included).
    ///
    /// - Parameters:
    ///   - repository: The repository.
    ///   - commit: The commit whose own policy is broken.
    ///   - limit: The most first-parent commits to look at.
    ///   - directory: The policy's folder.
    /// - Returns: The policy and the commit it was read at; nil when none compiles within `limit`.
    public static func lastCompiling(
        in repository: Repository, before commit: ObjectID, limit: Int = 200, directory: String = "policies"
    ) -> (policy: LoadedPolicy, commit: ObjectID)? {
        var next = try? repository.commit(commit).parents.first
        var steps = 0
        while let id = next, steps < limit {
            steps += 1
            if let loaded = try? load(in: repository, at: id, directory: directory), loaded.result.program != nil {
                return (loaded, id)
            }
            next = try? repository.commit(id).parents.first
        }
        return nil
    }
}

/// A compiled policy and the fingerprint of what it was compiled from, for reports and the audit
/// trail: anyone can later prove which rules decided.
public struct LoadedPolicy: Sendable {
    /// A file the policy was built from.
    public struct File: Sendable, Hashable {
        /// Relative to the policy directory (or the single policy file's folder).
        public var path: String
        /// The SHA-256 of its bytes, in hex.
        public var sha256: String
    }

    /// What the compiler made of the files: the program, or the diagnostics.
    public var result: PolicyCompiler.Result
    /// `abc1234:policies/` or the path given with --policy.
    public var source: String
    /// Every policy and group file read, sorted by path.
    public var files: [File]

    /// The SHA-256 of the `sha256sum`-style listing of ``files`` (`HEX  PATH\n` per file, sorted
    /// by path), so that `cd policies && sha256sum FILES… | sha256sum` reproduces it.
    public var sha256: String {
        let listing = files.map { "\($0.sha256)  \($0.path)\n" }.joined()
        return PolicyDigest.hex(SHA256.hash(data: Array(listing.utf8)))
    }
}

enum PolicyDigest {
    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}

/// Collects the files a policy was compiled from (each once).
private struct DigestRecorder {
    private var digests: [String: String] = [:]

    mutating func record(path: String, text: String) {
        digests[path] = PolicyDigest.hex(SHA256.hash(data: Array(text.utf8)))
    }

    func files(relativeTo directory: String) -> [LoadedPolicy.File] {
        let prefix =
            directory.isEmpty || directory == "." ? "" : (directory.hasSuffix("/") ? directory : directory + "/")
        return digests.map { path, hash in
            var relative = path
            if !prefix.isEmpty, path.hasPrefix(prefix) { relative = String(path.dropFirst(prefix.count)) }
            if relative.hasPrefix("./") { relative = String(relative.dropFirst(2)) }
            return LoadedPolicy.File(path: relative, sha256: hash)
        }.sorted { $0.path < $1.path }
    }
}
