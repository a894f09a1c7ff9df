import Testing
@testable import LibraryApp
import HTTPTypes

/// `GET /reports/popular`'s parameters.
@Suite struct PopularQueryTests {
    func read(_ text: String) throws -> PopularQuery {
        try PopularQuery.read(from: QueryParameters(parsing: Substring(text)))
    }

    func errors(_ text: String) -> [String: [String]] {
        do { _ = try read(text); return [:] } catch let problem as ProblemError {
            #expect(problem.status == .badRequest)
            return problem.errors
        } catch { return ["unexpected": ["\(error)"]] }
    }

    @Test func defaultsAreThirtyDaysAndTenBooks() throws {
        #expect(try read("") == PopularQuery(days: 30, limit: 10))
        // Not paginated: pagination parameters are unknown here, and change nothing.
        #expect(try read("page=0&per_page=1000") == PopularQuery(days: 30, limit: 10))
    }

    @Test func boundsAreInclusive() throws {
        #expect(try read("days=1&limit=1") == PopularQuery(days: 1, limit: 1))
        #expect(try read("days=365&limit=100") == PopularQuery(days: 365, limit: 100))
    }

    @Test(arguments: ["days=0", "days=366", "days=-1", "days=", "days=3.5", "days=1e2", "days=%2030", "days=99999999999999999999"])
    func daysOutsideOneToThreeHundredSixtyFiveAreRefused(query: String) {
        #expect(errors(query) == ["days": ["Must be an integer between 1 and 365."]])
    }

    @Test(arguments: ["limit=0", "limit=101", "limit=ten"])
    func limitOutsideOneToHundredIsRefused(query: String) {
        #expect(errors(query) == ["limit": ["Must be an integer between 1 and 100."]])
    }

    @Test func bothErrorsAtOnce() {
        #expect(Set(errors("days=0&limit=0").keys) == ["days", "limit"])
    }
}
