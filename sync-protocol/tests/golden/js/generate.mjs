// Writes the golden vectors: frames exactly as a stock automerge-repo peer puts them on the wire,
// and a manifest of what each frame must decode to.
//
// How it was run (and how to run it again; the output is deterministic, so a rerun with the
// locked packages must leave `git status` clean):
//
//   cd sync-protocol/tests/golden/js && npm ci && node generate.mjs
//
// The committed vectors were written that way with Node v20.20.2 and npm 11.19.1, from the
// versions locked in package-lock.json (also recorded in the manifest's `generator`).
//
// Output: ../vectors/NN-name.cbor and ../vectors/manifest.json. The manifest's `message` entries
// use the form documented in manifest-form.mjs.
//
// Every frame is encoded with automerge-repo's own `cbor.encode` (a cbor-x Encoder with
// `{ tagUint8Array: false, useRecords: false }`), the function its websocket adapters call on
// every outgoing message. The message objects are built with the same keys, in the same order,
// as automerge-repo 2.5 and automerge-repo-network-websocket 2.5 build them (the websocket
// client's joinMessage(), the server's peer/error replies, DocSynchronizer's request/sync,
// NetworkSubsystem adding senderId/count/sessionId, Repo's remote-heads gossip). Only the ids
// and times are fixed instead of random, so that the output never changes.

import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

import * as Automerge from "@automerge/automerge"
import { cbor, encodeHeads, interpretAsDocumentId } from "@automerge/automerge-repo"

import { toManifestForm } from "./manifest-form.mjs"

const here = dirname(fileURLToPath(import.meta.url))
const outDir = join(here, "..", "vectors")
const installedVersion = pkg =>
  JSON.parse(readFileSync(join(here, "node_modules", pkg, "package.json"), "utf8")).version

// ---------------------------------------------------------------- fixed ids

// Document ids are 16 bytes (a v4 UUID) in bs58check, made by automerge-repo's own function.
const docId = bytes => interpretAsDocumentId(Uint8Array.from(bytes))
const CLUB_ROSTER = docId([
  0x6f, 0x1c, 0x3e, 0x52, 0x9a, 0x04, 0x4b, 0x7d, 0x8e, 0x21, 0x5c, 0x90, 0xd3, 0x47, 0xa8, 0x16,
])
const MISSING_DOC = docId([
  0x0b, 0xad, 0xd0, 0xc5, 0x11, 0x22, 0x43, 0x33, 0x84, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
])

// Peer ids as Repo's randomPeerId() makes them ("peer-" + base36); storage ids as
// StorageSubsystem.id() makes them (a v4 UUID string).
const TAB = "peer-k3x9q2m7w1"
const PHONE = "peer-8fz0c4d6ua"
const SERVER = "clubsync-server-01"
const PHONE_STORAGE = "3f9a2c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
const SERVER_STORAGE = "d2b7e0a4-91c3-4f6e-8a5d-7b0c9e1f2a3d"
const OLD_STORAGE = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
// NetworkSubsystem's sessionId is Math.random().toString(36).slice(2).
const SESSION = "q8w3e5r7t9y1"

// ---------------------------------------------------------------- real automerge data

// Automerge changes carry the author's clock; fix it (seconds since the epoch) and the actor.
const CHANGE_TIME = 1767225600 // 2026-01-01T00:00:00Z
let roster = Automerge.init({ actor: "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1" })
roster = Automerge.change(roster, { message: "create roster", time: CHANGE_TIME }, d => {
  d.club = "Riverside Rowing Club"
  d.members = []
})
roster = Automerge.change(roster, { message: "add members", time: CHANGE_TIME + 60 }, d => {
  d.members.push({ name: "Ada", role: "captain" })
  d.members.push({ name: "Grace", role: "treasurer" })
})
roster = Automerge.change(roster, { message: "rename", time: CHANGE_TIME + 120 }, d => {
  Automerge.updateText(d, ["club"], "Riverside Rowing & Sculling Club")
})

