// Helpers shared by the `keyway pki` and `keyway show crypto pki`
// commands: where the certificate store is, opening it with the
// configuration's trust-point policies, printing PKI debug lines.
#pragma once

#include <optional>
#include <string>

#include "control/cli/flags.h"
#include "pki/log.h"
#include "pki/store.h"

namespace keyway::cli {

// --store DIR, else $KEYWAY_PKI_STORE, else /var/lib/keyway/pki.
std::string pki_store_dir(const Flags& flags);

// Opens an existing store (for commands that only read it); with --config
// FILE, loads the configuration (printing its errors) and applies its
// trust-point policies. nullopt after printing why it failed to stderr,
// prefixed with `who`.
std::optional<pki::CertStore> open_pki_store(const Flags& flags, const char* who);

// A sink that prints each line to stdout as IOS renders it for SA `sa`.
pki::LogSink print_log(uint32_t sa = 0);

}  // namespace keyway::cli
