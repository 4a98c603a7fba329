#include "dataplane/runtime/sa_control.h"

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "dataplane/esp/sa.h"
#include "dataplane/runtime/route_table.h"

namespace keyway::dp {
namespace {

constexpr unsigned kBatch = 64;

rte_ring* make_ring(const char* kind, unsigned instance, unsigned worker, unsigned esize,
                    unsigned count, unsigned flags, std::string* error) {
  char name[RTE_RING_NAMESIZE];
  std::snprintf(name, sizeof name, "kw%s%u.%u", kind, instance, worker);
  rte_ring* r = rte_ring_create_elem(name, esize, count, static_cast<int>(rte_socket_id()), flags);
  if (!r)
    *error = std::string("cannot create ring '") + name + "' of " + std::to_string(count) +
             " elements: " + rte_strerror(rte_errno);
  return r;
}

bool pow2(uint32_t n) { return n >= 2 && (n & (n - 1)) == 0; }

}  // namespace

std::unique_ptr<SaControl> SaControl::create(unsigned workers, const RingSizes& sizes,
                                             std::string* error) {
  if (workers == 0 || workers > RTE_MAX_LCORE) {
    *error = "worker count must be 1.." + std::to_string(RTE_MAX_LCORE);
    return nullptr;
  }
  if (!pow2(sizes.ctrl) || !pow2(sizes.ret) || !pow2(sizes.events) || !pow2(sizes.handoff)) {
    *error = "ring sizes must be powers of two";
    return nullptr;
  }
  static std::atomic<unsigned> instances{0};
  const unsigned inst = instances.fetch_add(1, std::memory_order_relaxed);
  std::unique_ptr<SaControl> c(new SaControl());
  c->workers_.resize(workers);
  // Each control ring has one producer (this thread) and one consumer
  // (its worker); so has each return ring, the other way. The event ring
  // is shared by all workers and read here only.
  for (unsigned w = 0; w < workers; ++w) {
    PerWorker& pw = c->workers_[w];
    pw.ctrl = make_ring("c", inst, w, sizeof(CtrlMsg), sizes.ctrl, RING_F_SP_ENQ | RING_F_SC_DEQ, error);
    if (!pw.ctrl) return nullptr;
    pw.ret = make_ring("r", inst, w, sizeof(RetiredSa), sizes.ret, RING_F_SP_ENQ | RING_F_SC_DEQ, error);
    if (!pw.ret) return nullptr;
    // Any worker may hand packets to any other: many producers, one consumer.
    if (workers > 1) {
      pw.handoff = make_ring("h", inst, w, sizeof(void*), sizes.handoff, RING_F_SC_DEQ, error);
      if (!pw.handoff) return nullptr;
      c->handoff_.push_back(pw.handoff);
    }
  }
  c->events_ = make_ring("e", inst, 0, sizeof(Event), sizes.events, RING_F_SC_DEQ, error);
  if (!c->events_) return nullptr;
  return c;
}

SaControl::~SaControl() {
  stats_.freed += owned_.size();
  owned_.clear();
  tables_.clear();
  for (PerWorker& pw : workers_) {
    rte_ring_free(pw.ctrl);
    rte_ring_free(pw.ret);
    if (pw.handoff) {
      // Packets still handed off when the workers stopped.
      void* m;
      while (rte_ring_sc_dequeue(pw.handoff, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
      rte_ring_free(pw.handoff);
    }
  }
  rte_ring_free(events_);
}

WorkerRings SaControl::rings(unsigned worker) const {
  WorkerRings r;
  r.ctrl = workers_[worker].ctrl;
  r.ret = workers_[worker].ret;
  r.events = events_;
  r.handoff = handoff_.empty() ? nullptr : handoff_.data();
  return r;
}

// ---- requests ----

Sa* SaControl::adopt(std::unique_ptr<Sa> sa, unsigned worker, TunnelId tunnel) {
  Sa* p = sa.get();
  Owned o{std::move(sa), worker, tunnel};
  const SaSpec& spec = p->spec();
  if (spec.soft_seconds || spec.hard_seconds) {
    const uint64_t now = rte_get_tsc_cycles(), hz = rte_get_tsc_hz();
    if (spec.soft_seconds) o.soft_at = now + spec.soft_seconds * hz;
    if (spec.hard_seconds) o.hard_at = now + spec.hard_seconds * hz;
    timed_.push_back(p);
  }
  owned_.emplace(p, std::move(o));
  ++stats_.adopted;
  return p;
}

void SaControl::check_time_lifetimes(std::vector<Event>* events) {
  if (timed_.empty()) return;
  const uint64_t now = rte_get_tsc_cycles();
  for (size_t i = 0; i < timed_.size();) {
    Owned& o = owned_.at(timed_[i]);
    for (bool hard : {false, true}) {
      uint64_t& at = hard ? o.hard_at : o.soft_at;
      if (!at || now < at) continue;
      at = 0;
      o.sa->expire_by_time(hard);
      Event ev;
      ev.type = hard ? EventType::kHardExpired : EventType::kSoftExpired;
      ev.dir = o.sa->direction();
      ev.worker = static_cast<uint16_t>(o.worker);
      ev.tunnel = o.tunnel;
      ev.spi = o.sa->spi();
      ev.flags = kEventByTime;
      ev.tsc = now;
      ++stats_.events;
      if (events) events->push_back(ev);
    }
    if (!o.soft_at && !o.hard_at) {
      timed_[i] = timed_.back();
      timed_.pop_back();
    } else {
      ++i;
    }
  }
}

void SaControl::refuse(std::unique_ptr<Sa> sa) {
  if (sa) {
    ++stats_.adopted;
    ++stats_.freed;
  }
  ++stats_.refused;
}

namespace {

// An install or delete message for `sa` (which names its own SPI).
CtrlMsg sa_msg(CtrlOp op, Direction dir, TunnelId tunnel, Sa* sa) {
  CtrlMsg m;
  m.op = op;
  m.dir = dir;
  m.tunnel = tunnel;
  m.spi = sa->spi();
  m.sa = sa;
  return m;
}

}  // namespace

bool SaControl::install_inbound(unsigned worker, std::unique_ptr<Sa> sa, TunnelId tunnel) {
  if (worker >= workers_.size() || !sa || sa->direction() != Direction::kInbound ||
      workers_[worker].inbound.count(sa->spi())) {
    refuse(std::move(sa));
    return false;
  }
  const uint32_t spi = sa->spi();
  Sa* p = adopt(std::move(sa), worker, tunnel);
  workers_[worker].inbound[spi] = p;
  submit(worker, sa_msg(CtrlOp::kSaInstall, Direction::kInbound, tunnel, p));
  for (unsigned w = 0; w < workers_.size(); ++w) {
    if (w == worker) continue;
    CtrlMsg m;
    m.op = CtrlOp::kSpiOwner;
    m.dir = Direction::kInbound;
    m.tunnel = tunnel;
    m.spi = spi;
    m.owner = static_cast<uint16_t>(worker);
    submit(w, m);
  }
  return true;
}

bool SaControl::install_outbound(unsigned worker, std::unique_ptr<Sa> sa, TunnelId tunnel) {
  if (worker >= workers_.size() || !sa || sa->direction() != Direction::kOutbound ||
      tunnel == kNoTunnel) {
    refuse(std::move(sa));
    return false;
  }
  Sa* p = adopt(std::move(sa), worker, tunnel);
  // The previous SA stays owned until the worker hands it back (kReplaced).
  workers_[worker].outbound[tunnel] = p;
  submit(worker, sa_msg(CtrlOp::kSaInstall, Direction::kOutbound, tunnel, p));
  return true;
}

bool SaControl::rekey(unsigned worker, TunnelId tunnel, std::unique_ptr<Sa> in,
                      std::unique_ptr<Sa> out) {
  if (!install_inbound(worker, std::move(in), tunnel)) {
    refuse(std::move(out));
    return false;
  }
  return install_outbound(worker, std::move(out), tunnel);
}

bool SaControl::delete_inbound(unsigned worker, uint32_t spi) {
  if (worker >= workers_.size()) return false;
  auto it = workers_[worker].inbound.find(spi);
  if (it == workers_[worker].inbound.end()) return false;
  CtrlMsg m = sa_msg(CtrlOp::kSaDelete, Direction::kInbound, owned_.at(it->second).tunnel, it->second);
  workers_[worker].inbound.erase(it);
  submit(worker, m);
  for (unsigned w = 0; w < workers_.size(); ++w) {
    if (w == worker) continue;
    CtrlMsg f;
    f.op = CtrlOp::kSpiForget;
    f.dir = Direction::kInbound;
    f.tunnel = m.tunnel;
    f.spi = spi;
    submit(w, f);
  }
  return true;
}

bool SaControl::delete_outbound(unsigned worker, TunnelId tunnel) {
  if (worker >= workers_.size()) return false;
  auto it = workers_[worker].outbound.find(tunnel);
  if (it == workers_[worker].outbound.end()) return false;
  CtrlMsg m = sa_msg(CtrlOp::kSaDelete, Direction::kOutbound, tunnel, it->second);
  workers_[worker].outbound.erase(it);
  submit(worker, m);
  return true;
}

bool SaControl::has_inbound(unsigned worker, uint32_t spi) const {
  return worker < workers_.size() && workers_[worker].inbound.count(spi) != 0;
}

const Sa* SaControl::inbound(unsigned worker, uint32_t spi) const {
  if (worker >= workers_.size()) return nullptr;
  auto it = workers_[worker].inbound.find(spi);
  return it == workers_[worker].inbound.end() ? nullptr : it->second;
}

const Sa* SaControl::outbound(unsigned worker, TunnelId tunnel) const {
  if (worker >= workers_.size()) return nullptr;
  auto it = workers_[worker].outbound.find(tunnel);
  return it == workers_[worker].outbound.end() ? nullptr : it->second;
}

// ---- routing tables ----

RouteTable* SaControl::adopt_routes(std::unique_ptr<RouteTable> table) {
  if (!table) return nullptr;
  RouteTable* p = table.get();
  tables_[p] = HeldTable{std::move(table), 0};
  if (current_routes_) tables_.erase(current_routes_);  // never published to a worker
  current_routes_ = p;
  return p;
}

bool SaControl::publish_routes(std::unique_ptr<RouteTable> table) {
  if (!table || !current_routes_) return false;
  RouteTable* p = table.get();
  tables_[current_routes_].pending = static_cast<unsigned>(workers_.size());
  tables_[p] = HeldTable{std::move(table), 0};
  current_routes_ = p;
  for (unsigned w = 0; w < workers_.size(); ++w) {
    CtrlMsg m;
    m.op = CtrlOp::kRouteUpdate;
    m.routes = p;
    submit(w, m);
  }
  ++stats_.routes_published;
  return true;
}

void SaControl::route_returned(RouteTable* table) {
  auto it = tables_.find(table);
  if (it == tables_.end() || it->second.pending == 0) {
    ++stats_.unknown_returns;
    return;
  }
  if (--it->second.pending == 0) {
    tables_.erase(it);
    ++stats_.routes_freed;
  }
}

// ---- rings ----

void SaControl::submit(unsigned worker, const CtrlMsg& msg) {
  CtrlMsg m = msg;
  m.tsc = rte_rdtsc();
  PerWorker& pw = workers_[worker];
  // Order matters (inbound before the outbound switch): nothing may
  // overtake a message that is already waiting.
  if (pw.queue.empty() && rte_ring_sp_enqueue_elem(pw.ctrl, &m, sizeof m) == 0) {
    ++pw.sent;
    return;
  }
  pw.queue.push_back(m);
  flush(worker);
}

size_t SaControl::flush(unsigned worker) {
  PerWorker& pw = workers_[worker];
  size_t moved = 0;
  while (!pw.queue.empty()) {
    CtrlMsg batch[kBatch];
    unsigned n = 0;
    for (; n < kBatch && n < pw.queue.size(); ++n) batch[n] = pw.queue[n];
    const unsigned done = rte_ring_sp_enqueue_burst_elem(pw.ctrl, batch, sizeof(CtrlMsg), n, nullptr);
    pw.queue.erase(pw.queue.begin(), pw.queue.begin() + done);
    pw.sent += done;
    moved += done;
    if (done < n) break;
  }
  return moved;
}

void SaControl::release(Sa* sa, RetireReason reason) {
  auto it = owned_.find(sa);
  if (it == owned_.end()) {
    ++stats_.unknown_returns;
    return;
  }
  if (it->second.soft_at || it->second.hard_at)
    timed_.erase(std::find(timed_.begin(), timed_.end(), sa));
  PerWorker& pw = workers_[it->second.worker];
  // A refused install leaves the control thread's view pointing at an SA
  // the worker never had; forget it.
  auto in = pw.inbound.find(sa->spi());
  if (in != pw.inbound.end() && in->second == sa) pw.inbound.erase(in);
  auto out = pw.outbound.find(it->second.tunnel);
  if (out != pw.outbound.end() && out->second == sa) pw.outbound.erase(out);
  ++stats_.retired[static_cast<size_t>(reason)];
  if (reason == RetireReason::kDuplicateSpi || reason == RetireReason::kTableFull ||
      reason == RetireReason::kBadTunnel)
    ++stats_.rejected;
  owned_.erase(it);  // destroys the SA (its keys are wiped)
  ++stats_.freed;
}

size_t SaControl::take_returns(unsigned worker) {
  size_t total = 0;
  RetiredSa batch[kBatch];
  unsigned n;
  while ((n = rte_ring_sc_dequeue_burst_elem(workers_[worker].ret, batch, sizeof(RetiredSa), kBatch,
                                             nullptr)) > 0) {
    for (unsigned i = 0; i < n; ++i) {
      if (batch[i].reason == RetireReason::kRouteReplaced)
        route_returned(batch[i].routes);
      else
        release(batch[i].sa, batch[i].reason);
    }
    total += n;
  }
  return total;
}

size_t SaControl::poll(std::vector<Event>* events) {
  size_t work = 0;
  for (unsigned w = 0; w < workers_.size(); ++w) {
    work += take_returns(w);
    work += flush(w);
  }
  Event batch[kBatch];
  unsigned n;
  while ((n = rte_ring_sc_dequeue_burst_elem(events_, batch, sizeof(Event), kBatch, nullptr)) > 0) {
    stats_.events += n;
    work += n;
    if (events) events->insert(events->end(), batch, batch + n);
  }
  check_time_lifetimes(events);
  return work;
}

void SaControl::reclaim(unsigned worker, WorkerCtx& ctx) {
  PerWorker& pw = workers_[worker];
  take_returns(worker);
  // Messages the worker never applied: their installs never reached it.
  // (Routing tables stay owned here until the destructor.)
  CtrlMsg m;
  while (rte_ring_sc_dequeue_elem(pw.ctrl, &m, sizeof m) == 0)
    if (m.op == CtrlOp::kSaInstall && m.sa) release(m.sa, RetireReason::kShutdown);
  for (const CtrlMsg& q : pw.queue)
    if (q.op == CtrlOp::kSaInstall && q.sa) release(q.sa, RetireReason::kShutdown);
  pw.queue.clear();
  for (Sa* sa : ctx.take_all_sas()) release(sa, RetireReason::kShutdown);
  // Deleted or replaced SAs whose return is still owed cannot exist now:
  // the worker is stopped and its return ring was drained above.
  pw.inbound.clear();
  pw.outbound.clear();
}

}  // namespace keyway::dp
