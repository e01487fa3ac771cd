import ChangeGate

/// What `changegate serve` runs with, read from its configuration file
/// (``ServerConfiguration/load(path:environment:)``; docs/server.md is the reference). Values
/// only: the secrets are already read from their files or variables, so that a running server
/// never depends on the environment it started in.
public struct ServerConfiguration: Sendable {
    /// The file it was read from, named in messages.
    public var path: String
    /// Where the server listens.
    public var listen: ListenAddress
    /// The audit trail every decision is appended to: a SQLite path or a `postgres://` URL.
    public var audit: String
    /// The forges webhooks come from and statuses go to, by name.
    public var forges: [String: Forge]
    /// The repositories served, by the name their forge gives them (`owner/name`).
    public var repositories: [String: ServedRepository]
    /// The API's clients, by name.
    public var clients: [String: Client]
    /// Bounds on what a request and the work behind it may take.
    public var limits: Limits
    /// The published checkpoint the integrity page shows and checks; nil when none is configured.
    public var checkpoint: Checkpoint? = nil
}

extension ServerConfiguration {
    /// A signed checkpoint of the trail kept in a file (the hook's `changegate.checkpoint.path`, or
    /// one `changegate audit checkpoint` and `audit witness` write), and the keys that must have
    /// signed it: the trail's, then each witness's.
    public struct Checkpoint: Sendable {
        /// The checkpoint file.
        public var path: String
        /// The verifier keys, read at start.
        public var keys: [NoteVerifierKey]
    }
}

extension ServerConfiguration {
    /// A host and a port; port 0 asks the system for a free one (the tests').
    public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
        /// The host or address to bind.
        public var host: String
        /// The TCP port.
        public var port: Int
        /// `host:port`.
        public var description: String { "\(host):\(port)" }
    }

    /// Which forge's webhooks and status API a forge speaks.
    public enum ForgeKind: String, Sendable, Hashable, CaseIterable {
        /// GitHub and GitHub Enterprise Server.
        case github
        /// GitLab, hosted or self-managed.
        case gitlab
        /// Gitea (and Forgejo, which keeps its API).
        case gitea
    }

    /// A forge: where its API is and what it shares with the server.
    public struct Forge: Sendable {
        /// Its name in the configuration.
        public var name: String
        /// Its webhooks' and status API's dialect.
        public var kind: ForgeKind
        /// The API's base URL (`https://api.github.com`, `https://gitlab.example.com/api/v4`); the only
        /// place statuses are sent to, never a URL from a payload.
        public var apiBaseURL: String
        /// The API token the statuses are posted with.
        public var token: Secret
        /// The webhook secret: the HMAC key (GitHub, Gitea) or the token itself (GitLab).
        public var webhookSecret: Secret
        /// The commit status's name (`context` on GitHub and Gitea, `name` on GitLab).
        public var statusContext: String
    }

    /// Where a repository's policy comes from.
    public enum PolicySource: Sendable, Hashable {
        /// `policies/` at the pull request's target branch (the base of the change).
        case targetBranch
        /// A file or folder on the server.
        case path(String)
    }

    /// A repository the server gates.
    public struct ServedRepository: Sendable {
        /// The forge's name for it (`owner/name`, GitLab's `group/project`).
        public var name: String
        /// The forge (a key of ``ServerConfiguration/forges``) its webhooks come from.
        public var forge: String
        /// The local bare repository the server reads.
        public var path: String
        /// The refs a push to which is judged (globs as the hook's `protected` takes them).
        public var protectedRefs: [String]
        /// Where its policy comes from.
        public var policy: PolicySource
        /// The forge's page of a commit, `{commit}` standing for its full id
        /// (`https://github.com/shop/db/commit/{commit}`): the web view links each decision's head
        /// there. Nil: no link.
        public var commitURL: String? = nil

        /// The name the trail gives it: its path without a trailing slash, as the hook's records of
        /// a shared trail name it (the service records it the same way).
        public var trailName: String { path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path }
    }

    /// What an API client may do.
    public enum Action: String, Sendable, Hashable, CaseIterable {
        /// `POST /v1/check`.
        case check
        /// `GET /v1/audit/…`.
        case audit
        /// `GET /metrics` and `GET /readyz`.
        case metrics
        /// The web view, `/ui/…`: read-only pages of the trail (a browser logs in with HTTP basic
        /// authentication, the client's name and token).
        case view
    }

    /// An API client: its token's SHA-256, the repositories and the actions it may use.
    public struct Client: Sendable {
        /// Its name, recorded as the actor of its checks.
        public var name: String
        /// SHA-256 of its bearer token, 32 bytes: the token itself is never stored.
        public var tokenSHA256: [UInt8]
        /// The repositories it may name; `*` for all.
        public var repositories: [String]
        /// The actions it may take.
        public var actions: Set<Action>

        /// Whether it may take `action` on `repository` (nil: an action that names none).
        func may(_ action: Action, repository: String? = nil) -> Bool {
            guard actions.contains(action) else { return false }
            guard let repository else { return true }
            return repositories.contains("*") || repositories.contains(repository)
        }
    }

    /// Bounds on requests and on the work behind them.
    public struct Limits: Sendable {
        /// The largest request body read; a larger one is answered 413 unread.
        public var maxBodyBytes = 1 << 20
        /// Webhook jobs waiting for a worker; past them a delivery is answered 503, so that the
        /// forge retries it, and none is dropped silently.
        public var queue = 100
        /// Jobs judged at once.
        public var workers = 2
        /// Delivery ids remembered to refuse a replay.
        public var deliveries = 10_000
    }

    /// A secret read from a file or a variable; its description never shows it.
    public struct Secret: Sendable, CustomStringConvertible {
        /// The bytes.
        var bytes: [UInt8]
        /// Where it came from (`file /etc/…`, `$VARIABLE`), for messages.
        public var origin: String
        /// Names the origin only: a secret printed by accident prints nothing secret.
        public var description: String { "<secret from \(origin)>" }
    }
}
