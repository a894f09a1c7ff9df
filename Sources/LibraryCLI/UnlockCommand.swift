import ArgumentParser
import Cache
import Foundation
import LibraryApp
import Models
import Logging

/// `library-app unlock --email E`: ends an account's lockout after too many failed sign-ins
/// (`RATELIMIT_LOGIN_ACCOUNT`) before its window ends, for every address at once.
struct UnlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Clear the failed sign-in count of an account (RATELIMIT_LOGIN_ACCOUNT)."
    )

    @Option(help: "The account's email, as its owner signs in with it.")
    var email: String

    func run() throws {
        let configuration = try loadConfiguration()
        _ = LogSetup.bootstrap(level: .error)
        guard let memcached = configuration.memcached else {
            throw ValidationError("MEMCACHED_SERVERS is not set: there is no count to clear")
        }
        let client = MemcachedClient(configuration: memcached)
        let counters = AccountLockout.counters(
            email: UserRules.normalizedEmail(email),
            limits: configuration.rateLimits.accountLoginLimits, now: Int(Date().timeIntervalSince1970))
        var cleared = 0
        for counter in counters where try client.delete(counter.key) { cleared += 1 }
        print(cleared == 0 ? "\(email): no failed sign-ins counted" : "\(email): unlocked")
    }
}
