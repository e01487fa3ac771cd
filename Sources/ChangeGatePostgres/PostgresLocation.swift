import ChangeGate
import Foundation

/// Where a PostgreSQL audit trail is, who connects, and which chain of it is this deployment's.
///
/// Read from a `postgres://` (or `postgresql://`) URL as libpq reads one, with the standard `PG*`
/// variables for what the URL leaves out: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, or a
/// Unix socket folder as `?host=/run/postgresql` (the host part empty). The password comes from the
/// URL, else `?passfile=PATH`, else `PGPASSWORD`, else `PGPASSFILE` (the `.pgpass` format). It is
/// never printed: ``description`` leaves it out, and so does every error.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// A host name or address; nil with ``socketFolder``.
    public var host: String?
    public var port: Int
    /// The folder of the server's Unix socket (`.s.PGSQL.PORT` inside it).
    public var socketFolder: String?
    public var user: String
    public var password: String?
    public var database: String
    /// The chain of the trail this deployment appends to (`?chain=NAME`, default `main`): one chain
    /// per deployment by default, several on one database when sites want their own.
    public var chain: String

    /// The chain a URL that names none appends to.
    public static let defaultChain = "main"

    public init(
        host: String?, port: Int = 5432, socketFolder: String? = nil, user: String, password: String? = nil,
        database: String, chain: String = defaultChain
    ) {
        self.host = host
        self.port = port
        self.socketFolder = socketFolder
        self.user = user
        self.password = password
        self.database = database
        self.chain = chain
    }

    /// `postgres://user@host:port/database?chain=main`, the password left out.
    public var description: String {
        let place = socketFolder.map { "?host=\($0)&" } ?? "?"
        return "postgres://\(user)@\(host ?? ""):\(port)/\(database)\(place)chain=\(chain)"
    }

    /// True when `location` is a PostgreSQL URL (`postgres://` or `postgresql://`, any case).
    public static func isPostgres(_ location: String) -> Bool {
        let lowered = location.prefix(16).lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// Parses `url`, completing it from `environment` (`PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`,
    /// `PGPASSWORD`, `PGPASSFILE`).
    ///
    /// - Parameters:
    ///   - url: A `postgres://` or `postgresql://` URL.
    ///   - environment: The process's environment, for what the URL leaves out.
    /// - Returns: The location, its password found.
    /// - Throws: ``AuditError`` of kind `open` naming the part that is wrong (never the password).
    public static func parse(_ url: String, environment: [String: String]) throws(AuditError) -> PostgresLocation {
        guard isPostgres(url), let components = URLComponents(string: url) else {
            throw AuditError(
                .open,
                "the audit location is not a PostgreSQL URL like postgres://USER@HOST:PORT/DATABASE (it is not shown: "
                    + "it may hold a password)")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard let value = item.value else { continue }
            switch item.name {
            case "host", "port", "user", "dbname", "passfile", "chain", "password": query[item.name] = value
            case "sslmode", "application_name", "connect_timeout": continue
            default:
                throw AuditError(
                    .open,
                    "the PostgreSQL URL has the parameter `\(item.name)`, which ChangeGate does not know (it knows host, "
                        + "port, user, dbname, passfile, chain)")
            }
        }
        let hostPart = components.percentEncodedHost.flatMap { $0.removingPercentEncoding }.flatMap {
            $0.isEmpty ? nil : $0
        }
        let hostValue = query["host"] ?? hostPart ?? environment["PGHOST"]
        var location = PostgresLocation(host: nil, user: "", database: "")
        if let hostValue, hostValue.hasPrefix("/") {
            location.socketFolder = hostValue
        } else {
            location.host = hostValue ?? "localhost"
        }
        let portText = query["port"] ?? components.port.map(String.init) ?? environment["PGPORT"] ?? "5432"
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw AuditError(.open, "the PostgreSQL port `\(portText)` is not a port number (1 to 65535)")
        }
        location.port = port
        let user =
            query["user"] ?? components.percentEncodedUser.flatMap { $0.removingPercentEncoding }
            ?? environment["PGUSER"] ?? environment["USER"]
        guard let user, !user.isEmpty else {
            throw AuditError(.open, "the PostgreSQL URL names no user, and neither does PGUSER")
        }
        location.user = user
        var path = components.percentEncodedPath.removingPercentEncoding ?? ""
        if path.hasPrefix("/") { path.removeFirst() }
        let database = query["dbname"] ?? (path.isEmpty ? nil : path) ?? environment["PGDATABASE"] ?? user
        location.database = database
        let chain = query["chain"] ?? defaultChain
        guard !chain.isEmpty, chain.utf8.count <= 200, !chain.utf8.contains(0) else {
            throw AuditError(.open, "the chain name in the PostgreSQL URL must be 1 to 200 bytes")
        }
        location.chain = chain
        if query["password"] != nil {
            throw AuditError(
                .open,
                "the PostgreSQL URL carries a password as `?password=`: put it in a password file (`?passfile=PATH` or "
                    + "PGPASSFILE) or PGPASSWORD instead, so that it does not sit in a command line")
        }
        if let password = components.percentEncodedPassword {
            location.password = password.removingPercentEncoding ?? password
        } else if let file = query["passfile"] {
            location.password = try passwordFile(file, for: location, required: true)
        } else if let password = environment["PGPASSWORD"] {
            location.password = password
        } else if let file = environment["PGPASSFILE"] {
            location.password = try passwordFile(file, for: location, required: false)
        }
        return location
    }

    /// The password a `.pgpass` file gives the location: the first line whose
    /// `host:port:database:user` fields match (`*` matching anything), as libpq reads it.
    static func passwordFile(_ path: String, for location: PostgresLocation, required: Bool) throws(AuditError)
        -> String?
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            if !required { return nil }
            throw AuditError(.open, "cannot read the PostgreSQL password file \(path)")
        }
        let host = location.socketFolder == nil ? (location.host ?? "localhost") : "localhost"
        let wanted = [host, String(location.port), location.database, location.user]
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            if line.hasPrefix("#") { continue }
            let fields = splitPassFileLine(Substring(line))
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        if required {
            throw AuditError(
                .open,
                "the PostgreSQL password file \(path) has no line for \(location.user)@\(host)/\(location.database)")
        }
        return nil
    }

    /// The five fields of a `.pgpass` line, `\:` and `\\` unescaped.
    private static func splitPassFileLine(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":", fields.count < 4 {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
