#include "tests/ike/harness.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "control/config/load.h"
#include "control/policy/trustpoints.h"
#include "pki/store.h"

#ifndef KEYWAY_SOURCE_ROOT
#error "KEYWAY_SOURCE_ROOT must name the source tree"
#endif

namespace keyway::ike::test {

uint32_t ip(const char* dotted) {
  in_addr a{};
  if (inet_pton(AF_INET, dotted, &a) != 1) throw std::runtime_error(std::string("bad address ") + dotted);
  return ntohl(a.s_addr);
}

// ---------------------------------------------------------------- TestHost

void TestHost::send(const Endpoint& local, const Endpoint& remote, const Bytes& message) {
  ++sent;
  if (wire) wire->push_back({local, remote, message});
}

bool TestHost::install_child(uint32_t tunnel, const dp::SaSpec& in, const dp::SaSpec& out, std::string* error) {
  if (refuse_installs) {
    *error = "refused by the test";
    return false;
  }
  if (auto e = dp::validate(in)) {
    *error = e->to_string();
    return false;
  }
  if (auto e = dp::validate(out)) {
    *error = e->to_string();
    return false;
  }
  installs.push_back({tunnel, in, out});
  return true;
}

void TestHost::delete_child(uint32_t tunnel, uint32_t inbound_spi) { deletes.emplace_back(tunnel, inbound_spi); }

void TestHost::log(std::string_view line) {
  logs.emplace_back(line);
  if (echo) std::printf("%s: %.*s\n", name.c_str(), static_cast<int>(line.size()), line.data());
}

std::vector<Install> TestHost::live() const {
  std::vector<Install> out;
  for (const Install& i : installs)
    if (std::find(deletes.begin(), deletes.end(), std::make_pair(i.tunnel, i.in.spi)) == deletes.end())
      out.push_back(i);
  return out;
}

bool TestHost::logged(const std::string& line) const { return std::find(logs.begin(), logs.end(), line) != logs.end(); }

bool TestHost::logged_containing(const std::string& part) const {
  return std::any_of(logs.begin(), logs.end(), [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

bool TestHost::logged_in_order(const std::vector<std::string>& lines) const {
  auto it = logs.begin();
  for (const std::string& want : lines) {
    it = std::find(it, logs.end(), want);
    if (it == logs.end()) return false;
    ++it;
  }
  return true;
}

// ----------------------------------------------------------------- helpers

std::vector<TunnelConfig> tunnels_of(const config::Config& cfg) {
  std::vector<TunnelConfig> out;
  for (const config::Interface& i : cfg.interfaces) {
    if (i.kind != config::InterfaceKind::kTunnel || !i.tunnel_protection || !i.tunnel_destination) continue;
    TunnelConfig t;
    t.interface = i.name;
    t.tunnel = static_cast<uint32_t>(std::stoul(i.name.substr(std::string("Tunnel").size())));
    if (i.tunnel_source_address) t.local = i.tunnel_source_address->addr;
    if (i.tunnel_source_interface)
      if (const config::Interface* src = cfg.interface(i.tunnel_source_interface->name); src && src->address)
        t.local = src->address->addr;
    t.peer = i.tunnel_destination->addr;
    t.ipsec_profile = i.tunnel_protection->name;
    out.push_back(t);
  }
  return out;
}

std::shared_ptr<const config::Config> load(const std::string& name, const std::string& text) {
  config::LoadResult r = config::load_text(name, text);
  if (!r.ok())
    throw std::runtime_error("configuration " + name + " does not load:\n" +
                             r.diagnostics.format_all());
  return r.config;
}

std::shared_ptr<const config::Config> load_file(const std::filesystem::path& path) {
  config::LoadResult r = config::load_file(path.string());
  if (!r.ok()) throw std::runtime_error("configuration " + path.string() + " does not load");
  return r.config;
}

std::filesystem::path seed_config(const std::string& dir, const std::string& file) {
  return std::filesystem::path(KEYWAY_SOURCE_ROOT) / "configs" / dir / file;
}

std::function<void(uint8_t*, size_t)> seeded_random(uint64_t seed) {
  auto state = std::make_shared<uint64_t>(seed);
  return [state](uint8_t* out, size_t n) {
    for (size_t i = 0; i < n; i += 8) {
      uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      z ^= z >> 31;
      for (size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<uint8_t>(z >> (8 * j));
    }
  };
}

bool echo_from_env() {
  const char* echo = getenv("KEYWAY_TEST_ECHO");
  return echo && *echo == '1';
}

void through_nats(Datagram& d, const std::vector<Nat>& nats) {
  // Outbound through a NAT: rewrite the source.
  for (const Nat& nat : nats)
    if (d.from.addr == nat.inside) {
      d.from.addr = nat.outside;
      d.from.port = static_cast<uint16_t>(nat.port_base + (d.from.port == 500 ? 1 : 2));
    }
  // Inbound through a NAT: back to the inside address and port.
  for (const Nat& nat : nats)
    if (d.to.addr == nat.outside && (d.to.port == nat.port_base + 1 || d.to.port == nat.port_base + 2)) {
      d.to.addr = nat.inside;
      d.to.port = d.to.port == nat.port_base + 1 ? 500 : 4500;
    }
}

// ------------------------------------------------------------------ LabPki

namespace {

template <class T>
T must(pki::Result<T> r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + r.error());
  return r.take();
}

}  // namespace

LabPki::LabPki(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  pki::CaOptions o;
  o.name = "CA1";
  o.subject = "CN=CA1,O=cisco,O=com";
  o.not_before = time(nullptr) - 3600;
  ca1_ = std::make_unique<pki::LabCa>(must(pki::LabCa::create(dir_ / "ca1", o), "CA1"));
  o.name = "CA2";
  o.subject = "CN=CA2,O=cisco,O=com";
  ca2_ = std::make_unique<pki::LabCa>(must(pki::LabCa::create(dir_ / "ca2", o), "CA2"));
}

LabPki::~LabPki() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void LabPki::enroll(const std::string& store, int ca, const config::Config& cfg, const std::string& tp,
                    const std::string& serial, pki::EnrollOptions options) {
  const config::Trustpoint* t = cfg.trustpoint(tp);
  if (!t) throw std::runtime_error("no trustpoint " + tp);
  if (ca != 1 && ca != 2) throw std::runtime_error("no CA" + std::to_string(ca));
  pki::CertStore s = must(pki::CertStore::open(dir_ / store), "store " + store);
  pki::EnrollmentRequest req = pki::request_from_policy(policy::trustpoint_policy(*t, cfg), serial);
  must(pki::enroll(s, ca == 1 ? *ca1_ : *ca2_, tp, req, options), "enroll " + tp);
}

std::vector<pki::Trustpoint> LabPki::trustpoints(const std::string& store, const config::Config& cfg) const {
  pki::CertStore s = must(pki::CertStore::open(dir_ / store, false), "store " + store);
  s.apply(policy::trustpoint_policies(cfg));
  return s.trustpoints();
}

}  // namespace keyway::ike::test
