/**
 * The subset of workerd's config schema (`src/workerd/server/workerd.capnp`) that edgevm uses,
 * as plain TypeScript objects. A config is built as one of these and then serialised to capnp
 * text by `serializeConfig` (see `./capnp.js`); field names match the schema exactly.
 */

/**
 * `ServiceDesignator`: a service by name, optionally one of its named entrypoints (e.g. a
 * `WorkerEntrypoint` class for RPC) and the `ctx.props` the target sees (JSON text; absent = `{}`).
 */
export interface ServiceDesignator {
  name: string;
  entrypoint?: string;
  props?: { json: string };
}

/** `HttpOptions`; only the default (`style = host`) behaviour is used today. */
export interface HttpOptions {
  style?: "host" | "proxy";
  /** header that carries the original protocol (`http`/`https`) */
  forwardedProtoHeader?: string;
}

/**
 * The source of a module: inline text (escaped into the config) or `embed`, a path read by
 * workerd relative to the config file's directory (`../` works). An absolute embed path is NOT a
 * filesystem path: capnp resolves it against the import path (`-I`), so use relative paths.
 */
export type ModuleSource = string | { embed: string };

export type WorkerModule =
  | { name: string; esModule: ModuleSource }
  | { name: string; commonJsModule: ModuleSource }
  | { name: string; text: ModuleSource }
  | { name: string; json: ModuleSource };

export type WorkerBinding =
  | { name: string; text: string }
  | { name: string; json: string }
  | { name: string; service: ServiceDesignator }
  | {
      name: string;
      /** `serviceName` defaults to the Worker that declares the binding */
      durableObjectNamespace: { className: string; serviceName?: string };
    };

export interface DurableObjectNamespace {
  className: string;
  /** stable key that names the namespace's storage; required for durable storage */
  uniqueKey: string;
  enableSql?: boolean;
  preventEviction?: boolean;
}

/**
 * Where Durable Objects keep their storage: `{ localDisk: "<disk service name>" }` (a writable
 * `disk` service), `"inMemory"`, or `"none"`.
 */
export type DurableObjectStorage = { localDisk: string } | "inMemory" | "none";

export interface Worker {
  modules: WorkerModule[];
  compatibilityDate: string;
  compatibilityFlags?: string[];
  bindings?: WorkerBinding[];
  durableObjectNamespaces?: DurableObjectNamespace[];
  durableObjectStorage?: DurableObjectStorage;
  /** where `fetch()` to the outside goes; workerd's default is the built-in `internet` service */
  globalOutbound?: ServiceDesignator;
}

/** `ExternalServer`: a plain HTTP server at `address` (`host:port`). */
export interface ExternalServer {
  address: string;
  http: HttpOptions;
}

/**
 * `Network`: outbound access by address class. workerd's built-in `internet` allows only
 * `public`, which is why a raw `workerd serve` cannot reach 127.0.0.1 without one of these.
 */
export interface Network {
  allow?: string[];
  deny?: string[];
}

/** `DiskDirectory`: a directory on disk; Durable Object `localDisk` storage needs `writable`. */
export interface DiskDirectory {
  path: string;
  writable?: boolean;
  allowDotfiles?: boolean;
}

export type Service =
  | { name: string; worker: Worker }
  | { name: string; external: ExternalServer }
  | { name: string; network: Network }
  | { name: string; disk: DiskDirectory };

export interface Socket {
  name: string;
  /** `host:port`; `--socket-addr <name>=<addr>` on the command line overrides it */
  address?: string;
  http: HttpOptions;
  service: ServiceDesignator;
}

export interface Config {
  services: Service[];
  sockets: Socket[];
}
