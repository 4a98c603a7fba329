// Writes the codec's sample messages (tests/ike/samples.h) as IPv4/UDP
// port 500 packets into a pcap file, for the Wireshark cross-check
// (tshark_ikev2.py); with a directory as well, also each message as a raw
// file there, plus IKE_AUTH sealed with fuzz_ikev2's fixed GCM key: the
// fuzzer's seeds (tests/ike/fuzz_seeds/).
// After the cleartext samples come IKE_AUTH messages sealed in SK payloads
// with each IKE cipher suite, one SPI pair per suite; standard output gets
// one line per sealed message — "SPIi SPIr cipher SK_e integrity SK_a" —
// for Wireshark's IKEv2 decryption table.
// Usage: write_samples OUT.pcap [SEED_DIR]
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <tuple>

#include "control/ikev2/sk.h"
#include "tests/ike/samples.h"

namespace {

using keyway::ikev2::Bytes;

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

std::string hex(const keyway::ike::Secret& b) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t c : b) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

void write_file(const std::string& path, const Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void put32le(std::ofstream& f, uint32_t v) {
  for (int i = 0; i < 4; ++i) f.put(static_cast<char>(v >> (8 * i)));
}

// IPv4 192.168.0.1 -> 192.168.0.2, UDP 500 -> 500, the IKE message.
Bytes packet(const Bytes& ike) {
  Bytes p;
  size_t total = 20 + 8 + ike.size();
  p.push_back(0x45);
  p.push_back(0);
  put16(p, static_cast<unsigned>(total));
  put16(p, 0);
  put16(p, 0x4000);  // DF
  p.push_back(64);
  p.push_back(17);
  put16(p, 0);  // checksum, below
  for (unsigned a : {0xc0a80001u, 0xc0a80002u}) {
    put16(p, a >> 16);
    put16(p, a & 0xffff);
  }
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  p[10] = static_cast<uint8_t>(~sum >> 8);
  p[11] = static_cast<uint8_t>(~sum);
  put16(p, 500);
  put16(p, 500);
  put16(p, static_cast<unsigned>(8 + ike.size()));
  put16(p, 0);  // no UDP checksum
  p.insert(p.end(), ike.begin(), ike.end());
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::cerr << "usage: write_samples OUT.pcap [SEED_DIR]\n";
    return 2;
  }
  std::ofstream f(argv[1], std::ios::binary);
  put32le(f, 0xa1b2c3d4);
  put32le(f, 0x00040002);  // version 2.4
  put32le(f, 0);
  put32le(f, 0);
  put32le(f, 65535);
  put32le(f, 101);  // LINKTYPE_RAW: packets start with the IP header
  uint32_t t = 0;
  const std::pair<const char*, keyway::ikev2::Message> samples[] = {
      {"ike_sa_init_request", keyway::test::ike_sa_init_request()},
      {"ike_sa_init_response", keyway::test::ike_sa_init_response()},
      {"ike_auth_cleartext", keyway::test::ike_auth_cleartext()},
      {"informational_delete", keyway::test::informational_delete()},
  };
  for (const auto& [name, m] : samples) {
    auto ike = keyway::ikev2::serialize(m);
    if (!ike) {
      std::cerr << ike.error() << "\n";
      return 1;
    }
    if (argc == 3) write_file(std::string(argv[2]) + "/" + name, *ike);
    Bytes p = packet(*ike);
    put32le(f, ++t);
    put32le(f, 0);
    put32le(f, static_cast<uint32_t>(p.size()));
    put32le(f, static_cast<uint32_t>(p.size()));
    f.write(reinterpret_cast<const char*>(p.data()), static_cast<std::streamsize>(p.size()));
  }
  // The suites, with keys of a recognisable pattern.
  using keyway::ike::IkeCipher;
  using keyway::ike::IkeHash;
  const std::tuple<IkeCipher, std::optional<IkeHash>, const char*, const char*> suites[] = {
      {IkeCipher::kAesGcm128, std::nullopt, "AES-GCM-128 with 16 octet ICV [RFC5282]", "NONE [RFC4306]"},
      {IkeCipher::kAesGcm256, std::nullopt, "AES-GCM-256 with 16 octet ICV [RFC5282]", "NONE [RFC4306]"},
      {IkeCipher::kAes128, IkeHash::kSha256, "AES-CBC-128 [RFC3602]", "HMAC_SHA2_256_128 [RFC4868]"},
      {IkeCipher::kAes256, IkeHash::kSha512, "AES-CBC-256 [RFC3602]", "HMAC_SHA2_512_256 [RFC4868]"},
      {IkeCipher::kAes192, IkeHash::kSha384, "AES-CBC-192 [RFC3602]", "HMAC_SHA2_384_192 [RFC4868]"},
      {IkeCipher::k3des, IkeHash::kSha1, "3DES [RFC2451]", "HMAC_SHA1_96 [RFC2404]"},
      {IkeCipher::kAes128, IkeHash::kMd5, "AES-CBC-128 [RFC3602]", "HMAC_MD5_96 [RFC2403]"},
  };
  uint8_t n = 0;
  for (const auto& [encr, integ, encr_name, integ_name] : suites) {
    ++n;
    keyway::ikev2::SkKeys k;
    k.encr = encr;
    k.integ = integ;
    k.encr_key.assign(keyway::ike::cipher_keymat_len(encr), static_cast<uint8_t>(0x10 + n));
    if (integ) k.integ_key.assign(keyway::ike::hash_info(*integ).integ_key_len, static_cast<uint8_t>(0x20 + n));
    keyway::ikev2::Message auth = keyway::test::ike_auth_cleartext();
    auth.header.spi_i = 0x5a5a5a5a00000000u | n;
    auth.header.spi_r = 0xa5a5a5a500000000u | n;
    auto sealed = keyway::ikev2::seal_message(auth.header, auth.payloads, k);
    if (!sealed) {
      std::cerr << sealed.error() << "\n";
      return 1;
    }
    Bytes p = packet(*sealed);
    put32le(f, ++t);
    put32le(f, 0);
    put32le(f, static_cast<uint32_t>(p.size()));
    put32le(f, static_cast<uint32_t>(p.size()));
    f.write(reinterpret_cast<const char*>(p.data()), static_cast<std::streamsize>(p.size()));
    std::printf("%016llx %016llx %s %s %s %s\n", static_cast<unsigned long long>(auth.header.spi_i),
                static_cast<unsigned long long>(auth.header.spi_r), encr_name, hex(k.encr_key).c_str(), integ_name,
                hex(k.integ_key).c_str());
  }
  if (argc == 3) {
    keyway::ikev2::SkKeys gcm{keyway::ike::IkeCipher::kAesGcm128, std::nullopt, keyway::ike::Secret(20, 1), {}};
    keyway::ikev2::Message auth = keyway::test::ike_auth_cleartext();
    auto sealed = keyway::ikev2::seal_message(auth.header, auth.payloads, gcm);
    if (!sealed) return 1;
    write_file(std::string(argv[2]) + "/ike_auth_sealed", *sealed);
  }
  return f ? 0 : 1;
}