// The peer that does not have the document yet starts from an empty doc: its first sync
// message is what automerge-repo sends as a `request`.
const empty = Automerge.init({ actor: "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0" })
const [, requestData] = Automerge.generateSyncMessage(empty, Automerge.initSyncState())

// The peer that has it opens with its heads and a bloom filter of its changes ...
const [, openingSyncData] = Automerge.generateSyncMessage(roster, Automerge.initSyncState())

// ... and, having heard the request, answers with the changes themselves.
let serverState = Automerge.initSyncState()
;[serverState] = Automerge.generateSyncMessage(roster, serverState)
;[roster, serverState] = Automerge.receiveSyncMessage(roster, serverState, requestData)
const [, changesSyncData] = Automerge.generateSyncMessage(roster, serverState)

for (const [name, data] of [
  ["request", requestData],
  ["opening sync", openingSyncData],
  ["changes sync", changesSyncData],
]) {
  if (!(data instanceof Uint8Array)) throw new Error(`${name}: automerge produced no sync message`)
}
if (Automerge.decodeSyncMessage(changesSyncData).changes.length === 0) {
  throw new Error("the answering sync message carries no changes; the vector would not test them")
}

// Heads as automerge-repo gossips them: bs58check of each change hash.
const rosterHeads = encodeHeads(Automerge.getHeads(roster))

// DocHandle.broadcast(message) sends cbor.encode(message) as ephemeral data.
const presence = cbor.encode({ cursor: { path: ["members", 1, "name"], offset: 3 }, user: "Ada" })

// A Date.now()-sized timestamp (2026-01-01T00:00:00.123Z): above 2^32, so cbor-x writes it as a
// float64. Likewise an ephemeral count above 2^32.
const TIMESTAMP = 1767225600123
const BIG_COUNT = 2 ** 32 + 7

// ---------------------------------------------------------------- the vectors

