#include "pki/dn.h"

#include <openssl/objects.h>

#include <array>
#include <cctype>
#include <cstring>

namespace keyway::pki {
namespace {

struct NameSpelling {
  const char* text;  // lower case
  int nid;
};

// Input spellings. IOS's own names come first for each attribute; "sn" is
// left out on purpose: OpenSSL reads it as surname, strongSwan as
// serialNumber.
constexpr std::array kNames{
    NameSpelling{"cn", NID_commonName},
    NameSpelling{"ou", NID_organizationalUnitName},
    NameSpelling{"o", NID_organizationName},
    NameSpelling{"c", NID_countryName},
    NameSpelling{"l", NID_localityName},
    NameSpelling{"st", NID_stateOrProvinceName},
    NameSpelling{"dc", NID_domainComponent},
    NameSpelling{"ea", NID_pkcs9_emailAddress},
    NameSpelling{"e", NID_pkcs9_emailAddress},
    NameSpelling{"email", NID_pkcs9_emailAddress},
    NameSpelling{"emailaddress", NID_pkcs9_emailAddress},
    NameSpelling{"serialnumber", NID_serialNumber},
    NameSpelling{"hostname", NID_pkcs9_unstructuredName},
    NameSpelling{"unstructuredname", NID_pkcs9_unstructuredName},
    NameSpelling{"ipaddress", NID_pkcs9_unstructuredAddress},
    NameSpelling{"unstructuredaddress", NID_pkcs9_unstructuredAddress},
};

// Output spellings, as IOS prints them.
constexpr std::array kIosNames{
    NameSpelling{"cn", NID_commonName},
    NameSpelling{"ou", NID_organizationalUnitName},
    NameSpelling{"o", NID_organizationName},
    NameSpelling{"c", NID_countryName},
    NameSpelling{"l", NID_localityName},
    NameSpelling{"st", NID_stateOrProvinceName},
    NameSpelling{"dc", NID_domainComponent},
    NameSpelling{"ea", NID_pkcs9_emailAddress},
    NameSpelling{"serialNumber", NID_serialNumber},
    NameSpelling{"hostname", NID_pkcs9_unstructuredName},
    NameSpelling{"ipaddress", NID_pkcs9_unstructuredAddress},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}

int nid_of(std::string_view name) {
  std::string l = lower(name);
  for (const NameSpelling& n : kNames)
    if (l == n.text) return n.nid;
  return OBJ_txt2nid(std::string(name).c_str());
}

// True if text[pos..] is blanks, an attribute name and '=': a separator
// before it starts a new attribute rather than continuing a value.
bool attribute_follows(std::string_view text, size_t pos) {
  while (pos < text.size() && text[pos] == ' ') ++pos;
  size_t start = pos;
  while (pos < text.size() && name_char(text[pos])) ++pos;
  if (pos == start) return false;
  while (pos < text.size() && text[pos] == ' ') ++pos;
  return pos < text.size() && text[pos] == '=';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Structure only (lead byte, continuation bytes); enough to keep garbage
// out of a certificate.
bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 4;
    if (n == 4 || s.size() - i - 1 < n) return false;
    for (size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}

bool ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string entry_value(const X509_NAME_ENTRY* e) {
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(e);
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) {
    // Not a string type OpenSSL can convert: show the raw bytes.
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                       static_cast<size_t>(ASN1_STRING_length(data)));
  }
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

std::string entry_text(const X509_NAME_ENTRY* e) {
  const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
  int nid = OBJ_obj2nid(obj);
  std::string name;
  if (nid == NID_undef) {
    char buf[128];
    OBJ_obj2txt(buf, sizeof buf, obj, 1);
    name = buf;
  } else {
    name = ios_attribute_name(nid);
  }
  return name + "=" + entry_value(e);
}

}  // namespace

bool is_printable_string(std::string_view s) {
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) continue;
    if (std::strchr(" '()+,-./:=?", c) == nullptr || c == '\0') return false;
  }
  return true;
}

