import HTTPTypes
import Testing

@testable import LibraryApp

/// The request's fields as the adapter builds them, and what the response writer can emit.
@Suite struct HTTPFieldsTests {
    @Test func receivedFieldsKeepOrderAndEveryByteButCRLFAndNUL() {
        let fields = HTTPFields(received: [
            ("X-Forwarded-For", "192.0.2.1"), ("Bad Name", "dropped"), ("X-Forwarded-For", " 10.0.0.1 "),
            ("Authorization", "Bearer a\u{1}b"), ("X-Request-Id", "a\r\nSet-Cookie: x"),
        ])
        #expect(fields.map { $0.name.rawName } == ["X-Forwarded-For", "X-Forwarded-For", "Authorization", "X-Request-Id"])
        #expect(fields[.xForwardedFor] == "192.0.2.1,  10.0.0.1 ")  // a list: joined in order, nothing trimmed
        #expect(fields.firstValue(.xForwardedFor) == "192.0.2.1")
        #expect(fields.firstValue(.authorization) == "Bearer a\u{1}b")  // not blanked out, so still no valid token
        #expect(fields.firstValue(.xRequestID) == "a  Set-Cookie: x")
        #expect(fields.firstValue(.contentType) == nil)
    }

    @Test func knownNamesAreTheNamesHTTPTypesMakes() {
        let fields = HTTPFields(received: [
            ("Host", "h"), ("Authorization", "a"), ("Proxy", ""), ("Content-Type", "t"), ("Content-Length", "0"), ("Accept", "x"),
        ])
        #expect(
            fields.map { $0.name }
                == ["Host", "Authorization", "Proxy", "Content-Type", "Content-Length", "Accept"].map { HTTPField.Name($0)! })
        #expect(fields.map { $0.name.rawName } == ["Host", "Authorization", "Proxy", "Content-Type", "Content-Length", "Accept"])
        #expect(fields.map { $0.value } == ["h", "a", "", "t", "0", "x"])
    }

    @Test func namesAreCaseInsensitive() {
        let fields = HTTPFields(received: [("content-type", "application/json")])
        #expect(fields.firstValue(.contentType) == "application/json")
    }

    /// A value holding CR LF could add a header line of its own to the CGI response (the
    /// hand-written header list wrote values as given).
    @Test func aResponseValueCannotAddAHeaderLine() {
        var response = Response(status: .ok)
        response.headers[.location] = "/books/1\r\nSet-Cookie: session=x"
        let text = String(decoding: response.cgiBytes(omitBody: false), as: UTF8.self)
        #expect(text == "Status: 200 OK\r\nLocation: /books/1  Set-Cookie: session=x\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func statusLinesKeepTheirReasonPhrases() {
        let lines = [HTTPResponse.Status.contentTooLarge, .unprocessableContent, .requestHeaderFieldsTooLarge, .tooManyRequests].map {
            String(decoding: Response(status: $0).cgiBytes(omitBody: false).prefix(while: { $0 != 0x0D }), as: UTF8.self)
        }
        #expect(
            lines == [
                "Status: 413 Content Too Large", "Status: 422 Unprocessable Content", "Status: 431 Request Header Fields Too Large",
                "Status: 429 Too Many Requests",
            ])
    }
}
