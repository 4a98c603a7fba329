// Reading and writing Ethernet capture files for the offline `keyway`
// commands, on top of libpcap. The reader accepts pcap and pcapng (whatever
// pcap_open_offline understands); the writer always produces classic pcap
// with microsecond timestamps, which every tool reads.
//
// Only Ethernet (DLT_EN10MB) captures are accepted: the commands rewrite the
// Ethernet header around the packets they transform and have no way to do
// that for other link layers.
#pragma once

#include <sys/time.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

struct pcap;
struct pcap_dumper;

namespace keyway::cli {

// One captured frame. `data` stays valid until the next call to
// PcapReader::next().
struct Frame {
  timeval ts{};
  std::span<const uint8_t> data;  // the captured bytes
  uint32_t wire_len = 0;          // the frame's length on the wire (>= data.size())
};

class PcapReader {
 public:
  // Opens `path` ("-" is standard input). Returns null with *error set when
  // the file is missing, unreadable, not a capture, or not Ethernet.
  static std::unique_ptr<PcapReader> open(const std::string& path, std::string* error);
  ~PcapReader();
  PcapReader(const PcapReader&) = delete;
  PcapReader& operator=(const PcapReader&) = delete;

  enum class Result { kFrame, kEnd, kError };
  // The next frame; kError sets *error (a damaged or truncated file).
  Result next(Frame* frame, std::string* error);

 private:
  explicit PcapReader(pcap* p) : p_(p) {}
  pcap* p_;
};

class PcapWriter {
 public:
  // Creates or truncates `path` ("-" is standard output) as an Ethernet
  // pcap file. Returns null with *error set when it cannot be created.
  static std::unique_ptr<PcapWriter> open(const std::string& path, std::string* error);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  void write(const timeval& ts, std::span<const uint8_t> frame);
  // Flushes and closes the file. libpcap reports no errors from individual
  // writes, so a full disk or an I/O error only shows up here; returns
  // false with *error set then.
  bool close(std::string* error);

 private:
  PcapWriter(pcap* p, pcap_dumper* d) : p_(p), d_(d) {}
  pcap* p_;
  pcap_dumper* d_;
};

}  // namespace keyway::cli
