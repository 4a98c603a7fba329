// Distinguished names: text in, IOS text out, DER order and string types.
#include <gtest/gtest.h>

#include "pki/dn.h"

namespace keyway::pki {
namespace {

struct DnCase {
  const char* text;        // as written in `subject-name` or a flag
  const char* ios;         // format_dn(): how IOS prints it
  const char* first_der;   // short name of the first RDN in DER order
};

class DnRoundTrip : public ::testing::TestWithParam<DnCase> {};

TEST_P(DnRoundTrip, ReadsAndPrintsInRfc4514Order) {
  const DnCase& c = GetParam();
  auto name = name_from_text(c.text);
  ASSERT_TRUE(name) << name.error();
  EXPECT_EQ(format_dn(name->get()), c.ios);
  const X509_NAME_ENTRY* first = X509_NAME_get_entry(name->get(), 0);
  EXPECT_STREQ(OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(first))), c.first_der);
  // Reading the DER back changes nothing.
  Bytes der = name_der(name->get());
  const unsigned char* p = der.data();
  X509NamePtr back(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
  ASSERT_TRUE(back);
  EXPECT_EQ(format_dn(back.get()), c.ios);
}

INSTANTIATE_TEST_SUITE_P(
    Seed, DnRoundTrip,
    ::testing::Values(
        // The seed's subject-name and CA names.
        DnCase{"CN=R1,OU=IT,O=cisco,O=com", "cn=R1,ou=IT,o=cisco,o=com", "O"},
        DnCase{"CN=CA1,O=cisco,O=com", "cn=CA1,o=cisco,o=com", "O"},
        // A comma not followed by NAME= is part of the value, as IOS reads it.
        DnCase{"OU=Class 3 Public Primary Certification Authority,O=VeriSign, Inc.,C=US",
               "ou=Class 3 Public Primary Certification Authority,o=VeriSign, Inc.,c=US", "C"},
        DnCase{"cn=Cisco Root CA M1,o=Cisco", "cn=Cisco Root CA M1,o=Cisco", "O"},
        // Blanks around separators, lower-case names, IOS attribute names.
        DnCase{"cn = R1 , ou=IT", "cn=R1,ou=IT", "OU"},
        // DER sorts a multi-valued RDN (shorter encodings first); IOS's own
        // serialNumber+ipaddress+hostname happens to be in that order.
        DnCase{"hostname=R1.cisco.com+ipaddress=192.168.0.1,CN=R1", "ipaddress=192.168.0.1+hostname=R1.cisco.com,cn=R1", "CN"},
        DnCase{"EA=admin@cisco.com,CN=R1", "ea=admin@cisco.com,cn=R1", "CN"},
        DnCase{"serialNumber=100,CN=R1", "serialNumber=100,cn=R1", "CN"},
        // Escapes and quotes.
        DnCase{"CN=a\\,b,O=x", "cn=a,b,o=x", "O"},
        DnCase{"CN=\"a, b\",O=x", "cn=a, b,o=x", "O"},
        DnCase{"CN=\\41BC", "cn=ABC", "CN"},
        DnCase{"DC=com,DC=example,CN=host", "dc=com,dc=example,cn=host", "CN"}));

struct TypeCase {
  const char* text;
  int nid;
  int type;  // V_ASN1_*
};

class DnStringType : public ::testing::TestWithParam<TypeCase> {};

// PrintableString where the characters allow it (strongSwan encodes its
// ID strings so); IA5String where the attribute requires it.
TEST_P(DnStringType, ChoosesTheEncoding) {
  auto name = name_from_text(GetParam().text);
  ASSERT_TRUE(name) << name.error();
  int i = X509_NAME_get_index_by_NID(name->get(), GetParam().nid, -1);
  ASSERT_GE(i, 0);
  EXPECT_EQ(ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name->get(), i))), GetParam().type);
}

INSTANTIATE_TEST_SUITE_P(
    Types, DnStringType,
    ::testing::Values(TypeCase{"CN=R1", NID_commonName, V_ASN1_PRINTABLESTRING},
                      TypeCase{"O=VeriSign, Inc.", NID_organizationName, V_ASN1_PRINTABLESTRING},
                      TypeCase{"CN=R1_lab", NID_commonName, V_ASN1_UTF8STRING},
                      TypeCase{"CN=Zürich", NID_commonName, V_ASN1_UTF8STRING},
                      TypeCase{"C=US", NID_countryName, V_ASN1_PRINTABLESTRING},
                      TypeCase{"serialNumber=100", NID_serialNumber, V_ASN1_PRINTABLESTRING},
                      TypeCase{"ipaddress=192.168.0.1", NID_pkcs9_unstructuredAddress, V_ASN1_PRINTABLESTRING},
                      TypeCase{"hostname=R1.cisco.com", NID_pkcs9_unstructuredName, V_ASN1_IA5STRING},
                      TypeCase{"E=a@b.c", NID_pkcs9_emailAddress, V_ASN1_IA5STRING},
                      TypeCase{"DC=com", NID_domainComponent, V_ASN1_IA5STRING}));

class DnRejected : public ::testing::TestWithParam<const char*> {};

TEST_P(DnRejected, WithAMessage) {
  auto name = name_from_text(GetParam());
  ASSERT_FALSE(name);
  EXPECT_FALSE(name.error().empty());
}

INSTANTIATE_TEST_SUITE_P(Bad, DnRejected,
                         ::testing::Values("", "CN", "=R1", "XYZZY=1", "CN=R1,", "C=USA", "CN=\"open",
                                           "serialNumber=a_b", "CN=", "E=caf\xc3\xa9@x", "CN=\xff\xfe"));

TEST(DnText, PrintableStringCharacterSet) {
  EXPECT_TRUE(is_printable_string("Aa0 '()+,-./:=?"));
  EXPECT_FALSE(is_printable_string("a@b"));
  EXPECT_FALSE(is_printable_string("a_b"));
  EXPECT_FALSE(is_printable_string(std::string_view("a\0b", 3)));
}

TEST(DnText, LinesForShow) {
  auto name = name_from_text("CN=R1,OU=IT,O=cisco,O=com");
  ASSERT_TRUE(name);
  EXPECT_EQ(format_dn_lines(name->get()), (std::vector<std::string>{"cn=R1", "ou=IT", "o=cisco", "o=com"}));
  EXPECT_EQ(dn_attribute(name->get(), NID_organizationalUnitName), "IT");
  EXPECT_EQ(dn_attribute(name->get(), NID_pkcs9_emailAddress), std::nullopt);
}

}  // namespace
}  // namespace keyway::pki
