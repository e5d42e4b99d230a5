/**
 * Pure placement logic of the front door: where is the client, and in which order should the
 * regions be tried. No Worker or Node APIs (unit-tested in plain vitest).
 *
 * Client location, first that applies: the edge's `request.cf.latitude/longitude`; the header
 * `x-edgevm-client-location: <lat>,<lon>`; the client address (`cf-connecting-ip`, else the first
 * `x-forwarded-for` entry) matched against each region's `cidrs` (the most specific prefix wins,
 * and the client is placed at that region's location); else none (configured order).
 */

import { cidrContains, EdgevmError, parseCidr, parseIp } from "@edgevm/contract";

export interface Location {
  lat: number;
  lon: number;
}

export interface FrontDoorRegion {
  name: string;
  /** the region Worker's base URL */
  url: string;
  location: Location;
  /** client address ranges served by this region (local stand-in for geolocation) */
  cidrs?: readonly string[];
}

export type LocationSource = "cf" | "header" | "address";

export interface ClientLocation extends Location {
  source: LocationSource;
}

/** Mean Earth radius (IUGG), km. */
export const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in km (haversine). */
export function distanceKm(a: Location, b: Location): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

function validLocation(lat: number, lon: number): Location | undefined {
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return undefined;
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) return undefined;
  return { lat, lon };
}

/** `"<lat>,<lon>"` → a location; throws INVALID_REQUEST (400) when malformed or out of range. */
export function parseLocationHeader(text: string): Location {
  const parts = text.split(",").map((p) => p.trim());
  const numeric = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;
  const [lat, lon] = parts;
  const location =
    parts.length === 2 &&
    lat !== undefined &&
    lon !== undefined &&
    numeric.test(lat) &&
    numeric.test(lon)
      ? validLocation(Number(lat), Number(lon))
      : undefined;
  if (!location) {
    throw new EdgevmError(
      "INVALID_REQUEST",
      `x-edgevm-client-location must be "<lat>,<lon>" in degrees (lat -90..90, lon -180..180), got ${JSON.stringify(text)}`,
    );
  }
  return location;
}

/** The region whose `cidrs` contain `address`, by the most specific prefix; undefined if none. */
export function regionForAddress(
  regions: readonly FrontDoorRegion[],
  address: string,
): FrontDoorRegion | undefined {
  const ip = parseIp(address);
  if (!ip) return undefined;
  let best: { region: FrontDoorRegion; prefix: number } | undefined;
  for (const region of regions) {
    for (const text of region.cidrs ?? []) {
      const cidr = parseCidr(text);
      if (cidr && cidrContains(cidr, ip) && (!best || cidr.prefix > best.prefix)) {
        best = { region, prefix: cidr.prefix };
      }
    }
  }
  return best?.region;
}

export interface ClientHints {
  /** `request.cf` latitude/longitude as the edge gives them (strings) */
  cf?: { latitude?: unknown; longitude?: unknown } | undefined;
  /** the `x-edgevm-client-location` header */
  locationHeader?: string | null | undefined;
  /** `cf-connecting-ip` */
  connectingIp?: string | null | undefined;
  /** `x-forwarded-for` */
  forwardedFor?: string | null | undefined;
}

/** Where the client is, or undefined when nothing tells (see the module comment for the order). */
export function clientLocation(
  regions: readonly FrontDoorRegion[],
  hints: ClientHints,
): ClientLocation | undefined {
  const lat = Number(hints.cf?.latitude);
  const lon = Number(hints.cf?.longitude);
  if (hints.cf?.latitude !== undefined && hints.cf?.longitude !== undefined) {
    const fromCf = validLocation(lat, lon);
    if (fromCf) return { ...fromCf, source: "cf" };
  }
  if (hints.locationHeader)
    return { ...parseLocationHeader(hints.locationHeader), source: "header" };
  const address = hints.connectingIp?.trim() || hints.forwardedFor?.split(",")[0]?.trim();
  if (address) {
    const region = regionForAddress(regions, address);
    if (region) return { ...region.location, source: "address" };
  }
  return undefined;
}

/**
 * The order in which to try the regions: healthy ones first, nearest first (configured order when
 * the client's location is unknown, and between equal distances), then the unhealthy ones in the
 * same order as a last resort. A region missing from `health` counts as healthy. With `pinned`,
 * only that region (whatever its health); an unknown name throws UNKNOWN_REGION (400).
 */
export function rankRegions<R extends FrontDoorRegion>(
  regions: readonly R[],
  client: Location | undefined,
  health: ReadonlyMap<string, boolean>,
  pinned?: string,
): R[] {
  if (pinned !== undefined) {
    const region = regions.find((r) => r.name === pinned);
    if (!region) {
      const known = regions.map((r) => r.name).join(", ");
      throw new EdgevmError("UNKNOWN_REGION", `unknown region "${pinned}" (known: ${known})`, {
        details: { region: pinned, known: regions.map((r) => r.name) },
      });
    }
    return [region];
  }
  const keyed = regions.map((region, index) => ({
    region,
    index,
    healthy: health.get(region.name) !== false,
    distance: client ? distanceKm(client, region.location) : 0,
  }));
  keyed.sort(
    (a, b) => Number(b.healthy) - Number(a.healthy) || a.distance - b.distance || a.index - b.index,
  );
  return keyed.map((k) => k.region);
}