const vectors = [
  {
    name: "join-with-storage-id",
    description: "websocket client's joinMessage() from a peer with storage (a phone app)",
    message: {
      type: "join",
      senderId: PHONE,
      peerMetadata: { storageId: PHONE_STORAGE, isEphemeral: false },
      supportedProtocolVersions: ["1"],
    },
  },
  {
    name: "join-browser-tab-storage-undefined",
    description:
      "joinMessage() from a Repo without storage (a browser tab): storageId is present with the value undefined (CBOR 0xf7), isEphemeral true",
    message: {
      type: "join",
      senderId: TAB,
      peerMetadata: { storageId: undefined, isEphemeral: true },
      supportedProtocolVersions: ["1"],
    },
  },
  {
    name: "join-spec-metadata-key",
    description: "join as the written protocol spec names the field: `metadata` instead of `peerMetadata`",
    message: {
      type: "join",
      senderId: PHONE,
      metadata: { storageId: PHONE_STORAGE, isEphemeral: false },
      supportedProtocolVersions: ["1"],
    },
  },
  {
    name: "peer",
    description: "websocket server's answer to join",
    message: {
      type: "peer",
      senderId: SERVER,
      peerMetadata: { storageId: SERVER_STORAGE, isEphemeral: false },
      selectedProtocolVersion: "1",
      targetId: PHONE,
    },
  },
  {
    name: "error-unsupported-protocol-version",
    description: "websocket server's error for a join without protocol 1, with senderId and targetId",
    message: {
      type: "error",
      senderId: SERVER,
      message: "unsupported protocol version",
      targetId: PHONE,
    },
  },
  {
    name: "error-message-only",
    description: "error as the spec gives it: only a message",
    message: { type: "error", message: "device revoked" },
  },
  {
    name: "request-from-empty-doc",
    description: "DocSynchronizer's request: the first sync message of a peer with an empty document",
    message: {
      type: "request",
      targetId: SERVER,
      documentId: CLUB_ROSTER,
      data: requestData,
      senderId: TAB,
    },
  },
  {
    name: "sync-heads-and-bloom",
    description: "DocSynchronizer's first sync message from a document with three changes: heads and a bloom filter",
    message: {
      type: "sync",
      targetId: TAB,
      data: openingSyncData,
      documentId: CLUB_ROSTER,
      senderId: SERVER,
    },
  },
  {
    name: "sync-with-changes",
    description: "the sync message answering the request: it carries the document's changes",
    message: {
      type: "sync",
      targetId: TAB,
      data: changesSyncData,
      documentId: CLUB_ROSTER,
      senderId: SERVER,
    },
  },
  {
    name: "doc-unavailable",
    description: "DocSynchronizer's doc-unavailable",
    message: {
      type: "doc-unavailable",
      documentId: MISSING_DOC,
      targetId: TAB,
      senderId: SERVER,
    },
  },
  {
    name: "ephemeral-small-count",
    description: "DocHandle.broadcast(): cbor-encoded presence data; count and sessionId added by NetworkSubsystem",
    message: {
      type: "ephemeral",
      targetId: SERVER,
      documentId: CLUB_ROSTER,
      data: presence,
      count: 1,
      sessionId: SESSION,
      senderId: TAB,
    },
  },
  {
    name: "ephemeral-count-over-2-32",
    description: "ephemeral with count 2^32 + 7: cbor-x writes it as a float64 (0xfb), not as a uint64",
    message: {
      type: "ephemeral",
      targetId: SERVER,
      documentId: CLUB_ROSTER,
      data: presence,
      count: BIG_COUNT,
      sessionId: SESSION,
      senderId: TAB,
    },
  },
  {
    name: "remote-heads-changed",
    description: "Repo's remote-heads gossip: real heads, a Date.now()-sized timestamp that cbor-x writes as a float64",
    message: {
      type: "remote-heads-changed",
      targetId: TAB,
      documentId: CLUB_ROSTER,
      newHeads: { [SERVER_STORAGE]: { heads: rosterHeads, timestamp: TIMESTAMP } },
      senderId: SERVER,
    },
  },
  {
    name: "remote-subscription-change-add-and-remove",
    description: "Repo's remote-subscription-change with both lists",
    message: {
      type: "remote-subscription-change",
      targetId: SERVER,
      add: [SERVER_STORAGE],
      remove: [OLD_STORAGE],
      senderId: TAB,
    },
  },
  {
    name: "remote-subscription-change-remove-only",
    description: "only a removal, as Repo sends it: the add key is present with the value undefined (CBOR 0xf7)",
    message: {
      type: "remote-subscription-change",
      targetId: SERVER,
      add: undefined,
      remove: [SERVER_STORAGE, OLD_STORAGE],
      senderId: TAB,
    },
  },
  {
    name: "leave",
    description: "leave",
    message: { type: "leave", senderId: TAB },
  },
]

// ---------------------------------------------------------------- write

mkdirSync(outDir, { recursive: true })
for (const f of readdirSync(outDir)) {
  if (f.endsWith(".cbor") || f === "manifest.json") rmSync(join(outDir, f))
}

const entries = vectors.map((v, i) => {
  const file = `${String(i + 1).padStart(2, "0")}-${v.name}.cbor`
  const frame = cbor.encode(v.message)
  writeFileSync(join(outDir, file), frame)
  // The frame must read back, with the same decoder, as the message it was made from.
  const expected = toManifestForm(v.message, { strict: false })
  const readBack = toManifestForm(cbor.decode(frame), { strict: false })
  if (JSON.stringify(readBack) !== JSON.stringify(expected)) {
    throw new Error(`${file} does not read back as written`)
  }
  return { file, description: v.description, message: expected }
})

const manifest = {
  about:
    "Frames written by @automerge/automerge-repo's cbor.encode; `message` is what each must decode to. Form: see js/manifest-form.mjs. Regenerate: cd sync-protocol/tests/golden/js && npm ci && node generate.mjs",
  generator: {
    "@automerge/automerge-repo": installedVersion("@automerge/automerge-repo"),
    "@automerge/automerge": installedVersion("@automerge/automerge"),
    "cbor-x": installedVersion("cbor-x"),
  },
  vectors: entries,
}
writeFileSync(join(outDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n")
console.log(`wrote ${entries.length} vectors and manifest.json to ${outDir}`)
