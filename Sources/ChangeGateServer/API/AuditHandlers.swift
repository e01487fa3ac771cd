import ChangeGate
import Dispatch
import Foundation
import Hummingbird

/// `GET /v1/audit/head` and `GET /v1/audit/verify`: the trail's head (to keep elsewhere as a
/// witness) and its verification, as `changegate audit head` and `audit verify` report them.
struct AuditHandlers: Sendable {
    let configuration: ServerConfiguration

    func head(_ request: Request, context: ServerRequestContext) async throws -> Response {
        guard context.client?.may(.audit) == true else {
            return JSONBody.error("this client may not read the audit trail", status: .forbidden)
        }
        let location = configuration.audit
        return await offPool {
            // No file yet is a trail with no record yet, not an error.
            if AuditStores.isPath(location), !FileManager.default.fileExists(atPath: location) {
                return JSONBody.error("the audit trail holds no record yet", status: .notFound)
            }
            do {
                let trail = try AuditWorkflow.openForReading(trail)
                guard let head = try trail.store.head() else {
                    return JSONBody.error("the audit trail holds no record yet", status: .notFound)
                }
                return JSONBody.response(["sequence": head.sequence, "hash": head.hash, "head": "\(head)"])
            } catch {
                return JSONBody.error("\(error)", status: .serviceUnavailable)
            }
        }
    }

    func verify(_ request: Request, context: ServerRequestContext) async throws -> Response {
        guard context.client?.may(.audit) == true else {
            return JSONBody.error("this client may not read the audit trail", status: .forbidden)
        }
        return await offPool {
            do throws(WorkflowError) {
                let verification = try AuditWorkflow.verify(try AuditWorkflow.openForReading(trail), expect: nil)
                return JSONBody.response(["ok": verification.exit == .success, "lines": verification.lines])
            } catch {
                return JSONBody.error(error.message, status: .serviceUnavailable)
            }
        }
    }

    private var trail: AuditWorkflow.Trail {
        AuditWorkflow.Trail(location: configuration.audit, repositoryPath: nil, environment: [:])
    }

    /// The stores block their thread: run `body` on Dispatch's.
    private func offPool(_ body: @escaping @Sendable () -> Response) async -> Response {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }
}
