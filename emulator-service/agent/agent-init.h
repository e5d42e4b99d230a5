/*
 * edgevm guest agent: PID 1 concerns. fatal() (power the VM off on unrecoverable errors, exit in
 * --stdio mode) and the PID 1 set-up: mounts, std fds, /dev/kmsg, kernel modules listed in
 * /etc/edgevm/modules, discovery of the virtio-serial port "edgevm.0" and its device node.
 *
 * Part of agent.c's single translation unit; include after agent-common.h.
 */
#ifndef EDGEVM_AGENT_INIT_H
#define EDGEVM_AGENT_INIT_H

/* ------------------------------------------------------------------------------------------------
 * Fatal errors
 * --------------------------------------------------------------------------------------------- */

/* Unrecoverable: power the VM off as PID 1 (never exit or hang), exit(1) in --stdio mode. */
__attribute__((noreturn)) static void fatal(const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  diag("fatal: %s", msg);
  if (g_pid1) {
    sync();
    reboot(RB_POWER_OFF);
    _exit(1); /* only reached if reboot failed: a kernel panic still ends the VM */
  }
  kill_all_sessions();
  exit(1);
}

/* ------------------------------------------------------------------------------------------------
 * PID 1 set-up: mounts, modules, port discovery
 * --------------------------------------------------------------------------------------------- */

static void mount_fs(const char *src, const char *dir, const char *type, unsigned long flags,
                     const char *opts, mode_t mode) {
  mkdir(dir, mode);
  if (mount(src, dir, type, flags, opts) < 0 && errno != EBUSY)
    fatal("mount %s on %s: %s", type, dir, strerror(errno));
}

/* Makes sure fds 0-2 exist so that nothing we open later lands on them. */
static void ensure_std_fds(void) {
  for (int fd = 0; fd < 3; fd++) {
    if (fcntl(fd, F_GETFD) >= 0) continue;
    int c = open("/dev/console", O_RDWR);
    if (c < 0) c = open("/dev/null", O_RDWR);
    if (c >= 0 && c != fd) {
      dup2(c, fd);
      close(c);
    }
  }
}

static void load_modules(void) {
  FILE *f = fopen(MODULES_FILE, "re");
  if (!f) return; /* no modules to load */
  char line[PATH_MAX];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0' || line[0] == '#') continue;
    int fd = open(line, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      diag("module %s: %s", line, strerror(errno));
      continue;
    }
    if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
      diag("finit_module %s: %s", line, strerror(errno));
    close(fd);
  }
  fclose(f);
}

static int read_small_file(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  return 0;
}

/* Finds the port named edgevm.0 in sysfs and creates its device node; returns 0 on success. */
static int make_port_node(void) {
  DIR *d = opendir(PORTS_DIR);
  if (!d) return -1;
  int found = -1;
  struct dirent *e;
  while (found < 0 && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[PATH_MAX], value[64];
    snprintf(path, sizeof path, PORTS_DIR "/%s/name", e->d_name);
    if (read_small_file(path, value, sizeof value) < 0 || strcmp(value, PORT_NAME) != 0) continue;
    snprintf(path, sizeof path, PORTS_DIR "/%s/dev", e->d_name);
    unsigned maj, min;
    if (read_small_file(path, value, sizeof value) < 0 || sscanf(value, "%u:%u", &maj, &min) != 2)
      continue;
    unlink(PORT_DEV);
    if (mknod(PORT_DEV, S_IFCHR | 0600, makedev(maj, min)) < 0)
      fatal("mknod " PORT_DEV ": %s", strerror(errno));
    found = 0;
  }
  closedir(d);
  return found;
}

static void pid1_setup(void) {
  mount_fs("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0555);
  mount_fs("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0555);
  mount_fs("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 0755);
  ensure_std_fds();
  g_kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
  mount_fs("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777);
  setenv("PATH", DEFAULT_PATH, 1);
  load_modules();
  int64_t deadline = now_ms() + PORT_WAIT_TOTAL_MS;
  while (make_port_node() < 0) {
    if (now_ms() >= deadline) fatal("no virtio port named " PORT_NAME " after 10 s");
    sleep_ms(PORT_WAIT_STEP_MS);
  }
  int fd = open(PORT_DEV, O_RDWR | O_CLOEXEC);
  if (fd < 0) fatal("open " PORT_DEV ": %s", strerror(errno));
  g_port_in = g_port_out = fd;
}

#endif /* EDGEVM_AGENT_INIT_H */
