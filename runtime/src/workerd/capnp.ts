/**
 * Serialises a `Config` to Cap'n Proto text, the format `workerd serve config.capnp` reads:
 *
 *   using Workerd = import "/workerd/workerd.capnp";
 *   const config :Workerd.Config = ( services = [...], sockets = [...] );
 *
 * Pure: the same config gives the same bytes (golden-tested). Values are first turned into a small
 * tree (struct / list / text / …) and then printed with two-space indentation.
 */
import type {
  Config,
  DurableObjectStorage,
  HttpOptions,
  ModuleSource,
  Network,
  Service,
  ServiceDesignator,
  Socket,
  Worker,
  WorkerBinding,
  WorkerModule,
} from "./config.js";

/** The name of the top-level constant; `workerd serve <file> config` would name it explicitly. */
export const CONFIG_CONST_NAME = "config";

type Value =
  | { t: "struct"; fields: Field[] }
  | { t: "list"; items: Value[] }
  | { t: "text"; value: string }
  | { t: "embed"; path: string }
  | { t: "bool"; value: boolean }
  | { t: "enum"; name: string }
  | { t: "void" };
type Field = [name: string, value: Value];

const text = (value: string): Value => ({ t: "text", value });
const bool = (value: boolean): Value => ({ t: "bool", value });
const list = (items: Value[]): Value => ({ t: "list", items });
const VOID: Value = { t: "void" };

/** A struct from fields, skipping the ones left undefined (so optional fields stay absent). */
function struct(...fields: Array<[string, Value | undefined]>): Value {
  return { t: "struct", fields: fields.filter((f): f is Field => f[1] !== undefined) };
}

/**
 * A Cap'n Proto text literal: the string's UTF-8 bytes, with `"` and `\` escaped and every byte
 * outside printable ASCII written as `\xHH` (exactly two hex digits, as capnp's lexer reads them),
 * so newlines, NULs and non-ASCII characters survive unchanged.
 */
export function capnpString(value: string): string {
  let out = '"';
  for (const byte of Buffer.from(value, "utf8")) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += "\\\\";
    else if (byte === 0x0a) out += "\\n";
    else if (byte === 0x09) out += "\\t";
    else if (byte >= 0x20 && byte <= 0x7e) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}

function designator(d: ServiceDesignator): Value {
  return struct(
    ["name", text(d.name)],
    ["entrypoint", opt(d.entrypoint, text)],
    ["props", opt(d.props, (p) => struct(["json", text(p.json)]))],
  );
}

function opt<T>(value: T | undefined, f: (v: T) => Value): Value | undefined {
  return value === undefined ? undefined : f(value);
}

function source(s: ModuleSource): Value {
  return typeof s === "string" ? text(s) : { t: "embed", path: s.embed };
}

function http(options: HttpOptions): Value {
  return struct(
    ["style", opt(options.style, (name) => ({ t: "enum", name }))],
    ["forwardedProtoHeader", opt(options.forwardedProtoHeader, text)],
  );
}

function moduleValue(m: WorkerModule): Value {
  if ("esModule" in m) return struct(["name", text(m.name)], ["esModule", source(m.esModule)]);
  if ("commonJsModule" in m)
    return struct(["name", text(m.name)], ["commonJsModule", source(m.commonJsModule)]);
  if ("text" in m) return struct(["name", text(m.name)], ["text", source(m.text)]);
  return struct(["name", text(m.name)], ["json", source(m.json)]);
}

function bindingValue(b: WorkerBinding): Value {
  const name: [string, Value] = ["name", text(b.name)];
  if ("text" in b) return struct(name, ["text", text(b.text)]);
  if ("json" in b) return struct(name, ["json", text(b.json)]);
  if ("service" in b) return struct(name, ["service", designator(b.service)]);
  const ns = b.durableObjectNamespace;
  return struct(name, [
    "durableObjectNamespace",
    struct(["className", text(ns.className)], ["serviceName", opt(ns.serviceName, text)]),
  ]);
}

