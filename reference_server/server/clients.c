/* SPDX-License-Identifier: MIT */
/* clients.c: refserver's connections, each a struct sy_conn behind a socket: accept, read into
 * the machine, send its output, the lingering close after our last byte, and the deadline the
 * loop's timer scan is armed with. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "server.h"

#define LINGER_MS    1000 /* after our last byte, drain the peer's input this long before close */
#define ACCEPT_BATCH 512  /* accept4 calls per readiness of the listening socket (its backlog) */

void srv_arm(struct server *s, uint64_t t)
{
  if (t < s->next_scan)
    s->next_scan = t;
}

uint64_t srv_client_deadline(const struct client *cl)
{
  return cl->lingering ? cl->linger_until : sy_conn_deadline(&cl->conn);
}

void srv_arm_client(struct server *s, const struct client *cl)
{
  srv_arm(s, srv_client_deadline(cl));
}

void srv_log_decision(void *arg, const struct sy_request *req, const struct sy_decision *d)
{
  const struct client *cl = arg;
  fprintf(stderr, "%s \"%.*s %.*s\" %d %s (%s)\n", cl ? cl->peer : "stdin",
          (int)(req->method.len > 32 ? 32 : req->method.len), req->method.ptr ? req->method.ptr : "",
          (int)(req->target.len > 128 ? 128 : req->target.len), req->target.ptr ? req->target.ptr : "",
          d->status, sy_reason_name(d->reason), sy_reason_rfc(d->reason));
}

static void ep_set(struct server *s, struct client *cl)
{
  struct epoll_event ev;
  size_t out_len;
  memset(&ev, 0, sizeof ev);
  ev.data.fd = cl->fd;
  (void)sy_conn_output(&cl->conn, &out_len);
  /* Read while there is room for input (or while lingering, to drain); write while output waits. */
  if (cl->lingering || cl->conn.in_len < SY_CONN_IN_CAP)
    ev.events |= EPOLLIN;
  if (!cl->lingering && out_len)
    ev.events |= EPOLLOUT;
  if (ev.events == cl->ep_events)
    return; /* unchanged: no system call */
  epoll_ctl(s->epfd, cl->ep_events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, cl->fd, &ev);
  cl->ep_events = ev.events;
}

/* close() also removes the fd from epoll (it is not shared), so no EPOLL_CTL_DEL. */
void srv_drop(struct server *s, struct client *cl)
{
  srv_q_unlink(s, cl);
  if (s->accept_paused_until)
    s->accept_paused_until = 1; /* a descriptor is free: accept again at once */
  close(cl->fd);
  sy_conn_free(&cl->conn); /* an h2c or TLS session's library state */
  s->clients[cl->fd] = NULL;
  s->nclients--;
  if (s->nspare < SPARE_CLIENTS)
    s->spare[s->nspare++] = cl;
  else
    free(cl);
}

void srv_flush(struct server *s, struct client *cl, uint64_t now)
{
  for (;;) {
    size_t len;
    const uint8_t *out = sy_conn_output(&cl->conn, &len);
    if (len == 0)
      break;
    ssize_t n = send(cl->fd, out, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR)
        break;
      cl->conn.state = SY_CONN_CLOSED; /* peer gone */
      break;
    }
    sy_conn_sent(&cl->conn, (size_t)n, now);
  }
  if (sy_conn_should_close(&cl->conn) && !cl->lingering) {
    if (cl->conn.state == SY_CONN_CLOSED || cl->peer_eof) {
      srv_drop(s, cl); /* nothing to drain: the peer already sent its FIN, or is gone */
      return;
    }
    shutdown(cl->fd, SHUT_WR);
    cl->lingering = 1;
    cl->linger_until = now + LINGER_MS;
    srv_arm(s, cl->linger_until);
  }
  srv_track(s, cl, now);
  ep_set(s, cl);
}

