import CFuzzerDriver
import Glibc

/// Runs libFuzzer with the process's arguments (`-max_total_time=10 corpus/`, ...) over
/// `callback`, which must also be exported as `LLVMFuzzerTestOneInput` (libFuzzer's `main`
/// refers to it at link time, although `runLibFuzzer` is what runs).
public func runLibFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}

/// The input libFuzzer passes, as bytes.
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
    guard let data, count > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: count))
}

/// A property that failed: printed, then the process traps so libFuzzer saves the input.
public func check(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #file, line: UInt = #line
) {
    if !condition() { fatalError("property failed: \(message())", file: file, line: line) }
}
