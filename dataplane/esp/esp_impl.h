// The per-SA burst functions, as templates over (crypto family, UDP
// encapsulation, ESN). select_burst() picks one instantiation when an SA is
// installed, so the per-packet loops never ask which transform they run.
//
// Outbound: prepare (validate inner, sequence number, headers, padding) ->
// crypto -> account. Inbound: prepare (outer header and SPI, unless
// esp_inbound() did that already; lengths, replay pre-check) -> crypto
// (ICV and decryption) -> finish
// (replay commit, padding, next header, inner packet, strip). Families
// with one library call per packet (GCM) run the stages software-
// pipelined, a few packets apart; the others run each stage over the whole
// burst (CBC's speed comes from the library's parallel lanes).
#pragma once

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <bit>
#include <cstring>

#include "dataplane/esp/crypto.h"
#include "dataplane/esp/esp.h"
#include "dataplane/esp/ipv4_sum.h"

namespace keyway::dp {

inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t load_be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
inline void store_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// Length of the decrypted inner packet at p, which the next header says is
// IPv4 (4) or IPv6 (41), checked against the `avail` bytes before the
// padding. False when it is not such a packet. The word read stays inside
// the ESP packet: the trailer and ICV follow the inner packet.
__attribute__((always_inline)) inline bool inner_len_of(const uint8_t* p, uint32_t avail,
                                                        uint8_t next_header, uint32_t* len) {
  static_assert(std::endian::native == std::endian::little);
  if (avail < 20) return false;  // IPv6's 40 is checked below
  uint32_t w0;
  std::memcpy(&w0, p, 4);
  if (next_header == 4) {
    const uint32_t ihl = (w0 & 15) * 4;
    const uint32_t tot = rte_bswap16(static_cast<uint16_t>(w0 >> 16));
    if ((w0 & 0xf0) != 0x40 || ihl < 20 || tot < ihl || tot > avail) return false;
    *len = tot;
    return true;
  }
  const uint32_t tot = 40u + load_be16(p + 4);
  if ((w0 & 0xf0) != 0x60 || avail < 40 || tot > avail) return false;
  *len = tot;
  return true;
}

// What the outbound path needs from the inner packet's header: its
// length and the fields the outer header copies (RFC 4301 5.1.2.1).
struct InnerFields {
  uint32_t len, tos, ttl, df;
  uint8_t next_header;
};

// Reads them as whole little-endian words rather than byte by byte: with
// single bytes, GCC spills the first one as a byte and reloads it as a
// word across the burst loop, a store-to-load forward that fails on every
// packet (18 % of the engine's own time in a profile). False when the
// packet is not a well-formed IPv4 or IPv6 one within `avail` bytes.
__attribute__((always_inline)) inline bool inner_fields(const uint8_t* p, uint32_t avail,
                                                        InnerFields* f) {
  static_assert(std::endian::native == std::endian::little);
  if (avail < 20) return false;  // IPv6's 40 is checked below
  uint32_t w0, w1, w2;
  std::memcpy(&w0, p, 4);      // IPv4: version/IHL, TOS, total length
  std::memcpy(&w1, p + 4, 4);  // IPv4: ID, flags; IPv6: payload length, next, hops
  std::memcpy(&w2, p + 8, 4);  // IPv4: TTL, protocol, checksum
  const uint32_t version = (w0 >> 4) & 15;
  if (version == 4) {
    const uint32_t ihl = (w0 & 15) * 4;
    const uint32_t tot = rte_bswap16(static_cast<uint16_t>(w0 >> 16));
    if (ihl < 20 || tot < ihl || tot > avail) return false;
    *f = {tot, (w0 >> 8) & 0xff, w2 & 0xff, (w1 >> 16) & 0x40 ? 0x4000u : 0u, 4};
    return true;
  }
  if (version == 6) {
    const uint32_t tot = 40u + rte_bswap16(static_cast<uint16_t>(w1));
    if (avail < 40 || tot > avail) return false;
    // Traffic class: the low nibble of byte 0 and the high one of byte 1.
    *f = {tot, (w0 & 0x0f) << 4 | (w0 >> 12 & 0x0f), w1 >> 24, 0, 41};
    return true;
  }
  return false;
}

// The RFC 4303 2.4 padding 1, 2, 3, ..., pad. Up to 8 bytes (all GCM
// padding, most CBC padding) in one 64-bit compare: the 8 bytes read are
// inside the packet, since the pad length, next header and ICV (at least
// 12 bytes) follow the padding.
inline bool padding_ok(const uint8_t* padding, uint32_t pad) {
  static_assert(std::endian::native == std::endian::little);
  if (pad <= 8) {
    if (pad == 0) return true;
    uint64_t w;
    std::memcpy(&w, padding, 8);
    const uint64_t mask = ~uint64_t{0} >> (64 - 8 * pad);
    return ((w ^ 0x0807060504030201ull) & mask) == 0;  // bytes 1..8, little-endian
  }
  bool ok = true;
  for (uint32_t j = 0; j < pad; ++j) ok &= padding[j] == j + 1;
  return ok;
}

// The last SPI looked up in a burst, its SA (an inbound one) and whether
// that SA is UDP-encapsulated: a burst nearly always carries one SA, so
// most packets skip the hash table and the SA's checks.
struct SpiMemo {
  uint32_t spi = 0;
  Sa* sa = nullptr;
  bool udp = false;
};

// Parses the outer IPv4 (and UDP) header of a received packet and finds its
// SA. Sets *esp and *esp_len: the ESP header and the bytes from it to the
// end of the IP packet (Ethernet padding after that is trimmed off).
__attribute__((always_inline)) inline EspCounter classify(const SpiTable& table, SpiMemo& memo,
                                                         rte_mbuf* m, Sa** out, uint8_t** esp,
                                                         uint32_t* esp_len) {
  static_assert(std::endian::native == std::endian::little);
  if (m->nb_segs != 1) return EspCounter::kMultiSegment;
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  const uint32_t len = m->data_len;
  if (len < 20) return EspCounter::kBadOuter;
  // The first 12 bytes as three little-endian words, as the outbound
  // path reads the inner header.
  uint32_t w0, w1, w2;
  std::memcpy(&w0, p, 4);      // version/IHL, TOS, total length
  std::memcpy(&w1, p + 4, 4);  // ID, flags and fragment offset
  std::memcpy(&w2, p + 8, 4);  // TTL, protocol, checksum
  uint32_t ihl = 20;
  if ((w0 & 0xff) != 0x45) {  // not IPv4, or IPv4 with options
    if ((w0 & 0xf0) != 0x40) return EspCounter::kBadOuter;
    ihl = (w0 & 15) * 4;
    if (ihl < 20 || ihl > len) return EspCounter::kBadOuter;
  }
  const uint32_t tot = rte_bswap16(static_cast<uint16_t>(w0 >> 16));
  if (tot < ihl || tot > len) return EspCounter::kBadLength;
  // A NIC (or a stage before the engine) that verified the header says so
  // in the mbuf; then the sum is not computed a second time.
  if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
      !ipv4_header_checksum_ok(p, ihl))
    return EspCounter::kBadOuter;
  if (w1 & 0xff3f0000u) return EspCounter::kFragment;  // MF or an offset (bytes 6-7 & 0x3fff)
  const uint32_t proto = (w2 >> 8) & 0xff;
  uint32_t udp = 0;
  if (proto == IPPROTO_UDP) {
    if (tot - ihl < 8) return EspCounter::kTooShort;
    uint32_t ulen = load_be16(p + ihl + 4);
    if (ulen != tot - ihl) return EspCounter::kBadLength;
    const uint8_t* payload = p + ihl + 8;
    if (ulen - 8 == 1 && payload[0] == 0xff) return EspCounter::kNatKeepalive;
    if (ulen - 8 >= 4 && load_be32(payload) == 0) return EspCounter::kNotEsp;  // non-ESP marker
    udp = 8;
  } else if (proto != IPPROTO_ESP) {
    return EspCounter::kNotEsp;
  }
  if (tot - ihl - udp < 8) return EspCounter::kTooShort;
  const uint32_t spi = load_be32(p + ihl + udp);
  if (!memo.sa || memo.spi != spi) {
    Sa* sa = table.lookup(spi);
    if (!sa || sa->direction() != Direction::kInbound) {
      // A UDP datagram to a port other than NAT-T's with no SA of ours is
      // ordinary traffic, not ESP with a stale SPI.
      if (udp && load_be16(p + ihl + 2) != kNatTPort) return EspCounter::kNotEsp;
      return EspCounter::kUnknownSpi;
    }
    memo = {spi, sa, sa->spec().udp_encap};
  }
  if (memo.udp != (udp != 0)) return EspCounter::kEncapMismatch;
  if (tot < len) {  // Ethernet padding after the IP packet
    m->data_len = static_cast<uint16_t>(tot);
    m->pkt_len = tot;
  }
  *esp = p + ihl + udp;
  *esp_len = tot - ihl - udp;
  *out = memo.sa;
  return EspCounter::kInOk;
}

