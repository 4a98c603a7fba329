#include "control/ikev2/proposal.h"

#include <algorithm>
#include <array>
#include <string>

#include "control/config/algorithms.h"

namespace keyway::ikev2 {
namespace {

using config::EspAuth;
using config::EspCipher;
using ike::Error;
using ike::IkeCipher;
using ike::IkeHash;
using ike::Result;

// The one table between the model's enums and IANA transform IDs. A row
// serves IKE, ESP or both; missing entries are algorithms keyway does not
// negotiate in that role (DES nowhere, AES-GCM-192 only for ESP).
struct CipherRow {
  uint16_t id;
  uint16_t key_bits;  // the Key Length attribute; 0: none (fixed-length cipher)
  std::optional<IkeCipher> ike;
  std::optional<EspCipher> esp;
};

constexpr std::array<CipherRow, 8> kCiphers{{
    {encr_id::k3des, 0, IkeCipher::k3des, EspCipher::k3des},
    {encr_id::kAesCbc, 128, IkeCipher::kAes128, EspCipher::kAesCbc128},
    {encr_id::kAesCbc, 192, IkeCipher::kAes192, EspCipher::kAesCbc192},
    {encr_id::kAesCbc, 256, IkeCipher::kAes256, EspCipher::kAesCbc256},
    {encr_id::kAesGcm16, 128, IkeCipher::kAesGcm128, EspCipher::kAesGcm128},
    {encr_id::kAesGcm16, 192, std::nullopt, EspCipher::kAesGcm192},
    {encr_id::kAesGcm16, 256, IkeCipher::kAesGcm256, EspCipher::kAesGcm256},
    {encr_id::kNull, 0, std::nullopt, EspCipher::kNull},
}};

struct HashRow {
  IkeHash hash;
  uint16_t prf;
  uint16_t integ;
  EspAuth esp;
};

constexpr std::array<HashRow, 5> kHashes{{
    {IkeHash::kMd5, prf_id::kHmacMd5, integ_id::kHmacMd5_96, EspAuth::kMd5},
    {IkeHash::kSha1, prf_id::kHmacSha1, integ_id::kHmacSha1_96, EspAuth::kSha1},
    {IkeHash::kSha256, prf_id::kHmacSha256, integ_id::kHmacSha256_128, EspAuth::kSha256},
    {IkeHash::kSha384, prf_id::kHmacSha384, integ_id::kHmacSha384_192, EspAuth::kSha384},
    {IkeHash::kSha512, prf_id::kHmacSha512, integ_id::kHmacSha512_256, EspAuth::kSha512},
}};

constexpr uint16_t kEsnNo = 0, kEsnYes = 1;

bool is_aead_id(uint16_t encr) { return encr == encr_id::kAesGcm16; }

template <class Pred>
const CipherRow* cipher_row(Pred pred) {
  auto it = std::find_if(kCiphers.begin(), kCiphers.end(), pred);
  return it == kCiphers.end() ? nullptr : &*it;
}

template <class Pred>
const HashRow* hash_row(Pred pred) {
  auto it = std::find_if(kHashes.begin(), kHashes.end(), pred);
  return it == kHashes.end() ? nullptr : &*it;
}

Transform encr_transform(const CipherRow& r) { return {TransformType::kEncr, r.id, r.key_bits, false}; }

std::vector<Transform> of_type(const Proposal& p, TransformType type) {
  std::vector<Transform> out;
  for (const Transform& t : p.transforms)
    if (t.type == type && !t.unknown_attribute) out.push_back(t);
  return out;
}

bool has(const std::vector<Transform>& list, const Transform& t) {
  return std::find(list.begin(), list.end(), t) != list.end();
}

bool known_type(TransformType t) {
  return t == TransformType::kEncr || t == TransformType::kPrf || t == TransformType::kInteg ||
         t == TransformType::kDh || t == TransformType::kEsn;
}

// The transform of `type` both sides accept, the initiator's order
// deciding; `preferred` first if both accept it. nullopt when no common
// one exists; a transform-less result (a null Transform) when neither
// side lists the type.
std::optional<std::optional<Transform>> pick(const Proposal& offered, const Proposal& local, TransformType type,
                                             std::optional<Transform> preferred) {
  std::vector<Transform> mine = of_type(local, type);
  std::vector<Transform> theirs = of_type(offered, type);
  if (mine.empty() && theirs.empty()) return std::optional<Transform>{};
  if (preferred && has(mine, *preferred) && has(theirs, *preferred)) return std::optional<Transform>{preferred};
  for (const Transform& t : theirs)
    if (has(mine, t)) return std::optional<Transform>{t};
  return std::nullopt;
}

// One transform per type from a pair of proposals, or nullopt.
std::optional<Proposal> match(const Proposal& offered, const Proposal& local, std::optional<uint16_t> ke_group) {
  std::optional<Transform> preferred_dh;
  if (ke_group) preferred_dh = Transform{TransformType::kDh, *ke_group, 0, false};
  // Try the initiator's ciphers in order: the first that completes a
  // match wins (a GCM-only local proposal cannot take CBC, and so on).
  for (const Transform& encr : of_type(offered, TransformType::kEncr)) {
    if (!has(of_type(local, TransformType::kEncr), encr)) continue;
    Proposal out{offered.number, offered.protocol, offered.spi, {encr}};
    bool ok = true;
    for (TransformType type : {TransformType::kPrf, TransformType::kInteg, TransformType::kDh, TransformType::kEsn}) {
      // An AEAD cipher carries its own integrity; integrity transforms
      // offered beside it are ignored.
      if (type == TransformType::kInteg && is_aead_id(encr.id)) continue;
      auto t = pick(offered, local, type, type == TransformType::kDh ? preferred_dh : std::nullopt);
      if (!t) {
        ok = false;
        break;
      }
      if (*t) out.transforms.push_back(**t);
    }
    if (!ok) continue;
    // Every IKE SA needs a PRF, a DH group and (without AEAD) integrity.
    auto count = [&](TransformType type) { return of_type(out, type).size(); };
    if (out.protocol == Protocol::kIke && (count(TransformType::kPrf) == 0 || count(TransformType::kDh) == 0)) continue;
    if (!is_aead_id(encr.id) && count(TransformType::kInteg) == 0) continue;
    return out;
  }
  return std::nullopt;
}

std::optional<Transform> single(const Proposal& p, TransformType type) {
  std::vector<Transform> ts = of_type(p, type);
  if (ts.size() != 1) return std::nullopt;
  return ts.front();
}

std::string type_name(TransformType t) {
  switch (t) {
    case TransformType::kEncr: return "ENCR";
    case TransformType::kPrf: return "PRF";
    case TransformType::kInteg: return "INTEG";
    case TransformType::kDh: return "DH";
    case TransformType::kEsn: return "ESN";
  }
  return "type " + std::to_string(static_cast<unsigned>(t));
}

}  // namespace

std::optional<IkeCipher> ike_cipher_of(const Transform& t) {
  const CipherRow* r = cipher_row([&](const CipherRow& c) { return c.id == t.id && c.key_bits == t.key_bits; });
  return r ? r->ike : std::nullopt;
}

std::optional<EspCipher> esp_cipher_of(const Transform& t) {
  const CipherRow* r = cipher_row([&](const CipherRow& c) { return c.id == t.id && c.key_bits == t.key_bits; });
  return r ? r->esp : std::nullopt;
}

Result<Proposal> ike_proposal(const config::Ikev2Proposal& p, uint8_t number) {
  Proposal out{number, Protocol::kIke, {}, {}};
  bool any_cbc = false;
  for (IkeCipher c : p.encryption) {
    const CipherRow* r = cipher_row([&](const CipherRow& row) { return row.ike == c; });
    if (!r)
      return Error{"proposal " + p.name + ": encryption " + std::string(config::ike_cipher_name(c)) +
                   " is not supported by keyway's IKEv2"};
    out.transforms.push_back(encr_transform(*r));
    any_cbc |= !is_aead_id(r->id);
  }
  for (IkeHash h : p.prf)
    out.transforms.push_back(
        {TransformType::kPrf, hash_row([&](const HashRow& r) { return r.hash == h; })->prf, 0, false});
  // Integrity transforms mean nothing beside AES-GCM alone (RFC 5282 8).
  if (any_cbc)
    for (IkeHash h : p.integrity)
      out.transforms.push_back(
          {TransformType::kInteg, hash_row([&](const HashRow& r) { return r.hash == h; })->integ, 0, false});
  for (ike::DhGroup g : p.groups) {
    if (!ike::dh_info(g)) return Error{"proposal " + p.name + ": DH group " + std::to_string(g) + " is not supported"};
    out.transforms.push_back({TransformType::kDh, g, 0, false});
  }
  return out;
}

Result<Proposal> esp_proposal(const config::TransformSet& ts, uint8_t number, uint32_t spi,
                              std::optional<ike::DhGroup> pfs, bool esn) {
  Writer w;
  w.be32(spi);
  Proposal out{number, Protocol::kEsp, w.take(), {}};
  const CipherRow* c = cipher_row([&](const CipherRow& r) { return r.esp == ts.cipher; });
  if (!c) return Error{"transform set " + ts.name + ": its cipher is not supported"};
  out.transforms.push_back(encr_transform(*c));
  if (ts.auth != EspAuth::kNone && !is_aead_id(c->id))
    out.transforms.push_back(
        {TransformType::kInteg, hash_row([&](const HashRow& r) { return r.esp == ts.auth; })->integ, 0, false});
  if (!is_aead_id(c->id) && ts.auth == EspAuth::kNone)
    return Error{"transform set " + ts.name + ": a CBC cipher needs an integrity transform"};
  if (pfs) {
    if (!ike::dh_info(*pfs)) return Error{"PFS group " + std::to_string(*pfs) + " is not supported"};
    out.transforms.push_back({TransformType::kDh, *pfs, 0, false});
  }
  out.transforms.push_back({TransformType::kEsn, esn ? kEsnYes : kEsnNo, 0, false});
  return out;
}

std::optional<Selection> select_proposal(std::span<const Proposal> offered, std::span<const Proposal> local,
                                         std::optional<uint16_t> ke_group) {
  for (size_t oi = 0; oi < offered.size(); ++oi) {
    const Proposal& o = offered[oi];
    // RFC 7296 3.3.6: a proposal with a transform type we do not
    // understand is unacceptable as a whole.
    if (std::any_of(o.transforms.begin(), o.transforms.end(), [](const Transform& t) { return !known_type(t.type); }))
      continue;
    for (size_t li = 0; li < local.size(); ++li) {
      if (local[li].protocol != o.protocol) continue;
      if (auto chosen = match(o, local[li], ke_group)) return Selection{oi, li, std::move(*chosen)};
    }
  }
  return std::nullopt;
}

Result<IkeSuite> ike_suite(const Proposal& chosen) {
  IkeSuite s;
  for (TransformType t : {TransformType::kEncr, TransformType::kPrf, TransformType::kDh})
    if (!single(chosen, t)) return Error{"chosen IKE proposal needs exactly one " + type_name(t) + " transform"};
  auto cipher = ike_cipher_of(*single(chosen, TransformType::kEncr));
  if (!cipher) return Error{"chosen IKE proposal has an encryption transform keyway does not know"};
  s.encr = *cipher;
  uint16_t prf = single(chosen, TransformType::kPrf)->id;
  const HashRow* p = hash_row([&](const HashRow& r) { return r.prf == prf; });
  if (!p) return Error{"chosen IKE proposal has PRF " + std::to_string(prf) + ", which keyway does not know"};
  s.prf = p->hash;
  std::vector<Transform> integ = of_type(chosen, TransformType::kInteg);
  if (ike::cipher_info(s.encr).aead) {
    if (!integ.empty() && !(integ.size() == 1 && integ[0].id == integ_id::kNone))
      return Error{"chosen IKE proposal pairs AES-GCM with an integrity transform"};
  } else {
    const HashRow* i = integ.size() == 1 ? hash_row([&](const HashRow& r) { return r.integ == integ[0].id; }) : nullptr;
    if (!i) return Error{"chosen IKE proposal needs exactly one known integrity transform"};
    s.integ = i->hash;
  }
  s.dh = single(chosen, TransformType::kDh)->id;
  if (!ike::dh_info(s.dh)) return Error{"chosen IKE proposal has DH group " + std::to_string(s.dh) + ", unsupported"};
  return s;
}

Result<EspSuite> esp_suite(const Proposal& chosen) {
  EspSuite s;
  auto encr = single(chosen, TransformType::kEncr);
  std::optional<EspCipher> cipher = encr ? esp_cipher_of(*encr) : std::nullopt;
  if (!cipher) return Error{"chosen ESP proposal needs exactly one known encryption transform"};
  s.encr = *cipher;
  std::vector<Transform> integ = of_type(chosen, TransformType::kInteg);
  if (!is_aead_id(encr->id)) {
    const HashRow* i = integ.size() == 1 ? hash_row([&](const HashRow& r) { return r.integ == integ[0].id; }) : nullptr;
    if (!i) return Error{"chosen ESP proposal needs exactly one known integrity transform"};
    s.integ = i->esp;
  }
  if (auto dh = single(chosen, TransformType::kDh)) s.pfs = dh->id;
  if (auto esn = single(chosen, TransformType::kEsn)) s.esn = esn->id == kEsnYes;
  return s;
}

}  // namespace keyway::ikev2
