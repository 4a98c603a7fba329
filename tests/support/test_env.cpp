#include "tests/support/test_env.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <cstring>

#include "dataplane/eal/eal.h"

namespace keyway::test {

rte_mempool* pool() {
  static rte_mempool* mp = [] {
    std::string err;
    rte_mempool* p = dp::make_pktmbuf_pool("test_pool", 8191, &err);
    if (!p) {
      fprintf(stderr, "%s\n", err.c_str());
      std::abort();
    }
    return p;
  }();
  return mp;
}

dp::EspCtx& esp_ctx() {
  static std::unique_ptr<dp::EspCtx> ctx = [] {
    std::string err;
    auto c = dp::EspCtx::create(&err);
    if (!c) {
      fprintf(stderr, "%s\n", err.c_str());
      std::abort();
    }
    return c;
  }();
  return *ctx;
}

IMB_MGR* control_mgr() {
  static std::unique_ptr<dp::EspCtx> ctx = [] {
    std::string err;
    return dp::EspCtx::create(&err);
  }();
  return ctx->mgr;
}

rte_mbuf* to_mbuf(const Bytes& data) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool());
  if (!m) {
    ADD_FAILURE() << "mbuf pool exhausted (a test leaks mbufs)";
    std::abort();
  }
  char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(data.size()));
  if (!p && !data.empty()) {
    ADD_FAILURE() << "packet of " << data.size() << " bytes does not fit an mbuf";
    std::abort();
  }
  if (!data.empty()) std::memcpy(p, data.data(), data.size());
  return m;
}

Bytes to_bytes(const rte_mbuf* m) {
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  return Bytes(p, p + m->data_len);
}

namespace {
void put16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v & 0xffff);
}
}  // namespace

Bytes make_ipv4_udp(uint32_t src, uint32_t dst, uint32_t total_len, uint8_t tos, uint8_t ttl,
                    bool df, uint8_t seed) {
  Bytes b(total_len);
  b[0] = 0x45;
  b[1] = tos;
  put16(&b[2], total_len);
  put16(&b[4], 0x1234);
  put16(&b[6], df ? 0x4000 : 0);
  b[8] = ttl;
  b[9] = 17;
  put32(&b[12], src);
  put32(&b[16], dst);
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += uint32_t{b[i]} << 8 | b[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  put16(&b[10], ~sum & 0xffff);
  if (total_len < 28) {  // an IP header with a few bytes after it
    for (uint32_t i = 20; i < total_len; ++i) b[i] = static_cast<uint8_t>(i + seed);
    return b;
  }
  put16(&b[20], 1000);
  put16(&b[22], 2000);
  put16(&b[24], total_len - 20);
  for (uint32_t i = 28; i < total_len; ++i) b[i] = static_cast<uint8_t>(i + seed);
  return b;
}

Bytes make_ipv6_udp(uint32_t total_len, uint8_t seed) {
  Bytes b(total_len);
  b[0] = 0x60;
  put16(&b[4], total_len - 40);
  b[6] = 17;
  b[7] = 64;
  b[8] = 0x20;
  b[9] = 0x01;
  b[23] = 1;
  b[24] = 0x20;
  b[25] = 0x01;
  b[39] = 2;
  put16(&b[40], 1000);
  put16(&b[42], 2000);
  put16(&b[44], total_len - 40);
  for (uint32_t i = 48; i < total_len; ++i) b[i] = static_cast<uint8_t>(i * 7 + seed);
  return b;
}

Bytes hex(const std::string& s) {
  std::string digits;
  for (char c : s)
    if (std::isxdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  Bytes out;
  for (size_t i = 0; i + 1 < digits.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  return out;
}

dp::SaSpec spec_for(dp::Transform t, uint32_t spi, bool udp, bool esn) {
  const dp::TransformInfo& info = dp::transform_info(t);
  dp::SaSpec s;
  s.spi = spi;
  s.transform = t;
  s.key.resize(size_t{info.cipher_key_len} + info.salt_len);
  for (size_t i = 0; i < s.key.size(); ++i) s.key[i] = static_cast<uint8_t>(0x10 + i);
  s.auth_key.resize(info.aead ? 0 : info.auth_key_len);
  for (size_t i = 0; i < s.auth_key.size(); ++i) s.auth_key[i] = static_cast<uint8_t>(0x80 + i);
  s.src = 0xC0A80001;  // 192.168.0.1
  s.dst = 0xC0A80002;  // 192.168.0.2
  s.udp_encap = udp;
  s.esn = esn;
  return s;
}

namespace {
std::vector<std::string>& eal_args() {
  static std::vector<std::string> args;
  return args;
}
}  // namespace

bool use_eal_args(std::vector<std::string> args) {
  eal_args() = std::move(args);
  return true;
}

std::vector<std::string> eal_args_with_lcores(const std::string& lcores) {
  return {"--no-huge", "-m", "512", "--no-shconf", "--no-pci", "--no-telemetry",
          "--log-level=*:warning", "-l", lcores};
}

}  // namespace keyway::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string err;
  if (!keyway::dp::eal_init(keyway::test::eal_args(), &err)) {
    fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  return RUN_ALL_TESTS();
}
