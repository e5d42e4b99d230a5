import { describe, expect, it } from "vitest";
import {
  clientLocation,
  distanceKm,
  type FrontDoorRegion,
  parseLocationHeader,
  rankRegions,
  regionForAddress,
} from "../src/placement.js";

const PARIS = { lat: 48.86, lon: 2.35 };
const WASHINGTON = { lat: 38.9, lon: -77.0 };
const SINGAPORE = { lat: 1.35, lon: 103.8 };
const LONDON = { lat: 51.51, lon: -0.13 };
const NEW_YORK = { lat: 40.71, lon: -74.01 };
const TOKYO = { lat: 35.68, lon: 139.69 };

const regions: FrontDoorRegion[] = [
  { name: "eu-west", url: "http://eu", location: PARIS, cidrs: ["10.1.0.0/16", "2001:db8:1::/48"] },
  { name: "us-east", url: "http://us", location: WASHINGTON, cidrs: ["10.2.0.0/16", "10.0.0.0/8"] },
  { name: "ap-south", url: "http://ap", location: SINGAPORE },
];
const allHealthy = new Map<string, boolean>();
const names = (list: FrontDoorRegion[]) => list.map((r) => r.name);

describe("distanceKm", () => {
  it("is zero for the same point and symmetric", () => {
    expect(distanceKm(PARIS, PARIS)).toBe(0);
    expect(distanceKm(PARIS, TOKYO)).toBeCloseTo(distanceKm(TOKYO, PARIS), 6);
  });

  it("matches known great-circle distances", () => {
    expect(distanceKm(PARIS, LONDON)).toBeGreaterThan(330);
    expect(distanceKm(PARIS, LONDON)).toBeLessThan(350);
    expect(distanceKm(NEW_YORK, LONDON)).toBeGreaterThan(5540);
    expect(distanceKm(NEW_YORK, LONDON)).toBeLessThan(5600);
    // a quarter of the equator, and antipodes (half the circumference)
    expect(distanceKm({ lat: 0, lon: 0 }, { lat: 0, lon: 90 })).toBeCloseTo(10007.5, 0);
    expect(distanceKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(20015.1, 0);
  });

  it("crosses the antimeridian the short way", () => {
    expect(distanceKm({ lat: 0, lon: 179 }, { lat: 0, lon: -179 })).toBeLessThan(250);
  });
});

describe("rankRegions", () => {
  it("orders healthy regions by distance from the client", () => {
    expect(names(rankRegions(regions, LONDON, allHealthy))).toEqual([
      "eu-west",
      "us-east",
      "ap-south",
    ]);
    expect(names(rankRegions(regions, NEW_YORK, allHealthy))).toEqual([
      "us-east",
      "eu-west",
      "ap-south",
    ]);
    expect(names(rankRegions(regions, TOKYO, allHealthy))).toEqual([
      "ap-south",
      "eu-west",
      "us-east",
    ]);
  });

  it("keeps the configured order without a location", () => {
    expect(names(rankRegions(regions, undefined, allHealthy))).toEqual([
      "eu-west",
      "us-east",
      "ap-south",
    ]);
  });

  it("puts unhealthy regions last, still nearest first among them", () => {
    const health = new Map([
      ["eu-west", false],
      ["us-east", false],
    ]);
    expect(names(rankRegions(regions, LONDON, health))).toEqual(["ap-south", "eu-west", "us-east"]);
    expect(names(rankRegions(regions, NEW_YORK, health))).toEqual([
      "ap-south",
      "us-east",
      "eu-west",
    ]);
    expect(names(rankRegions(regions, undefined, new Map([["eu-west", false]])))).toEqual([
      "us-east",
      "ap-south",
      "eu-west",
    ]);
  });

  it("treats regions missing from the health map as healthy", () => {
    expect(names(rankRegions(regions, LONDON, new Map([["us-east", true]])))[0]).toBe("eu-west");
  });

  it("returns only a pinned region, whatever its health or distance", () => {
    expect(names(rankRegions(regions, LONDON, allHealthy, "ap-south"))).toEqual(["ap-south"]);
    expect(names(rankRegions(regions, LONDON, new Map([["ap-south", false]]), "ap-south"))).toEqual(
      ["ap-south"],
    );
  });

  it("rejects an unknown pinned region with UNKNOWN_REGION naming the known ones", () => {
    expect(() => rankRegions(regions, undefined, allHealthy, "mars")).toThrow(
      expect.objectContaining({
        code: "UNKNOWN_REGION",
        message: 'unknown region "mars" (known: eu-west, us-east, ap-south)',
      }),
    );
  });

  it("does not reorder its input", () => {
    const copy = [...regions];
    rankRegions(regions, TOKYO, allHealthy);
    expect(regions).toEqual(copy);
  });
});

describe("parseLocationHeader", () => {
  it("parses lat,lon with spaces and signs", () => {
    expect(parseLocationHeader("48.8, 2.3")).toEqual({ lat: 48.8, lon: 2.3 });
    expect(parseLocationHeader("-33.9,+151.2")).toEqual({ lat: -33.9, lon: 151.2 });
    expect(parseLocationHeader("0,0")).toEqual({ lat: 0, lon: 0 });
  });

  it("rejects malformed or out-of-range values with INVALID_REQUEST", () => {
    for (const bad of ["", "48.8", "48.8,2.3,1", "91,0", "0,181", "a,b", "1e3,0", "NaN,0", " ,1"])
      expect(() => parseLocationHeader(bad), bad).toThrow(
        expect.objectContaining({ code: "INVALID_REQUEST" }),
      );
  });
});

describe("regionForAddress", () => {
  it("maps an address to the region whose cidrs contain it, most specific prefix first", () => {
    expect(regionForAddress(regions, "10.1.3.4")?.name).toBe("eu-west"); // /16 beats us-east's /8
    expect(regionForAddress(regions, "10.2.3.4")?.name).toBe("us-east");
    expect(regionForAddress(regions, "10.9.3.4")?.name).toBe("us-east"); // only the /8
    expect(regionForAddress(regions, "2001:db8:1:2::5")?.name).toBe("eu-west");
    expect(regionForAddress(regions, "::ffff:10.1.0.1")?.name).toBe("eu-west");
  });

  it("returns undefined for unmatched or invalid addresses", () => {
    expect(regionForAddress(regions, "192.0.2.1")).toBeUndefined();
    expect(regionForAddress(regions, "not-an-ip")).toBeUndefined();
  });
});

describe("clientLocation", () => {
  it("prefers request.cf coordinates (strings on the edge)", () => {
    expect(
      clientLocation(regions, {
        cf: { latitude: "35.68", longitude: "139.69" },
        locationHeader: "0,0",
      }),
    ).toEqual({ ...TOKYO, source: "cf" });
  });

  it("ignores incomplete or invalid cf coordinates", () => {
    expect(clientLocation(regions, { cf: { latitude: "35.68" }, locationHeader: "1,2" })).toEqual({
      lat: 1,
      lon: 2,
      source: "header",
    });
    expect(clientLocation(regions, { cf: { latitude: "x", longitude: "1" } })).toBeUndefined();
  });

  it("uses the location header, then the client address", () => {
    expect(
      clientLocation(regions, { locationHeader: "51.5,-0.1", connectingIp: "10.2.0.1" }),
    ).toEqual({
      lat: 51.5,
      lon: -0.1,
      source: "header",
    });
    expect(clientLocation(regions, { connectingIp: "10.2.0.1" })).toEqual({
      ...WASHINGTON,
      source: "address",
    });
  });

  it("takes the first x-forwarded-for entry when cf-connecting-ip is absent", () => {
    expect(clientLocation(regions, { forwardedFor: "10.1.0.9, 10.2.0.1" })).toEqual({
      ...PARIS,
      source: "address",
    });
    expect(
      clientLocation(regions, { connectingIp: "10.2.0.1", forwardedFor: "10.1.0.9" })?.lat,
    ).toBe(WASHINGTON.lat);
  });

  it("is undefined when nothing tells", () => {
    expect(clientLocation(regions, {})).toBeUndefined();
    expect(clientLocation(regions, { connectingIp: "192.0.2.1" })).toBeUndefined();
  });

  it("throws INVALID_REQUEST for a malformed location header", () => {
    expect(() => clientLocation(regions, { locationHeader: "somewhere" })).toThrow(
      expect.objectContaining({ code: "INVALID_REQUEST" }),
    );
  });
});
