#include "tests/ike/samples.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pki/ossl.h"
#include "tests/ike/hex.h"

namespace keyway::test {

using namespace ikev2;

namespace {

Bytes filled(size_t n, uint8_t start) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(start + i);
  return b;
}

Header header(ExchangeType x, uint8_t flags, uint32_t id, uint64_t spi_r) {
  Header h;
  h.spi_i = 0x1122334455667788;
  h.spi_r = spi_r;
  h.exchange = x;
  h.flags = flags;
  h.message_id = id;
  return h;
}

// A self-signed P-256 certificate for CN=R1.cisco.com, DER, so that the
// CERT payload carries what a dissector can decode.
Bytes certificate_der() {
  pki::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  pki::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("R1.cisco.com"), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  X509_sign(cert.get(), key.get(), EVP_sha256());
  unsigned char* der = nullptr;
  int n = i2d_X509(cert.get(), &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

}  // namespace

Message ike_sa_init_request() {
  Message m;
  m.header = header(ExchangeType::kIkeSaInit, kFlagInitiator, 0, 0);
  SaPayload sa;
  sa.proposals.push_back(Proposal{1, Protocol::kIke, {}, {
      {TransformType::kEncr, 20, 256, false},
      {TransformType::kPrf, 6, 0, false},
      {TransformType::kDh, 20, 0, false},
  }});
  sa.proposals.push_back(Proposal{2, Protocol::kIke, {}, {
      {TransformType::kEncr, 12, 128, false},
      {TransformType::kPrf, 5, 0, false},
      {TransformType::kInteg, 12, 0, false},
      {TransformType::kDh, 14, 0, false},
  }});
  m.payloads.push_back(make(sa));
  m.payloads.push_back(make(KePayload{20, filled(96, 0x40)}));
  m.payloads.push_back(make(NoncePayload{filled(32, 0xa0)}));
  m.payloads.push_back(make(notify(NotifyType::kNatDetectionSourceIp, filled(20, 1))));
  m.payloads.push_back(make(notify(NotifyType::kNatDetectionDestinationIp, filled(20, 2))));
  const SignatureHash hashes[] = {SignatureHash::kSha256, SignatureHash::kSha384, SignatureHash::kSha512};
  m.payloads.push_back(make(signature_hash_algorithms(hashes)));
  m.payloads.push_back(make(notify(NotifyType::kIkev2FragmentationSupported)));
  m.payloads.push_back(make(VendorPayload{text_bytes("keyway")}));
  return m;
}

Message ike_sa_init_response() {
  Message m;
  m.header = header(ExchangeType::kIkeSaInit, kFlagResponse, 0, 0x99aabbccddeeff00);
  SaPayload sa;
  sa.proposals.push_back(Proposal{1, Protocol::kIke, {}, {
      {TransformType::kEncr, 20, 256, false},
      {TransformType::kPrf, 6, 0, false},
      {TransformType::kDh, 20, 0, false},
  }});
  m.payloads.push_back(make(sa));
  m.payloads.push_back(make(KePayload{20, filled(96, 0x60)}));
  m.payloads.push_back(make(NoncePayload{filled(32, 0xc0)}));
  m.payloads.push_back(make(PayloadType::kCertReq, CertPayload{kCertX509Signature, filled(40, 0x10)}));
  m.payloads.push_back(make(notify(NotifyType::kNatDetectionSourceIp, filled(20, 3))));
  m.payloads.push_back(make(notify(NotifyType::kNatDetectionDestinationIp, filled(20, 4))));
  m.payloads.push_back(make(notify(NotifyType::kIkev2FragmentationSupported)));
  return m;
}

Message ike_auth_cleartext() {
  Message m;
  m.header = header(ExchangeType::kIkeAuth, kFlagInitiator, 1, 0x99aabbccddeeff00);
  m.payloads.push_back(make(PayloadType::kIdi, id_fqdn("R1.cisco.com")));
  m.payloads.push_back(make(PayloadType::kCert, CertPayload{kCertX509Signature, certificate_der()}));
  m.payloads.push_back(make(PayloadType::kCertReq, CertPayload{kCertX509Signature, filled(20, 0x50)}));
  m.payloads.push_back(make(AuthPayload{AuthMethod::kPsk, filled(48, 0x70)}));
  m.payloads.push_back(make(notify(NotifyType::kInitialContact)));
  SaPayload sa;
  sa.proposals.push_back(Proposal{1, Protocol::kEsp, {0xc0, 0x01, 0xd0, 0x0d}, {
      {TransformType::kEncr, 20, 128, false},
      {TransformType::kEsn, 0, 0, false},
  }});
  m.payloads.push_back(make(sa));
  m.payloads.push_back(make(PayloadType::kTsi, TsPayload{{ipv4_any()}}));
  m.payloads.push_back(
      make(PayloadType::kTsr, TsPayload{{ipv4_range(0xc0a8c800, 0xc0a8c8ff, 6, 80, 443)}}));
  m.payloads.push_back(make(PayloadType::kIdr, id_ipv4(0xc0a80002)));
  return m;
}

Message informational_delete() {
  Message m;
  m.header = header(ExchangeType::kInformational, kFlagInitiator, 2, 0x99aabbccddeeff00);
  m.payloads.push_back(make(DeletePayload{Protocol::kEsp, {0xc001d00d, 0x12345678}}));
  m.payloads.push_back(make(DeletePayload{Protocol::kIke, {}}));
  return m;
}

}  // namespace keyway::test
