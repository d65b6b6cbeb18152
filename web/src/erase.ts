/**
 * Erasing a club from this phone when the server says a coordinator revoked it (a lost or
 * stolen phone, a member who left): the club's IndexedDB database (its records, the copies of
 * refused changes) and everything the app kept in localStorage about that membership; the
 * phone's other clubs stay.
 *
 * The database cannot be deleted while the running repo holds it open, so the erase is written
 * down first (`clubsync.erase-pending`), the page reloads, and `finishErase` deletes it at the
 * next start, before any repo opens: a phone switched off in between erases at its next start.
 */
import { memberships, type Membership } from "./store"

const PENDING = "clubsync.erase-pending"
const REMOVED = "clubsync.removed"
/** What an erase never touches: the phone's own settings. */
const KEPT = new Set(["clubsync.language", "clubsync.device-name", "clubsync.test-hooks", PENDING, REMOVED])

/** The IndexedDB database of a membership's records. */
export function recordsDatabase(m: Membership): string {
  return `clubsync-${m.device_id}`
}

/** Starts the erase of membership `m` (club named `club`), then reloads the app. */
export function eraseMembership(m: Membership, club: string): void {
  const pending: string[] = JSON.parse(localStorage.getItem(PENDING) ?? "[]")
  localStorage.setItem(PENDING, JSON.stringify([...pending, recordsDatabase(m)]))
  localStorage.setItem(REMOVED, club)
  // What the app kept of this membership: its keys carry its device id.
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith("clubsync.") && !KEPT.has(key) && key.includes(`.${m.device_id}.`)) localStorage.removeItem(key)
  }
  memberships.remove(m.device_id)
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
