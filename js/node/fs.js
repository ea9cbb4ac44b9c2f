// Placeholder fs: enough for the first boot.
import { sys, readFileBytes, writeFileBytes } from "./internal/sys.js";
import { Buffer } from "buffer";
function readFileSync(p, opts) {
  const b = Buffer.from(readFileBytes(String(p)));
  const enc = typeof opts === "string" ? opts : opts?.encoding;
  return enc ? b.toString(enc) : b;
}
function writeFileSync(p, data, opts) {
  const enc = typeof opts === "string" ? opts : opts?.encoding;
  writeFileBytes(String(p), typeof data === "string" ? Buffer.from(data, enc || "utf8") : data, opts?.flag ?? "w", opts?.mode ?? 0o666);
}
function existsSync(p) {
  try { sys("stat", { path: String(p) }); return true; } catch { return false; }
}
const fs = { readFileSync, writeFileSync, existsSync, promises: {} };
export default fs;
