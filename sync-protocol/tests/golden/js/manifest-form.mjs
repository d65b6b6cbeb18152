// The "manifest form" of a protocol message: a plain JSON value that names every field of the
// message as clubsync's Rust `Message` holds it, so both sides can compare against one manifest.
//
//   join      {type, senderId, peerMetadata, supportedProtocolVersions}
//   peer      {type, senderId, targetId, peerMetadata, selectedProtocolVersion}
//   error     {type, senderId|null, targetId|null, message}
//   request, sync
//             {type, senderId, targetId, documentId, data}
//   doc-unavailable
//             {type, senderId, targetId, documentId}
//   ephemeral {type, senderId, targetId, count, sessionId, documentId, data}
//   remote-heads-changed
//             {type, senderId, targetId, documentId, newHeads: {storageId: {heads, timestamp}}}
//   remote-subscription-change
//             {type, senderId, targetId, add: [..]|null, remove: [..]|null}
//   leave     {type, senderId}
//
// where peerMetadata is {storageId: string|null, isEphemeral: bool} or null, byte strings are
// lowercase hex, and counts and timestamps are JSON numbers.
//
// `toManifestForm(message, { strict })` turns a message object (as the JS side builds it, or as
// automerge-repo's cbor decoder returns it) into that form, or throws saying what is wrong.
// Strict mode is for frames clubsync wrote: a field a stock client reads must be there under
// the name the client reads (`peerMetadata`, not the spec's `metadata`), numbers must be plain
// safe-integer JS numbers (not BigInt), byte strings must be byte strings, and no field may be
// unknown. Lenient mode only accepts the spec's `metadata` key as well, for the vector that has it.

import { isValidDocumentId } from "@automerge/automerge-repo/slim"

const FIELDS = {
  join: { required: ["senderId", "supportedProtocolVersions"], optional: ["peerMetadata"] },
  peer: { required: ["senderId", "targetId", "selectedProtocolVersion"], optional: ["peerMetadata"] },
  error: { required: ["message"], optional: ["senderId", "targetId"] },
  request: { required: ["senderId", "targetId", "documentId", "data"], optional: [] },
  sync: { required: ["senderId", "targetId", "documentId", "data"], optional: [] },
  "doc-unavailable": { required: ["senderId", "targetId", "documentId"], optional: [] },
  ephemeral: {
    required: ["senderId", "targetId", "count", "sessionId", "documentId", "data"],
    optional: [],
  },
  "remote-heads-changed": { required: ["senderId", "targetId", "documentId", "newHeads"], optional: [] },
  "remote-subscription-change": { required: ["senderId", "targetId"], optional: ["add", "remove"] },
  leave: { required: ["senderId"], optional: [] },
}

export const MESSAGE_TYPES = Object.keys(FIELDS)

export function toHex(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")
}

function fail(path, what, value) {
  const shown = typeof value === "bigint" ? `${value}n (a BigInt)` : JSON.stringify(value) ?? String(value)
  throw new Error(`${path}: expected ${what}, got ${shown}`)
}

function isPlainObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
}

const text = (v, path) => (typeof v === "string" ? v : fail(path, "a string", v))
const bytes = (v, path) => (v instanceof Uint8Array ? toHex(v) : fail(path, "a byte string", v))
const safeUint = (v, path) =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : fail(path, "a non-negative safe-integer JS number", v)
const textList = (v, path) => (Array.isArray(v) ? v.map((s, i) => text(s, `${path}[${i}]`)) : fail(path, "an array", v))
const documentId = (v, path) => (isValidDocumentId(v) ? v : fail(path, "a bs58check document id", v))

function peerMetadata(v, path, strict) {
  if (v === undefined || v === null) return null
  if (!isPlainObject(v)) fail(path, "a map", v)
  for (const key of Object.keys(v)) {
    if (strict && key !== "storageId" && key !== "isEphemeral") fail(`${path}.${key}`, "no such field", v[key])
  }
  const storageId = v.storageId === undefined || v.storageId === null ? null : text(v.storageId, `${path}.storageId`)
  let isEphemeral
  if (v.isEphemeral === undefined && !strict) isEphemeral = false
  else if (typeof v.isEphemeral === "boolean") isEphemeral = v.isEphemeral
  else fail(`${path}.isEphemeral`, "a boolean", v.isEphemeral)
  return { storageId, isEphemeral }
}

