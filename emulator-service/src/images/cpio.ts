/**
 * A pure, deterministic writer (and reader) for "newc" cpio archives (magic `070701`), the format
 * the Linux kernel unpacks as an initramfs. Every entry has mtime 0, uid/gid 0 and sequential
 * inode numbers, so the same entries always give the same bytes.
 */

export type CpioEntry =
  | { type: "dir"; path: string; mode?: number }
  | { type: "file"; path: string; content: Buffer; mode?: number }
  | { type: "symlink"; path: string; target: string }
  | { type: "chardev"; path: string; major: number; minor: number; mode?: number };

export interface CpioRecord {
  name: string;
  ino: number;
  /** Full st_mode, file type bits included. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
  data: Buffer;
}

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;

const MAGIC = "070701";
const HEADER_SIZE = 110;
const TRAILER = "TRAILER!!!";

/** `/bin/sh`, `bin/sh` and `./bin/sh` all become `bin/sh`; `..` and empty names are rejected. */
export function normalizeCpioPath(p: string): string {
  const parts = p.split("/").filter((s) => s !== "" && s !== ".");
  if (parts.length === 0) throw new Error(`cpio: empty path "${p}"`);
  if (parts.includes("..")) throw new Error(`cpio: path "${p}" contains ".."`);
  return parts.join("/");
}

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new Error(`cpio: field ${n} out of range`);
  return n.toString(16).padStart(8, "0");
}

function pad4(n: number): Buffer {
  return Buffer.alloc((4 - (n % 4)) % 4);
}

function record(
  ino: number,
  mode: number,
  nlink: number,
  name: string,
  data: Buffer,
  rdev = [0, 0],
) {
  const nameBytes = Buffer.from(`${name}\0`, "utf8");
  const header = [
    MAGIC,
    hex8(ino),
    hex8(mode),
    hex8(0), // uid
    hex8(0), // gid
    hex8(nlink),
    hex8(0), // mtime
    hex8(data.length),
    hex8(0), // devmajor
    hex8(0), // devminor
    hex8(rdev[0] ?? 0),
    hex8(rdev[1] ?? 0),
    hex8(nameBytes.length),
    hex8(0), // check
  ].join("");
  return [
    Buffer.from(header, "latin1"),
    nameBytes,
    pad4(HEADER_SIZE + nameBytes.length),
    data,
    pad4(data.length),
  ];
}

/**
 * Encodes entries as a list of chunks (concatenate or stream them). Entries keep their order; each
 * path appears once and its parent directory must come earlier, because the kernel creates files
 * with open(O_CREAT) and does not make parent directories.
 */
export function encodeCpio(entries: readonly CpioEntry[]): Buffer[] {
  const chunks: Buffer[] = [];
  const seen = new Set<string>();
  const dirs = new Set<string>();
  let ino = 1;
  for (const entry of entries) {
    const name = normalizeCpioPath(entry.path);
    if (seen.has(name)) throw new Error(`cpio: duplicate path "${name}"`);
    const slash = name.lastIndexOf("/");
    if (slash > 0 && !dirs.has(name.slice(0, slash))) {
      throw new Error(`cpio: parent directory of "${name}" must come before it`);
    }
    seen.add(name);
    switch (entry.type) {
      case "dir":
        dirs.add(name);
        chunks.push(...record(ino, S_IFDIR | (entry.mode ?? 0o755), 2, name, Buffer.alloc(0)));
        break;
      case "file":
        chunks.push(...record(ino, S_IFREG | (entry.mode ?? 0o644), 1, name, entry.content));
        break;
      case "symlink":
        chunks.push(...record(ino, S_IFLNK | 0o777, 1, name, Buffer.from(entry.target, "utf8")));
        break;
      case "chardev": {
        const mode = S_IFCHR | (entry.mode ?? 0o600);
        chunks.push(...record(ino, mode, 1, name, Buffer.alloc(0), [entry.major, entry.minor]));
        break;
      }
    }
    ino++;
  }
  chunks.push(...record(0, 0, 1, TRAILER, Buffer.alloc(0)));
  return chunks;
}

export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  return Buffer.concat(encodeCpio(entries));
}

/** Parses a newc archive up to `TRAILER!!!` (not returned); throws on malformed input. */
export function parseCpio(buf: Buffer): CpioRecord[] {
  const out: CpioRecord[] = [];
  let at = 0;
  for (;;) {
    if (at + HEADER_SIZE > buf.length) throw new Error(`cpio: truncated header at ${at}`);
    const magic = buf.toString("latin1", at, at + 6);
    if (magic !== MAGIC) throw new Error(`cpio: bad magic "${magic}" at ${at}`);
    const field = (i: number) => {
      const text = buf.toString("latin1", at + 6 + i * 8, at + 14 + i * 8);
      if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new Error(`cpio: bad header field at ${at}`);
      return Number.parseInt(text, 16);
    };
    const size = field(6);
    const namesize = field(11);
    const nameStart = at + HEADER_SIZE;
    const dataStart = nameStart + namesize + ((4 - ((HEADER_SIZE + namesize) % 4)) % 4);
    const dataEnd = dataStart + size;
    if (namesize < 1 || dataEnd > buf.length) throw new Error(`cpio: truncated entry at ${at}`);
    if (buf[nameStart + namesize - 1] !== 0)
      throw new Error(`cpio: name not NUL-terminated at ${at}`);
    const name = buf.toString("utf8", nameStart, nameStart + namesize - 1);
    if (name === TRAILER) return out;
    out.push({
      name,
      ino: field(0),
      mode: field(1),
      uid: field(2),
      gid: field(3),
      nlink: field(4),
      mtime: field(5),
      rdevMajor: field(9),
      rdevMinor: field(10),
      data: Buffer.from(buf.subarray(dataStart, dataEnd)),
    });
    at = dataEnd + ((4 - (size % 4)) % 4);
  }
}
