import ChangeGate
import Foundation

extension ServerConfiguration {
    /// Reads and checks the configuration file: every key known, every reference resolved, every
    /// secret read. YAML, through ChangeGate's own reader (so with its positions and limits).
    ///
    /// - Parameters:
    ///   - path: The configuration file.
    ///   - environment: The variables `token_env` and `secret_env` name.
    /// - Returns: The configuration, secrets included.
    /// - Throws: ``ServerConfigurationError`` naming the file, the line and what is wrong.
    public static func load(path: String, environment: [String: String]) throws(ServerConfigurationError)
        -> ServerConfiguration
    {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ServerConfigurationError(path: path, at: nil, "cannot read the file: \(error.localizedDescription)")
        }
        let parsed: ParsedConfig
        do {
            parsed = try ConfigReader().read(bytes, path: path, format: .yaml)
        } catch {
            throw ServerConfigurationError(path: path, at: error.position, error.message)
        }
        // A key given twice is a setting whose value depends on which one a reader keeps.
        if let duplicate = parsed.warnings.first(where: { $0.kind == .duplicateKey }) {
            throw ServerConfigurationError(path: path, at: duplicate.position, duplicate.message)
        }
        guard parsed.documents.count == 1, let root = parsed.documents.first else {
            throw ServerConfigurationError(
                path: path, at: nil, "expected one YAML document, found \(parsed.documents.count)")
        }
        var loader = Loader(path: path, environment: environment)
        return try loader.configuration(root)
    }
}

/// The reading of one configuration file.
private struct Loader {
    let path: String
    let environment: [String: String]

    mutating func configuration(_ root: ConfigNode) throws(ServerConfigurationError) -> ServerConfiguration {
        var fields = try ConfigurationFields(root, path: path, context: "the configuration")
        let listenNode = try fields.required("listen")
        let listen = try listenAddress(listenNode, fields)
        let audit = try fields.requiredString("audit")
        // `changegate-server` registers PostgreSQL before it reads the file; another scheme names
        // no store.
        if let unsupported = AuditStores.unsupported(audit) {
            let node = try fields.required("audit")
            throw fields.error(node, "`audit`: \(unsupported.message)")
        }
        var forges: [String: ServerConfiguration.Forge] = [:]
        for entry in try fields.entries("forges") {
            forges[entry.key] = try forge(named: entry.key, entry.node)
        }
        var repositories: [String: ServerConfiguration.ServedRepository] = [:]
        for entry in try fields.entries("repositories") {
            let served = try repository(named: entry.key, entry.node)
            guard forges[served.forge] != nil else {
                throw ServerConfigurationError(
                    path: path, at: entry.node.position,
                    "repository \(entry.key) names forge `\(served.forge)`, which `forges` does not define "
                        + "(defined: \(forges.keys.sorted().joined(separator: ", ")))")
            }
            repositories[entry.key] = served
        }
        if repositories.isEmpty {
            throw ServerConfigurationError(path: path, at: root.position, "`repositories` names no repository")
        }
        var clients: [String: ServerConfiguration.Client] = [:]
        for entry in try fields.entries("clients") {
            clients[entry.key] = try client(named: entry.key, entry.node, repositories: repositories)
        }
        var limits = ServerConfiguration.Limits()
        if let node = fields.node("limits") {
            var limitFields = try ConfigurationFields(node, path: path, context: "`limits`")
            limits.maxBodyBytes = try limitFields.positiveInteger("max_body_bytes") ?? limits.maxBodyBytes
            limits.queue = try limitFields.positiveInteger("queue") ?? limits.queue
            limits.workers = try limitFields.positiveInteger("workers") ?? limits.workers
            limits.deliveries = try limitFields.positiveInteger("deliveries") ?? limits.deliveries
            try limitFields.finish()
        }
        let checkpoint = try fields.node("checkpoint").map { (node) throws(ServerConfigurationError) in
            try self.checkpoint(node)
        }
        try fields.finish()
        return ServerConfiguration(
            path: path, listen: listen, audit: audit, forges: forges, repositories: repositories, clients: clients,
            limits: limits, checkpoint: checkpoint)
    }

