#include "control/cli/pki_util.h"

#include <cstdio>
#include <cstdlib>

#include "control/config/load.h"
#include "control/policy/trustpoints.h"

namespace keyway::cli {

std::string pki_store_dir(const Flags& flags) {
  if (auto s = flags.get("--store")) return *s;
  if (const char* env = std::getenv("KEYWAY_PKI_STORE"); env && *env) return env;
  return "/var/lib/keyway/pki";
}

std::optional<pki::CertStore> open_pki_store(const Flags& flags, const char* who) {
  auto store = pki::CertStore::open(pki_store_dir(flags), false);
  if (!store) {
    std::fprintf(stderr, "%s: %s\n", who, store.error().c_str());
    return std::nullopt;
  }
  if (auto cfg_path = flags.get("--config")) {
    config::LoadResult r = config::load_file(*cfg_path);
    if (!r.ok()) {
      std::fputs(r.diagnostics.format_all().c_str(), stderr);
      std::fprintf(stderr, "%s: %s: configuration rejected\n", who, cfg_path->c_str());
      return std::nullopt;
    }
    store->apply(policy::trustpoint_policies(*r.config));
  }
  return store.take();
}

pki::LogSink print_log(uint32_t sa) {
  return [sa](const pki::LogLine& line) { std::printf("%s\n", pki::render(line, sa).c_str()); };
}

}  // namespace keyway::cli
