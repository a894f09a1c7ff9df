import HTTPTypes
public import Models

// The domain's refusals as the problems the contract gives for them (docs/api.md): every one a
// `409` with the domain's message, and for a field a rule names, the field's message too.

extension BookConflict: ProblemRepresentable {
    public var problem: ProblemError {
        switch self {
        case .duplicateISBN:
            return ProblemError(.conflict, detail: message, errors: ["isbn": ["Already taken."]])
        case let .copiesBelowInUse(_, inUse):
            return ProblemError(
                .conflict, detail: message, errors: ["copies": ["Must be at least the \(inUse) copies on loan or set aside."]])
        case .duplicate, .copiesOnLoan, .activeHolds:
            return ProblemError(.conflict, detail: message)
        }
    }
}

extension UserConflict: ProblemRepresentable {
    public var problem: ProblemError {
        switch self {
        case let .taken(field): return ProblemError(.conflict, detail: message, errors: [field: ["Already taken."]])
        case .lastAdmin, .activeLoans: return ProblemError(.conflict, detail: message)
        }
    }
}

extension LoanPolicy.Refusal: ProblemRepresentable {
    public var problem: ProblemError { ProblemError(.conflict, detail: message) }
}

extension HoldPolicy.Refusal: ProblemRepresentable {
    public var problem: ProblemError { ProblemError(.conflict, detail: message) }
}

extension PasswordService.Busy: ProblemRepresentable {
    public var problem: ProblemError {
        var headers = HTTPFields()
        headers[.retryAfter] = "1"
        return ProblemError(.serviceUnavailable, detail: "Too many sign-ins at once; try again in a second", headers: headers)
    }
}
