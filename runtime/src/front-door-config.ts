/**
 * Pure: the workerd `Config` of the front door (`worker-apps/front-door`), the local stand-in for
 * anycast. It runs as service `front-door` on the front door's port with one binding:
 *
 *   REGIONS  text  JSON `[{name, url, location, cidrs?}]` of every region (Worker URLs)
 *
 * It reaches the region Workers with plain `fetch(url)`, so its outbound goes through a `network`
 * service that also allows private and local addresses (the built-in `internet` blocks 127.0.0.1).
 */

import { join } from "node:path";
import type { RegionBinding } from "@edgevm/contract";
import { COMPATIBILITY_DATE, COMPATIBILITY_FLAGS, OUTBOUND_ALLOW } from "./region-config.js";
import type { RegionsConfig } from "./regions.js";
import type { Config, ModuleSource } from "./workerd/config.js";

export const FRONT_DOOR_SERVICES = { worker: "front-door", outbound: "outbound" } as const;
export const FRONT_DOOR_SOCKET = "http";
export const FRONT_DOOR_MODULE_NAME = "front-door.mjs";
export const FRONT_DOOR_APP = "front-door";

export interface FrontDoorConfigInput {
  regions: RegionsConfig;
  /** the bundled front door Worker: `{ embed: path }` (relative to the config file) or inline */
  module: ModuleSource;
  /**
   * region name → the URL its Worker really listens on, for regions started on port 0 (tests);
   * regions not named here use their configured URL
   */
  regionUrls?: Readonly<Record<string, string>>;
}

/** The front door's directory under the state dir (its config file lives there). */
export function frontDoorDir(stateDir: string): string {
  return join(stateDir, "front-door");
}

/** The `REGIONS` binding's value for the front door: name, Worker URL, location, cidrs. */
export function frontDoorRegionsBinding(
  regions: RegionsConfig,
  regionUrls: Readonly<Record<string, string>> = {},
): string {
  return JSON.stringify(
    regions.regions.map((r) => ({
      name: r.name,
      url: regionUrls[r.name] ?? r.url,
      location: r.location,
      ...(r.cidrs ? { cidrs: r.cidrs } : {}),
    })) satisfies RegionBinding[],
  );
}

export function buildFrontDoorConfig(input: FrontDoorConfigInput): Config {
  const { regions } = input;
  return {
    services: [
      {
        name: FRONT_DOOR_SERVICES.worker,
        worker: {
          modules: [{ name: FRONT_DOOR_MODULE_NAME, esModule: input.module }],
          compatibilityDate: COMPATIBILITY_DATE,
          compatibilityFlags: [...COMPATIBILITY_FLAGS],
          bindings: [{ name: "REGIONS", text: frontDoorRegionsBinding(regions, input.regionUrls) }],
          globalOutbound: { name: FRONT_DOOR_SERVICES.outbound },
        },
      },
      { name: FRONT_DOOR_SERVICES.outbound, network: { allow: [...OUTBOUND_ALLOW] } },
    ],
    sockets: [
      {
        name: FRONT_DOOR_SOCKET,
        address: hostPort(regions.host, regions.frontDoor.port),
        http: {},
        service: { name: FRONT_DOOR_SERVICES.worker },
      },
    ],
  };
}

function hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