export function toManifestForm(message, { strict }) {
  if (!isPlainObject(message)) fail("message", "a map", message)
  const type = message.type
  const fields = FIELDS[type]
  if (!fields) fail("type", `one of ${MESSAGE_TYPES.join(", ")}`, type)
  const known = new Set(["type", ...fields.required, ...fields.optional])
  if (!strict && known.has("peerMetadata")) known.add("metadata")
  for (const key of Object.keys(message)) {
    if (!known.has(key)) fail(key, "no such field in a " + type + " message", message[key])
  }
  for (const key of fields.required) {
    if (message[key] === undefined) fail(key, "the field to be present", undefined)
  }
  const m = message
  switch (type) {
    case "join":
    case "peer": {
      let meta = m.peerMetadata
      if (meta === undefined && !strict) meta = m.metadata
      const out = { type, senderId: text(m.senderId, "senderId") }
      if (type === "peer") out.targetId = text(m.targetId, "targetId")
      out.peerMetadata = peerMetadata(meta, "peerMetadata", strict)
      if (type === "join") out.supportedProtocolVersions = textList(m.supportedProtocolVersions, "supportedProtocolVersions")
      else out.selectedProtocolVersion = text(m.selectedProtocolVersion, "selectedProtocolVersion")
      return out
    }
    case "error":
      return {
        type,
        senderId: m.senderId === undefined ? null : text(m.senderId, "senderId"),
        targetId: m.targetId === undefined ? null : text(m.targetId, "targetId"),
        message: text(m.message, "message"),
      }
    case "request":
    case "sync":
      return {
        type,
        senderId: text(m.senderId, "senderId"),
        targetId: text(m.targetId, "targetId"),
        documentId: documentId(m.documentId, "documentId"),
        data: bytes(m.data, "data"),
      }
    case "doc-unavailable":
      return {
        type,
        senderId: text(m.senderId, "senderId"),
        targetId: text(m.targetId, "targetId"),
        documentId: documentId(m.documentId, "documentId"),
      }
    case "ephemeral":
      return {
        type,
        senderId: text(m.senderId, "senderId"),
        targetId: text(m.targetId, "targetId"),
        count: safeUint(m.count, "count"),
        sessionId: text(m.sessionId, "sessionId"),
        documentId: documentId(m.documentId, "documentId"),
        data: bytes(m.data, "data"),
      }
    case "remote-heads-changed": {
      if (!isPlainObject(m.newHeads)) fail("newHeads", "a map", m.newHeads)
      const newHeads = {}
      for (const [storageId, entry] of Object.entries(m.newHeads)) {
        const path = `newHeads.${storageId}`
        if (!isPlainObject(entry)) fail(path, "a map", entry)
        for (const key of Object.keys(entry)) {
          if (strict && key !== "heads" && key !== "timestamp") fail(`${path}.${key}`, "no such field", entry[key])
        }
        newHeads[storageId] = {
          heads: textList(entry.heads, `${path}.heads`),
          timestamp: safeUint(entry.timestamp, `${path}.timestamp`),
        }
      }
      return {
        type,
        senderId: text(m.senderId, "senderId"),
        targetId: text(m.targetId, "targetId"),
        documentId: documentId(m.documentId, "documentId"),
        newHeads,
      }
    }
    case "remote-subscription-change":
      return {
        type,
        senderId: text(m.senderId, "senderId"),
        targetId: text(m.targetId, "targetId"),
        add: m.add === undefined ? null : textList(m.add, "add"),
        remove: m.remove === undefined ? null : textList(m.remove, "remove"),
      }
    case "leave":
      return { type, senderId: text(m.senderId, "senderId") }
  }
  throw new Error(`unreachable: ${type}`)
}