void srv_format_addr(const struct sockaddr_storage *ss, int bracket_v6, char *out, size_t cap)
{
  char h[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (ss->ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, h, sizeof h);
    port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
    if (bracket_v6) {
      snprintf(out, cap, "[%s]:%u", h, port);
      return;
    }
  } else {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, h, sizeof h);
    port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
  }
  snprintf(out, cap, "%s:%u", h, port);
}

void srv_accept_all(struct server *s, uint64_t now)
{
  for (int round = 0; round < ACCEPT_BATCH && !s->accept_paused_until; round++) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    struct client *cl;
    char peer[sizeof cl->peer], why[64];
    if (fd < 0) {
      int err = errno;
      struct client *v;
      if (err == EAGAIN || err == EWOULDBLOCK)
        return;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        /* Out of descriptors (or memory): free one by shedding, then take the connection. */
        if ((v = srv_pick_victim(s, now)) != NULL) {
          snprintf(why, sizeof why, "out of descriptors (%s)", strerror(err));
          srv_shed(s, v, now, "a new connection", why);
          continue;
        }
        srv_pause_accept(s, now, err);
        return;
      }
      if (err == EINTR || err == ECONNABORTED || err == EPROTO || err == ENETDOWN ||
          err == ENOPROTOOPT || err == EHOSTDOWN || err == ENONET || err == EHOSTUNREACH ||
          err == EOPNOTSUPP || err == ENETUNREACH || err == EPERM)
        continue;                    /* that pending connection failed (accept(2)): the next one */
      srv_pause_accept(s, now, err); /* unexpected: do not spin on it */
      return;
    }
    srv_format_addr(&ss, 0, peer, sizeof peer);
    if (fd >= s->cap) {
      close(fd);
      srv_overload_log(s, LOG_REFUSE, now, "refused %s: descriptor %d beyond the table (%d)", peer,
                       fd, s->cap);
      continue;
    }
    if (s->nclients >= s->max_conns) {
      struct client *v = srv_pick_victim(s, now);
      snprintf(why, sizeof why, "at --max-conns %d", s->max_conns);
      if (v == NULL) {
        close(fd); /* nothing to shed: refuse at once rather than queue */
        srv_overload_log(s, LOG_REFUSE, now,
                         "refused %s: %s, and no connection has waited %d ms without progress", peer,
                         why, SY_SHED_GRACE_MS);
        continue;
      }
      srv_shed(s, v, now, peer, why);
    }
    cl = s->nspare ? s->spare[--s->nspare] : malloc(sizeof *cl);
    if (cl == NULL) {
      close(fd);
      continue;
    }
    cl->fd = fd;
    cl->lingering = 0;
    cl->peer_eof = 0;
    cl->ep_events = 0;
    cl->queue = Q_NONE;
    cl->seen_requests = 0;
    memcpy(cl->peer, peer, sizeof peer);
    sy_conn_init(&cl->conn, &s->pol, &s->opts, now);
    if (s->verbose) {
      cl->conn.on_decision = srv_log_decision;
      cl->conn.cb_arg = cl;
    }
    s->clients[fd] = cl;
    s->nclients++;
    if (fd > s->maxfd)
      s->maxfd = fd;
    srv_track(s, cl, now);
    ep_set(s, cl);
    srv_arm_client(s, cl);
  }
}

void srv_on_readable(struct server *s, struct client *cl, uint64_t now)
{
  uint8_t buf[16384];
  for (int rounds = 0; rounds < 8; rounds++) {
    size_t want = cl->lingering ? sizeof buf : SY_CONN_IN_CAP - cl->conn.in_len;
    ssize_t n;
    if (want > sizeof buf)
      want = sizeof buf;
    if (want == 0)
      break;
    n = recv(cl->fd, buf, want, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      if (cl->lingering) {
        srv_drop(s, cl);
        return;
      }
      cl->peer_eof = 1;
      sy_conn_eof(&cl->conn, now);
      break;
    }
    if (n < 0)
      break;
    if (!cl->lingering)
      (void)sy_conn_feed(&cl->conn, buf, (size_t)n, now); /* want fits: all taken */
    if ((size_t)n < want)
      break;
  }
  if (!cl->lingering)
    srv_flush(s, cl, now);
}
