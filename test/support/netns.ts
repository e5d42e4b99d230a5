/**
 * Network namespaces for e2e tests: each emulator host in its own namespace, joined to the root
 * namespace by a veth pair on its own /30, so hosts and region Workers talk over real, separate
 * addresses (as on separate machines) instead of sharing 127.0.0.1. Needs root and iproute2;
 * `netnsAvailable()` says whether this machine can.
 */
import { execFileSync } from "node:child_process";

export interface NetnsHost {
  /** the namespace's name (for `ip netns exec`) */
  name: string;
  /** the host's address inside its namespace */
  address: string;
  /** the root namespace's end of the link (the namespace's default gateway) */
  gateway: string;
  /** the root namespace's interface, to cut and restore the link */
  link: string;
}

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Whether namespaces can be created here (root, iproute2, a kernel that allows it). */
export function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `edgevm-probe-${process.pid}`;
  try {
    ip("netns", "add", probe);
    ip("netns", "del", probe);
    return true;
  } catch {
    return false;
  }
}

/** Namespace `index` (1–250) of a test run: 10.231.<index>.2 inside, .1 outside. */
export function createNetnsHost(tag: string, index: number): NetnsHost {
  const name = `evm-${tag}-${index}`;
  const link = `evm${tag}${index}`.slice(0, 15);
  const gateway = `10.231.${index}.1`;
  const address = `10.231.${index}.2`;
  destroyNetnsHost({ name, address, gateway, link });
  ip("netns", "add", name);
  ip("link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", name);
  ip("addr", "add", `${gateway}/30`, "dev", link);
  ip("link", "set", link, "up");
  ip("-n", name, "addr", "add", `${address}/30`, "dev", "eth0");
  ip("-n", name, "link", "set", "eth0", "up");
  ip("-n", name, "link", "set", "lo", "up");
  ip("-n", name, "route", "add", "default", "via", gateway);
  return { name, address, gateway, link };
}

/** Cuts (or restores) the host's only link: a partition, with the host still running. */
export function setLink(host: NetnsHost, up: boolean): void {
  ip("link", "set", host.link, up ? "up" : "down");
}

/** Removes the namespace and its link; quiet when they do not exist. */
export function destroyNetnsHost(host: NetnsHost): void {
  for (const args of [
    ["link", "del", host.link],
    ["netns", "del", host.name],
  ]) {
    try {
      ip(...args);
    } catch {
      // not there
    }
  }
}
