// Ownership of OpenSSL objects. Every OpenSSL pointer keyway holds is in one
// of these; nothing calls *_free by hand. Shared handles (Certificate, Crl,
// Key) are immutable once built and may be read from any thread.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace keyway::pki {

using Bytes = std::vector<uint8_t>;

template <auto Free>
struct OsslFree {
  template <class T>
  void operator()(T* p) const { Free(p); }
};

using X509Ptr = std::unique_ptr<X509, OsslFree<X509_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OsslFree<X509_NAME_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, OsslFree<X509_CRL_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OsslFree<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OsslFree<X509_STORE_CTX_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, OsslFree<X509_EXTENSION_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, OsslFree<X509_REVOKED_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OsslFree<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslFree<EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OsslFree<BIO_free_all>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OsslFree<ASN1_INTEGER_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OsslFree<ASN1_TIME_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OsslFree<BN_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OsslFree<GENERAL_NAMES_free>>;

// A private (or public) key, shared by the trust-points that use it (IOS
// trust-points share the router's general-purpose key pair by default).
using Key = std::shared_ptr<EVP_PKEY>;

// The OpenSSL error queue as one line ("a; b"), emptied; `fallback` when
// the queue holds nothing.
std::string openssl_error(const char* fallback = "unknown OpenSSL error");

// DER of a name (empty on failure, which OpenSSL only reports on memory
// exhaustion).
Bytes name_der(const X509_NAME* name);

}  // namespace keyway::pki
