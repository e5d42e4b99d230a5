/*
 * edgevm guest agent: port I/O. Framed writes to the host (blocking, partial writes and EAGAIN
 * handled) with the ERROR helper, the bounds-checked payload reader, and framed reads from the
 * port (buffering, frame validation, EOF handling) that hand each frame to handle_frame().
 *
 * Part of agent.c's single translation unit; include after agent-init.h.
 */
#ifndef EDGEVM_AGENT_IO_H
#define EDGEVM_AGENT_IO_H

/* ------------------------------------------------------------------------------------------------
 * Port output: blocking, handles partial writes and EAGAIN
 * --------------------------------------------------------------------------------------------- */

static void port_send(uint8_t type, uint32_t id, const void *payload, size_t len) {
  unsigned char header[HEADER_SIZE];
  header[0] = type;
  put_u32(header + 1, id);
  put_u32(header + 5, (uint32_t)len);
  struct iovec iov[2] = {{header, HEADER_SIZE}, {(void *)payload, len}};
  struct iovec *v = iov;
  int count = len > 0 ? 2 : 1;
  while (count > 0) {
    ssize_t n = writev(g_port_out, v, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        struct pollfd p = {g_port_out, POLLOUT, 0};
        poll(&p, 1, -1);
        continue;
      }
      if (!g_pid1 && errno == EPIPE) { /* the host test harness went away */
        kill_all_sessions();
        exit(0);
      }
      fatal("write to port: %s", strerror(errno));
    }
    while (count > 0 && (size_t)n >= v->iov_len) {
      n -= (ssize_t)v->iov_len;
      v++;
      count--;
    }
    if (count > 0) {
      v->iov_base = (char *)v->iov_base + n;
      v->iov_len -= (size_t)n;
    }
  }
}

static void send_error(uint32_t id, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if (n >= (int)sizeof msg) n = (int)sizeof msg - 1;
  port_send(R_ERROR, id, msg, (size_t)n);
}

/* ------------------------------------------------------------------------------------------------
 * Payload reader (bounds-checked)
 * --------------------------------------------------------------------------------------------- */

struct reader {
  const unsigned char *p;
  size_t len, off;
  int bad;
};

static uint32_t rd_u32(struct reader *r) {
  if (r->bad || r->len - r->off < 4) {
    r->bad = 1;
    return 0;
  }
  uint32_t v = get_u32(r->p + r->off);
  r->off += 4;
  return v;
}

/* A NUL-terminated malloc'd copy of the next `len`-prefixed string, or NULL. */
static char *rd_string(struct reader *r) {
  uint32_t n = rd_u32(r);
  if (r->bad || r->len - r->off < n) {
    r->bad = 1;
    return NULL;
  }
  char *s = malloc((size_t)n + 1);
  if (!s) fatal("out of memory");
  memcpy(s, r->p + r->off, n);
  s[n] = '\0';
  r->off += n;
  return s;
}

static void free_strv(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

/* A string list as a NULL-terminated array with room for `extra` more entries. */
static char **rd_strv(struct reader *r, size_t extra) {
  uint32_t count = rd_u32(r);
  if (r->bad || count > (r->len - r->off) / 4) {
    r->bad = 1;
    return NULL;
  }
  char **v = calloc((size_t)count + extra + 1, sizeof *v);
  if (!v) fatal("out of memory");
  for (uint32_t i = 0; i < count; i++) {
    v[i] = rd_string(r);
    if (!v[i]) {
      free_strv(v);
      return NULL;
    }
  }
  return v;
}

/* ------------------------------------------------------------------------------------------------
 * Port input: frame decoding
 * --------------------------------------------------------------------------------------------- */

static void port_readable(void) {
  ssize_t n = read(g_port_in, g_rx + g_rx_len, sizeof g_rx - g_rx_len);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return;
    fatal("read from port: %s", strerror(errno));
  }
  if (n == 0) {
    if (!g_pid1) { /* the test harness closed our stdin */
      kill_all_sessions();
      exit(0);
    }
    /* virtio-serial reads EOF while no host is connected: wait for a new connection. */
    g_rx_len = 0;
    g_port_down = 1;
    g_port_retry_at = now_ms() + PORT_RETRY_MS;
    return;
  }
  g_rx_len += (size_t)n;
  size_t off = 0;
  while (g_rx_len - off >= HEADER_SIZE) {
    const unsigned char *h = g_rx + off;
    uint8_t type = h[0];
    uint32_t len = get_u32(h + 5);
    if (type < T_INIT || type > T_PING) fatal("corrupt stream: unknown frame type 0x%02x", type);
    if (len > MAX_FRAME_PAYLOAD) fatal("corrupt stream: frame length %u > 1 MiB", len);
    if (g_rx_len - off < HEADER_SIZE + (size_t)len) break;
    handle_frame(type, get_u32(h + 1), h + HEADER_SIZE, len);
    off += HEADER_SIZE + (size_t)len;
  }
  memmove(g_rx, g_rx + off, g_rx_len - off);
  g_rx_len -= off;
}

#endif /* EDGEVM_AGENT_IO_H */
