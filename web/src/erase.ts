/**
 * Erasing this phone's club data when the server says a coordinator revoked it (a lost or
 * stolen phone, a member who left): the club's IndexedDB database (its records, the copies of
 * refused changes) and everything the app kept in localStorage about the membership.
 *
 * The database cannot be deleted while the running repo holds it open, so the erase is written
 * down first (`clubsync.erase-pending`), the page reloads, and `finishErase` deletes it at the
 * next start, before any repo opens: a phone switched off in between erases at its next start.
 */
import type { Membership } from "./store"

const PENDING = "clubsync.erase-pending"
const REMOVED = "clubsync.removed"
/** What an erase keeps: the phone's own settings, not the club's. */
const KEPT = new Set(["clubsync.language", "clubsync.device-name", "clubsync.test-hooks", PENDING, REMOVED])

/** The IndexedDB database of a membership's records. */
export function recordsDatabase(m: Membership): string {
  return `clubsync-${m.device_id}`
}

/** Starts the erase of membership `m` (club named `club`), then reloads the app. */
export function eraseMembership(m: Membership, club: string): void {
  localStorage.setItem(PENDING, JSON.stringify([recordsDatabase(m)]))
  localStorage.setItem(REMOVED, club)
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith("clubsync.") && !KEPT.has(key)) localStorage.removeItem(key)
  }
  location.reload()
}

/** Deletes the databases an erase left to delete; call at start, before any repo opens. */
export async function finishErase(): Promise<void> {
  const pending: string[] = JSON.parse(localStorage.getItem(PENDING) ?? "[]")
  for (const name of pending) {
    await new Promise<void>(resolve => {
      const request = indexedDB.deleteDatabase(name)
      request.onsuccess = request.onerror = request.onblocked = () => resolve()
    })
  }
  localStorage.removeItem(PENDING)
}

/** The club this phone was removed from, to say so on the join screen (once dismissed, gone). */
export const removedFrom = {
  get: (): string | null => localStorage.getItem(REMOVED),
  clear: () => localStorage.removeItem(REMOVED),
}
