/**
 * The repo (IndexedDB storage, one websocket to the server's `/sync`) and the sync indicator's
 * truth: which documents this phone holds and how many of their changes the server has not
 * confirmed yet.
 *
 * "Saved on the server" follows the device invariant of ARCHITECTURE.md: a change counts as
 * saved only when the heads the server sent (in a sync message, so after it committed them)
 * include it. automerge-repo keeps those heads per document and per peer storage id
 * (`handle.getSyncInfo(serverStorageId).lastHeads`, updated with a `remote-heads` event); the
 * app also keeps a copy in localStorage, so the count of waiting records is right after a
 * reload while offline. Pending = the local changes not among the ancestors of those heads
 * (`Automerge.getChangesMetaSince`).
 *
 * When the server refuses a change of this phone (`src/refusal.ts`), the socket is held, the
 * server rebuilds this phone's copy of that document, the refused copy is kept aside in
 * IndexedDB (`clubsync-refused/<id>/<time>`, for a coordinator to look at), and the document is
 * replaced by the rebuilt copy: its records are sent on the next connection, and the screens
 * show what was refused and what was kept (`refusals()`).
 */
import * as A from "@automerge/automerge"
import {
  decodeHeads,
  Repo,
  type AutomergeUrl,
  type DocHandle,
  type DocumentId,
  type PeerId,
  type StorageId,
  type UrlHeads,
} from "@automerge/automerge-repo"
import { IndexedDBStorageAdapter } from "@automerge/automerge-repo-storage-indexeddb"

import { ApiRefusal, clubApi } from "./club-api"
import { parseRefusedChange, requestRebuild, type RefusalReport } from "./refusal"
import type { AnyDoc } from "./schema"
import { ServerSocket } from "./socket"
import { confirmedHeads, membership as storedMembership, serverStorageId, type Membership } from "./store"

export type SyncState = "offline" | "syncing" | "saved"

export interface SyncStatus {
  state: SyncState
  /** Changes made on this phone that the server has not confirmed. */
  pending: number
  /** Documents still being fetched from the server (none held yet). */
  loading: number
}

export class Sync {
  readonly repo: Repo
  readonly #adapter: ServerSocket
  readonly #storage: IndexedDBStorageAdapter
  readonly #rebuilding = new Set<string>()
  readonly #refusals: RefusalReport[] = []
  readonly #handles = new Map<string, DocHandle<AnyDoc>>()
  readonly #opening = new Map<string, Promise<DocHandle<AnyDoc>>>()
  readonly #listeners = new Set<() => void>()
  #serverPeer: PeerId | undefined
  #serverStorage: StorageId | undefined = serverStorageId.get() as StorageId | undefined
  #scheduled = false

  readonly #membership: Membership

