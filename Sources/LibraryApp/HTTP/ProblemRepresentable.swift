/// An error that is an HTTP problem: what it says is what the client is told. Domain errors
/// conform by extension here in `LibraryApp` (`DomainProblems.swift`), so that the layers
/// below know nothing of HTTP; `Application.dispatch` renders any of them in its one `catch`,
/// and anything else becomes a `500` that reveals nothing (Hummingbird's `HTTPResponseError`
/// plays the same part).
public protocol ProblemRepresentable: Error {
    var problem: ProblemError { get }
}

extension ProblemError: ProblemRepresentable {
    public var problem: ProblemError { self }
}
