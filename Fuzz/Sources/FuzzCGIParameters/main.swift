import FuzzSupport
@testable import FastCGI

/// The FastCGI parameters as libfcgi hands them over (`NAME=value` strings, split at the first
/// `=`, as `FastCGIExchange.parameters(header:)` does): the input is NUL-separated entries. Properties:
/// nothing traps on any byte (header values, handed over as bytes, decode as the adapter decodes
/// them: what is not UTF-8 is kept as Latin-1); every `HTTP_*`
/// entry and `CONTENT_TYPE` / `CONTENT_LENGTH` becomes exactly one header; `totalBytes` counts
/// every name and value; header names never hold a byte the CGI name did not (`_` → `-`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCGIParameters(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(data, count)
    var parameters = CGIParameters()
    var headers: [(name: String, value: String)] = []
    var expectedHeaders = 0
    var expectedBytes = 0
    for entry in bytes.split(separator: 0) {
        guard let equals = entry.firstIndex(of: UInt8(ascii: "=")) else { continue }
        let name = Array(entry[..<equals]), value = Array(entry[(equals + 1)...])
        if name.starts(with: "HTTP_".utf8) && name.count > 5
            || name.elementsEqual("CONTENT_TYPE".utf8) || name.elementsEqual("CONTENT_LENGTH".utf8)
        {
            expectedHeaders += 1
        }
        expectedBytes += name.count + value.count
        name.withUnsafeBufferPointer { name in
            value.withUnsafeBufferPointer { value in
                parameters.take(name: name, value: value) { headers.append(($0, CGIParameters.text($1))) }
            }
        }
    }
    check(headers.count == expectedHeaders, "\(headers.count) headers, expected \(expectedHeaders)")
    check(parameters.totalBytes == expectedBytes, "totalBytes \(parameters.totalBytes), expected \(expectedBytes)")
    for header in headers {
        check(!header.name.utf8.contains(UInt8(ascii: "_")), "header name \(header.name) kept a '_'")
        check(!header.name.utf8.contains(0) && !header.value.utf8.contains(0), "a NUL byte in header \(header.name)")
    }
    return 0
}

runLibFuzzer(fuzzCGIParameters)
