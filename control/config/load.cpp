#include "control/config/load.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "control/config/lexer.h"
#include "control/config/parser.h"
#include "control/config/validate.h"

namespace keyway::config {

LoadResult load_text(std::string_view file_name, std::string_view text) {
  LoadResult result{nullptr, Diagnostics(std::string(file_name))};
  auto config = std::make_shared<Config>();
  config->source = std::string(file_name);
  parse(text, *config, result.diagnostics);
  // Validation runs even after parse errors, so that one pass reports every
  // error of the file; blocks with a bad header still define their name
  // (session.h), which keeps that from adding "undefined" errors.
  validate(*config, result.diagnostics);
  result.diagnostics.sort();
  if (result.diagnostics.errors() == 0) result.config = std::move(config);
  return result;
}

LoadResult load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r{nullptr, Diagnostics(path)};
    r.diagnostics.add(Severity::kError, {}, std::string("cannot read: ") + std::strerror(errno));
    return r;
  }
  std::string text;
  // One byte over the limit is enough for the tokeniser to refuse the file.
  text.resize(kMaxFileSize + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) {
    LoadResult r{nullptr, Diagnostics(path)};
    r.diagnostics.add(Severity::kError, {}, std::string("cannot read: ") + std::strerror(errno));
    return r;
  }
  return load_text(path, text);
}

}  // namespace keyway::config
