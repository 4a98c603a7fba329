// Writes the codec's sample messages (tests/ike/samples.h) as IPv4/UDP
// port 500 packets into a pcap file, for the Wireshark cross-check
// (tshark_ikev2.py); with a directory as well, also each message as a raw
// file there, plus IKE_AUTH sealed with fuzz_ikev2's fixed GCM key: the
// fuzzer's seeds (tests/ike/fuzz_seeds/).
// Usage: write_samples OUT.pcap [SEED_DIR]
#include <cstdio>
#include <fstream>
#include <iostream>

#include "control/ikev2/sk.h"
#include "tests/ike/samples.h"

namespace {

using keyway::ikev2::Bytes;

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
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
  if (argc == 3) {
    keyway::ikev2::SkKeys gcm{keyway::ike::IkeCipher::kAesGcm128, std::nullopt, keyway::ike::Secret(20, 1), {}};
    keyway::ikev2::Message auth = keyway::test::ike_auth_cleartext();
    auto sealed = keyway::ikev2::seal_message(auth.header, auth.payloads, gcm);
    if (!sealed) return 1;
    write_file(std::string(argv[2]) + "/ike_auth_sealed", *sealed);
  }
  return f ? 0 : 1;
}
