// `show crypto pki certificates`, in the IOS layout the seed shows:
//
//   Certificate
//     Status: Available
//     Certificate Serial Number (hex): 03
//     Certificate Usage: General Purpose
//     Issuer:
//       cn=CA2
//       o=cisco
//       o=com
//     Subject:
//       Name: R1.cisco.com
//       IP Address: 192.168.0.1
//       Serial Number: 100
//       serialNumber=100+ipaddress=192.168.0.1+hostname=R1.cisco.com
//       cn=R1
//       ou=IT
//       o=cisco
//       o=com
//     Validity Date:
//       start date: 13:25:01 UTC Jun 17 2013
//       end   date: 13:25:01 UTC Jun 17 2014
//     Associated Trustpoints: IOSCA2
//     Storage: store:CA2#3.cer
//
// then this router's other certificates, newest enrollment first, then the
// "CA Certificate" entries, newest first. Entries are separated by a blank
// line. Times are UTC (IOS uses its clock's zone).
#pragma once

#include <string>

#include "pki/store.h"

namespace keyway::pki {

std::string show_certificate(const CertStore::Entry& entry);
std::string show_certificates(const CertStore& store);

}  // namespace keyway::pki