// The verdict of a packet that the burst function of another SA must
// process: an inbound burst function that classifies its packets itself
// (ctx.classify_with set) leaves it for esp_inbound(). Never counted.
inline constexpr EspCounter kOtherSa = EspCounter::kCount;

struct EspImpl {
  // Packets between the stages of the pipelined (per-packet crypto) loops.
  static constexpr uint16_t kAhead = 2;

  template <class C, bool kUdp, bool kEsn, bool kTestIv = false>
  static uint16_t outbound(EspCtx& ctx, Sa& sa, std::span<rte_mbuf*> pkts) {
    constexpr uint32_t kOuter = kUdp ? 28 : 20;
    constexpr uint32_t kHeader = kOuter + 8 + C::kIvLen;
    const auto n = static_cast<uint16_t>(pkts.size());
    if (sa.hard_expired()) {
      std::fill_n(ctx.verdict.begin(), n, EspCounter::kSaExpired);
      return 0;
    }
    // Far from the hard lifetimes (nearly always) the burst is counted in
    // one update at the end, from the totals prepare() keeps.
    const bool batch = sa.burst_within_hard_limits(n);

    // No prefetch of the headroom and trailer lines: they are only stored
    // to, and stores do not stall. A loop that prefetched them a burst
    // ahead cost 13 cycles per 1420-byte GCM packet (A/B, 6 rounds).

    // Kept in registers for the burst rather than updated in memory per
    // packet, which would chain every packet behind a store-forward.
    uint64_t last_seq = sa.rt_.seq;
    uint16_t ip_id = ctx.ip_id;
    uint32_t bad = 0;
    uint64_t bytes = 0;
    auto prepare = [&](uint16_t i) __attribute__((always_inline)) {
      rte_mbuf* m = pkts[i];
      EspCounter& v = ctx.verdict[i];
      v = EspCounter::kOutOk;
      if (m->nb_segs != 1) { v = EspCounter::kMultiSegment; ++bad; return; }
      uint8_t* base = static_cast<uint8_t*>(m->buf_addr);
      const uint8_t* in = base + m->data_off;
      InnerFields f;
      if (!inner_fields(in, m->data_len, &f)) { v = EspCounter::kBadInner; ++bad; return; }
      const uint32_t len = f.len;

      uint64_t seq = last_seq + 1;
      if ((!kEsn && seq > UINT32_MAX) || (kEsn && seq == 0)) {
        sa.rt_.flags.fetch_or(kSaHardExpired, std::memory_order_relaxed);
        v = EspCounter::kSeqOverflow;
        ++bad;
        return;
      }
      // Block sizes are powers of two: pad to the next multiple of kBlock.
      uint32_t pad = (0u - (len + 2)) & (C::kBlock - 1u);
      uint32_t ct_len = len + pad + 2;
      uint32_t trailer = pad + 2 + C::kIcv;
      uint32_t total = kHeader + ct_len + C::kIcv;
      if (total > 65535) { v = EspCounter::kTooBig; ++bad; return; }
      if (m->data_off < kHeader) { v = EspCounter::kNoHeadroom; ++bad; return; }
      // Bytes past the inner packet (Ethernet padding) are dropped first.
      if (uint32_t{m->buf_len} - m->data_off - len < trailer) { v = EspCounter::kNoTailroom; ++bad; return; }
      last_seq = seq;
      bytes += len;
      const uint32_t tos = f.tos, ttl = f.ttl, frag = f.df;
      const uint8_t next_header = f.next_header;

      // Trailer (RFC 4303 2.4): pad bytes 1, 2, 3, ... then pad length and
      // next header. Writing the 16-byte pattern whole is cheaper than a
      // loop; it stays inside the trailer (pad + 2 + ICV) unless that is
      // shorter than 16 bytes, which only 3DES with little padding gets.
      uint8_t* t = base + m->data_off + len;
      static constexpr uint8_t kPadPattern[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
      if (trailer >= 16)
        std::memcpy(t, kPadPattern, 16);
      else
        for (uint32_t j = 0; j < pad; ++j) t[j] = kPadPattern[j];
      t[pad] = static_cast<uint8_t>(pad);
      t[pad + 1] = next_header;

      // Outer headers: the SA's template (addresses, protocol, ports, SPI),
      // then the per-packet fields as whole words. The IPv4 checksum starts
      // from the template's precomputed sum.
      m->data_off = static_cast<uint16_t>(m->data_off - kHeader);
      m->data_len = static_cast<uint16_t>(total);
      m->pkt_len = total;
      uint8_t* o = base + m->data_off;
      std::memcpy(o, sa.hdr_tmpl_, kOuter + 4);
      uint32_t id = ip_id++;
      uint32_t sum = sa.csum_base_ + tos + total + id + frag + (ttl << 8);
      sum = (sum & 0xffff) + (sum >> 16);
      sum = (sum & 0xffff) + (sum >> 16);
      // Bytes 0-7 (version/IHL, TOS, total length; ID, flags) and 8-11
      // (TTL, protocol, checksum) built in host order as the wire reads
      // them, then byte-swapped once each.
      const uint64_t w0 = rte_bswap64(uint64_t{0x45000000u | tos << 16 | total} << 32 | (id << 16 | frag));
      const uint32_t w1 = rte_bswap32(ttl << 24 | uint32_t{sa.hdr_tmpl_[9]} << 16 | (~sum & 0xffffu));
      std::memcpy(o, &w0, 8);
      std::memcpy(o + 8, &w1, 4);
      uint8_t* esp = o + kOuter;
      if constexpr (kUdp) store_be16(o + 24, static_cast<uint16_t>(total - 20));
      uint32_t seq_be = rte_bswap32(static_cast<uint32_t>(seq));
      std::memcpy(esp + 4, &seq_be, 4);
      // GCM's explicit IV is the 64-bit sequence number: unique per key
      // (RFC 4106 3.1). CBC IVs are filled in by the crypto stage.
      if constexpr (kTestIv) {
        std::memcpy(esp + 8, sa.keys_.test_iv, C::kIvLen);
      } else if constexpr (C::kSeqIv) {
        uint64_t iv_be = rte_bswap64(seq);
        std::memcpy(esp + 8, &iv_be, 8);
      }
      PktScratch& s = ctx.scratch[i];
      s.esp = esp;
      s.ct_len = ct_len;
      s.inner_len = len;
      s.seq = seq;
      if constexpr (C::kPerPacket) C::template stage_one<kEsn>(sa.keys_, s);
    };

    if constexpr (C::kPerPacket) {
      // One crypto call per packet (GCM): software-pipelined, preparing
      // packet i + kAhead while packet i is encrypted, so that the headers
      // of one overlap the crypto of another and the nonce, IV and trailer
      // stores have reached the cache before the crypto loads them (a
      // store-to-load forward that fails costs ~20 cycles).
      for (uint16_t i = 0; i < n + kAhead; ++i) {
        if (i < n) prepare(i);
        if (i >= kAhead && ctx.verdict[i - kAhead] == EspCounter::kOutOk)
          C::template encrypt_one<kEsn>(ctx, sa.keys_, ctx.scratch[i - kAhead]);
      }
    } else {
      for (uint16_t i = 0; i < n; ++i) prepare(i);
    }

    sa.rt_.seq = last_seq;
    ctx.ip_id = ip_id;

    if constexpr (!C::kPerPacket) {
      // The library may fail a job: count again after it ran.
      C::template encrypt<kEsn, !kTestIv>(ctx, sa.keys_, n);
      bad = 0;
      bytes = 0;
      for (uint16_t i = 0; i < n; ++i) {
        if (ctx.verdict[i] != EspCounter::kOutOk) ++bad;
        else bytes += ctx.scratch[i].inner_len;
      }
    }
    if (batch) {
      sa.account_burst(n - bad, bytes);
      return static_cast<uint16_t>(n - bad);
    }
    // Near a hard limit: one reached by an earlier packet of this burst
    // ends the SA for the packets after it too, not only from the next
    // burst on.
    uint16_t good = 0;
    for (uint16_t i = 0; i < n; ++i) {
      if (ctx.verdict[i] != EspCounter::kOutOk) continue;
      if (sa.hard_limit_reached()) {
        ctx.verdict[i] = EspCounter::kSaExpired;
      } else {
        sa.account(ctx.scratch[i].inner_len);
        ++good;
      }
    }
    return good;
  }

  template <class C, bool kUdp, bool kEsn>
  static uint16_t inbound(EspCtx& ctx, Sa& sa, std::span<rte_mbuf*> pkts) {
    if (ctx.classify_with) return inbound_run<C, kEsn, true>(ctx, sa, pkts);
    return inbound_run<C, kEsn, false>(ctx, sa, pkts);
  }

  // kClassify: the packets are a whole received burst, and each is
  // classified here (outer header, SPI) as the first stage of the
  // pipeline rather than in a pass of its own before it, where its work
  // could not overlap the crypto of other packets (1420-byte AES-128-GCM
  // inbound 322 -> 306 cycles, A/B). Packets of another SA are marked
  // kOtherSa and counted in ctx.other_sa. Otherwise the burst was
  // classified and grouped by SA already, with ctx.esp_at and esp_len set.
  template <class C, bool kEsn, bool kClassify>
  static uint16_t inbound_run(EspCtx& ctx, Sa& sa, std::span<rte_mbuf*> pkts) {
    constexpr uint32_t kMin = 8 + C::kIvLen + C::kBlock + C::kIcv;
    const auto n = static_cast<uint16_t>(pkts.size());
    if (sa.hard_expired()) {
      // Classifying, this SA cannot tell its packets from the others:
      // esp_inbound() sorts the burst out and calls again per SA.
      std::fill_n(ctx.verdict.begin(), n, kClassify ? kOtherSa : EspCounter::kSaExpired);
      if (kClassify) ctx.other_sa = n;
      return 0;
    }

    SpiMemo memo{sa.spi(), &sa, sa.spec().udp_encap};
    auto prepare = [&](uint16_t i) __attribute__((always_inline)) {
      EspCounter& v = ctx.verdict[i];
      v = EspCounter::kInOk;
      uint8_t* esp;
      uint32_t esp_len;
      if constexpr (kClassify) {
        Sa* owner = nullptr;
        const EspCounter c = classify(*ctx.classify_with, memo, pkts[i], &owner, &esp, &esp_len);
        if (c != EspCounter::kInOk) { v = c; return; }
        if (owner != &sa) { v = kOtherSa; ++ctx.other_sa; return; }
      } else {
        esp = ctx.esp_at[i];
        esp_len = ctx.esp_len[i];
      }
      if (esp_len < kMin) { v = EspCounter::kTooShort; return; }
      uint32_t ct_len = esp_len - 8 - C::kIvLen - C::kIcv;
      if (ct_len % C::kBlock != 0) { v = EspCounter::kNotBlockAligned; return; }
      uint32_t seq_low = load_be32(esp + 4);
      uint64_t seq = seq_low;
      if constexpr (kEsn) {
        if (!sa.rt_.replay.infer_esn(seq_low, &seq)) { v = EspCounter::kReplayOld; return; }
      }
      ReplayVerdict r = sa.rt_.replay.check(seq);
      if (r != ReplayVerdict::kOk) {
        v = r == ReplayVerdict::kDuplicate ? EspCounter::kReplay : EspCounter::kReplayOld;
        return;
      }
      PktScratch& s = ctx.scratch[i];
      s.esp = esp;
      s.ct_len = ct_len;
      s.seq = seq;
      if constexpr (C::kPerPacket) C::template stage_one<kEsn>(sa.keys_, s);
    };

    // As outbound: a hard limit reached earlier in this burst applies; far
    // from the limits the burst is counted in one update at the end.
    const bool batch = sa.burst_within_hard_limits(n);
    uint16_t good = 0;
    uint64_t bytes = 0;
    auto finish = [&](uint16_t i) __attribute__((always_inline)) {
      EspCounter& v = ctx.verdict[i];
      if (v != EspCounter::kInOk) return;
      if (!batch && sa.hard_limit_reached()) { v = EspCounter::kSaExpired; return; }
      PktScratch& s = ctx.scratch[i];
      // The ICV verified: only now may the window move (RFC 4303 3.4.3).
      ReplayVerdict r = sa.rt_.replay.commit(s.seq);
      if (r != ReplayVerdict::kOk) {
        v = r == ReplayVerdict::kDuplicate ? EspCounter::kReplay : EspCounter::kReplayOld;
        return;
      }
      const uint8_t* pt = s.esp + 8 + C::kIvLen;
      uint32_t pad = pt[s.ct_len - 2];
      uint8_t next_header = pt[s.ct_len - 1];
      if (pad + 2 > s.ct_len) { v = EspCounter::kBadPadding; return; }
      if (!padding_ok(pt + s.ct_len - 2 - pad, pad)) { v = EspCounter::kBadPadding; return; }
      if (next_header == 59) { v = EspCounter::kTfcDummy; return; }
      if (next_header != 4 && next_header != 41) { v = EspCounter::kBadNextHeader; return; }
      uint32_t len;
      if (!inner_len_of(pt, s.ct_len - 2 - pad, next_header, &len)) { v = EspCounter::kBadInner; return; }
      rte_mbuf* m = pkts[i];
      // Strip outer headers, ESP header and IV in front, trailer and any
      // TFC padding behind (lengths were all checked above).
      m->data_off = static_cast<uint16_t>(pt - static_cast<const uint8_t*>(m->buf_addr));
      m->data_len = static_cast<uint16_t>(len);
      m->pkt_len = len;
      ++good;
      if (batch) bytes += len;
      else sa.account(len);
    };

    if constexpr (C::kPerPacket) {
      // As outbound, software-pipelined: packet i + kAhead is prepared
      // and packet i - kAhead finished while packet i is decrypted. A
      // replay pre-check may now run after the commits of earlier packets
      // of the burst, which only makes it stricter (a duplicate is dropped
      // before decryption); the window still moves only after the ICV
      // verified, and commit() checks again.
      for (uint16_t i = 0; i < n + 2 * kAhead; ++i) {
        if (i < n) prepare(i);
        if (i >= kAhead && i < n + kAhead) {
          const uint16_t j = i - kAhead;
          if (ctx.verdict[j] == EspCounter::kInOk &&
              !C::template decrypt_one<kEsn>(ctx, sa.keys_, ctx.scratch[j]))
            ctx.verdict[j] = EspCounter::kBadIcv;
        }
        if (i >= 2 * kAhead) finish(static_cast<uint16_t>(i - 2 * kAhead));
      }
    } else {
      for (uint16_t i = 0; i < n; ++i) prepare(i);
      C::template decrypt<kEsn>(ctx, sa.keys_, n);
      for (uint16_t i = 0; i < n; ++i) finish(i);
    }
    if (batch) sa.account_burst(good, bytes);
    return good;
  }
};

}  // namespace keyway::dp
