/** Starts an app on a host and port with @hono/node-server. */

import type { AddressInfo } from "node:net";
import { serve as nodeServe } from "@hono/node-server";

export interface ServeOptions {
  /** default 127.0.0.1 */
  hostname?: string;
  /** default 0 (any free port) */
  port?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, ends open connections (SSE streams included) and resolves when closed. */
  close(): Promise<void>;
}

export interface FetchApp {
  fetch: (request: Request, ...rest: never[]) => Response | Promise<Response>;
}

export function serve(app: FetchApp, options: ServeOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const server = nodeServe(
      {
        fetch: app.fetch as (request: Request) => Response | Promise<Response>,
        hostname,
        port: options.port ?? 0,
      },
      (info: AddressInfo) => {
        server.off("error", reject);
        const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
        let closing: Promise<void> | undefined;
        resolve({
          url: `http://${host}:${info.port}`,
          port: info.port,
          close: () => {
            closing ??= new Promise<void>((done, fail) => {
              server.close((err) => (err ? fail(err) : done()));
              if ("closeAllConnections" in server) server.closeAllConnections();
            });
            return closing;
          },
        });
      },
    );
    server.once("error", reject);
  });
}
