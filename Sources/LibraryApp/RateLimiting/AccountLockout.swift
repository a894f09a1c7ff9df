public import Cache
import Glibc
import HTTPTypes

/// Failed sign-ins counted per account (`RATELIMIT_LOGIN_ACCOUNT`, default `10 per 15 minute`),
/// from every address together: guessing one account's password from many addresses (or an
/// IPv6 client's 2^64) meets the same limit. Past it, every sign-in for that account is `429`
/// until the window ends, right password or not; `library-app unlock --email E` ends it early.
/// An unknown email is counted the same way, so the answer tells nothing about who has an
/// account.
///
/// Every attempt takes its place in the account's window before the password is checked, and
/// one that was not a wrong email or password gives it back: parallel guesses cannot all slip
/// in under the limit while the slow hashes run.
public struct AccountLockout {
    static let limiter = FixedWindowRateLimiter(keyPrefix: "login-account")
    let counters: [RateLimitCounter]

    /// The counters of `email` (as normalised for sign-in) for `limits`, at Unix time `now`.
    public static func counters(email: String, limits: [RateLimit], now: Int) -> [RateLimitCounter] {
        limiter.counters(client: email, scope: "login", limits: limits, now: now)
    }

    /// Counts the attempt; throws `429` when the account is over its limit (or `503` when the
    /// counters cannot be reached and limits fail closed). Nil when there is nothing to count.
    static func begin(email: String, context: Context) throws(ProblemError) -> AccountLockout? {
        let settings = context.configuration.rateLimits
        guard settings.enabled, !settings.accountLoginLimits.isEmpty else { return nil }
        let now = Int(time(nil))
        let counters = counters(email: email, limits: settings.accountLoginLimits, now: now)
        guard let store = context.counters else {
            _ = try RateLimitGuard.storeUnavailable(.unavailable("MEMCACHED_SERVERS is not set"), settings, context)
            return nil
        }
        var counts: [UInt64] = []
        for counter in counters {
            do {
                counts.append(try store.incrementCounter(counter.key, expiration: counter.expiration))
            } catch {
                _ = try RateLimitGuard.storeUnavailable(error as? CacheError ?? .other(code: -1, message: "\(error)"), settings, context)
                return nil
            }
        }
        let decision = FixedWindowRateLimiter.decide(counters, counts: counts, now: now)
        if decision.outcome == .denied {
            AppMetrics.rateLimitRejections.increment()
            var headers = HTTPFields()
            headers[.retryAfter] = String(decision.retryAfter)
            throw ProblemError(
                .tooManyRequests,
                detail: "Too many failed sign-ins for this account; try again in \(decision.retryAfter) seconds",
                headers: headers)
        }
        return AccountLockout(counters: counters)
    }

    /// The attempt was not a failed sign-in (it succeeded, or failed for another reason): its
    /// place is given back.
    func giveBack(context: Context) {
        guard let store = context.counters else { return }
        for counter in counters { _ = try? store.decrement(counter.key) }
    }
}
