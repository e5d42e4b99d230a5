import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** A trivial guest agent standing in for emulator-service/agent/agent.c. */
export const STAND_IN_AGENT = `#include <stdio.h>
#include <sys/reboot.h>
int main(void) {
  puts("stand-in agent");
  reboot(RB_AUTOBOOT);
  return 0;
}
`;

export async function tempDir(
  prefix: string,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `edgevm-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeAgent(dir: string, text = STAND_IN_AGENT): Promise<string> {
  const file = path.join(dir, "agent.c");
  await writeFile(file, text);
  return file;
}

/** The pid of a process that has already exited. */
export function deadPid(): number {
  const child = spawnSync("true");
  if (child.pid === undefined) throw new Error("cannot spawn true");
  return child.pid;
}

export interface NoteSpec {
  name: string;
  type: number;
  desc: Buffer;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

export function encodeNotes(notes: readonly NoteSpec[]): Buffer {
  const parts: Buffer[] = [];
  for (const note of notes) {
    const name = Buffer.from(`${note.name}\0`, "latin1");
    const head = Buffer.alloc(12);
    head.writeUInt32LE(name.length, 0);
    head.writeUInt32LE(note.desc.length, 4);
    head.writeUInt32LE(note.type, 8);
    const namePad = Buffer.alloc(align4(name.length));
    name.copy(namePad);
    const descPad = Buffer.alloc(align4(note.desc.length));
    note.desc.copy(descPad);
    parts.push(head, namePad, descPad);
  }
  return Buffer.concat(parts);
}

/**
 * A minimal little-endian ELF64 executable: a PT_NOTE segment with `notes`, optionally a PT_INTERP
 * and a PT_LOAD segment of `payload` bytes (so truncation is detectable).
 */
export function makeElf(
  notes: readonly NoteSpec[],
  opts: { interp?: boolean; payload?: Buffer } = {},
): Buffer {
  const noteBytes = encodeNotes(notes);
  const interp = Buffer.from("/lib/ld-musl-x86_64.so.1\0", "latin1");
  const phnum = 1 + (opts.interp ? 1 : 0) + (opts.payload ? 1 : 0);
  const header = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(header);
  header.writeUInt16LE(2, 16); // ET_EXEC
  header.writeUInt16LE(62, 18); // x86-64
  header.writeUInt32LE(1, 20);
  header.writeBigUInt64LE(0x1000000n, 24);
  header.writeBigUInt64LE(64n, 32); // phoff
  header.writeUInt16LE(64, 52);
  header.writeUInt16LE(56, 54);
  header.writeUInt16LE(phnum, 56);
  const phdrs = Buffer.alloc(56 * phnum);
  let dataAt = 64 + phdrs.length;
  const data: Buffer[] = [];
  const segment = (index: number, type: number, bytes: Buffer) => {
    const at = index * 56;
    phdrs.writeUInt32LE(type, at);
    phdrs.writeUInt32LE(4, at + 4);
    phdrs.writeBigUInt64LE(BigInt(dataAt), at + 8);
    phdrs.writeBigUInt64LE(BigInt(dataAt), at + 24);
    phdrs.writeBigUInt64LE(BigInt(bytes.length), at + 32);
    phdrs.writeBigUInt64LE(BigInt(bytes.length), at + 40);
    data.push(bytes);
    dataAt += bytes.length;
  };
  let index = 0;
  segment(index++, 4, noteBytes);
  if (opts.interp) segment(index++, 3, interp);
  if (opts.payload) segment(index++, 1, opts.payload);
  return Buffer.concat([header, phdrs, ...data]);
}

/** A note set carrying a PVH entry, like the Debian kernel's. */
export function pvhNotes(entry: number): NoteSpec[] {
  const desc = Buffer.alloc(4);
  desc.writeUInt32LE(entry);
  return [
    { name: "Xen", type: 6, desc: Buffer.from("linux\0", "latin1") },
    { name: "GNU", type: 3, desc: Buffer.alloc(20, 0xab) },
    { name: "Xen", type: 18, desc },
  ];
}
