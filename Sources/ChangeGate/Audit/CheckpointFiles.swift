import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The files of checkpoints and their keys: key pairs written once and never over another, signer
/// keys read only from a file of their own that nobody else can read, checkpoints replaced in one
/// rename.
public enum CheckpointFiles {
    /// The most a key or checkpoint file may hold.
    static let maxBytes = 1 << 20

    /// Writes `PREFIX.key` (the signer key, mode 0600) and `PREFIX.pub` (the verifier key, 0644).
    ///
    /// - Parameters:
    ///   - key: The key pair.
    ///   - prefix: The path both files start with.
    /// - Returns: The two paths.
    /// - Throws: ``CheckpointError/Kind/file`` when either exists (a key is never overwritten) or
    ///   cannot be written.
    public static func writeKeyPair(_ key: NoteSignerKey, prefix: String) throws(CheckpointError) -> (
        key: String, pub: String
    ) {
        let keyPath = prefix + ".key"
        let pubPath = prefix + ".pub"
        for path in [keyPath, pubPath] where exists(path) {
            throw CheckpointError(
                .file, "\(path) already exists; keygen never overwrites a key: move it away or choose another --out")
        }
        try writeNew(key.encoded + "\n", to: keyPath, mode: 0o600)
        do throws(CheckpointError) {
            try writeNew(key.verifierKey.encoded + "\n", to: pubPath, mode: 0o644)
        } catch {
            unlink(keyPath)
            throw error
        }
        return (keyPath, pubPath)
    }

    /// Reads a signer key, refusing a file others could read or swap.
    ///
    /// The file must be a regular file (not a symbolic link, which could be pointed at another key),
    /// owned by the user reading it, with no access for group or others, as ssh requires of its keys.
    /// No error quotes the file's contents.
    ///
    /// - Parameter path: The `.key` file.
    /// - Returns: The key.
    /// - Throws: ``CheckpointError/Kind/key`` naming what is wrong and what to do.
    public static func readSignerKey(_ path: String) throws(CheckpointError) -> NoteSignerKey {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ELOOP {
                throw CheckpointError(
                    .key,
                    "the signer key \(path) is a symbolic link: a link can be pointed at another key, so the key must "
                        + "be a file of its own (copy it there, mode 0600)")
            }
            throw CheckpointError(.key, "cannot read the signer key \(path): \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw CheckpointError(.key, "cannot read the signer key \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else {
            throw CheckpointError(.key, "the signer key \(path) is not a regular file")
        }
        guard info.st_uid == geteuid() else {
            throw CheckpointError(
                .key,
                "the signer key \(path) belongs to uid \(info.st_uid), not to this user (uid \(geteuid())): whoever "
                    + "owns it can replace it; chown it to the user that signs")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw CheckpointError(
                .key,
                "the signer key \(path) can be read or written by group or others (mode \(String(mode, radix: 8))): "
                    + "run `chmod 600 \(path)`, and make a new key if others may have read it")
        }
        let text = try readAll(descriptor, path: path, what: "signer key")
        return try NoteSignerKey(parsing: text, source: path)
    }

    /// Reads a verifier key (a `.pub`).
    ///
    /// - Parameter path: The file.
    /// - Returns: The key.
    /// - Throws: ``CheckpointError/Kind/key`` when it cannot be read or is not a verifier key.
    public static func readVerifierKey(_ path: String) throws(CheckpointError) -> NoteVerifierKey {
        let text: String
        do throws(CheckpointError) {
            text = try read(path, what: "verifier key")
        } catch {
            throw CheckpointError(.key, error.message)
        }
        return try NoteVerifierKey(parsing: text, source: path)
    }

    /// Reads a text file of at most 1 MiB.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - what: What it is, for the error (`checkpoint`).
    /// - Returns: Its text.
    /// - Throws: ``CheckpointError/Kind/file`` when it cannot be read, is too large or is not UTF-8.
    public static func read(_ path: String, what: String) throws(CheckpointError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CheckpointError(.file, "cannot read the \(what) \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        return try readAll(descriptor, path: path, what: what)
    }

    /// Whether something is at `path` (a dangling symbolic link counts).
    ///
    /// - Parameter path: A path.
    /// - Returns: True when anything is there.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// When the file at `path` was last modified, in seconds since the epoch; nil when absent.
    ///
    /// - Parameter path: A path.
    /// - Returns: Its modification time.
    public static func modificationTime(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
            return Int(info.st_mtimespec.tv_sec)
        #else
            return Int(info.st_mtim.tv_sec)
        #endif
    }

    /// Replaces `path` with `text` in one rename, so that a reader sees the old file or the new one,
    /// never half of one: written to a new temporary file beside it (created exclusively, never
    /// through a link someone left there) and synced before the rename.
    ///
    /// - Parameters:
    ///   - text: The new contents.
    ///   - path: The file to replace or create.
    ///   - mode: The new file's permissions.
    /// - Throws: ``CheckpointError/Kind/file`` when it cannot be written; `path` is then unchanged.
    public static func writeAtomically(_ text: String, to path: String, mode: mode_t = 0o644) throws(CheckpointError) {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try writeNew(text, to: temporary, mode: mode, sync: true)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CheckpointError(.file, "cannot write \(path): \(reason); it is unchanged")
        }
    }

    /// Runs `body` holding an exclusive lock on `PATH.lock` (created when missing, never through a
    /// link), so that two hook runs publishing at once do not replace a newer checkpoint with an
    /// older one. Waits at most `wait` for another holder.
    ///
    /// - Parameters:
    ///   - path: The file the lock guards.
    ///   - wait: The longest wait for another holder.
    ///   - body: The work done under the lock.
    /// - Returns: What `body` returns.
    /// - Throws: ``CheckpointError/Kind/file`` when the lock cannot be taken in time; what `body` throws.
    public static func withLock<T>(on path: String, wait: Duration, _ body: () throws(CheckpointError) -> T)
        throws(CheckpointError) -> T
    {
        let lockPath = path + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CheckpointError(.file, "cannot open the lock \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: wait)
        // flock cannot time out; poll it, as the trail's appenders do.
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, clock.now < deadline else {
                throw CheckpointError(
                    .file,
                    "another process holds \(lockPath) (another hook run publishing); waited \(wait): this run "
                        + "publishes nothing, the next one will")
            }
            usleep(2_000)
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// Creates `path` (it must not exist) with `text`.
    private static func writeNew(_ text: String, to path: String, mode: mode_t, sync: Bool = false)
        throws(CheckpointError)
    {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw CheckpointError(.file, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        // The umask may have taken bits off; a key's mode must be exactly what was asked.
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { writeBytes(descriptor, $0.baseAddress, $0.count) }
        let ok = fchmod(descriptor, mode) == 0 && written == bytes.count && (!sync || fsync(descriptor) == 0)
        let reason = String(cString: strerror(errno))
        close(descriptor)
        guard ok else {
            unlink(path)
            throw CheckpointError(.file, "cannot write \(path): \(reason)")
        }
    }

    private static func readAll(_ descriptor: Int32, path: String, what: String) throws(CheckpointError) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { readBytes(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                throw CheckpointError(.file, "cannot read the \(what) \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += buffer.prefix(count)
            guard bytes.count <= maxBytes else {
                throw CheckpointError(.file, "the \(what) \(path) is larger than 1 MiB: it is not a \(what)")
            }
        }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw CheckpointError(.file, "the \(what) \(path) is not UTF-8 text")
        }
        return text
    }
}

/// `read(2)` and `write(2)` outside the type, whose `read(_:what:)` would shadow them.
private func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

private func writeBytes(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
