import Foundation
import PolicyDSL

/// Reads a policy from disk: a `.policy` file, or a directory whose `*.policy` files (sorted by name)
/// together make one policy. Group files named by `group NAME from "FILE"` are read beside them.
public enum PolicyLoader {
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): error: \(reason)" }
    }

    /// The source files of the policy at `path`.
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
            guard let text = String(data: data, encoding: .utf8) else {
                throw LoadError(path: file, reason: "the file is not valid UTF-8")
            }
            return SourceFile(path: file, text: text)
        }
    }

    /// Reads a group file relative to the working directory (paths arrive already resolved).
    public static func readFile(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// Loads and compiles the policy at `path`.
    public static func compile(at path: String) throws(LoadError) -> PolicyCompiler.Result {
        PolicyCompiler.compile(try sources(at: path), readFile: readFile)
    }
}

extension PolicyLoader {
    /// The policy committed at `commit` under `directory` (the base side's `policies/`): every
    /// `.policy` file there is one policy; group files are read from the same commit.
    public static func compile(in repository: Repository, at commit: ObjectID, directory: String = "policies")
        throws(LoadError) -> PolicyCompiler.Result
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
            guard case .text(let bytes) = try? repository.blob(blob, maxSize: 1 << 20),
                let text = String(validating: bytes, as: UTF8.self)
            else { throw LoadError(path: path, reason: "cannot read the file as UTF-8 text at \(commit.short)") }
            return text
        }
        var sources: [SourceFile] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
            sources.append(SourceFile(path: file.path, text: try text(file.blob, file.path)))
        }
        return PolicyCompiler.compile(sources) { path in
            guard let blob = try? repository.file(at: path, in: commit) else { return nil }
            return try? text(blob, path)
        }
    }
}
