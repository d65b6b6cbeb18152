/**
 * Flags: what a merge left for a coordinator (a tin with two collectors at once, an overbooked
 * shift, two signatures that look alike). Core finds them (`clubsync_core::resolution`) and the
 * server lists them (`GET /api/flags`); the app keeps the last list for offline use, hides the
 * flags a resolution on this phone already covers, and writes resolutions (docs/schema.md,
 * "Flag resolutions"). The writer is checked against core's by the conformance test.
 */
import { I, RecordError, refuse, type AnyDoc } from "./schema"

/** A flag as `GET /api/flags` lists it (`clubsync_protocol::flag_api::OpenFlag`). */
export interface OpenFlag {
  document: string
  document_kind: string
  document_title: string
  kind: string
  records: string[]
  resolvable: boolean
  message: string
  tin?: number
  seal?: string
  member?: string
  how_many: number
  needed?: number
  accepted?: number
  quantity?: number
  cash_minor?: number
  banked_minor?: number
  currency?: string
}

/** A resolution as `GET /api/flags` lists it. */
export interface ResolvedFlag {
  document: string
  document_title: string
  kind: string
  how: string
  note: string
  by: string
  at: string
}

/** `GET /api/flags`. */
export interface ClubFlags {
  open: OpenFlag[]
  resolved: ResolvedFlag[]
}

/** A resolution as a document holds it. */
export interface Resolution {
  id: string
  kind: string
  records: string[]
  how: string
  note: string
  by: string
  device: string
  at: number
}

export const HOWS = ["corrected", "explained"] as const

/** The resolutions of a document (none in one made before resolutions existed). */
export function resolutions(doc: AnyDoc): Resolution[] {
  const held = doc.resolutions
  if (!held) return []
  return Object.entries(held as Record<string, AnyDoc>).map(([id, r]) => ({
    id,
    kind: String(r.kind),
    records: Object.keys(r.records ?? {}),
    how: String(r.how),
    note: String(r.note),
    by: String(r.by),
    device: String(r.device),
    at: Number(r.at),
  }))
}

/** Whether a resolution hides a flag: the same kind, and it names all the flag names. */
export function covers(r: Resolution, flag: { kind: string; records: string[] }): boolean {
  return r.kind === flag.kind && flag.records.every(path => r.records.includes(path))
}

/** The flags of `list` in document `id` that no resolution of `doc` (this phone's copy) covers. */
export function openIn(list: OpenFlag[], id: string, doc: AnyDoc | undefined): OpenFlag[] {
  const held = doc ? resolutions(doc) : []
  return list.filter(f => f.document === id && !held.some(r => covers(r, f)))
}

/** The flags of `list` that no resolution of this phone's copy of their document covers. */
export function openAll(list: OpenFlag[], docOf: (id: string) => AnyDoc | undefined): OpenFlag[] {
  return [...new Set(list.map(f => f.document))].flatMap(id => openIn(list, id, docOf(id)))
}

/** Records that a coordinator dealt with `flag` (one change, as core's `resolve_flag`). */
export function resolveFlag(
  d: AnyDoc,
  a: { id: string; flag: { kind: string; records: string[]; resolvable: boolean }; how: string; note: string; by: string; device: string; at: number }
): void {
  if (!a.flag.resolvable) throw refuse("refuseFlagNeedsCount")
  const note = a.note.trim()
  if (!note) throw refuse("refuseFlagNote")
  if (!(HOWS as readonly string[]).includes(a.how)) throw new RecordError(`${a.how} is not how a flag is resolved.`)
  if (!d.resolutions) throw refuse("refuseNotUpgraded")
  if (d.resolutions[a.id]) throw new RecordError("Duplicate id; try again.")
  const records: AnyDoc = {}
  for (const path of a.flag.records) records[path] = true
  d.resolutions[a.id] = {
    kind: I(a.flag.kind),
    how: I(a.how),
    note: I(note),
    by: I(a.by),
    device: I(a.device),
    at: a.at,
    records,
  }
}

/** The last list this phone received, per membership (erased with it). */
export const flagCache = {
  /** `scope` is the device id, or `<device>.<document>`: erased with the membership. */
  key: (scope: string) => `clubsync.flags.${scope}.v1`,
  get(scope: string): ClubFlags | null {
    try {
      return JSON.parse(localStorage.getItem(this.key(scope)) ?? "null")
    } catch {
      return null
    }
  },
  set(scope: string, flags: ClubFlags): void {
    try {
      localStorage.setItem(this.key(scope), JSON.stringify(flags))
    } catch {
      // A full localStorage only loses the offline copy of the list.
    }
  },
}
