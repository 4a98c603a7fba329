#!/usr/bin/python3
"""`keyway pki ...` and `keyway show crypto pki certificates` end to end:
the seed's two-CA PKI built with the lab CA (EC keys, for speed), the
listing and CERTREQ order it produces, the first-match choice, validation
verdicts and exit codes, import of PEM and DER files, and SCEP reported as
not available. Standard library only.

usage: python3 pki_cli.py PATH/TO/keyway
"""

import base64
import os
import re
import subprocess
import sys
import tempfile

KEYWAY = os.path.abspath(sys.argv[1])
FAILS = []

R1_CFG = """hostname R1
ip domain name cisco.com
crypto pki trustpoint IOSCA1
  enrollment url http://192.168.0.3:80
  serial-number
  fqdn R1.cisco.com
  ip-address 192.168.0.1
  subject-name CN=R1,OU=IT,O=cisco,O=com
  revocation-check crl
crypto pki trustpoint IOSCA2
  enrollment url http://192.168.0.4:80
  serial-number
  fqdn R1.cisco.com
  ip-address 192.168.0.1
  subject-name CN=R1,OU=IT,O=cisco,O=com
  revocation-check crl
"""


def run(*args, code=0):
    p = subprocess.run([KEYWAY, *args], capture_output=True, text=True)
    if p.returncode != code:
        FAILS.append("%s: exit %d, expected %d\n%s%s" % (" ".join(args), p.returncode, code, p.stdout, p.stderr))
    return p.stdout, p.stderr


def check(cond, what):
    if not cond:
        FAILS.append(what)


def der_of(pem_path):
    """The DER inside the first PEM block of a file."""
    text = open(pem_path).read()
    body = re.search(r"-----BEGIN [A-Z0-9 ]+-----(.*?)-----END", text, re.S).group(1)
    return base64.b64decode("".join(body.split()))


