/**
 * What every screen of a club is given: the sync engine, this phone's membership, navigation,
 * the club document and this phone's member in it. Screens read documents through the sync
 * engine while they render and render again whenever it notifies (`useClub`).
 */
import { createContext, useContext, useSyncExternalStore } from "react"

import type { Messages } from "./i18n/en"
import { members, refusalText, type AnyDoc, type Member } from "./schema"
import type { Membership } from "./store"
import type { Sync } from "./sync"

export interface Club {
  sync: Sync
  me: Membership
  navigate(route: string): void
  club(): AnyDoc | undefined
  /** This phone's member as the club document lists them (once it has synced). */
  member(): Member | undefined
  /** Observers may look but not record. */
  canWrite: boolean
}

export function makeClub(sync: Sync, me: Membership, navigate: (route: string) => void): Club {
  const club = () => sync.doc(me.club_document)
  return {
    sync,
    me,
    navigate,
    club,
    member: () => members(club()).find(m => m.id === me.member_id),
    canWrite: me.role !== "observer",
  }
}

export const ClubContext = createContext<Club | undefined>(undefined)

/** The club of this phone; the calling component renders again after every document or connection change. */
export function useClub(): Club {
  const club = useContext(ClubContext)
  if (!club) throw new Error("useClub outside a club")
  useSyncExternalStore(
    listener => club.sync.subscribe(listener),
    () => club.sync.version
  )
  return club
}

/** A member's display name, or a short form of their id when the club does not list them. */
export function memberName(club: Club, id: string, short: (id: string) => string): string {
  return (
    members(club.club()).find(m => m.id === id)?.name ??
    (id === club.me.member_id ? club.me.member_name : short(id.slice(0, 8)))
  )
}

/**
 * A screen's writer into document `id`: runs `what` (a record writer, which validates first and
 * throws before touching the document) in one change, then says `ok`, or why it was refused,
 * with `flash`. False when nothing was written (an observer, a refusal, a document not held).
 */
export function recordWriter(
  club: Club,
  id: string,
  t: Messages,
  flash: (text: string, kind?: "ok" | "error") => void
): (what: (d: AnyDoc) => void, ok: string) => boolean {
  return (what, ok) => {
    const handle = club.sync.handle(id)
    if (!handle) return false
    try {
      if (!club.canWrite) throw new Error(t.observersCannot)
      handle.change(d => what(d))
      flash(ok)
      return true
    } catch (e) {
      flash(refusalText(t, e), "error")
      return false
    }
  }
}
