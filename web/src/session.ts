/**
 * The running club of this phone: its sync engine, started once per membership, which opens
 * the club document and every collection and petition the club lists or this phone made.
 */
import { makeClub, type Club } from "./club"
import { eraseMembership } from "./erase"
import { askToPersist } from "./unsynced"
import { clubIndex, clubName } from "./schema"
import { localDocuments, membership, scopeTo, type Membership } from "./store"
import { Sync } from "./sync"
import { swapTokenIfDue } from "./token"

let running: { deviceId: string; club: Club } | undefined

/** The club of membership `me`, started at the first call. */
export function clubSession(me: Membership, navigate: (route: string) => void): Club {
  if (running?.deviceId === me.device_id) return running.club
  scopeTo(me)
  askToPersist()
  const sync = new Sync(me)
  // A coordinator revoked this phone: nothing of the club stays on it.
  sync.onRevoked = () => eraseMembership(me, clubName(sync.doc(me.club_document)) || me.club_id)
  // The member's role changed: the app starts again with what it may do now.
  sync.onRoleChanged = role => {
    membership.set({ ...me, role })
    location.reload()
  }
  // Now, and whenever the signal comes back: the swap waits for a connection.
  void swapTokenIfDue()
  window.addEventListener("online", () => void swapTokenIfDue())
  const opened = new Set<string>()
  const openListed = () => {
    const ids = [
      ...clubIndex(sync.doc(me.club_document))
        .filter(d => d.kind === "street_collection" || d.kind === "petition" || d.kind === "event" || d.kind === "sponsored_activity")
        .map(d => d.id),
      ...localDocuments.all().map(d => d.id),
    ]
    for (const id of ids) {
      if (!opened.has(id)) {
        opened.add(id)
        void sync.open(id)
      }
    }
  }
  sync.subscribe(openListed)
  // The club's name, kept with the membership, lists the club on the home screen's switch.
  sync.subscribe(() => {
    const name = clubName(sync.doc(me.club_document))
    const current = membership.get()
    if (name && current?.device_id === me.device_id && current.club_name !== name) {
      membership.set({ ...current, club_name: name })
    }
  })
  void sync.open(me.club_document)
  openListed()
  const club = makeClub(sync, me, navigate)
  running = { deviceId: me.device_id, club }
  return club
}

/** The sync engine running now, if any (for the browser tests' hooks). */
export function runningSync(): Sync | undefined {
  return running?.club.sync
}
