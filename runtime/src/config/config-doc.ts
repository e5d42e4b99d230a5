/**
 * docs/CONFIG.md, rendered from the config schema: every field's path, type, default and
 * description, one table per section, after what overrides the file. `npm run docs:config` writes
 * it (write-config-doc.ts); a unit test fails when the checked-in file differs from this.
 */
import { EMULATOR_OVERRIDES, type Override } from "@edgevm/emulator/config/overrides";
import { resolveEmulatorConfig } from "@edgevm/emulator/config/resolve";
import { REGIONS_OVERRIDES } from "../regions-schema.js";
import { configFileSchema, parseConfigFile } from "./file-schema.js";
import { type FieldRow, schemaRows } from "./schema-rows.js";

/** Where the doc lives, from the repository root. */
export const CONFIG_DOC_PATH = "docs/CONFIG.md";

/** Pure: the whole of docs/CONFIG.md. */
export function renderConfigDoc(): string {
  const rows = schemaRows(configFileSchema);
  const sections = rows.filter((r) => !r.path.includes(".") && r.container);
  const topLevel = rows.filter((r) => !r.path.includes(".") && !r.container);
  const lines = [
    "# Configuration",
    "",
    "<!-- Generated from the config schema by `npm run docs:config` (runtime/src/config/config-doc.ts): do not edit. `npm test` fails when this file and the schema differ. -->",
    "",
    ...INTRO,
    "",
    "Flags win over environment variables, which win over the file:",
    "",
    ...overridesTable([...Object.values(EMULATOR_OVERRIDES), ...REGIONS_OVERRIDES]),
    "",
    ...OUTSIDE_THE_FILE,
    "",
    "A value that does not fit stops the command with `INVALID_CONFIG`, naming the file and the",
    "field, or the flag or variable the value came from:",
    "",
    "```",
    ...exampleErrors().map((message) => `edgevm: INVALID_CONFIG: ${message}`),
    "```",
    "",
    "## Top level",
    "",
    ...fieldTable(topLevel),
  ];
  for (const section of sections) {
    lines.push(
      "",
      `## \`${section.path}\``,
      "",
      `${capitalise(section.description)}.`,
      "",
      ...fieldTable(rows.filter((r) => r.path.startsWith(`${section.path}.`))),
    );
  }
  return `${lines.join("\n")}\n`;
}

const INTRO = [
  "edgevm reads one JSON file: `config/edgevm.json` in the repository, or the file",
  "`--config F` names (`edgevm start --config F`, `edgevm emulator --config F`,",
  "`edgevm images build --config F`; it must exist), or, for every command, the file",
  "`EDGEVM_CONFIG` names. Without a file every field takes its default. Every field is optional",
  "unless its default says *required*; an unknown field is an error, so a misspelt one never",
  "passes unnoticed.",
];

const OUTSIDE_THE_FILE = [
  "Read from the environment only: `EDGEVM_CONFIG` (the file, above) and `EDGEVM_LOG_LEVEL`",
  "(`debug`, `info`, `warn`, `error` or `silent`; logs are JSON lines on stderr).",
];

/** Real errors, from the code that reports them (a file value, an environment value). */
function exampleErrors(): string[] {
  const message = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error("config-doc: an example config error did not fail");
  };
  const env = { HOME: "/home/user", EDGEVM_ACCEL: "hvf" };
  return [
    message(() => parseConfigFile({ emulator: { limits: { slots: 2000 } } }, "config/edgevm.json")),
    message(() => resolveEmulatorConfig({}, env, {}, { shmDir: undefined, cores: 2 })),
  ];
}

function overridesTable(overrides: readonly Override[]): string[] {
  return table(
    ["field", "flag (`edgevm emulator`)", "environment", ""],
    overrides.map((o) => [
      code(o.path),
      o.flag ? code(o.flag) : "",
      o.env ? code(o.env) : "",
      o.note ?? "",
    ]),
  );
}

function fieldTable(rows: readonly FieldRow[]): string[] {
  return table(
    ["field", "type", "default", "description"],
    rows.map((r) => [code(r.path), r.type, r.default, r.description]),
  );
}

function table(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)];
}

/** A table cell: one line, with the column separator escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

function code(text: string): string {
  return `\`${text}\``;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
