/**
 * Pure: a zod schema's fields as documentation rows (path, type, default, description), read from
 * its JSON Schema (`z.toJSONSchema`). Defaults come from the JSON Schema `default` (a literal the
 * resolver applies) or the custom `defaultText` meta (a default computed at run time, in words);
 * a record's key is named by the `key` meta (`pools.<image>`).
 */
import { z } from "zod";

type JsonSchema = z.core.JSONSchema.JSONSchema;

export interface FieldRow {
  /** dotted from the root: `emulator.limits.slots`, `emulator.pools.<image>.min`, `regions.list[].name` */
  path: string;
  /** in words: `integer, 1 to 1024`, `"auto", "kvm" or "tcg"`, `object[], at least 1` */
  type: string;
  /** Markdown: a literal in backticks, words, `required`, or `—` */
  default: string;
  /** the default when it is a literal (the JSON Schema `default`), for checks against the code */
  defaultValue?: unknown;
  description: string;
  /** objects, maps and arrays of objects have rows of their own below them */
  container: boolean;
}

/** Every field of `schema` (as its input, the file's JSON), parents before their children. */
export function schemaRows(schema: z.ZodType): FieldRow[] {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  return childRows(json, "");
}

/** The rows of an object's (or a union of objects') fields under `path`. */
function childRows(node: JsonSchema, path: string): FieldRow[] {
  const rows: FieldRow[] = [];
  const seen = new Set<string>();
  const branches = objectBranches(node);
  for (const branch of branches) {
    // in a union, a key one shape requires is still optional in the others: its row says so in words
    const required = new Set(branches.length === 1 ? (branch.required ?? []) : []);
    for (const [key, child] of Object.entries(branch.properties ?? {})) {
      const childPath = path ? `${path}.${key}` : key;
      if (typeof child === "boolean" || seen.has(childPath)) continue;
      seen.add(childPath);
      rows.push(...fieldRows(child, childPath, required.has(key)));
    }
  }
  return rows;
}

/** The row of one field and, for containers, the rows of what it contains. */
function fieldRows(node: JsonSchema, path: string, required: boolean): FieldRow[] {
  const record = recordValue(node);
  const items = arrayItems(node);
  const nested =
    record !== undefined
      ? childRows(record, `${path}.<${typeof node.key === "string" ? node.key : "name"}>`)
      : items !== undefined && objectBranches(items).length
        ? childRows(items, `${path}[]`)
        : objectBranches(node).length
          ? childRows(node, path)
          : [];
  const row: FieldRow = {
    path,
    type: typeText(node),
    default: defaultText(node, required),
    ...(node.default !== undefined ? { defaultValue: node.default } : {}),
    description: node.description ?? "",
    container: nested.length > 0,
  };
  return [row, ...nested];
}

/** An object's own shape, or each object shape of a union (`anyOf`). */
function objectBranches(node: JsonSchema): JsonSchema[] {
  if (node.anyOf) return node.anyOf.flatMap(objectBranches);
  return node.type === "object" && node.properties ? [node] : [];
}

/** The value schema of a map (`z.record`), if `node` is one. */
function recordValue(node: JsonSchema): JsonSchema | undefined {
  const value = node.additionalProperties;
  return node.type === "object" && !node.properties && typeof value === "object"
    ? value
    : undefined;
}

function arrayItems(node: JsonSchema): JsonSchema | undefined {
  const items = node.items;
  return node.type === "array" && typeof items === "object" && !Array.isArray(items)
    ? items
    : undefined;
}

/** Pure: the type in words, with its bounds. */
export function typeText(node: JsonSchema): string {
  if (node.enum) return orList(node.enum.map((v) => JSON.stringify(v)));
  if (node.anyOf) return orList([...new Set(node.anyOf.map(typeText))]);
  switch (node.type) {
    case "integer":
    case "number":
      return withBounds(node.type, node.minimum, node.maximum);
    case "string":
      return (node.minLength ?? 0) > 1 ? `string, at least ${node.minLength} characters` : "string";
    case "array": {
      const items = arrayItems(node);
      return withBounds(items ? `${typeText(items)}[]` : "array", node.minItems, node.maxItems);
    }
    case "object":
      return recordValue(node) ? "object (map)" : "object";
    default:
      return node.type ?? "any";
  }
}

/** `integer, 1 to 1024`; a bound of ±2^53 − 1 (zod's for `z.int()`) is no bound. */
function withBounds(type: string, min: number | undefined, max: number | undefined): string {
  const lo = min !== undefined && min > Number.MIN_SAFE_INTEGER ? min : undefined;
  const hi = max !== undefined && max < Number.MAX_SAFE_INTEGER ? max : undefined;
  if (lo !== undefined && hi !== undefined) return `${type}, ${lo} to ${hi}`;
  if (lo !== undefined) return `${type}, at least ${lo}`;
  if (hi !== undefined) return `${type}, at most ${hi}`;
  return type;
}

function orList(items: string[]): string {
  return items.length <= 1
    ? (items[0] ?? "")
    : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

function defaultText(node: JsonSchema, required: boolean): string {
  if (node.default !== undefined) return `\`${JSON.stringify(node.default)}\``;
  if (typeof node.defaultText === "string") return node.defaultText;
  return required ? "required" : "—";
}
