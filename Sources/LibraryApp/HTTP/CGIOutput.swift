import Basics
import FastCGI

/// Where a response's CGI bytes go: libfcgi's stream (`FastCGIExchange`), or an array.
protocol CGIOutput {
    mutating func write(_ bytes: UnsafeRawBufferPointer)
}

extension CGIOutput {
    mutating func write(_ literal: StaticString) {
        write(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    mutating func write(text: String) {
        // The string's own bytes (a native or small string's are contiguous): no copy of the
        // string made and released to reach them, ~40 pieces per response.
        if text.utf8.withContiguousStorageIfAvailable({ write(UnsafeRawBufferPointer($0)) }) == nil {
            var text = text
            text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
        }
    }

    mutating func write(decimal value: Int) {
        DecimalDigits.withDigits(of: value) { write(UnsafeRawBufferPointer($0)) }
    }
}

extension FastCGIExchange: CGIOutput {}

/// A response's CGI bytes collected in an array (tests, and wherever the bytes are wanted whole).
struct CGIBytes: CGIOutput {
    var bytes: [UInt8] = []

    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        self.bytes.append(contentsOf: bytes)
    }
}
