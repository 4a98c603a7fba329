// CertStore: the router's certificates, keys and CRLs, grouped by
// trust-point, in enrollment order, persisted in a directory.
//
// Order is behaviour. IOS lists certificates newest enrollment first in
// `show crypto pki certificates`, and builds its CERTREQ payloads in that
// order; with the first-match rule this decides which certificate a peer
// picks (the seed's R2-initiates failure). So the store numbers every
// certificate as it is added, never reorders, and writes the numbers down:
// a restart keeps the order.
//
// On disk (DIR):
//   index              "keyway-pki-store 1", then one record per line:
//                      trustpoint NAME [predefined] [key=FILE] [crl=FILE]
//                      cert SEQ ca|own FILE TRUSTPOINT[,TRUSTPOINT...]
//   CA1#1CA.cer ...    certificates (DER), named as IOS names them in nvram
//   NAME.key, default.key   private keys (PKCS#8 PEM, mode 0600)
//   NAME.crl           CRLs (PEM)
// Every change rewrites the index atomically after the files it names.
//
// Ownership and threads: a CertStore is owned by the control thread (or a
// CLI process); it is not synchronised. It assumes one writer per
// directory at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pki/certificate.h"
#include "pki/dn.h"
#include "pki/result.h"
#include "pki/trustpoint.h"

namespace keyway::pki {

class CertStore {
 public:
  struct Entry {
    enum class Kind : uint8_t { kCa, kOwn };
    uint64_t seq = 0;  // enrollment order: larger is newer
    Kind kind = Kind::kCa;
    Certificate cert;
    std::string file;                      // name inside the store directory
    std::vector<std::string> trustpoints;  // "Associated Trustpoints", in the order associated
  };

  // Opens the store in `dir`. A directory without an index is an empty
  // store; with `create` false a missing directory is an error instead of
  // being created (for commands that only read). Fails on an unreadable or
  // damaged store, naming the line.
  static Result<CertStore> open(const std::filesystem::path& dir, bool create = true);

  const std::filesystem::path& dir() const { return dir_; }

  // `crypto pki authenticate`: makes `ca` the CA certificate of trust-point
  // `tp`, creating the trust-point if needed. Re-adding the same CA is a
  // no-op; a different CA for a trust-point that already has one is an
  // error. The same CA certificate may serve several trust-points (one
  // entry, several associated trust-points).
  Status add_ca(std::string_view tp, const Certificate& ca, bool predefined = false);

  // Adds this router's certificate for `tp` with its private key. The
  // trust-point must have its CA, the certificate must be issued (and
  // signed) by it and match the key. A trust-point holds one router
  // certificate: a new one replaces the old (re-enrollment) and, being
  // the newest, moves the trust-point to the front.
  Status add_certificate(std::string_view tp, const Certificate& cert, const Key& key);

  // Installs the CA's CRL for `tp`; it must be issued by the trust-point's
  // CA (signature checked).
  Status set_crl(std::string_view tp, const Crl& crl);

  // The router's general-purpose key pair ("default.key"), shared by the
  // trust-points enrolled with it; created on first use.
  Result<Key> default_key(KeyType type = KeyType::kRsa2048);

  // Sets the configuration side of trust-points (revocation policy,
  // enrollment parameters). In memory only: the configuration file is the
  // record of it. Trust-points not named keep the defaults.
  void apply(std::span<const TrustpointPolicy> policies);

  // Certificates of non-predefined trust-points in the order of `show
  // crypto pki certificates`: this router's certificates newest first,
  // then the CA certificates newest first (the seed's R1 listing: its CA2
  // certificate, "1 more R1 cert signed by CA1, 2 more CA certs").
  std::vector<const Entry*> listing() const;

  // All trust-points that have a CA certificate, in CERTREQ order: each
  // configured trust-point where it first appears in listing() (so the
  // issuer of the newest router certificate comes first, as the seed's
  // Summary says), then the predefined ones in the order they were added.
  std::vector<Trustpoint> trustpoints() const;
  // The same order restricted to `names` (a profile's `ca trust-point` or
  // `pki trustpoint` list); names without a CA certificate are left out.
  std::vector<Trustpoint> trustpoints(std::span<const std::string> names) const;
  std::optional<Trustpoint> trustpoint(std::string_view name) const;

  // Names of every trust-point the store knows, in creation order.
  std::vector<std::string> names() const;

 private:
  struct TpRecord {
    std::string name;
    bool predefined = false;
    std::string key_file;  // empty: none
    std::string crl_file;  // empty: none
    Key key;
    std::optional<Crl> crl;
  };

  explicit CertStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Status load();
  Status save() const;
  TpRecord* find(std::string_view tp);
  const TpRecord* find(std::string_view tp) const;
  TpRecord& find_or_create(std::string_view tp, bool predefined);
  std::string unique_file_name(const Certificate& cert, bool ca) const;
  Trustpoint materialize(const TpRecord& r) const;

  std::filesystem::path dir_;
  std::vector<TpRecord> tps_;
  std::vector<Entry> entries_;  // oldest first
  std::vector<TrustpointPolicy> policies_;
  uint64_t next_seq_ = 1;
  Key default_key_;
};

}  // namespace keyway::pki