  constructor(membership: Membership) {
    this.#membership = membership
    const scheme = location.protocol === "https:" ? "wss" : "ws"
    const url = () => `${scheme}://${location.host}/sync?token=${encodeURIComponent(this.#token())}`
    // Dials only while the browser has a network, at once when it comes back, and with
    // backoff while the server cannot be reached (src/socket.ts).
    this.#adapter = new ServerSocket(url)
    this.#adapter.onServerError = message => {
      const refused = parseRefusedChange(message)
      if (refused) void this.#rebuild(refused.document, refused.why)
    }
    // A closed or refused connection may mean a coordinator revoked this phone or changed its
    // member's role: the server says which (`GET /api/device`).
    this.#adapter.onClosed = () => void this.#checkStanding()
    this.#storage = new IndexedDBStorageAdapter(`clubsync-${membership.device_id}`)
    this.repo = new Repo({
      network: [this.#adapter],
      storage: this.#storage,
      // Write each change to IndexedDB at once (the default waits 100 ms): a record must
      // survive the page being reloaded or the phone locked right after the tap.
      saveDebounceRate: 0,
    })
    const network = this.repo.networkSubsystem
    network.on("peer", ({ peerId, peerMetadata }) => {
      this.#serverPeer = peerId
      if (peerMetadata?.storageId) {
        this.#serverStorage = peerMetadata.storageId
        serverStorageId.set(peerMetadata.storageId)
      }
      this.#changed()
    })
    network.on("peer-disconnected", ({ peerId }) => {
      if (peerId === this.#serverPeer) this.#serverPeer = undefined
      this.#changed()
    })
    // The indicator follows the browser's network at once (the socket closes or dials too).
    window.addEventListener("offline", () => this.#changed())
    window.addEventListener("online", () => this.#changed())
  }

  /** Called when the server says this phone was revoked (its records are to be erased). */
  onRevoked: () => void = () => undefined
  /** Called when the server says this phone's member has another role now. */
  onRoleChanged: (role: string) => void = () => undefined
  #lastStandingCheck = 0

  /** Asks the server what it says of this phone now (at most every 5 s, and only online). */
  async #checkStanding(): Promise<void> {
    const now = Date.now()
    if (!navigator.onLine || now - this.#lastStandingCheck < 5_000) return
    this.#lastStandingCheck = now
    try {
      const standing = await clubApi.deviceNow({ ...this.#membership, token: this.#token() })
      if (standing.role !== this.#membership.role) this.onRoleChanged(standing.role)
    } catch (e) {
      if (e instanceof ApiRefusal && e.code === "revoked") this.onRevoked()
      // Anything else (no network, the server down) says nothing about this phone.
    }
  }

  /** The device token now: the stored one, which a swap (src/token.ts) may have replaced. */
  #token(): string {
    return storedMembership.get()?.token ?? this.#membership.token
  }

  /** The refusals of this phone's changes since the app started, the latest last. */
  refusals(): readonly RefusalReport[] {
    return this.#refusals
  }

  /** Forgets the refusals shown (the user dismissed them). */
  dismissRefusals(): void {
    this.#refusals.length = 0
    this.#changed()
  }

  /**
   * After the server refused a change of document `id`: holds the socket, has the server
   * rebuild this phone's copy, keeps the refused copy aside, replaces the document with the
   * rebuilt one, and dials again. If the server cannot rebuild it, the document stays as it is
   * (the refusal comes again on the next connection, and so does the attempt).
   */
  async #rebuild(id: string, why: string): Promise<void> {
    const handle = this.#handles.get(id)
    if (this.#rebuilding.has(id) || !handle?.isReady()) return
    this.#rebuilding.add(id)
    this.#adapter.hold()
    const report: RefusalReport = { document: id, why, at: Date.now(), kept: [], dropped: [] }
    try {
      const copy = A.save(handle.doc())
      const answer = await requestRebuild(this.#token(), id, copy)
      await this.#storage.save(["clubsync-refused", id, String(report.at)], copy)
      // The repo forgets the document (its handle and sync), its chunks make way for the
      // rebuilt copy, and opening it again loads that copy as if it had always been stored.
      const docId = id as DocumentId
      await this.repo.flush([docId])
      await this.repo.removeFromCache(docId)
      await this.#storage.removeRange([id])
      await this.#storage.save([id, "snapshot", `rebuilt-${report.at}`], answer.rebuilt)
      this.#handles.delete(id)
      this.#opening.delete(id)
      await this.open(id)
      report.kept = answer.kept
      report.dropped = answer.dropped
    } catch (e) {
      report.failed = (e as Error).message
    } finally {
      this.#refusals.push(report)
      this.#rebuilding.delete(id)
      this.#adapter.release()
      this.#changed()
    }
  }

  /** Calls `listener` after any document or connection change (batched per frame). */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Grows by one at every notification of the listeners: a screen renders again when it moves. */
  version = 0

  #changed(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    setTimeout(() => {
      this.#scheduled = false
      this.version++
      for (const listener of [...this.#listeners]) listener()
    }, 0)
  }

  /** The handle of a document once it is held on this phone, else undefined. */
  handle(id: string): DocHandle<AnyDoc> | undefined {
    return this.#handles.get(id)
  }

  /** The document's current value once held, else undefined. */
  doc(id: string): AnyDoc | undefined {
    const handle = this.#handles.get(id)
    return handle?.isReady() ? handle.doc() : undefined
  }

  /**
   * Starts holding a document: loaded from IndexedDB, or fetched from the server (when it
   * comes, even much later: a document the server could not give yet becomes ready when it
   * does). Resolves when it is ready.
   */
  open(id: string): Promise<DocHandle<AnyDoc>> {
    const known = this.#opening.get(id)
    if (known) return known
    const url = `automerge:${id}` as AutomergeUrl
    const progress = this.repo.findWithProgress<AnyDoc>(url)
    const handle = progress.handle
    const ready = (async () => {
      // `whenReady` gives up after a minute; a document the server cannot send yet (offline)
      // becomes ready whenever it arrives, so keep waiting.
      for (;;) {
        try {
          await handle.whenReady(["ready"])
          break
        } catch {
          if (handle.isReady()) break
          await new Promise(resolve => setTimeout(resolve, 1000))
        }
      }
      this.#track(id, handle)
      return handle
    })()
    this.#opening.set(id, ready)
    return ready
  }

  /** Creates a document whose first change is `initial`, held from now on. */
  create(initial: AnyDoc): DocHandle<AnyDoc> {
    const handle = this.repo.create<AnyDoc>(initial)
    this.#track(handle.documentId, handle)
    this.#opening.set(handle.documentId, Promise.resolve(handle))
    return handle
  }

  #track(id: string, handle: DocHandle<AnyDoc>): void {
    if (this.#handles.has(id)) return
    this.#handles.set(id, handle)
    handle.on("change", () => this.#changed())
    handle.on("remote-heads", ({ storageId, heads }) => {
      if (storageId === this.#serverStorage) {
        confirmedHeads.set(id, decodeHeads(heads as UrlHeads))
        this.#changed()
      }
    })
    this.#changed()
  }

  /**
   * The heads (hex) the server last confirmed for a document: what automerge-repo holds for
   * the server's storage id, kept in localStorage for the next start (a reload offline).
   */
  #confirmed(id: string, handle: DocHandle<AnyDoc>): string[] | undefined {
    const info = this.#serverStorage ? handle.getSyncInfo(this.#serverStorage) : undefined
    const stored = confirmedHeads.get(id)
    if (!info) return stored
    const heads = decodeHeads(info.lastHeads)
    if (!stored || stored.length !== heads.length || stored.some(h => !heads.includes(h))) {
      confirmedHeads.set(id, heads)
    }
    return heads
  }

  /** Changes of one document that the server has not confirmed. */
  pendingOf(id: string): number {
    const handle = this.#handles.get(id)
    if (!handle?.isReady()) return 0
    const doc = handle.doc()
    const confirmed = (this.#confirmed(id, handle) ?? []).filter(h => A.hasHeads(doc, [h]))
    try {
      return A.getChangesMetaSince(doc, confirmed).length
    } catch {
      return A.getChangesMetaSince(doc, []).length
    }
  }

  /** The documents holding changes the server has not confirmed, each saved whole. */
  unsynced(): { id: string; pending: number; saved: Uint8Array }[] {
    const out = []
    for (const [id, handle] of this.#handles) {
      const pending = this.pendingOf(id)
      if (pending > 0 && handle.isReady()) out.push({ id, pending, saved: A.save(handle.doc()) })
    }
    return out
  }

  status(): SyncStatus {
    let pending = 0
    for (const id of this.#handles.keys()) pending += this.pendingOf(id)
    const loading = [...this.#opening.keys()].filter(id => !this.#handles.has(id)).length
    const online = this.#serverPeer !== undefined
    const state: SyncState = !online ? "offline" : pending > 0 ? "syncing" : "saved"
    return { state, pending, loading }
  }

  get online(): boolean {
    return this.#serverPeer !== undefined
  }
}
