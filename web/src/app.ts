/** What every screen is given: the sync engine, the membership, and navigation. */
import { members, type AnyDoc, type Member } from "./schema"
import type { Membership } from "./store"
import type { Sync } from "./sync"

export interface Screen {
  /** The screen's top element (`data-testid="screen-<name>"`). */
  el: HTMLElement
  /** Called after any document or connection change. */
  update(): void
  /** Called when the screen is left. */
  destroy?(): void
}

export interface Context {
  sync: Sync
  me: Membership
  navigate(route: string): void
  club(): AnyDoc | undefined
  /** This phone's member as the club document lists them (once it has synced). */
  member(): Member | undefined
  /** Observers may look but not record. */
  canWrite: boolean
}

export function makeContext(sync: Sync, me: Membership, navigate: (route: string) => void): Context {
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

/** A member's display name, or a short form of their id when the club does not list them. */
export function memberName(ctx: Context, id: string): string {
  return members(ctx.club()).find(m => m.id === id)?.name ?? (id === ctx.me.member_id ? ctx.me.member_name : `member ${id.slice(0, 8)}`)
}

/** `14:05` today, `3 Mar 14:05` otherwise. */
export function shortTime(ms: number): string {
  const d = new Date(ms)
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString([], { day: "numeric", month: "short" })} ${time}`
}
