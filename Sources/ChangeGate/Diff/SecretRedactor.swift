import Crypto
import Foundation
import PolicyDSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Keeps secret values (passwords, tokens, keys) out of everything ChangeGate prints or stores.
///
/// A secret setting's value is replaced by `[redacted hmac-sha256:<16 hex>]`, a keyed hash of its type
/// and value: two versions compare equal exactly when the values do, so a change (a rotation, a
/// secret added or removed) still shows and counts, and the value cannot be recovered or guessed
/// offline without the key. The key lives with the repository (``keyPath(gitDirectory:environment:)``).
public struct SecretRedactor: Sendable {
    /// The policy's `secret` patterns, over the whole key path.
    public var patterns: [KeyPathPattern]
    /// The HMAC key's bytes (SymmetricKey is not Sendable; one is made per value redacted).
    private let key: [UInt8]

    /// A redactor.
    ///
    /// - Parameters:
    ///   - patterns: The policy's `secret` patterns.
    ///   - key: The HMAC key (``loadKey(at:)``).
    public init(patterns: [KeyPathPattern], key: [UInt8]) {
        self.patterns = patterns
        self.key = key
    }

    /// A redactor from patterns as text; one that does not parse is left out.
    ///
    /// - Parameters:
    ///   - patterns: The `secret` patterns.
    ///   - key: The HMAC key.
    public init(patterns: [String], key: [UInt8]) {
        self.init(patterns: patterns.compactMap(KeyPathPattern.init), key: key)
    }

    /// True for a key path the policy names in a `secret` line, or one with a secret-looking
    /// segment: `password`, `passwd`, `secret`, `token`, `credentials`, or one ending in `_password`,
    /// `_passwd`, `_secret`, `_token`, `_key`, `_credentials` (`-`, camelCase and case do not matter:
    /// `apiKey`, `client-secret`, `DB_PASSWORD`).
    ///
    /// - Parameter keyPath: A setting's key path.
    /// - Returns: Whether its values are redacted.
    public func isSecret(_ keyPath: String) -> Bool {
        if Self.hasSecretSegment(keyPath) { return true }
        return patterns.contains { $0.matches(keyPath) }
    }

