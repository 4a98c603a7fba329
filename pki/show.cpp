#include "pki/show.h"

#include "pki/dn.h"

namespace keyway::pki {

std::string show_certificate(const CertStore::Entry& e) {
  const Certificate& c = e.cert;
  std::string out = e.kind == CertStore::Entry::Kind::kCa ? "CA Certificate\n" : "Certificate\n";
  out += "  Status: Available\n";
  out += "  Certificate Serial Number (hex): " + c.serial_hex() + "\n";
  out += std::string("  Certificate Usage: ") + usage_name(c.usage()) + "\n";
  out += "  Issuer:\n";
  for (const std::string& line : format_dn_lines(c.issuer())) out += "    " + line + "\n";
  out += "  Subject:\n";
  // IOS names the attributes its enrollment puts in before the RDN list.
  if (auto v = dn_attribute(c.subject(), NID_pkcs9_unstructuredName)) out += "    Name: " + *v + "\n";
  if (auto v = dn_attribute(c.subject(), NID_pkcs9_unstructuredAddress)) out += "    IP Address: " + *v + "\n";
  if (auto v = dn_attribute(c.subject(), NID_serialNumber)) out += "    Serial Number: " + *v + "\n";
  for (const std::string& line : format_dn_lines(c.subject())) out += "    " + line + "\n";
  out += "  Validity Date:\n";
  out += "    start date: " + format_ios_time(c.not_before()) + "\n";
  out += "    end   date: " + format_ios_time(c.not_after()) + "\n";
  out += "  Associated Trustpoints:";
  for (const std::string& tp : e.trustpoints) out += " " + tp;
  out += "\n  Storage: store:" + e.file + "\n";
  return out;
}

std::string show_certificates(const CertStore& store) {
  std::string out;
  for (const CertStore::Entry* e : store.listing()) {
    if (!out.empty()) out += "\n";
    out += show_certificate(*e);
  }
  return out;
}

}  // namespace keyway::pki
