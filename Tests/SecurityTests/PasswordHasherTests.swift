import Glibc
import Testing
@testable import Security

@Suite struct PasswordHasherTests {
    let hasher = PasswordHasher(cost: .testing)

    @Test func roundTrip() throws {
        let stored = try hasher.hash(password: "correct horse battery staple")
        #expect(hasher.verify(password: "correct horse battery staple", against: stored))
    }

    @Test func wrongPasswordIsFalse() throws {
        let stored = try hasher.hash(password: "s3cret")
        #expect(!hasher.verify(password: "s3creT", against: stored))
        #expect(!hasher.verify(password: "", against: stored))
        #expect(!hasher.verify(password: "s3cret ", against: stored))
    }

    @Test func emptyAndUnicodePasswords() throws {
        let empty = try hasher.hash(password: "")
        #expect(hasher.verify(password: "", against: empty))
        #expect(!hasher.verify(password: " ", against: empty))
        let unicode = try hasher.hash(password: "pässwörd🔑")
        #expect(hasher.verify(password: "pässwörd🔑", against: unicode))
        #expect(!hasher.verify(password: "passwörd🔑", against: unicode))
    }

    @Test func saltMakesEveryHashDifferent() throws {
        let a = try hasher.hash(password: "same")
        let b = try hasher.hash(password: "same")
        #expect(a != b)
        let pa = try #require(StoredPasswordHash(parsing: a))
        let pb = try #require(StoredPasswordHash(parsing: b))
        #expect(pa.salt != pb.salt)
        #expect(pa.hash != pb.hash)
    }

    @Test func storedFormat() throws {
        let stored = try hasher.hash(password: "x")
        #expect(stored.hasPrefix("$scrypt$ln=10,r=8,p=1$"))
        let parsed = try #require(StoredPasswordHash(parsing: stored))
        #expect(parsed.cost == .testing)
        #expect(parsed.salt.count == 16)
        #expect(parsed.hash.count == 32)
        #expect(parsed.encoded == stored)
        // 16 bytes -> 22 chars, 32 bytes -> 43 chars, standard alphabet, no padding.
        let fields = stored.split(separator: "$")
        #expect(fields.count == 4)
        #expect(fields[2].count == 22)
        #expect(fields[3].count == 43)
        #expect(stored.filter { $0 == "=" }.count == 3)  // only in ln=, r=, p=: no padding
    }

    /// Known-answer test: RFC 7914 §12 vector 2 ("password", "NaCl", N=1024, r=8, p=16),
    /// first 32 bytes, proves the OpenSSL call really is scrypt with these parameters.
    @Test func scryptKnownAnswer() throws {
        let cost = try #require(PasswordHashingCost(ln: 10, r: 8, p: 16))
        let key = try #require(
            Scrypt.derive(
                password: Array("password".utf8), salt: Array("NaCl".utf8),
                cost: cost, length: 32))
        let hex = key.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        #expect(hex == "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162")
    }

    /// The production cost needs more than OpenSSL's default 32 MiB `maxmem`; this fails
    /// if `maxmem` is not passed correctly.
    @Test func productionCostWorks() throws {
        let production = PasswordHasher(cost: .production)
        let stored = try production.hash(password: "prod")
        #expect(stored.hasPrefix("$scrypt$ln=15,r=8,p=1$"))
        #expect(production.verify(password: "prod", against: stored))
        #expect(!production.needsRehash(stored))
        #expect(production.needsRehash(try hasher.hash(password: "prod")))
    }

    @Test func costUpgrade() throws {
        let old = try hasher.hash(password: "upgrade me")
        let stronger = PasswordHasher(cost: try #require(PasswordHashingCost(ln: 11, r: 8, p: 1)))
        // Old hashes still verify under the new configuration, and are flagged for rehash.
        #expect(stronger.verify(password: "upgrade me", against: old))
        #expect(!stronger.verify(password: "upgrade mE", against: old))
        #expect(stronger.needsRehash(old))
        let renewed = try stronger.hash(password: "upgrade me")
        #expect(renewed.hasPrefix("$scrypt$ln=11,r=8,p=1$"))
        #expect(!stronger.needsRehash(renewed))
        #expect(!hasher.needsRehash(old))
        // A hash stronger than configured is left alone.
        #expect(!hasher.needsRehash(renewed))
        #expect(hasher.verify(password: "upgrade me", against: renewed))
    }

    @Test func needsRehashForWeakerParameters() throws {
        let p2 = try #require(PasswordHashingCost(ln: 10, r: 8, p: 2))
        let r16 = try #require(PasswordHashingCost(ln: 10, r: 16, p: 1))
        #expect(PasswordHasher(cost: p2).needsRehash(try hasher.hash(password: "a")))
        #expect(PasswordHasher(cost: r16).needsRehash(try hasher.hash(password: "a")))
        #expect(hasher.needsRehash("garbage"))
    }

    @Test(arguments: [
        "",
        "garbage",
        "$scrypt$",
        "scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$pbkdf2$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=10,r=8$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$r=8,ln=10,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=+10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=0,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=99,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=25,r=64,p=16$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=10,r=8,p=1$AAAA-AAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=10,r=8,p=1$$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$",
        "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
        "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$",
    ])
    func malformedStoredHashIsFalse(_ stored: String) {
        #expect(!hasher.verify(password: "", against: stored))
        #expect(!hasher.verify(password: "password", against: stored))
        #expect(hasher.needsRehash(stored))
    }

    @Test func truncatedRealHashIsFalse() throws {
        let stored = try hasher.hash(password: "pw")
        for cut in [1, 2, 10, 44] {
            #expect(!hasher.verify(password: "pw", against: String(stored.dropLast(cut))))
        }
        #expect(!hasher.verify(password: "pw", against: stored + "A"))
    }

    @Test func dummyVerificationIsFalseAndCostsTheSame() throws {
        #expect(!hasher.verifyDummy(password: "anything"))
        let stored = try hasher.hash(password: "real")
        // The thread's CPU time, not the wall clock: other tests (or a busy CI machine) then
        // cannot stretch one side while they hold the cores. Interleaved, least of 9: what is
        // left of their disturbance (caches) only adds.
        var real = Duration.seconds(60), dummy = Duration.seconds(60)
        for _ in 0..<9 {
            real = min(real, threadCPUTime { _ = hasher.verify(password: "wrong", against: stored) })
            dummy = min(dummy, threadCPUTime { hasher.verifyDummy(password: "wrong") })
        }
        #expect(dummy < real * 2 && real < dummy * 2, "verify \(real) vs dummy \(dummy)")
    }

    private func threadCPUTime(_ work: () -> Void) -> Duration {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start)
        work()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end)
        return .seconds(end.tv_sec - start.tv_sec) + .nanoseconds(end.tv_nsec - start.tv_nsec)
    }

    @Test func costLimits() {
        #expect(PasswordHashingCost(ln: 15, r: 8, p: 1) == .production)
        #expect(PasswordHashingCost(ln: 0, r: 8, p: 1) == nil)
        #expect(PasswordHashingCost(ln: 10, r: 0, p: 1) == nil)
        #expect(PasswordHashingCost(ln: 10, r: 8, p: 0) == nil)
        #expect(PasswordHashingCost(ln: 20, r: 8, p: 1) == nil)  // just over the 1 GiB cap
        #expect(PasswordHashingCost(ln: 19, r: 8, p: 1) != nil)  // 512 MiB
        #expect(PasswordHashingCost.production.memoryBytes > 32 * 1024 * 1024)
    }
}