    /// `checkpoint: {path, keys}`: the keys read now, so that a missing or malformed one stops the
    /// start instead of leaving the page unable to check.
    func checkpoint(_ node: ConfigNode) throws(ServerConfigurationError) -> ServerConfiguration.Checkpoint {
        var fields = try ConfigurationFields(node, path: path, context: "`checkpoint`")
        let pathNode = try fields.required("path")
        let file = try fields.requiredString("path")
        guard file.hasPrefix("/") else {
            throw fields.error(pathNode, "`path` of `checkpoint` must be an absolute path, not \(file)")
        }
        let keysNode = try fields.required("keys")
        let keyPaths = try fields.strings("keys") ?? []
        guard !keyPaths.isEmpty else {
            throw fields.error(
                keysNode, "`keys` of `checkpoint` must name the trail's verifier key (its .pub) and any witness's")
        }
        var keys: [NoteVerifierKey] = []
        for keyPath in keyPaths {
            do {
                keys.append(try CheckpointFiles.readVerifierKey(keyPath))
            } catch {
                throw fields.error(keysNode, "`keys` of `checkpoint`: \(error.message)")
            }
        }
        try fields.finish()
        return .init(path: file, keys: keys)
    }

    func listenAddress(_ node: ConfigNode, _ fields: ConfigurationFields) throws(ServerConfigurationError)
        -> ServerConfiguration.ListenAddress
    {
        guard case .string(let text) = node.value, let colon = text.lastIndex(of: ":"),
            let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port),
            colon != text.startIndex
        else {
            throw fields.error(node, "`listen` must be HOST:PORT, as 127.0.0.1:8080 (port 0: any free port)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return .init(host: host, port: port)
    }

    func forge(named name: String, _ node: ConfigNode) throws(ServerConfigurationError) -> ServerConfiguration.Forge {
        var fields = try ConfigurationFields(node, path: path, context: "forge \(name)")
        let kindNode = try fields.required("kind")
        guard case .string(let kindText) = kindNode.value, let kind = ServerConfiguration.ForgeKind(rawValue: kindText)
        else {
            throw fields.error(
                kindNode,
                "`kind` of forge \(name) must be one of "
                    + ServerConfiguration.ForgeKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let apiNode = try fields.required("api")
        let api = try fields.requiredString("api")
        guard let url = URL(string: api), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host != nil, url.query == nil
        else {
            throw fields.error(apiNode, "`api` of forge \(name) must be an http(s) URL without a query, not \(api)")
        }
        let token = try secret(
            &fields, file: "token_file", variable: "token_env", what: "the API token of forge \(name)")
        let webhookSecret = try secret(
            &fields, file: "secret_file", variable: "secret_env", what: "the webhook secret of forge \(name)")
        let context = try fields.string("status_context") ?? "changegate"
        try fields.finish()
        return .init(
            name: name, kind: kind, apiBaseURL: api.hasSuffix("/") ? String(api.dropLast()) : api, token: token,
            webhookSecret: webhookSecret, statusContext: context)
    }

    /// A secret from exactly one of a file and a variable; an empty one is refused (an HMAC with an
    /// empty key is one anyone can compute).
    func secret(_ fields: inout ConfigurationFields, file: String, variable: String, what: String)
        throws(ServerConfigurationError) -> ServerConfiguration.Secret
    {
        let fileNode = fields.node(file)
        let variableNode = fields.node(variable)
        switch (fileNode, variableNode) {
        case (let node?, nil):
            guard case .string(let secretPath) = node.value else {
                throw fields.error(node, "`\(file)` must be a path")
            }
            guard let data = FileManager.default.contents(atPath: secretPath) else {
                throw fields.error(node, "cannot read \(what) from \(secretPath)")
            }
            // A secret file written by `echo` ends with a newline that is not part of the secret.
            var bytes = Array(data)
            while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
            guard !bytes.isEmpty else { throw fields.error(node, "\(what) in \(secretPath) is empty") }
            return .init(bytes: bytes, origin: "file \(secretPath)")
        case (nil, let node?):
            guard case .string(let name) = node.value else {
                throw fields.error(node, "`\(variable)` must be a variable's name")
            }
            guard let value = environment[name], !value.isEmpty else {
                throw fields.error(node, "\(what): the variable \(name) is not set, or empty")
            }
            return .init(bytes: Array(value.utf8), origin: "$\(name)")
        case (let node?, _?):
            throw fields.error(node, "\(what): give `\(file)` or `\(variable)`, not both")
        case (nil, nil):
            throw ServerConfigurationError(
                path: path, at: fields.position, "\(what) is missing: give `\(file)` or `\(variable)`")
        }
    }

    func repository(named name: String, _ node: ConfigNode) throws(ServerConfigurationError)
        -> ServerConfiguration.ServedRepository
    {
        var fields = try ConfigurationFields(node, path: path, context: "repository \(name)")
        let forge = try fields.requiredString("forge")
        let pathNode = try fields.required("path")
        let repositoryPath = try fields.requiredString("path")
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: repositoryPath, isDirectory: &isFolder), isFolder.boolValue else {
            throw fields.error(pathNode, "repository \(name): \(repositoryPath) is not a folder (a bare repository)")
        }
        let protected = try fields.strings("protected") ?? ["refs/heads/main", "refs/heads/master"]
        var policy = ServerConfiguration.PolicySource.targetBranch
        if let policyNode = fields.node("policy") {
            guard case .string(let text) = policyNode.value, text == "target-branch" || text.hasPrefix("/") else {
                throw fields.error(
                    policyNode,
                    "`policy` of repository \(name) must be `target-branch` or an absolute path on the server")
            }
            if text != "target-branch" { policy = .path(text) }
        }
        var commitURL: String?
        if let urlNode = fields.node("commit_url") {
            guard case .string(let text) = urlNode.value, text.hasPrefix("https://") || text.hasPrefix("http://"),
                text.contains("{commit}")
            else {
                throw fields.error(
                    urlNode,
                    "`commit_url` of repository \(name) must be an http(s) URL with `{commit}` where the commit's id goes"
                )
            }
            commitURL = text
        }
        try fields.finish()
        return .init(
            name: name, forge: forge, path: repositoryPath, protectedRefs: protected, policy: policy,
            commitURL: commitURL)
    }

    func client(
        named name: String, _ node: ConfigNode, repositories: [String: ServerConfiguration.ServedRepository]
    ) throws(ServerConfigurationError) -> ServerConfiguration.Client {
        var fields = try ConfigurationFields(node, path: path, context: "client \(name)")
        let hashNode = try fields.required("token_sha256")
        let hex = try fields.requiredString("token_sha256")
        guard let digest = Hex.bytes(hex), digest.count == 32 else {
            throw fields.error(
                hashNode,
                "`token_sha256` of client \(name) must be 64 hexadecimal digits (`printf %s TOKEN | sha256sum`)")
        }
        let reposNode = fields.node("repositories")
        let allowed = try fields.strings("repositories") ?? []
        for repository in allowed where repository != "*" && repositories[repository] == nil {
            throw fields.error(reposNode!, "client \(name) names repository \(repository), which is not served")
        }
        let actionsNode = try fields.required("actions")
        var actions: Set<ServerConfiguration.Action> = []
        for text in try fields.strings("actions") ?? [] {
            guard let action = ServerConfiguration.Action(rawValue: text) else {
                throw fields.error(
                    actionsNode,
                    "client \(name): unknown action \(text) (known: "
                        + ServerConfiguration.Action.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            actions.insert(action)
        }
        try fields.finish()
        return .init(name: name, tokenSHA256: digest, repositories: allowed, actions: actions)
    }
}

/// Hexadecimal text and bytes.
enum Hex {
    static func bytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    static func string(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
