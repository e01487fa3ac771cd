/// Who is who: the logins a hosting authenticates and the e-mail addresses the same person commits
/// and reviews with (`identity "LOGIN" = ["EMAIL", …]`, `identities from "FILE"`).
///
/// Everything that compares people — authors and committers never review, the pusher never
/// reviews, group membership, `override by` — compares ``person(_:)``: a login, one of its
/// e-mails and a forge's noreply address for the login are the same person.
public struct IdentityMap: Sendable, Hashable {
    /// Lower-cased e-mail → lower-cased login.
    public private(set) var loginByEmail: [String: String] = [:]
    /// Each login's e-mails as declared, for `policy explain`.
    public private(set) var emails: [String: [String]] = [:]

    /// A map that knows no login.
    public init() {}

    /// Adds a login's e-mails; the checker has made sure no e-mail belongs to two logins.
    mutating func add(login: String, emails new: [String]) {
        let key = login.lowercased()
        emails[key, default: []] += new
        for email in new { loginByEmail[email.lowercased()] = key }
    }

    /// The person `identity` names, lower-cased: the login the map gives an e-mail, or that a
    /// forge's noreply address names; otherwise the identity itself.
    ///
    /// - Parameter identity: An e-mail address or login.
    /// - Returns: The person, lower-cased.
    public func person(_ identity: String) -> String {
        let wanted = identity.lowercased()
        if let login = loginByEmail[wanted] { return login }
        return Self.noreplyLogin(wanted) ?? wanted
    }

    /// True when the two identities name the same person.
    ///
    /// - Parameters:
    ///   - a: One identity.
    ///   - b: The other.
    /// - Returns: Whether ``person(_:)`` gives both the same.
    public func same(_ a: String, _ b: String) -> Bool { person(a) == person(b) }

    /// The login in a forge's private commit address: GitHub's `ID+LOGIN@users.noreply.github.com`
    /// and `LOGIN@users.noreply.github.com`, GitLab's `ID-LOGIN@users.noreply.gitlab.com` (and
    /// `users.noreply.HOST` of GitHub Enterprise and self-managed GitLab). The forge hands these
    /// out per account, so the address names that account's login.
    static func noreplyLogin(_ email: String) -> String? {
        guard let at = email.lastIndex(of: "@") else { return nil }
        let domain = email[email.index(after: at)...]
        guard domain.hasPrefix("users.noreply."), domain.count > "users.noreply.".count else { return nil }
        let local = email[..<at]
        // github.com's numbered form has `+`; a `-` there is part of the login (`old-style` names).
        let separators: [Character] = domain == "users.noreply.github.com" ? ["+"] : ["+", "-"]
        if let separator = local.firstIndex(where: { separators.contains($0) }),
            separator > local.startIndex, local[..<separator].allSatisfy(\.isASCIIDigit),
            local.index(after: separator) < local.endIndex
        {
            return String(local[local.index(after: separator)...])
        }
        return local.isEmpty ? nil : String(local)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension Group {
    /// True when `identity` is the same person as a member (see ``IdentityMap/person(_:)``).
    ///
    /// - Parameters:
    ///   - identity: An e-mail address or login.
    ///   - identities: The policy's identity map.
    /// - Returns: Whether a member is the same person.
    public func contains(_ identity: String, identities: IdentityMap) -> Bool {
        let wanted = identities.person(identity)
        return members.contains { identities.person($0) == wanted }
    }
}