def main():
    os.chdir(tempfile.mkdtemp(prefix="keyway-pki-cli-"))
    with open("r1.cfg", "w") as f:
        f.write(R1_CFG)
    for ca in ("CA1", "CA2"):
        run("pki", "ca", "create", ca, "--subject", "CN=%s,O=cisco,O=com" % ca, "--out", ca.lower(),
            "--key", "ec256", "--valid-from", "2013-06-17T12:00:00Z")
    r2 = ["--hostname", "R2", "--domain", "cisco.com", "--ip", "192.168.0.2", "--serial", "101",
          "--subject", "CN=R2,OU=IT,O=cisco,O=com", "--key", "ec256", "--store", "r2"]
    run("pki", "enroll", "--ca", "ca2", "--trustpoint", "IOSCA2", "--valid-from", "2013-06-17T13:20:00Z", *r2)
    run("pki", "enroll", "--ca", "ca1", "--trustpoint", "IOSCA1", "--valid-from", "2013-06-17T13:23:49Z", *r2)
    run("pki", "enroll", "--ca", "ca1", "--trustpoint", "IOSCA1", "--fqdn", "R1.cisco.com", "--ip", "192.168.0.1",
        "--serial", "100", "--subject", "CN=R1,OU=IT,O=cisco,O=com", "--key", "ec256", "--store", "r1",
        "--valid-from", "2013-06-17T13:24:30Z")
    # R1's last enrollment takes its parameters from the trust-point block;
    # the SCEP URL is reported, and the lab CA stands in.
    _, err = run("pki", "enroll", "--ca", "ca2", "--trustpoint", "IOSCA2", "--config", "r1.cfg", "--serial", "100",
                 "--key", "ec256", "--store", "r1", "--valid-from", "2013-06-17T13:25:01Z")
    check("enrolls by SCEP" in err, "no SCEP note: " + err)

    # Without a lab CA, SCEP is not available: exit 1, never silence.
    _, err = run("pki", "enroll", "--trustpoint", "IOSCA1", "--config", "r1.cfg", "--store", "r1", code=1)
    check("enrollment url http://192.168.0.3:80 (SCEP) is not available" in err, "SCEP not reported: " + err)
    run("pki", "enroll", "--ca", "ca1", "--trustpoint", "IOSCA1", "--config", "r1.cfg", "--store", "r1", code=2)

    # show crypto pki certificates: R1's CA2 certificate (serial 03) first.
    out, _ = run("show", "crypto", "pki", "certificates", "--store", "r1")
    # (EC keys sign only: "Signature"; the RSA default is "General Purpose".)
    check(out.startswith("Certificate\n  Status: Available\n  Certificate Serial Number (hex): 03\n"
                         "  Certificate Usage: Signature\n  Issuer:\n    cn=CA2\n    o=cisco\n    o=com\n"
                         "  Subject:\n    Name: R1.cisco.com\n    IP Address: 192.168.0.1\n    Serial Number: 100\n"
                         "    serialNumber=100+ipaddress=192.168.0.1+hostname=R1.cisco.com\n    cn=R1\n"),
          "R1 listing does not start as the seed's:\n" + out)
    check("    start date: 13:25:01 UTC Jun 17 2013\n    end   date: 13:25:01 UTC Jun 17 2014\n" in out,
          "R1 validity dates:\n" + out)
    check(re.findall(r"Associated Trustpoints: (\S+)", out) == ["IOSCA2", "IOSCA1", "IOSCA2", "IOSCA1"],
          "R1 listing order:\n" + out)
    check(re.findall(r"^(CA Certificate|Certificate)$", out, re.M) ==
          ["Certificate", "Certificate", "CA Certificate", "CA Certificate"], "R1 entry kinds:\n" + out)
    env_out = subprocess.run([KEYWAY, "show", "crypto", "pki", "certificates"], capture_output=True, text=True,
                             env=dict(os.environ, KEYWAY_PKI_STORE="r1")).stdout
    check(env_out == out, "KEYWAY_PKI_STORE is not the default store")

    # MM4 of each router as responder, the seed's order.
    out, _ = run("pki", "certreq", "--store", "r1")
    check(out == "ISAKMP (0): constructing CERT_REQ for issuer cn=CA2,o=cisco,o=com\n"
                 "ISAKMP (0): constructing CERT_REQ for issuer cn=CA1,o=cisco,o=com\n", "R1 certreq:\n" + out)
    out, _ = run("pki", "certreq", "--store", "r2", "--hex")
    check(out.splitlines()[0].endswith("cn=CA1,o=cisco,o=com") and len(out.splitlines()) == 4, "R2 certreq:\n" + out)
    out, _ = run("pki", "certreq", "--store", "r1", "--ikev2")
    check(re.search(r"encoding 4, 2 CA hash\(es\):\n  [0-9a-f]{40}  IOSCA2 .*\n  [0-9a-f]{40}  IOSCA1 ", out),
          "R1 IKEv2 certreq:\n" + out)

    # R2 initiates: R2 reads R1's MM4 and picks IOSCA2 ...
    out, _ = run("pki", "choose", "--store", "r2", "--peer-store", "r1")
    check("Choosing trustpoint IOSCA2 as issuer\n" in out and "using the IOSCA2 trustpoint's keypair to sign" in out,
          "R2 choice:\n" + out)
    # ... R1 initiates with `ca trust-point IOSCA1`: R2 picks IOSCA1.
    out, _ = run("pki", "choose", "--store", "r2", "--peer-store", "r1", "--peer-trustpoint", "IOSCA1")
    check("Choosing trustpoint IOSCA1 as issuer\n" in out, "R2 choice for R1's MM3:\n" + out)
    _, err = run("pki", "choose", "--store", "r2", "--peer-store", "r1", "--trustpoint", "NOSUCH", code=1)
    check("none of the 2 requested CAs" in err, "no-choice reason: " + err)
    out, _ = run("pki", "choose", "--store", "r2", "--peer-store", "r1", "--ikev2")
    check("[PKI -> IKEv2] Retrieved trustpoint(s): 'IOSCA2'" in out, "IKEv2 choice:\n" + out)

    # ... and R1, trusting IOSCA1 only, rejects R2's IOSCA2 certificate.
    out, _ = run("pki", "verify", "--store", "r1", "--cert", "ca2/02.pem", "--trustpoint", "IOSCA1",
                 "--id", "fqdn:R2.cisco.com", "--peer", "192.168.0.2", "--at", "2013-06-17T18:08:44Z", code=1)
    check("CRYPTO_PKI: No suitable trustpoints found\n" in out and
          "%CRYPTO-5-IKMP_INVALID_CERT: Certificate received from 192.168.0.2 is bad: unknown error returned "
          "in certificate validation\n" in out and "Unknown error in cert validation, -1\n" in out,
          "R1 rejection:\n" + out)
    out, _ = run("pki", "verify", "--store", "r1", "--cert", "ca1/02.pem", "--trustpoint", "IOSCA1",
                 "--id", "fqdn:R2.cisco.com", "--at", "2013-06-20T13:00:37Z")
    check("CRYPTO_PKI: Certificate validation succeeded\nvalid: trustpoint IOSCA1\n" in out, "R1 accepts:\n" + out)
    out, _ = run("pki", "verify", "--store", "r1", "--cert", "ca1/02.pem", "--id", "fqdn:R1.cisco.com",
                 "--at", "2013-06-20T13:00:37Z", code=1)
    check("invalid: id-mismatch" in out, "ID mismatch:\n" + out)
    out, _ = run("pki", "verify", "--store", "r1", "--cert", "ca1/02.pem", "--at", "2015-01-01", code=1)
    check("invalid: expired" in out and "%PKI-3-CERTIFICATE_INVALID_EXPIRED" in out, "expired:\n" + out)

    # Revocation: CA1 revokes R2's certificate; R1 gets the new CRL.
    run("pki", "ca", "revoke", "--ca", "ca1", "--serial", "02", "--at", "2013-06-18")
    run("pki", "import", "IOSCA1", "--crl", "ca1/crl.pem", "--store", "r1")
    out, _ = run("pki", "verify", "--store", "r1", "--cert", "ca1/02.pem", "--at", "2013-06-20T13:00:37Z", code=1)
    check("invalid: revoked" in out and "%PKI-3-CERTIFICATE_REVOKED" in out, "revoked:\n" + out)
    run("pki", "ca", "revoke", "--ca", "ca1", "--serial", "7F", code=2)

    # Import: CA as PEM, certificate and key as DER, a built-in CA as
    # predefined (requested last, never listed).
    with open("r1-cert.der", "wb") as f:
        f.write(der_of("ca2/03.pem"))
    with open("r1-key.der", "wb") as f:
        f.write(der_of("r1/default.key"))
    run("pki", "import", "IOSCA2", "--ca", "ca2/ca.pem", "--cert", "r1-cert.der", "--key", "r1-key.der",
        "--store", "imported")
    run("pki", "import", "BUILTIN1", "--ca", "ca1/ca.pem", "--predefined", "--store", "imported")
    out, _ = run("show", "crypto", "pki", "certificates", "--store", "imported")
    check(re.findall(r"Associated Trustpoints: (\S+)", out) == ["IOSCA2", "IOSCA2"], "imported listing:\n" + out)
    out, _ = run("pki", "certreq", "--store", "imported")
    check(out.splitlines()[-1].endswith("cn=CA1,o=cisco,o=com"), "predefined last:\n" + out)
    _, err = run("pki", "import", "IOSCA1", "--ca", "ca2/03.pem", "--store", "imported", code=2)
    check("not a CA certificate" in err, "non-CA import: " + err)
    _, err = run("pki", "import", "X", "--ca", "r1.cfg", "--store", "imported", code=2)
    check("r1.cfg" in err, "bad file: " + err)

    # Usage errors.
    run("pki", code=2)
    run("pki", "frobnicate", code=2)
    run("pki", "enroll", "--ca", code=2)
    run("pki", "ca", "create", "X", code=2)
    run("show", "crypto", "isakmp", "sa", code=2)
    _, err = run("show", "crypto", "pki", "certificates", "--store", "nowhere", code=2)
    check("no certificate store" in err and not os.path.exists("nowhere"), "missing store: " + err)
    out, _ = run("pki", "--help")
    check("ca create NAME" in out, "help text")

    for f in FAILS:
        print("FAIL:", f)
    print("%d failures" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
