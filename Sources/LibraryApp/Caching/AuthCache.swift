import Cache
import Foundation
import Models

/// The token check's database answer, cached: `auth:<jti>` holds the caller's user record and
/// the user's generation (`authgen:<user id>`) at the time. One `getMulti` reads both (with the
/// request's other cache reads, `CacheReads`); the entry
/// counts only while the generations agree. Changing or deleting a user bumps its generation, a
/// logout deletes the token's entry, and a memcached restart loses the generation (so every
/// entry of that user is ignored): the database stays the truth, the cache only saves a query.
/// Entries are sealed (`CacheEntrySeal`): one written by anyone else is a miss.
struct AuthCache {
    let client: MemcachedClient
    let seal: CacheEntrySeal
    /// Short, and never past the token's own expiry.
    static let timeoutSeconds = 300

    /// The token check's key: made once per verified token (`VerifiedTokenCache`), not per request.
    static func entryKey(_ tokenID: String) -> String { "auth:\(tokenID)" }
    private static func generationKey(_ userID: Int64) -> String { "authgen:\(userID)" }

    /// What `user(in:)` needs read.
    static func keys(entryKey: String, userID: Int64) -> [String] {
        [entryKey, generationKey(userID), Generation.epochKey]
    }

    /// The cached user of this token, when the entry is there and still current (the user's
    /// generation and the epoch it was stamped with are both the ones read now).
    /// Opened through `opened`: the same entry as last time is neither checked nor decoded again.
    static func user(
        in values: CacheReads, entryKey key: String, userID: Int64, opened: inout OpenedEntries<Check>, seal: CacheEntrySeal
    ) -> User? {
        guard let check = opened.open(values[key], key: key, seal: seal, decode: { decode($0).map(Check.init) }),
            Generation.isCurrent(check.generation, of: generationKey(userID), in: values), check.user.id == userID
        else { return nil }
        return check.user
    }

    /// A decoded entry: the generation stamp it was written with, and the user. A class: taken
    /// out of `OpenedEntries` on every request, with one retain instead of one per string.
    final class Check {
        let generation: String
        let user: User

        init(_ decoded: (generation: String, user: User)) {
            (generation, user) = decoded
        }
    }

    /// The stamp for the database's answer, fixed before the database is asked: a change that
    /// commits after it bumps the user's generation, and the stamped answer stops counting.
    func stamp(of userID: Int64, read: CacheReads) throws -> String {
        try Generation.currentStamp(of: Self.generationKey(userID), in: read, client: client)
    }

    /// Caches the database's answer, stamped with the generation read before the question.
    func remember(_ user: User, generation: String, tokenID: String, tokenExpiresAt: Int64) throws {
        let lifetime = min(Int64(Self.timeoutSeconds), tokenExpiresAt - Int64(Date().timeIntervalSince1970))
        guard lifetime > 0 else { return }
        let key = Self.entryKey(tokenID)
        try client.setWithoutReply(
            key, seal.seal(Self.encode(user, generation: generation), key: key, lifetime: Int(lifetime)),
            expiration: Int(lifetime))
    }

    /// An entry: its generation stamp and the user's fields, each as `<length>:<bytes>` (`-`
    /// for an absent name), read back without a JSON parse — this runs on every request.
    static func encode(_ user: User, generation: String) -> [UInt8] {
        var fields = LengthPrefixedFields()
        fields.append(generation)
        fields.append(String(user.id))
        fields.append(user.username)
        fields.append(user.email)
        fields.append(user.firstName)
        fields.append(user.lastName)
        fields.append(user.role.rawValue)
        fields.append(String(Int64((user.createdAt.timeIntervalSince1970 * 1_000_000).rounded())))
        return fields.bytes
    }

    static func decode(_ bytes: [UInt8]) -> (generation: String, user: User)? { decode(bytes[...]) }

    static func decode(_ bytes: ArraySlice<UInt8>) -> (generation: String, user: User)? {
        guard let fields = LengthPrefixedFields.split(bytes, count: 8),
            let generation = fields[0], let id = fields[1].flatMap({ Int64($0) }), let username = fields[2],
            let email = fields[3], let role = fields[6].flatMap(User.Role.init(rawValue:)),
            let micros = fields[7].flatMap({ Int64($0) })
        else { return nil }
        let user = User(
            id: id, username: username, email: email, firstName: fields[4], lastName: fields[5], role: role,
            createdAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000))
        return (generation, user)
    }

    /// The user changed (role, email, names) or is gone: every cached token check of theirs is void.
    func forget(userID: Int64) throws {
        try Generation.bump(Self.generationKey(userID), client: client)
    }

    /// A logout: this token's cached check is void (the revocation itself is in the database).
    /// Bumping the user's generation, not only deleting the entry, also voids an answer that a
    /// request in flight read before the logout committed and is about to store.
    func forget(tokenID: String, userID: Int64) throws {
        _ = try client.delete(Self.entryKey(tokenID))
        try forget(userID: userID)
    }
}
