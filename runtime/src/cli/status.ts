import { signRequest } from "@edgevm/contract";
import { loadEmulatorConfig } from "./load-config.js";

/** `edgevm status [url]`: an emulator host's capacity, signed with the configured secret. */
export async function statusCommand(argv: string[]): Promise<number> {
  const config = loadEmulatorConfig(undefined);
  const base = argv[0] ?? `http://${config.listen.host}:${config.listen.port}`;
  const path = "/v1/capacity";
  const headers = await signRequest({
    secret: config.secret,
    method: "GET",
    path,
    body: new Uint8Array(),
  });
  const response = await fetch(new URL(path, base), { headers: { ...headers } });
  process.stdout.write(`${JSON.stringify(await response.json(), null, 2)}\n`);
  return response.ok ? 0 : 1;
}
