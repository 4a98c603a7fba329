// Distinguished names: reading the text form a person writes
// (`subject-name CN=R1,OU=IT,O=cisco,O=com`) and printing a name the way
// IOS does (`cn=CA1,o=cisco,o=com`, one RDN per line in `show`).
//
// Order. Text is read and printed in RFC 4514 order: the first RDN written
// is the LAST one in the DER encoding. IOS does the same, which the seed
// shows: the built-in VeriSign root, encoded C, O, OU, is printed as
// "ou=Class 3 Public Primary Certification Authority,o=VeriSign, Inc.,c=US".
// (strongSwan's ID strings are in DER order, the reverse; an interop
// configuration has to write them backwards.)
//
// Encoding. Values are PrintableString whenever their characters allow it,
// UTF8String otherwise; emailAddress, domainComponent and unstructuredName
// (IOS "hostname") are IA5String, as strongSwan encodes them, so a DN a
// peer writes in its configuration matches keyway's certificates byte for
// byte.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pki/ossl.h"
#include "pki/result.h"

namespace keyway::pki {

struct Attribute {
  int nid = 0;  // OpenSSL NID: NID_commonName, NID_pkcs9_unstructuredName, ...
  std::string value;
};
// One RDN; more than one attribute makes it multi-valued ("a=1+b=2").
using Rdn = std::vector<Attribute>;

// Parses "CN=R1,OU=IT,O=cisco,O=com" (also "CN=R1, OU=IT", "a=1+b=2",
// backslash escapes). A comma not followed by "NAME=" belongs to the value,
// so "O=VeriSign, Inc.,C=US" reads as IOS reads it. Attribute names are
// case-insensitive: CN OU O C L ST DC E/EA/emailAddress serialNumber,
// hostname/unstructuredName, ipaddress/unstructuredAddress, or any name or
// dotted OID OpenSSL knows. Returns the RDNs in DER order.
Result<std::vector<Rdn>> parse_dn(std::string_view text);

// Builds the X509_NAME for RDNs in DER order, choosing each value's string
// type as described above. Fails on a value its type cannot hold (a
// non-printable serialNumber, a country that is not two letters).
Result<X509NamePtr> build_name(const std::vector<Rdn>& der_order);

// parse_dn + build_name.
Result<X509NamePtr> name_from_text(std::string_view text);

// The IOS spelling of an attribute: cn, ou, o, c, l, st, dc, ea,
// serialNumber, hostname, ipaddress; otherwise OpenSSL's short name.
std::string ios_attribute_name(int nid);

// "cn=CA1,o=cisco,o=com": RDNs last-to-first, multi-valued RDNs joined by
// '+' in their encoded order, as IOS prints them in debug lines.
std::string format_dn(const X509_NAME* name);
// The same RDNs one per line, for `show crypto pki certificates`.
std::vector<std::string> format_dn_lines(const X509_NAME* name);

// The first value of attribute `nid` as UTF-8, if present.
std::optional<std::string> dn_attribute(const X509_NAME* name, int nid);

// True if every character may appear in an ASN.1 PrintableString.
bool is_printable_string(std::string_view s);

}  // namespace keyway::pki
