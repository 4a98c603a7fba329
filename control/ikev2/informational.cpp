// INFORMATIONAL (RFC 7296 1.4): Delete of child SAs (each side names its
// own inbound SPIs, 1.4.1) and of the IKE SA, and the empty request that
// checks the peer is alive (DPD, 2.4).
#include "control/ikev2/engine_impl.h"

namespace keyway::ikev2 {

void Engine::Impl::delete_child_local(IkeSa& sa, uint32_t spi_in) {
  for (auto it = sa.children.begin(); it != sa.children.end(); ++it) {
    if (it->spi_in != spi_in) continue;
    host_.delete_child(it->tunnel, spi_in);
    child_spis_.erase(spi_in);
    debug(&sa, "Deleting child SA: inbound SPI 0x" + hex64(it->spi_in).substr(8) + ", outbound SPI 0x" +
                   hex64(it->spi_out).substr(8));
    sa.children.erase(it);
    return;
  }
}

void Engine::Impl::start_delete_child(IkeSa& sa, uint32_t spi_in, Clock::time_point now) {
  if (ChildSa* c = sa.child_by_in(spi_in)) c->deleting = true;
  Request r;
  r.kind = RequestKind::kDeleteChild;
  r.exchange = ExchangeType::kInformational;
  r.spis = {spi_in};
  (void)now;
  if (!start_request(sa, std::move(r), {make(DeletePayload{Protocol::kEsp, {spi_in}})})) delete_child_local(sa, spi_in);
}

void Engine::Impl::start_delete_ike(IkeSa& sa, const std::string& reason, Clock::time_point now) {
  if (sa.close_reason.empty()) sa.close_reason = reason;
  if (sa.state == SaState::kDeleting && sa.pending && sa.pending->kind == RequestKind::kDeleteIke) return;
  set_state(sa, SaState::kDeleting);
  // The window may be taken by an exchange that will not finish now.
  if (sa.pending) {
    if (sa.pending->child_spi_in) child_spis_.erase(sa.pending->child_spi_in);
    sa.pending.reset();
  }
  sa.queue.clear();
  Request r;
  r.kind = RequestKind::kDeleteIke;
  r.exchange = ExchangeType::kInformational;
  (void)now;
  if (!start_request(sa, std::move(r), {make(DeletePayload{Protocol::kIke, {}})})) remove_sa(sa, sa.close_reason);
}

void Engine::Impl::start_dpd(IkeSa& sa, Clock::time_point now) {
  Request r;
  r.kind = RequestKind::kDpd;
  r.exchange = ExchangeType::kInformational;
  if (sa.profile && sa.profile->dpd && sa.profile->dpd->retry_s)
    r.timeout = std::chrono::seconds(sa.profile->dpd->retry_s);
  debug(&sa, "Sending DPD/liveness query");
  (void)now;
  start_request(sa, std::move(r), {});
}

void Engine::Impl::on_informational_request(IkeSa& sa, const Inbound& in) {
  debug(&sa, "Processing INFORMATIONAL message");
  std::vector<uint32_t> ours;
  bool delete_ike = false, any_delete = false;
  for (const Payload& p : in.msg.payloads) {
    if (const NotifyPayload* n = p.as<NotifyPayload>(); n && is_error(n->type))
      debug(&sa, "Received " + notify_name(n->type) + " notify");
    const DeletePayload* d = p.as<DeletePayload>();
    if (!d) continue;
    any_delete = true;
    if (d->protocol == Protocol::kIke) {
      delete_ike = true;
      continue;
    }
    if (d->protocol != Protocol::kEsp) continue;
    for (uint32_t spi : d->spis) {
      ChildSa* c = sa.child_by_out(spi);
      if (!c) continue;
      // A pair we are deleting ourselves is not named again (1.4.1).
      if (!c->deleting) ours.push_back(c->spi_in);
      debug(&sa, "Received DELETE for child SA: outbound SPI 0x" + hex64(spi).substr(8));
      delete_child_local(sa, c->spi_in);
    }
  }
  if (in.notify(NotifyType::kAuthenticationFailed)) {
    // The initiator could not verify us (RFC 7296 2.21.2): it has dropped
    // the SA, and so do we.
    send_response(sa, in, {});
    return remove_sa(sa, "peer sent AUTHENTICATION_FAILED");
  }
  if (delete_ike) {
    debug(&sa, "Received DELETE for the IKE SA");
    send_response(sa, in, {});
    return remove_sa(sa, "deleted by the peer");
  }
  if (!any_delete && in.msg.payloads.empty()) debug(&sa, "Received DPD/liveness query");
  std::vector<Payload> resp;
  if (!ours.empty()) resp.push_back(make(DeletePayload{Protocol::kEsp, ours}));
  send_response(sa, in, std::move(resp));
}

void Engine::Impl::on_informational_response(IkeSa& sa, const Inbound& in) {
  Request req = std::move(*sa.pending);
  sa.pending.reset();
  switch (req.kind) {
    case RequestKind::kDeleteIke:
      return remove_sa(sa, sa.close_reason);
    case RequestKind::kDeleteChild:
      for (uint32_t spi : req.spis) {
        delete_child_local(sa, spi);
        child_spis_.erase(spi);  // also a redundant pair never installed here
      }
      break;
    case RequestKind::kDpd:
      debug(&sa, "Received DPD/liveness response");
      break;
    default:
      break;
  }
  (void)in;
  run_queue(sa);
}

}  // namespace keyway::ikev2
