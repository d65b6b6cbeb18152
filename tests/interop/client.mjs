/**
 * What every interop script shares: a stock automerge-repo `Repo` (websocket network, Node file
 * storage) connected to a clubsync server; waiting until the server holds a document; writing
 * and reading a street collection in the shape of docs/schema.md; and running a script within a
 * time limit that prints one JSON result on stdout.
 *
 * Only public, documented automerge-repo API is used, as a web app would use it.
 */
import { ImmutableString, Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"

/** Reads `--name value` options; every option without a default is required. */
export function options(spec) {
  const { values } = parseArgs({
    options: Object.fromEntries(
      Object.entries(spec).map(([name, o]) => [
        name,
        { type: "string", multiple: o.multiple ?? false },
      ])
    ),
    strict: true,
  })
  for (const [name, o] of Object.entries(spec)) {
    if (values[name] === undefined) {
      if (o.default === undefined) throw new Error(`missing --${name}`)
      values[name] = o.default
    }
  }
  return values
}

/**
 * Runs `main`, prints its result as one JSON line and exits 0; on an error or after `limitMs`,
 * prints the reason on stderr and exits 1. Nothing is left hanging: the repos' timers and sockets
 * end with the process.
 */
export function run(main, limitMs) {
  const timer = setTimeout(() => {
    console.error(`timed out after ${limitMs} ms`)
    process.exit(1)
  }, limitMs)
  main().then(
    async result => {
      // Leave as a well-behaved client does: close the sockets (bounded: never hang here).
      await Promise.race([Promise.allSettled(repos.map(repo => repo.shutdown())), sleep(1000)])
      clearTimeout(timer)
      process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(result?.exitCode ?? 0))
    },
    error => {
      console.error(error?.stack ?? String(error))
      process.exit(1)
    }
  )
}

/** Every repo made by `connect`, shut down when the script ends. */
const repos = []

/** A repo with file storage in a fresh temporary directory, connected to `url`. */
export function connect(url) {
  const dir = mkdtempSync(join(tmpdir(), "clubsync-interop-"))
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }))
  const adapter = new WebSocketClientAdapter(url)
  const repo = new Repo({ network: [adapter], storage: new NodeFSStorageAdapter(dir) })
  repos.push(repo)
  return { repo, adapter }
}

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

/** Polls `check` every 20 ms until it returns a truthy value, or fails with `what`. */
export async function until(what, check, limitMs = 20000) {
  const deadline = Date.now() + limitMs
  for (;;) {
    const value = check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
    await sleep(20)
  }
}

/** The storage id the server announced in its `peer` message, once it has answered `join`. */
export async function serverStorageId(repo) {
  return until("the server answers join", () => {
    const peer = repo.peers[0]
    return peer && repo.getStorageIdOfPeer(peer)
  })
}

const sameHeads = (a, b) => !!a && !!b && [...a].sort().join() === [...b].sort().join()

/**
 * Waits until the server has said (in a sync message) that its heads equal this handle's heads.
 * By clubsync's durability rule the server announces only committed heads, so this means
 * "saved on the server".
 */
export async function untilServerHas(repo, handle, limitMs) {
  const storageId = await serverStorageId(repo)
  await until(
    `the server holds ${handle.url}`,
    () => sameHeads(handle.getSyncInfo(storageId)?.lastHeads, handle.heads()),
    limitMs
  )
}

/** Waits until two handles are at the same heads. */
export async function untilSame(a, b, limitMs) {
  await until("both copies converge", () => sameHeads(a.heads(), b.heads()), limitMs)
}

/** A lower-case hyphenated UUID version 7 (time-ordered), as docs/schema.md prefers. */
export function uuidv7() {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  let ms = Date.now()
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x70
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = [...bytes].map(b => b.toString(16).padStart(2, "0")).join("")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * The first value of a street collection: root fields and every container, so that
 * `repo.create` writes it as ONE change (docs/schema.md, rule 1). Ids, codes and enumerations
 * are `ImmutableString` (scalar, last writer wins); the title is collaborative text.
 */
export function newCollection({ club, title, currency }) {
  const containers = [
    "permit",
    "status",
    "tins",
    "custody",
    "donations",
    "reversals",
    "counts",
    "ledger",
    "returns",
  ]
  return {
    kind: new ImmutableString("street_collection"),
    schema_version: 1,
    created_at: Date.now(),
    club: new ImmutableString(club),
    title,
    currency: new ImmutableString(currency),
    ...Object.fromEntries(containers.map(name => [name, {}])),
  }
}

/** Records a card donation of `amountMinor` as one change (rule 2); returns its id. */
export function recordDonation(handle, { amountMinor, currency, collector, device, note }) {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw new Error(`amount_minor must be a whole number > 0, got ${amountMinor}`)
  }
  const id = uuidv7()
  const record = {
    source: new ImmutableString("card"),
    amount_minor: amountMinor,
    currency: new ImmutableString(currency),
    at: Date.now(),
    collector: new ImmutableString(collector),
    device: new ImmutableString(device),
  }
  if (note !== undefined) record.note = note
  handle.change(doc => {
    doc.donations[id] = record
  })
  return id
}

/** The donations of a collection document as plain JSON, in time order, then by id. */
export function donations(doc) {
  return Object.entries(doc?.donations ?? {})
    .map(([id, d]) => ({
      id,
      source: String(d.source),
      amount_minor: d.amount_minor,
      currency: String(d.currency),
      at: d.at,
      collector: String(d.collector),
      device: String(d.device),
      ...(d.note === undefined ? {} : { note: String(d.note) }),
    }))
    .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
}

/** The amounts of a collection's donations, sorted: what two copies must agree on. */
export const amounts = doc => donations(doc).map(d => d.amount_minor).sort((a, b) => a - b)