    /// The redacted stand-in for a value.
    ///
    /// - Parameter value: A secret setting's value.
    /// - Returns: `[redacted hmac-sha256:…]`, a keyed hash of the type and value: a change still
    ///   shows, the value does not.
    public func redact(_ value: ConfigValue) -> ConfigValue {
        var message = Array(value.typeName.utf8)
        message.append(0)
        message += Array(JSONValue(value).serialized().utf8)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        for byte in code.prefix(8) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xF)])
        }
        return .string("[redacted hmac-sha256:\(String(decoding: hex, as: UTF8.self))]")
    }

    /// The change with its values redacted, its key known to be secret.
    func redacted(_ change: SettingChange) -> SettingChange {
        var redacted = change
        redacted.old = change.old.map(redact)
        redacted.new = change.new.map(redact)
        return redacted
    }

    // MARK: - Default names

    private static let names: Set<String> = ["password", "passwd", "secret", "token", "credentials"]
    private static let suffixes = ["_password", "_passwd", "_secret", "_token", "_key", "_credentials"]

    static func hasSecretSegment(_ keyPath: String) -> Bool {
        // Most keys hold none of the words: one byte scan rules them out before any parsing (a
        // large diff has thousands of changes).
        guard mayHoldSecretWord(keyPath) else { return false }
        for segment in segments(of: keyPath) {
            let name = normalized(segment)
            if names.contains(name) || suffixes.contains(where: { name.hasSuffix($0) }) { return true }
        }
        return false
    }

    private static let words: [[UInt8]] = ["pass", "secret", "token", "key", "credential"].map { Array($0.utf8) }

    /// True when the key path holds `pass`, `secret`, `token`, `key` or `credential` in any case.
    private static func mayHoldSecretWord(_ keyPath: String) -> Bool {
        let bytes = Array(keyPath.utf8)
        for start in bytes.indices {
            let first = bytes[start] | 0x20
            guard
                first == UInt8(ascii: "p") || first == UInt8(ascii: "s") || first == UInt8(ascii: "t")
                    || first == UInt8(ascii: "k") || first == UInt8(ascii: "c")
            else { continue }
            for word in words where word[0] == first && start + word.count <= bytes.count {
                var matched = true
                for offset in 1..<word.count where bytes[start + offset] | 0x20 != word[offset] {
                    matched = false
                    break
                }
                if matched { return true }
            }
        }
        return false
    }

    /// `apiKey` → `api_key`, `Client-Secret` → `client_secret`.
    private static func normalized(_ segment: Substring) -> String {
        var out = ""
        var previousWasLower = false
        for character in segment {
            if character == "-" || character == " " {
                out.append("_")
                previousWasLower = false
            } else if character.isUppercase {
                if previousWasLower { out.append("_") }
                out += character.lowercased()
                previousWasLower = false
            } else {
                out.append(character)
                previousWasLower = character.isLowercase
            }
        }
        return out
    }

    /// The map keys of a key path (`a."b.c"[name=x].d` → `a`, `b.c`, `d`): split on `.` outside
    /// quotes and brackets, `[…]` dropped, quotes removed (escapes are left as written; a quoted
    /// key with an escape is rare and matched by its text).
    private static func segments(of keyPath: String) -> [Substring] {
        var result: [Substring] = []
        var start = keyPath.startIndex
        var inQuotes = false
        var depth = 0
        var index = keyPath.startIndex
        func add(_ end: String.Index) {
            var segment = keyPath[start..<end]
            if let bracket = segment.firstIndex(of: "["), !segment.hasPrefix("\"") { segment = segment[..<bracket] }
            if segment.hasPrefix("\""), let close = segment.dropFirst().lastIndex(of: "\"") {
                segment = segment[segment.index(after: segment.startIndex)..<close]
            }
            if !segment.isEmpty { result.append(segment) }
        }
        while index < keyPath.endIndex {
            let character = keyPath[index]
            if inQuotes {
                if character == "\\" {
                    index = keyPath.index(after: index)
                    if index == keyPath.endIndex { break }
                } else if character == "\"" {
                    inQuotes = false
                }
            } else if character == "\"" {
                inQuotes = true
            } else if character == "[" {
                depth += 1
            } else if character == "]" {
                depth = max(0, depth - 1)
            } else if character == ".", depth == 0 {
                add(index)
                start = keyPath.index(after: index)
            }
            index = keyPath.index(after: index)
        }
        add(keyPath.endIndex)
        return result
    }

    // MARK: - The key

    /// The environment variable naming the key file (CI: a path kept between runs, so that records
    /// of different runs hash alike).
    public static let environmentVariable = "CHANGEGATE_REDACTION_KEY"

    /// `$CHANGEGATE_REDACTION_KEY`, else `GIT_DIR/changegate/redaction.key`.
    ///
    /// - Parameters:
    ///   - gitDirectory: The repository's git directory.
    ///   - environment: The process environment.
    /// - Returns: The key file's path.
    public static func keyPath(gitDirectory: String, environment: [String: String]) -> String {
        if let path = environment[environmentVariable], !path.isEmpty { return path }
        return (gitDirectory as NSString).appendingPathComponent("changegate/redaction.key")
    }

    /// The 32-byte key at `path`, created (mode 0600, random) when there is none. When it can be
    /// neither read nor created, a key for this process only: values stay redacted, but their
    /// hashes then match only within this run.
    ///
    /// - Parameter path: The key file.
    /// - Returns: 32 bytes.
    public static func loadKey(at path: String) -> [UInt8] {
        if let data = FileManager.default.contents(atPath: path), data.count >= 32 { return Array(data.prefix(32)) }
        var generator = SystemRandomNumberGenerator()
        let fresh = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // O_EXCL: of two processes creating it at once, one writes and both read its key.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            let written = fresh.withUnsafeBytes { write(descriptor, $0.baseAddress, 32) }
            close(descriptor)
            if written == 32 { return fresh }
        }
        if let data = FileManager.default.contents(atPath: path), data.count >= 32 { return Array(data.prefix(32)) }
        return fresh
    }
}
