import FuzzSupport
import JSON

/// The strict JSON parser (request bodies, token parts). Properties: any input either parses or
/// fails with an offset inside it, and what parses survives the writer:
/// parse(write(parse(x))) == parse(x).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(data, count)
    let value: JSONValue
    do {
        value = try JSONParser.parse(bytes)
    } catch {
        check((0...bytes.count).contains(error.offset), "failure offset \(error.offset) outside \(bytes.count) bytes")
        return 0
    }
    var writer = JSONWriter()
    writer.value(value)
    check(String(validating: writer.bytes, as: UTF8.self) != nil, "the writer wrote invalid UTF-8")
    do {
        let again = try JSONParser.parse(writer.bytes)
        check(again == value, "round trip changed \(value) into \(again)")
    } catch {
        fatalError("the writer's output does not parse: \(error) in \(String(decoding: writer.bytes, as: UTF8.self))")
    }
    return 0
}

runLibFuzzer(fuzzJSON)
