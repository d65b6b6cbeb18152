/**
 * Events (a protest, a concert, a stall...) as docs/schema.md defines them: their shifts and
 * who answered for each. Readers turn the document into plain values; each writer adds ONE
 * record per change, validates first and writes nothing when it refuses, exactly as core's
 * `Event` does (the conformance test holds each writer against core's and the server's rules).
 */
import { entries, I, num, refuse, RecordError, SCHEMA_VERSION, str, type AnyDoc, type Member } from "./schema"

export const EVENT_TYPES = ["street_collection", "protest", "petition_stall", "concert", "sponsored_activity", "letter_writing"] as const
export const SHIFT_ROLES = ["collector", "counter", "steward", "stall"] as const
export const ANSWERS = ["accepted", "tentative", "declined", "needs_action"] as const
/** The stages an event moves through (the shared status map; an event stops at held). */
export const EVENT_STAGES = ["planned", "held"] as const
/** Roles that handle money: only members of 16 or over take them. */
const MONEY_ROLES = new Set(["collector", "counter"])
const EVENT_CONTAINERS = ["status", "shifts", "assignments", "resolutions"]

export interface EventView {
  title: string
  eventType: string
  startsAt: number
  endsAt: number
  place: string
  /** The furthest stage reached. */
  stage: string
}

export interface Shift {
  id: string
  role: string
  place: string
  startsAt: number
  endsAt: number
  peopleNeeded: number
  adultsOnly: boolean
}

export interface Assignment {
  id: string
  shift: string
  member: string
  status: string
  attended?: boolean
}

export function isEvent(doc: AnyDoc | undefined): boolean {
  return str(doc?.kind) === "event"
}

export function eventView(doc: AnyDoc): EventView {
  const reached = EVENT_STAGES.filter(s => num(doc.status?.[s]) !== undefined)
  return {
    title: str(doc.title) ?? "",
    eventType: str(doc.event_type) ?? "",
    startsAt: num(doc.starts_at) ?? 0,
    endsAt: num(doc.ends_at) ?? 0,
    place: str(doc.place) ?? "",
    stage: reached.at(-1) ?? "planned",
  }
}

/** The shifts, by start time. */
export function shifts(doc: AnyDoc): Shift[] {
  return entries(doc.shifts)
    .map(([id, s]) => ({
      id,
      role: str(s.role) ?? "",
      place: str(s.place) ?? "",
      startsAt: num(s.starts_at) ?? 0,
      endsAt: num(s.ends_at) ?? 0,
      peopleNeeded: num(s.people_needed) ?? 0,
      adultsOnly: s.adults_only === true,
    }))
    .sort((a, b) => a.startsAt - b.startsAt || (a.id < b.id ? -1 : 1))
}

export function assignments(doc: AnyDoc): Assignment[] {
  return entries(doc.assignments).map(([id, a]) => ({
    id,
    shift: str(a.shift) ?? "",
    member: str(a.member) ?? "",
    status: str(a.status) ?? "",
    attended: typeof a.attended === "boolean" ? a.attended : undefined,
  }))
}

/** Shifts with more distinct members accepted than they need (core's `Event::flags`). */
export function overbooked(doc: AnyDoc): { shift: string; needed: number; accepted: number }[] {
  const accepted = new Map<string, Set<string>>()
  for (const a of assignments(doc)) {
    if (a.status !== "accepted") continue
    if (!accepted.has(a.shift)) accepted.set(a.shift, new Set())
    accepted.get(a.shift)!.add(a.member)
  }
  return shifts(doc)
    .map(s => ({ shift: s.id, needed: s.peopleNeeded, accepted: accepted.get(s.id)?.size ?? 0 }))
    .filter(f => f.accepted > f.needed)
}

/** The first change of a new event: root fields, every container, planned. */
export function newEvent(a: {
  club: string
  title: string
  eventType: string
  startsAt: number
  endsAt: number
  place: string
  at: number
}): AnyDoc {
  if (!a.title.trim()) throw refuse("refuseEventTitle")
  if (!(EVENT_TYPES as readonly string[]).includes(a.eventType)) throw new RecordError(`${a.eventType} is not a type of event.`)
  const doc: AnyDoc = {
    kind: I("event"),
    schema_version: SCHEMA_VERSION,
    created_at: a.at,
    club: I(a.club),
    title: I(a.title),
    event_type: I(a.eventType),
    starts_at: a.startsAt,
    ends_at: a.endsAt,
    place: I(a.place),
  }
  for (const name of EVENT_CONTAINERS) doc[name] = {}
  doc.status = { planned: a.at }
  return doc
}

/** A shift as its screen gives it to the writer: the record's fields. */
export type NewShift = Shift

/** Adds a shift (collectors and counters are always adults only). */
export function addShift(d: AnyDoc, s: NewShift): void {
  if (!(SHIFT_ROLES as readonly string[]).includes(s.role)) throw new RecordError(`${s.role} is not a shift role.`)
  if (!(s.endsAt > s.startsAt)) throw refuse("refuseShiftTimes")
  if (!Number.isSafeInteger(s.peopleNeeded) || s.peopleNeeded < 1) throw refuse("refuseShiftPeople")
  if (d.shifts[s.id]) throw new RecordError("Duplicate id; try again.")
  d.shifts[s.id] = {
    role: I(s.role),
    place: I(s.place),
    starts_at: s.startsAt,
    ends_at: s.endsAt,
    people_needed: s.peopleNeeded,
    adults_only: s.adultsOnly || MONEY_ROLES.has(s.role),
  }
}

/** Puts a member on a shift with their answer (under-16s never on an adults-only shift). */
export function assign(d: AnyDoc, a: { id: string; shift: string; member: Member | undefined; status: string }): void {
  const shift = d.shifts[a.shift]
  if (!shift) throw new RecordError("Unknown shift.")
  if (!a.member) throw new RecordError("That person is not a member of the club.")
  if (shift.adults_only === true && !a.member.age16plus) throw refuse("refuseUnder16Shift", a.member.name)
  if (!(ANSWERS as readonly string[]).includes(a.status)) throw new RecordError(`${a.status} is not an answer.`)
  if (d.assignments[a.id]) throw new RecordError("Duplicate id; try again.")
  d.assignments[a.id] = { shift: I(a.shift), member: I(a.member.id), status: I(a.status) }
}

/** A member's answer, and (once known) whether they came: last writer wins per field. */
export function answer(d: AnyDoc, id: string, status: string, attended?: boolean): void {
  const a = d.assignments[id]
  if (!a) throw new RecordError("Unknown assignment.")
  if (!(ANSWERS as readonly string[]).includes(status)) throw new RecordError(`${status} is not an answer.`)
  a.status = I(status)
  if (attended !== undefined) a.attended = attended
}

/** Moves the event's status forward to `stage` (each stage's first time is kept). */
export function advanceEvent(d: AnyDoc, stage: string, at: number): void {
  if (!(EVENT_STAGES as readonly string[]).includes(stage)) throw new RecordError(`${stage} is not a stage of an event.`)
  if (d.status[stage] === undefined) d.status[stage] = at
}
