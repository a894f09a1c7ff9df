import Basics

/// The message of a request's access line, `GET /books/7 200 0.123ms`: written as bytes
/// straight into the log line (`LineLogHandler.logAccess`), or as text for any other handler.
struct AccessLine: CustomStringConvertible {
    let method: String
    let path: String
    let status: Int
    let microseconds: UInt64

    func append(to line: inout [UInt8]) {
        line.append(contentsOf: method.utf8)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: path.utf8)
        line.append(UInt8(ascii: " "))
        DecimalDigits.append(status, to: &line)
        line.append(UInt8(ascii: " "))
        DecimalDigits.append(Int(microseconds / 1000), to: &line)
        line.append(UInt8(ascii: "."))
        let fraction = Int(microseconds % 1000)  // three digits, zero-padded
        line.append(UInt8(ascii: "0") + UInt8(fraction / 100))
        line.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        line.append(UInt8(ascii: "0") + UInt8(fraction % 10))
        line.append(contentsOf: "ms".utf8)
    }

    var description: String {
        var line: [UInt8] = []
        append(to: &line)
        return String(decoding: line, as: UTF8.self)
    }
}
