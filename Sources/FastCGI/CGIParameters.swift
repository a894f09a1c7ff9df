import Glibc

/// The CGI variables of a request that the application uses, read from the FastCGI
/// parameters in one pass. Other variables (`SERVER_*`, `GATEWAY_INTERFACE`, ...) are skipped
/// without being copied: this runs for every request.
public struct CGIParameters: Sendable {
    public var method = "GET"
    /// `REQUEST_URI` (path and query as the client sent them), else `DOCUMENT_URI`.
    public var requestURI = "/"
    public var queryString = ""
    public var remoteAddress = "-"
    public var contentLength: String?
    /// `REQUEST_START`: when the web server began the request (`$msec`, seconds since the
    /// epoch with a fraction), so that the app can tell how long it waited in line.
    public var requestStart: String?
    /// The size of every parameter, names and values, skipped ones included.
    public var totalBytes = 0

    public init() {}

    /// `X_REQUEST_ID` → `X-Request-Id`, byte by byte.
    /// Written straight into the new string: no byte array per header.
    public static func headerName<Bytes: Collection<UInt8>>(fromCGI name: Bytes) -> String {
        var startOfWord = true
        let converted = String(unsafeUninitializedCapacity: name.count) { buffer in
            for (index, byte) in zip(buffer.indices, name) {
                if byte == UInt8(ascii: "_") {
                    buffer[index] = UInt8(ascii: "-")
                    startOfWord = true
                } else {
                    buffer[index] = !startOfWord && byte >= 65 && byte <= 90 ? byte + 32 : byte
                    startOfWord = false
                }
            }
            return name.count
        }
        return converted
    }

    /// Takes one `NAME=value` parameter, as raw bytes. A request header (`HTTP_*`,
    /// `CONTENT_TYPE`, `CONTENT_LENGTH`) is handed to `header` with its HTTP name, its value as
    /// bytes: the caller may know them already (a remembered token) and make no string of them.
    mutating func take(
        name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>,
        header: (_ name: String, _ value: UnsafeBufferPointer<UInt8>) -> Void
    ) {
        totalBytes += name.count + value.count
        if name.count > 5, name[0] == 0x48, name[1] == 0x54, name[2] == 0x54, name[3] == 0x50, name[4] == 0x5F {  // HTTP_
            header(Self.headerName(fromCGI: UnsafeBufferPointer(rebasing: name[5...])), value)
            return
        }
        switch name.count {
        case 11 where Self.is(name, "REMOTE_ADDR"): remoteAddress = Self.text(value)
        case 11 where Self.is(name, "REQUEST_URI"): requestURI = Self.text(value)
        case 12 where Self.is(name, "QUERY_STRING"): queryString = Self.text(value)
        case 12 where Self.is(name, "CONTENT_TYPE"):
            header("Content-Type", value)
        case 12 where Self.is(name, "DOCUMENT_URI"):
            if requestURI == "/" { requestURI = Self.text(value) }
        case 13 where Self.is(name, "REQUEST_START"): requestStart = Self.text(value)
        case 14 where Self.is(name, "REQUEST_METHOD"): method = Self.text(value)
        case 14 where Self.is(name, "CONTENT_LENGTH"):
            contentLength = Self.text(value)
            header("Content-Length", value)
        default: break
        }
    }

    /// Whether `name` is `literal` (of the same length): one `memcmp`, where `elementsEqual`
    /// against a `String.UTF8View` walked both byte by byte (every parameter of every request).
    private static func `is`(_ name: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        name.count == literal.utf8CodeUnitCount && memcmp(name.baseAddress!, literal.utf8Start, name.count) == 0
    }

    /// Header values are bytes; nginx passes them through untouched. Valid UTF-8 is kept,
    /// anything else is read as Latin-1 so that no byte is lost and nothing traps.
    public static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        // Decoding repairs invalid UTF-8 (U+FFFD), so valid input is exactly what comes out
        // unchanged: one pass and a `memcmp`, where `String(validating:)` runs unspecialised (a
        // type-metadata lookup and a generic pass per call), and this runs for every parameter kept.
        var decoded = String(decoding: bytes, as: UTF8.self)
        let unchanged = decoded.withUTF8 { text in
            text.count == bytes.count && (text.isEmpty || memcmp(text.baseAddress!, bytes.baseAddress!, text.count) == 0)
        }
        if unchanged { return decoded }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}