Result<std::vector<Rdn>> parse_dn(std::string_view text) {
  std::string_view trimmed = text.substr(0, text.find_last_not_of(' ') + 1);
  if (trimmed.size() >= 2 && std::strchr(",+;", trimmed.back()) && trimmed[trimmed.size() - 2] != '\\')
    return Error{"invalid distinguished name '" + std::string(text) + "': ends with a separator"};
  std::vector<Rdn> written;  // in the order written
  size_t pos = 0;
  bool new_rdn = true;
  while (true) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    size_t name_start = pos;
    while (pos < text.size() && text[pos] != '=' && text[pos] != ',' && text[pos] != '+') ++pos;
    std::string_view name = text.substr(name_start, pos - name_start);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (pos >= text.size() || text[pos] != '=' || name.empty()) {
      return Error{"invalid distinguished name '" + std::string(text) +
                   "': expected ATTRIBUTE=VALUE at offset " + std::to_string(name_start)};
    }
    int nid = nid_of(name);
    if (nid == NID_undef)
      return Error{"invalid distinguished name '" + std::string(text) + "': unknown attribute '" +
                   std::string(name) + "'"};
    ++pos;  // '='
    while (pos < text.size() && text[pos] == ' ') ++pos;
    std::string value;
    size_t keep = 0;  // length of value without trailing unescaped blanks
    char sep = '\0';
    bool quoted = pos < text.size() && text[pos] == '"';
    if (quoted) ++pos;
    while (pos < text.size()) {
      char c = text[pos];
      if (quoted && c == '"') {
        quoted = false;
        ++pos;
        keep = value.size();
        continue;
      }
      if (c == '\\' && pos + 1 < text.size()) {
        int hi = hex_digit(text[pos + 1]);
        int lo = pos + 2 < text.size() ? hex_digit(text[pos + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
          value.push_back(static_cast<char>(hi * 16 + lo));
          pos += 3;
        } else {
          value.push_back(text[pos + 1]);
          pos += 2;
        }
        keep = value.size();
        continue;
      }
      if (!quoted && (c == ',' || c == ';' || c == '+') && attribute_follows(text, pos + 1)) {
        sep = c;
        ++pos;
        break;
      }
      value.push_back(c);
      if (c != ' ' || quoted) keep = value.size();
      ++pos;
    }
    if (quoted)
      return Error{"invalid distinguished name '" + std::string(text) + "': unterminated quote"};
    value.resize(keep);
    if (new_rdn) written.emplace_back();
    written.back().push_back(Attribute{nid, std::move(value)});
    if (sep == '\0') break;
    new_rdn = sep != '+';
  }
  return std::vector<Rdn>(written.rbegin(), written.rend());
}

Result<X509NamePtr> build_name(const std::vector<Rdn>& der_order) {
  X509NamePtr name(X509_NAME_new());
  if (!name) return Error{openssl_error()};
  for (const Rdn& rdn : der_order) {
    bool first = true;
    for (const Attribute& a : rdn) {
      const char* sn = OBJ_nid2sn(a.nid);
      std::string label = sn ? sn : "attribute";
      int type = V_ASN1_UTF8STRING;
      if (a.nid == NID_pkcs9_emailAddress || a.nid == NID_domainComponent ||
          a.nid == NID_pkcs9_unstructuredName) {
        if (!ascii(a.value)) return Error{label + " '" + a.value + "' must be ASCII (IA5String)"};
        type = V_ASN1_IA5STRING;
      } else if (is_printable_string(a.value)) {
        type = V_ASN1_PRINTABLESTRING;
      } else if (a.nid == NID_countryName || a.nid == NID_serialNumber) {
        return Error{label + " '" + a.value + "' must be a PrintableString"};
      } else if (!valid_utf8(a.value)) {
        return Error{label + " value is not valid UTF-8"};
      }
      if (a.nid == NID_countryName && a.value.size() != 2)
        return Error{"country '" + a.value + "' must be two letters"};
      if (a.value.empty()) return Error{"empty value for " + label};
      if (!X509_NAME_add_entry_by_NID(name.get(), a.nid, type,
                                      reinterpret_cast<const unsigned char*>(a.value.data()),
                                      static_cast<int>(a.value.size()), -1, first ? 0 : -1))
        return Error{"cannot add " + label + ": " + openssl_error()};
      first = false;
    }
  }
  // Read the encoding back: DER sorts the attributes of a multi-valued RDN,
  // and the name should print the same before and after a round trip.
  Bytes der = name_der(name.get());
  const unsigned char* p = der.data();
  X509NamePtr sorted(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
  if (!sorted) return Error{"cannot encode the name: " + openssl_error()};
  return sorted;
}

Result<X509NamePtr> name_from_text(std::string_view text) {
  auto rdns = parse_dn(text);
  if (!rdns) return Error{rdns.error()};
  return build_name(*rdns);
}

std::string ios_attribute_name(int nid) {
  for (const NameSpelling& n : kIosNames)
    if (n.nid == nid) return n.text;
  const char* sn = OBJ_nid2sn(nid);
  return sn ? sn : "unknown";
}

std::vector<std::string> format_dn_lines(const X509_NAME* name) {
  std::vector<std::string> lines;
  int n = X509_NAME_entry_count(name);
  // Walk RDNs from the last to the first; inside a multi-valued RDN keep
  // the encoded order (IOS prints serialNumber+ipaddress+hostname).
  int end = n;
  while (end > 0) {
    int set = X509_NAME_ENTRY_set(X509_NAME_get_entry(name, end - 1));
    int begin = end - 1;
    while (begin > 0 && X509_NAME_ENTRY_set(X509_NAME_get_entry(name, begin - 1)) == set) --begin;
    std::string line;
    for (int i = begin; i < end; ++i) {
      if (i > begin) line += '+';
      line += entry_text(X509_NAME_get_entry(name, i));
    }
    lines.push_back(std::move(line));
    end = begin;
  }
  return lines;
}

std::string format_dn(const X509_NAME* name) {
  std::string out;
  for (const std::string& line : format_dn_lines(name)) {
    if (!out.empty()) out += ',';
    out += line;
  }
  return out;
}

std::optional<std::string> dn_attribute(const X509_NAME* name, int nid) {
  int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0) return std::nullopt;
  return entry_value(X509_NAME_get_entry(name, i));
}

}  // namespace keyway::pki