function storageValue(s: DurableObjectStorage): Value {
  if (s === "inMemory") return struct(["inMemory", VOID]);
  if (s === "none") return struct(["none", VOID]);
  return struct(["localDisk", text(s.localDisk)]);
}

function workerValue(w: Worker): Value {
  return struct(
    ["modules", list(w.modules.map(moduleValue))],
    ["compatibilityDate", text(w.compatibilityDate)],
    ["compatibilityFlags", opt(w.compatibilityFlags, (f) => list(f.map(text)))],
    ["bindings", opt(w.bindings, (b) => list(b.map(bindingValue)))],
    [
      "durableObjectNamespaces",
      opt(w.durableObjectNamespaces, (namespaces) =>
        list(
          namespaces.map((ns) =>
            struct(
              ["className", text(ns.className)],
              ["uniqueKey", text(ns.uniqueKey)],
              ["preventEviction", opt(ns.preventEviction, bool)],
              ["enableSql", opt(ns.enableSql, bool)],
            ),
          ),
        ),
      ),
    ],
    ["durableObjectStorage", opt(w.durableObjectStorage, storageValue)],
    ["globalOutbound", opt(w.globalOutbound, designator)],
  );
}

function networkValue(n: Network): Value {
  return struct(
    ["allow", opt(n.allow, (a) => list(a.map(text)))],
    ["deny", opt(n.deny, (d) => list(d.map(text)))],
  );
}

function serviceValue(s: Service): Value {
  const name: [string, Value] = ["name", text(s.name)];
  if ("worker" in s) return struct(name, ["worker", workerValue(s.worker)]);
  if ("external" in s)
    return struct(name, [
      "external",
      struct(["address", text(s.external.address)], ["http", http(s.external.http)]),
    ]);
  if ("network" in s) return struct(name, ["network", networkValue(s.network)]);
  return struct(name, [
    "disk",
    struct(
      ["path", text(s.disk.path)],
      ["writable", opt(s.disk.writable, bool)],
      ["allowDotfiles", opt(s.disk.allowDotfiles, bool)],
    ),
  ]);
}

function socketValue(s: Socket): Value {
  return struct(
    ["name", text(s.name)],
    ["address", opt(s.address, text)],
    ["http", http(s.http)],
    ["service", designator(s.service)],
  );
}

/** Whether a value prints on one line: scalars, empty structs, and lists of scalars. */
function isFlat(v: Value): boolean {
  if (v.t === "struct") return v.fields.length === 0;
  if (v.t === "list") return v.items.every((item) => item.t !== "struct" && item.t !== "list");
  return true;
}

function print(v: Value, indent: string): string {
  switch (v.t) {
    case "text":
      return capnpString(v.value);
    case "embed":
      return `embed ${capnpString(v.path)}`;
    case "bool":
      return v.value ? "true" : "false";
    case "enum":
      return v.name;
    case "void":
      return "void";
    case "list": {
      if (v.items.length === 0) return "[]";
      if (isFlat(v)) return `[${v.items.map((item) => print(item, indent)).join(", ")}]`;
      const inner = `${indent}  `;
      return `[\n${v.items.map((item) => inner + print(item, inner)).join(",\n")}\n${indent}]`;
    }
    case "struct": {
      if (v.fields.length === 0) return "()";
      const inner = `${indent}  `;
      const lines = v.fields.map(([name, value]) => `${inner}${name} = ${print(value, inner)}`);
      return `(\n${lines.join(",\n")}\n${indent})`;
    }
  }
}

/** The whole config file, ending with a newline. */
export function serializeConfig(config: Config): string {
  const root = struct(
    ["services", list(config.services.map(serviceValue))],
    ["sockets", list(config.sockets.map(socketValue))],
  );
  return [
    "# Generated by edgevm (runtime/workerd/capnp.ts); do not edit.",
    'using Workerd = import "/workerd/workerd.capnp";',
    "",
    `const ${CONFIG_CONST_NAME} :Workerd.Config = ${print(root, "")};`,
    "",
  ].join("\n");
}
