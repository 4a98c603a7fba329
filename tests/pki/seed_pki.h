// The seed's two-CA PKI, built from nothing once per test process in a
// temporary directory (never from files outside the build):
//
//   CA1 "CN=CA1,O=cisco,O=com" and CA2 "CN=CA2,O=cisco,O=com" (RSA-2048),
//   plus the five built-in CAs IOS requests after the configured ones
//   (VeriSign Class 3, Cisco SSCA2, Cisco Manufacturing CA, Cisco Root CA
//   2048, Cisco Root CA M1), here lab CAs with the same names and EC keys.
//
//   Enrollment order, as the seed's `show crypto pki certificates` shows
//   it: R1 enrolled with CA1 first and CA2 last (its first certificate is
//   serial 03 from CA2); R2 with CA2 first and CA1 last (serial 02 from
//   CA1). Done in the order R2@CA2, R2@CA1, R1@CA1, R1@CA2, the CAs hand
//   out exactly the seed's serial numbers.
//
// Dates are the seed's (June 2013), so validation runs "at" the seed's log
// timestamps.
#pragma once

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "pki/lab_ca.h"
#include "pki/log.h"
#include "pki/store.h"

namespace keyway::pki::test {

// 2013-06-17 12:00:00 UTC: the CAs' notBefore.
inline constexpr time_t kCaStart = 1371470400;
// The seed's timestamps: "*Jun 20 13:00:37" (R1 initiates) and
// "*Jun 17 18:08:44" (R2 initiates).
inline constexpr time_t kR1Initiates = 1371733237;
inline constexpr time_t kR2Initiates = 1371492524;

struct PredefinedCa {
  std::string trustpoint;
  std::string subject;  // as IOS prints it
};
const std::vector<PredefinedCa>& predefined_cas();

class SeedPki {
 public:
  static SeedPki& get();  // built on first use; removed at exit

  const std::filesystem::path& dir() const { return dir_; }
  LabCa& ca1() { return ca1_.front(); }
  LabCa& ca2() { return ca2_.front(); }
  const std::vector<LabCa>& builtin() const { return builtin_; }
  std::filesystem::path r1() const { return dir_ / "r1"; }
  std::filesystem::path r2() const { return dir_ / "r2"; }

  // A fresh directory below dir() for one test.
  std::filesystem::path scratch(const std::string& name);
  // Copies a store directory (tests that change a store work on a copy).
  std::filesystem::path copy_store(const std::filesystem::path& from, const std::string& name);

  // An EC key pair made once per process, for tests that need a key
  // but not its kind.
  const Key& ec_key() const { return ec_key_; }

  ~SeedPki();

 private:
  SeedPki();
  std::filesystem::path dir_;
  std::vector<LabCa> ca1_, ca2_;  // one element each (LabCa has no default state)
  std::vector<LabCa> builtin_;
  Key ec_key_;
  int scratch_count_ = 0;
};

// Adds the built-in CAs to `store` as predefined trust-points.
void add_builtin(CertStore& store, const std::vector<LabCa>& builtin);

// All lines a PKI function logged, rendered for IKE SA `sa`.
struct Captured {
  std::vector<LogLine> lines;
  LogSink sink() {
    return [this](const LogLine& l) { lines.push_back(l); };
  }
  std::vector<std::string> rendered(uint32_t sa) const;
};

}  // namespace keyway::pki::test
