#include "control/cli/pcap_io.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace keyway::cli {
namespace {

// The largest frame the writer declares in its file header. libpcap's own
// limit for reading files is 262144 bytes; anything the reader can hand us
// therefore fits.
constexpr int kWriteSnaplen = 262144;

std::string link_type_name(int dlt) {
  const char* name = pcap_datalink_val_to_name(dlt);
  const char* desc = pcap_datalink_val_to_description(dlt);
  std::string out = std::to_string(dlt);
  if (name) out += std::string(" (") + name + (desc ? std::string(", ") + desc : "") + ")";
  return out;
}

}  // namespace

std::unique_ptr<PcapReader> PcapReader::open(const std::string& path, std::string* error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
  if (!p) {
    *error = "cannot read '" + path + "': " + errbuf;
    return nullptr;
  }
  int dlt = pcap_datalink(p);
  if (dlt != DLT_EN10MB) {
    *error = "'" + path + "' has link type " + link_type_name(dlt) +
             "; only Ethernet captures (DLT_EN10MB) are supported";
    pcap_close(p);
    return nullptr;
  }
  return std::unique_ptr<PcapReader>(new PcapReader(p));
}

PcapReader::~PcapReader() { pcap_close(p_); }

PcapReader::Result PcapReader::next(Frame* frame, std::string* error) {
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(p_, &hdr, &data);
  if (rc == 1) {
    frame->ts = hdr->ts;
    frame->data = std::span<const uint8_t>(data, hdr->caplen);
    frame->wire_len = hdr->len;
    return Result::kFrame;
  }
  if (rc == PCAP_ERROR_BREAK) return Result::kEnd;
  *error = pcap_geterr(p_);
  return Result::kError;
}

std::unique_ptr<PcapWriter> PcapWriter::open(const std::string& path, std::string* error) {
  pcap_t* p = pcap_open_dead(DLT_EN10MB, kWriteSnaplen);
  if (!p) {
    *error = "cannot create a pcap writer (out of memory?)";
    return nullptr;
  }
  pcap_dumper_t* d = pcap_dump_open(p, path.c_str());
  if (!d) {
    *error = "cannot write '" + path + "': " + pcap_geterr(p);
    pcap_close(p);
    return nullptr;
  }
  return std::unique_ptr<PcapWriter>(new PcapWriter(p, d));
}

PcapWriter::~PcapWriter() {
  if (d_) pcap_dump_close(d_);
  pcap_close(p_);
}

void PcapWriter::write(const timeval& ts, std::span<const uint8_t> frame) {
  pcap_pkthdr hdr{};
  hdr.ts = ts;
  hdr.caplen = static_cast<bpf_u_int32>(frame.size());
  hdr.len = hdr.caplen;
  pcap_dump(reinterpret_cast<u_char*>(d_), &hdr, frame.data());
}

bool PcapWriter::close(std::string* error) {
  if (!d_) return true;
  bool ok = pcap_dump_flush(d_) == 0 && !std::ferror(pcap_dump_file(d_));
  int saved_errno = errno;
  pcap_dump_close(d_);
  d_ = nullptr;
  if (!ok) *error = std::string("write failed: ") + std::strerror(saved_errno);
  return ok;
}

}  // namespace keyway::cli
