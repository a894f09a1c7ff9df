#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
// libcrypto only (no libssl): HMAC-SHA256 for JWT, scrypt for passwords, the CSPRNG,
// CRYPTO_memcmp for constant-time comparison, and SHA-256 (long cache keys). Only the
// Security target imports this.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#endif
