import HTTPTypes
import Hummingbird

/// The web view's answers: HTML with headers that keep a page from being framed, from loading
/// anything but the view's own style sheet, and from being cached where another person could
/// read it.
enum WebResponse {
    /// The headers every page carries.
    static func headers(type: String) -> HTTPFields {
        [
            .contentType: type,
            // No script at all, styles from /ui/style.css only, forms post back here only.
            .contentSecurityPolicy:
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            .xFrameOptions: "DENY",
            .xContentTypeOptions: "nosniff",
            // Same-origin: a form's post then carries its real Origin (no-referrer would send `null`),
            // and no URL of the view (its filters) leaves for another site.
            .referrerPolicy: "same-origin",
            .cacheControl: "no-store",
        ]
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: headers(type: "text/html; charset=utf-8"),
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A request without credentials: the browser's login prompt, and a page saying what to type.
    static func loginHint() -> Response {
        var fields = headers(type: "text/html; charset=utf-8")
        fields[.wwwAuthenticate] = #"Basic realm="ChangeGate", charset="UTF-8""#
        return Response(
            status: .unauthorized, headers: fields,
            body: .init(
                byteBuffer: ByteBuffer(
                    string: """
                        <!DOCTYPE html>
                        <html lang="en"><head><meta charset="utf-8"><title>Log in · ChangeGate</title></head>
                        <body><main><h1>Log in to ChangeGate</h1>
                        <p>This view needs a client of the service's configuration with the <code>view</code> action.
                        Log in with the client's name as the user name and its token as the password.</p>
                        </main></body></html>

                        """)))
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
