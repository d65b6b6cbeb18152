/**
 * Records that wait on this phone: since when, and a file of them.
 *
 * A browser may clear the storage of a site nobody opened for a while, and a phone can break;
 * records that have waited more than a day for a connection are at risk. The app asks the
 * browser to keep its storage (`navigator.storage.persist()`), warns once records have waited a
 * day, and can save every document holding unsent records to a file (each document whole, as
 * Automerge saves it; the head office can read it with any Automerge tool).
 */
import { scopedKey, type Membership } from "./store"
import type { Sync } from "./sync"

/** How long records may wait before the app warns. */
export const WAIT_WARNING_MS = 24 * 3_600_000

const SINCE = "clubsync.pending-since"

/**
 * Notes when records started waiting (now, if they just did); forgets it once the server has
 * everything (`saved`). Not on a bare zero: while the app starts, nothing is loaded yet.
 */
export function notePending(pending: number, saved: boolean, now = Date.now()): void {
  const key = scopedKey(SINCE)
  if (pending === 0 && saved) localStorage.removeItem(key)
  else if (pending > 0 && localStorage.getItem(key) === null) localStorage.setItem(key, String(now))
}

/** True when records have waited on this phone for more than a day. */
export function waitedTooLong(now = Date.now()): boolean {
  const since = Number(localStorage.getItem(scopedKey(SINCE)))
  return Number.isFinite(since) && since > 0 && now - since > WAIT_WARNING_MS
}

/** Asks the browser to keep this site's storage; says on `<html data-persisted>` whether it will. */
export function askToPersist(): void {
  void navigator.storage
    ?.persist?.()
    .then(granted => {
      document.documentElement.dataset.persisted = String(granted)
    })
    .catch(() => undefined)
}

function base64(bytes: Uint8Array): string {
  let text = ""
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(text)
}

/** Saves the documents with unsent records to a file the phone downloads. */
export function exportUnsynced(sync: Sync, me: Membership, club: string): void {
  const now = new Date()
  const file = {
    format: "clubsync-unsynced-records/1",
    club,
    club_id: me.club_id,
    device_id: me.device_id,
    member_id: me.member_id,
    exported_at: now.toISOString(),
    documents: sync.unsynced().map(d => ({ id: d.id, unsent_changes: d.pending, automerge_base64: base64(d.saved) })),
  }
  const blob = new Blob([JSON.stringify(file, null, 1)], { type: "application/json" })
  const link = document.createElement("a")
  link.href = URL.createObjectURL(blob)
  link.download = `clubsync-unsent-${now.toISOString().slice(0, 10)}.json`
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000)
}
