import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Posts commit statuses to a forge's API, at the base URL of the configuration only (never one
/// from a payload: a forged or redirected payload must not make the server send its token
/// elsewhere). Retries a failed post with backoff, since a forge's API fails now and then.
struct CommitStatusPoster: Sendable {
    /// Why a status could not be posted after every attempt; the token is never part of it.
    struct Failure: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    var forge: ServerConfiguration.Forge
    /// Attempts in all, and the wait before the second (doubled each time).
    var attempts = 3
    var firstBackoff: Duration = .milliseconds(200)

    /// The request for `status` of `event.head`, as the forge's REST documentation addresses it.
    func request(_ status: CommitStatus, for event: ForgeEvent) throws(Failure) -> URLRequest {
        let sha = event.head
        // A commit id is 40 (or 64) hex digits: anything else would reshape the URL's path.
        guard sha.count == 40 || sha.count == 64, sha.allSatisfy(\.isHexDigit) else {
            throw Failure(description: "\(sha) is not a commit id")
        }
        let path: String
        var body: [String: String] = ["state": status.forgeState(forge.kind), "description": status.description]
        switch forge.kind {
        case .github, .gitea:
            let parts = event.repository.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && Self.isPathSafe($0) }) else {
                throw Failure(description: "\(event.repository) is not OWNER/NAME")
            }
            path = "/repos/\(parts[0])/\(parts[1])/statuses/\(sha)"
            body["context"] = status.context
        case .gitlab:
            guard let project = event.projectID else {
                throw Failure(description: "the GitLab event names no project id")
            }
            path = "/projects/\(project)/statuses/\(sha)"
            body["name"] = status.context
        }
        guard let url = URL(string: forge.apiBaseURL + path) else {
            throw Failure(description: "cannot form a URL from the API base \(forge.apiBaseURL)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.timeoutInterval = 10
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let token = String(decoding: forge.token.bytes, as: UTF8.self)
        switch forge.kind {
        case .github:
            request.setValue("application/vnd.github+json", forHTTPHeaderField: "Accept")
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        case .gitea:
            request.setValue("token \(token)", forHTTPHeaderField: "Authorization")
        case .gitlab:
            request.setValue(token, forHTTPHeaderField: "PRIVATE-TOKEN")
        }
        request.setValue("changegate", forHTTPHeaderField: "User-Agent")
        request.httpBody = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return request
    }

    /// Posts `status`; returns after the forge accepted it (2xx), or throws after the last attempt.
    func post(_ status: CommitStatus, for event: ForgeEvent) async throws(Failure) {
        let request = try request(status, for: event)
        var wait = firstBackoff
        var last = ""
        for attempt in 1...max(1, attempts) {
            do {
                let (data, response) = try await URLSession.shared.data(for: request)
                let code = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(code) { return }
                last = "HTTP \(code): \(String(decoding: data.prefix(200), as: UTF8.self))"
                // A 4xx other than a rate limit will not change by asking again.
                if (400..<500).contains(code), code != 429 { break }
            } catch {
                last = error.localizedDescription
            }
            if attempt < attempts {
                try? await Task.sleep(for: wait)
                wait *= 2
            }
        }
        throw Failure(description: "posting the status to \(forge.name) failed: \(last)")
    }

    /// A path segment of letters, digits, `-`, `_` and `.` (never `..`): what forges allow in names.
    private static func isPathSafe(_ part: Substring) -> Bool {
        part != "." && part != ".."
            && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
