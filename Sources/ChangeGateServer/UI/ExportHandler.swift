import ChangeGate
import Dispatch
import Foundation
import Hummingbird

/// `/ui/export.csv` and `/ui/export.ndjson`: the timeline's filters, every matching record (not one
/// page), oldest first, in the columns and order of `changegate audit export`. The chain is read
/// forward a thousand records at a time and filtered by the query's reference matcher, so a large
/// export holds one batch in memory.
extension WebView {
    static let exportBatch = 1_000

    func export(_ request: Request, context: ServerRequestContext, as format: AuditRenderer.Format) async -> Response {
        guard let client = context.client, client.may(.view) else { return forbidden(context) }
        var filters = WebFilters(WebFilters.parameters(query: request.uri.query))
        filters.repository = restricted(filters.repository, for: client)
        let first: AuditQuery
        do {
            first = try filters.query(limit: nil, clock: Int64(clock()))
        } catch {
            return message("Export", error.message, context: context, status: .badRequest)
        }
        let location = configuration.audit
        let opened: AuditWorkflow.OpenedTrail
        do {
            opened = try await Self.offPool { () throws(WorkflowError) in
                try AuditWorkflow.openForReading(
                    AuditWorkflow.Trail(location: location, repositoryPath: nil, environment: [:]))
            }
        } catch {
            return message("The trail cannot be read", error.message, context: context, status: .serviceUnavailable)
        }
        let store = opened.store
        var headers = WebResponse.headers(type: format == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson")
        headers[.contentDisposition] = "attachment; filename=\"changegate-audit.\(format == .csv ? "csv" : "ndjson")\""
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let matcher = first
                var next = 1
                var header = true
                while true {
                    let from = next
                    let batch = try await Self.offPool { () throws(AuditError) in
                        try store.entries(from: from, limit: Self.exportBatch)
                    }
                    let entries = batch.filter { matcher.matches($0.record) }
                    var text = AuditRenderer.render(entries, as: format, landings: nil)
                    // The CSV's header once, on top.
                    if format == .csv, !header {
                        text =
                            entries.isEmpty ? "" : text.range(of: "\r\n").map { String(text[$0.upperBound...]) } ?? ""
                    }
                    if !entries.isEmpty || header { header = false }
                    if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
                    guard batch.count == Self.exportBatch, let last = batch.last else { break }
                    next = last.record.sequence + 1
                }
                try await writer.finish(nil)
            })
    }

    /// Runs a blocking store call on Dispatch's threads.
    static func offPool<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(E) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
