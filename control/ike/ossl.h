// Owning handles for the OpenSSL objects the IKE crypto uses, next to the
// ones pki/ossl.h already declares. Nothing here calls *_free by hand.
#pragma once

#include <openssl/evp.h>

#include <memory>

#include "pki/ossl.h"

namespace keyway::ike {

using pki::BignumPtr;
using pki::EvpPkeyCtxPtr;
using pki::EvpPkeyPtr;
using pki::OsslFree;
using EvpMacPtr = std::unique_ptr<EVP_MAC, OsslFree<EVP_MAC_free>>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, OsslFree<EVP_MAC_CTX_free>>;
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OsslFree<EVP_CIPHER_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslFree<EVP_MD_CTX_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, OsslFree<BN_CTX_free>>;

}  // namespace keyway::ike
