// Checks frames that clubsync (Rust) encoded, the way a stock automerge-repo peer reads them.
//
//   node verify.mjs <dir>
//
// <dir>/manifest.json is {"vectors": [{"file": "NN-name.cbor", "message": {...}}, ...]} with
// `message` in the form documented in manifest-form.mjs. Each frame is decoded with
// automerge-repo's own `cbor.decode` (what its websocket adapters call on every incoming
// frame), turned into that form strictly (field names a JS client reads, plain JS numbers, byte
// strings, no unknown fields) and compared with the manifest entry. The `data` of request and
// sync frames must also be accepted by @automerge/automerge's decodeSyncMessage. Every `.cbor`
// file in <dir> must be listed in the manifest.
//
// Prints one line per frame; exits 1 if any frame fails, 2 on bad usage or an unreadable manifest.

import { readFileSync, readdirSync } from "node:fs"
import { isDeepStrictEqual } from "node:util"
import { join } from "node:path"

import * as Automerge from "@automerge/automerge"
import { cbor } from "@automerge/automerge-repo"

import { toManifestForm } from "./manifest-form.mjs"

const dir = process.argv[2]
if (!dir) {
  console.error("usage: node verify.mjs <dir with *.cbor and manifest.json>")
  process.exit(2)
}

let manifest
try {
  manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"))
} catch (e) {
  console.error(`cannot read ${join(dir, "manifest.json")}: ${e.message}`)
  process.exit(2)
}
if (!Array.isArray(manifest.vectors) || manifest.vectors.length === 0) {
  console.error("manifest.json has no vectors")
  process.exit(2)
}

let failed = 0
const report = (ok, file, detail) => {
  if (!ok) failed++
  console.log(`${ok ? "ok  " : "FAIL"} ${file}${detail ? `: ${detail}` : ""}`)
}

const listed = new Set()
for (const entry of manifest.vectors) {
  const file = entry.file
  listed.add(file)
  try {
    const frame = readFileSync(join(dir, file))
    const decoded = cbor.decode(frame)
    const actual = toManifestForm(decoded, { strict: true })
    if (!isDeepStrictEqual(actual, entry.message)) {
      report(false, file, `decoded ${JSON.stringify(actual)}, expected ${JSON.stringify(entry.message)}`)
      continue
    }
    if (decoded.type === "sync" || decoded.type === "request") {
      const sync = Automerge.decodeSyncMessage(decoded.data)
      report(true, file, `${decoded.type}; automerge sync message with ${sync.heads.length} heads, ${sync.changes.length} changes`)
    } else {
      report(true, file, decoded.type)
    }
  } catch (e) {
    report(false, file, e.message)
  }
}

for (const file of readdirSync(dir).filter(f => f.endsWith(".cbor")).sort()) {
  if (!listed.has(file)) report(false, file, "not listed in manifest.json")
}

console.log(`verify.mjs: ${manifest.vectors.length} frames checked, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
