import Foundation
import JSON
import Models
import HTTPTypes
import Storage

/// `/reports`: the overdue list staff work from (admins) and what readers borrow most (anyone
/// signed in). Both read only; docs/api.md, Reports.
enum ReportsBlueprint {
    static func make() -> Blueprint {
        var reports = Blueprint("reports", prefix: "/reports")
        // Not cached: a loan turns overdue by the clock alone, with no write to void an entry.
        reports.get("/overdue", access: .admin, overdue)
        // Cached with the book reads: a borrow, a return or a deletion voids it, so it is never
        // stale, though the contract would allow it to lag by CACHE_DEFAULT_TIMEOUT.
        reports.get("/popular", access: .user, cache: .books, query: PopularQuery.parameterNames, popular)
        return reports
    }

    /// The query parameters of the overdue report besides pagination: none.
    static let overdueFilterNames: [String] = []

    @Sendable static func overdue(_ request: Request, _ context: Context) throws -> Response {
        var errors: [String: [String]] = [:]
        let pagination = Pagination.read(from: request.query, errors: &errors)
        guard errors.isEmpty else { throw ProblemError(.badRequest, detail: "Invalid query parameters", errors: errors) }
        let now = Date()
        let store = try context.storage().reports
        let total = try store.overdueCount(now: now)
        let loans = pagination.offset < total ? try store.overdue(paging: pagination.paging, now: now) : []
        return .json(
            headers: pagination.headers(total: total, path: "/reports/overdue", query: request.query, filters: overdueFilterNames)
        ) { json in
            json.array { list in
                for overdue in loans {
                    list.object { fields in
                        LoanSchemas.writeFields(of: overdue.loan, now: now, to: &fields)
                        fields.key("days_overdue"); fields.integer(overdue.loan.daysOverdue(at: now))
                        fields.key("user")
                        fields.object { user in
                            user.key("id"); user.integer(overdue.loan.userID)
                            user.field("username", overdue.username)
                            user.field("email", overdue.email)
                        }
                    }
                }
            }
        }
    }

    @Sendable static func popular(_ request: Request, _ context: Context) throws -> Response {
        let query = try PopularQuery.read(from: request.query)
        let now = Date()
        let books = try context.storage().reports.popular(in: PopularWindow(days: query.days, endingAt: now), limit: query.limit, now: now)
        return .json { json in
            json.array { list in
                for line in books {
                    list.object { fields in
                        fields.key("book")
                        fields.object { book in
                            book.key("id"); book.integer(line.book.id)
                            book.field("title", line.book.title)
                            book.field("author", line.book.author)
                        }
                        fields.key("loans"); fields.integer(line.loans)
                    }
                }
            }
        }
    }
}
