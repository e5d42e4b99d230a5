/**
 * A small, pure ELF reader: just enough to validate an extracted vmlinux (complete, carries the
 * PVH entry note) and a compiled agent (static). Little-endian ELF32/ELF64 only.
 */

export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
export const PT_INTERP = 3;
export const PT_NOTE = 4;
/** `XEN_ELFNOTE_PHYS32_ENTRY`: the 32-bit physical entry point used by PVH boot. */
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;

export interface ProgramHeader {
  type: number;
  offset: number;
  fileSize: number;
  paddr: bigint;
}

export interface ElfInfo {
  bits: 32 | 64;
  /** e_type: 2 = executable, 3 = shared object / PIE. */
  type: number;
  machine: number;
  entry: bigint;
  programHeaders: ProgramHeader[];
  /** Bytes the file must have for every header, segment and the section header table. */
  extent: number;
}

export interface ElfNote {
  name: string;
  type: number;
  desc: Buffer;
}

export function hasElfMagic(buf: Buffer): boolean {
  return buf.length >= 4 && buf.subarray(0, 4).equals(ELF_MAGIC);
}

function need(buf: Buffer, end: number, what: string): void {
  if (end > buf.length)
    throw new Error(`ELF truncated: ${what} ends at ${end}, file has ${buf.length} bytes`);
}

/** Parses the ELF header and program headers; throws on malformed or truncated headers. */
export function parseElf(buf: Buffer): ElfInfo {
  if (!hasElfMagic(buf)) throw new Error("not an ELF file (bad magic)");
  need(buf, 52, "ELF header");
  const cls = buf[4];
  if (cls !== 1 && cls !== 2) throw new Error(`unknown ELF class ${cls}`);
  if (buf[5] !== 1) throw new Error("big-endian ELF is not supported");
  const is64 = cls === 2;
  if (is64) need(buf, 64, "ELF header");
  const type = buf.readUInt16LE(16);
  const machine = buf.readUInt16LE(18);
  const entry = is64 ? buf.readBigUInt64LE(24) : BigInt(buf.readUInt32LE(24));
  const phoff = is64 ? Number(buf.readBigUInt64LE(32)) : buf.readUInt32LE(28);
  const shoff = is64 ? Number(buf.readBigUInt64LE(40)) : buf.readUInt32LE(32);
  const phentsize = buf.readUInt16LE(is64 ? 54 : 42);
  const phnum = buf.readUInt16LE(is64 ? 56 : 44);
  const shentsize = buf.readUInt16LE(is64 ? 58 : 46);
  const shnum = buf.readUInt16LE(is64 ? 60 : 48);
  let extent = is64 ? 64 : 52;
  if (phnum > 0) {
    if (phentsize < (is64 ? 56 : 32)) throw new Error(`bad program header size ${phentsize}`);
    extent = Math.max(extent, phoff + phnum * phentsize);
    need(buf, phoff + phnum * phentsize, "program header table");
  }
  if (shnum > 0) extent = Math.max(extent, shoff + shnum * shentsize);
  const programHeaders: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const ph: ProgramHeader = is64
      ? {
          type: buf.readUInt32LE(at),
          offset: Number(buf.readBigUInt64LE(at + 8)),
          paddr: buf.readBigUInt64LE(at + 24),
          fileSize: Number(buf.readBigUInt64LE(at + 32)),
        }
      : {
          type: buf.readUInt32LE(at),
          offset: buf.readUInt32LE(at + 4),
          paddr: BigInt(buf.readUInt32LE(at + 12)),
          fileSize: buf.readUInt32LE(at + 16),
        };
    programHeaders.push(ph);
    if (ph.fileSize > 0) extent = Math.max(extent, ph.offset + ph.fileSize);
  }
  return { bits: is64 ? 64 : 32, type, machine, entry, programHeaders, extent };
}

/** Reads the notes of every PT_NOTE segment. */
export function readElfNotes(buf: Buffer, elf: ElfInfo = parseElf(buf)): ElfNote[] {
  const notes: ElfNote[] = [];
  for (const ph of elf.programHeaders) {
    if (ph.type !== PT_NOTE) continue;
    need(buf, ph.offset + ph.fileSize, "note segment");
    let at = ph.offset;
    const end = ph.offset + ph.fileSize;
    while (at + 12 <= end) {
      const namesz = buf.readUInt32LE(at);
      const descsz = buf.readUInt32LE(at + 4);
      const type = buf.readUInt32LE(at + 8);
      const nameAt = at + 12;
      const descAt = nameAt + align4(namesz);
      const next = descAt + align4(descsz);
      if (next > end) throw new Error(`malformed ELF note at offset ${at}`);
      const rawName = buf.subarray(nameAt, nameAt + namesz);
      const nul = rawName.indexOf(0);
      const name = (nul >= 0 ? rawName.subarray(0, nul) : rawName).toString("latin1");
      notes.push({ name, type, desc: Buffer.from(buf.subarray(descAt, descAt + descsz)) });
      at = next;
    }
  }
  return notes;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** The PVH (XEN_ELFNOTE_PHYS32_ENTRY) entry address, or undefined when the kernel has none. */
export function findPvhEntry(buf: Buffer, elf: ElfInfo = parseElf(buf)): number | undefined {
  for (const note of readElfNotes(buf, elf)) {
    if (note.name !== "Xen" || note.type !== XEN_ELFNOTE_PHYS32_ENTRY) continue;
    if (note.desc.length >= 4) return note.desc.readUInt32LE(0);
  }
  return undefined;
}

/** True when the executable needs no dynamic loader (no PT_INTERP). */
export function isStaticElf(elf: ElfInfo): boolean {
  return !elf.programHeaders.some((ph) => ph.type === PT_INTERP);
}
