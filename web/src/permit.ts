/**
 * The street collection permit (docs/schema.md `permit`): its fields, the writer that enters it
 * from the paper one (last writer wins per field, dates `YYYY-MM-DD`), and what to say about it
 * now on the club's clock, as core's `permit_warnings` says it (checked by the conformance
 * corpus): no permit, outside its days or hours, the return due within a week or overdue.
 */
import { collectionStage } from "./ledger"
import { I, RecordError, str, type AnyDoc } from "./schema"

export const PERMIT_FIELDS = [
  "authority",
  "reference",
  "first_day",
  "last_day",
  "hours",
  "sites",
  "beneficiary",
  "holder",
  "conditions",
  "return_due",
] as const
export type PermitField = (typeof PERMIT_FIELDS)[number]
export type Permit = Partial<Record<PermitField, string>>

const DATE_FIELDS = new Set<PermitField>(["first_day", "last_day", "return_due"])
/** Days before the return is due that the reminder starts (core's `RETURN_REMINDER_DAYS`). */
export const RETURN_REMINDER_DAYS = 7

const isDate = (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text)

/** The permit as last written. */
export function permitOf(doc: AnyDoc): Permit {
  const out: Permit = {}
  for (const field of PERMIT_FIELDS) {
    const value = str(doc.permit?.[field])
    if (value !== undefined) out[field] = value
  }
  return out
}

/** Writes the fields given, in one change (core's `set_permit`). */
export function setPermit(d: AnyDoc, p: Permit): void {
  for (const field of PERMIT_FIELDS) {
    const value = p[field]
    if (value !== undefined && DATE_FIELDS.has(field) && !isDate(value)) {
      throw new RecordError(`${field} must be a YYYY-MM-DD date, got ${JSON.stringify(value)}`)
    }
  }
  for (const field of PERMIT_FIELDS) {
    const value = p[field]
    if (value !== undefined) d.permit[field] = I(value)
  }
}

function minutes(text: string): number | undefined {
  const m = /^\s*(\d+)\s*[:.]\s*(\d+)\s*$/.exec(text)
  if (!m) return undefined
  const [h, min] = [Number(m[1]), Number(m[2])]
  return h >= 0 && h <= 24 && min >= 0 && min < 60 ? h * 60 + min : undefined
}

/** Hours written as `10:00-16:00` (or with `–` or `to`), in minutes since midnight. */
export function permittedHours(text: string): [number, number] | undefined {
  const parts = text.replaceAll(" to ", "-").replaceAll("–", "-").split("-")
  if (parts.length < 2) return undefined
  const from = minutes(parts[0])
  const to = minutes(parts.slice(1).join("-"))
  return from !== undefined && to !== undefined && from < to ? [from, to] : undefined
}

/** One formatter per time zone: a collection screen reads the clock at every render. */
const clocks = new Map<string, Intl.DateTimeFormat>()

/** The club's date (`YYYY-MM-DD`) and minutes since midnight at `at`. */
function clubClock(at: number, timeZone: string): { date: string; minute: number } {
  let clock = clocks.get(timeZone)
  if (!clock) {
    clock = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
    clocks.set(timeZone, clock)
  }
  const parts = clock.formatToParts(at)
  const get = (type: string) => parts.find(p => p.type === type)?.value ?? "00"
  return { date: `${get("year")}-${get("month")}-${get("day")}`, minute: Number(get("hour")) * 60 + Number(get("minute")) }
}

/** Days since 1970 of a `YYYY-MM-DD` date; NaN for one that is not on the calendar. */
function dayNumber(date: string): number {
  const [y, m, d] = [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))]
  const day = new Date(Date.UTC(y, m - 1, d))
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d ? day.getTime() / 86_400_000 : NaN
}

export type PermitWarning =
  | { kind: "no_permit" }
  | { kind: "before_first_day" | "after_last_day" | "outside_hours" | "return_overdue"; value: string }
  | { kind: "return_due_in"; days: number }

/** What to say about the permit at `at` on the club's clock (`timeZone`). */
export function permitWarnings(doc: AnyDoc, at: number, timeZone: string): PermitWarning[] {
  const p = permitOf(doc)
  const out: PermitWarning[] = []
  if (p.authority === undefined || p.reference === undefined) out.push({ kind: "no_permit" })
  const now = clubClock(at, timeZone)
  if (p.first_day !== undefined && now.date < p.first_day) out.push({ kind: "before_first_day", value: p.first_day })
  if (p.last_day !== undefined && now.date > p.last_day) out.push({ kind: "after_last_day", value: p.last_day })
  const hours = p.hours !== undefined ? permittedHours(p.hours) : undefined
  if (p.hours !== undefined && hours && (now.minute < hours[0] || now.minute >= hours[1])) out.push({ kind: "outside_hours", value: p.hours })
  if (collectionStage(doc) !== "return_submitted" && p.return_due !== undefined && isDate(p.return_due)) {
    const days = dayNumber(p.return_due) - dayNumber(now.date)
    if (Number.isNaN(days)) return out
    if (days < 0) out.push({ kind: "return_overdue", value: p.return_due })
    else if (days <= RETURN_REMINDER_DAYS) out.push({ kind: "return_due_in", days })
  }
  return out
}
