internal import CGit2
import Foundation

/// What a fetch brought.
public struct FetchResult: Sendable, Hashable {
    /// Objects received from the remote (0 when the mirror was current).
    public var receivedObjects: Int
    /// Bytes of pack data received.
    public var receivedBytes: Int
}

final class RemoteHandle {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { git_remote_free(pointer) }
}

extension Repository {
    /// Refspecs that keep a mirror's branches and tags equal to the remote's (`git clone --mirror`
    /// takes every ref; a gate needs only these). The `+` lets a force-pushed branch move.
    public static let mirrorRefspecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]

    /// Fetches from `remote` into this repository: a server keeps its mirrors of remote
    /// repositories current with it before it judges their commits.
    ///
    /// Only the refs the refspecs name are fetched (no tags beyond them, no `FETCH_HEAD`), and no
    /// credentials are asked for: a URL that needs them must carry them, and they are never
    /// shown (``GitError/fetchFailed(remote:code:message:)`` names the URL with them redacted).
    ///
    /// - Parameters:
    ///   - remote: the name of a remote in this repository's config, else a URL (`https://…`,
    ///     `file://…`, `ssh://…`) or a local path.
    ///   - refspecs: what to fetch and where to put it (``mirrorRefspecs`` for a mirror); empty
    ///     for a named remote's own.
    ///   - prune: delete the refs the refspecs' destinations hold that the remote no longer has
    ///     (a branch deleted there goes here).
    /// - Returns: what was received.
    /// - Throws: ``GitError/fetchFailed(remote:code:message:)`` when the remote cannot be reached,
    ///   is not a repository, or a refspec is invalid.
    @discardableResult
    public func fetch(_ remote: String, refspecs: [String], prune: Bool = false) throws(GitError) -> FetchResult {
        let shown = GitError.redactingCredentials(in: remote)
        func failure(_ code: Int32) -> GitError {
            .fetchFailed(
                remote: shown, code: code,
                message: GitError.redactingCredentials(of: remote, in: GitError.lastMessage()))
        }
        var lookedUp: OpaquePointer?
        var valid: Int32 = 0
        var code: Int32 = -1
        if git_remote_name_is_valid(&valid, remote) == 0, valid == 1 {
            code = git_remote_lookup(&lookedUp, pointer, remote)
            if code < 0, code != GIT_ENOTFOUND.rawValue { throw failure(code) }
        }
        if code < 0 {
            code = git_remote_create_anonymous(&lookedUp, pointer, remote)
            guard code == 0 else { throw failure(code) }
        }
        let handle = RemoteHandle(lookedUp!)
        var options = git_fetch_options()
        git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
        options.prune = prune ? GIT_FETCH_PRUNE : GIT_FETCH_NO_PRUNE
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
        options.update_fetchhead = 0
        // libgit2 reads the strings only during the call: C copies that live until it returns.
        let copies = refspecs.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        code = copies.withUnsafeBufferPointer { buffer in
            var array = git_strarray(
                strings: UnsafeMutablePointer(mutating: buffer.baseAddress), count: buffer.count)
            return withExtendedLifetime(handle) {
                git_remote_fetch(handle.pointer, &array, &options, "changegate fetch")
            }
        }
        guard code == 0 else { throw failure(code) }
        let stats = git_remote_stats(handle.pointer).pointee
        return FetchResult(receivedObjects: Int(stats.received_objects), receivedBytes: Int(stats.received_bytes))
    }
}

extension GitError {
    /// `url` with the user and password of a `scheme://user:password@host/…` URL replaced by
    /// `***`: a token in a remote's URL must not reach a log, a report or a pusher's screen.
    public static func redactingCredentials(in url: String) -> String {
        guard let userinfo = userinfo(of: url) else { return url }
        return url[..<userinfo.lowerBound] + "***" + url[userinfo.upperBound...]
    }

    /// `message` with the credentials of `url` taken out, wherever libgit2 quoted the URL or them.
    static func redactingCredentials(of url: String, in message: String) -> String {
        guard let range = userinfo(of: url) else { return message }
        let userinfo = String(url[range])
        var out = message.replacingOccurrences(of: url, with: redactingCredentials(in: url))
        // The user and the password each, as written and decoded (`%40` for `@`); short ones are
        // left, as replacing one letter everywhere would garble the message and hide nothing.
        let parts = [userinfo] + userinfo.split(separator: ":").map(String.init)
        for secret in parts + parts.compactMap(\.removingPercentEncoding) where secret.count >= 3 {
            out = out.replacingOccurrences(of: secret, with: "***")
        }
        return out
    }

    /// Where the user (and password) of a `scheme://userinfo@host` URL is, if it has one.
    private static func userinfo(of url: String) -> Range<String.Index>? {
        guard let scheme = url.range(of: "://") else { return nil }
        let authorityEnd = url[scheme.upperBound...].firstIndex(of: "/") ?? url.endIndex
        guard let at = url[scheme.upperBound..<authorityEnd].lastIndex(of: "@") else { return nil }
        return scheme.upperBound..<at
    }
}
