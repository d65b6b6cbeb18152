/**
 * iCalendar (RFC 5545) files of the club's events and of one member's shifts, for a phone's or
 * a laptop's calendar. Times are written in UTC (`...Z`), so every calendar places them right
 * whatever its own zone; each entry's UID is its record's id, so importing again updates it.
 */
import { assignments, eventView, shifts } from "./events"
import type { AnyDoc } from "./schema"

/** `20260314T100000Z`. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")
}

/** Text as a property value: backslashes, separators and line breaks escaped. */
function text(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r?\n/g, "\\n")
}

/** Folds a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence. */
function fold(line: string): string {
  const bytes = new TextEncoder()
  const out: string[] = []
  let current = ""
  for (const ch of line) {
    if (bytes.encode(current + ch).length > (out.length ? 74 : 75)) {
      out.push(current)
      current = ch
    } else current += ch
  }
  out.push(current)
  return out.join("\r\n ")
}

interface Entry {
  uid: string
  start: number
  end: number
  summary: string
  location: string
  description?: string
  status?: "CONFIRMED" | "TENTATIVE" | "CANCELLED"
}

function calendar(name: string, entries: Entry[], now = Date.now()): string {
  const lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//clubsync//club events//EN", "CALSCALE:GREGORIAN", `X-WR-CALNAME:${text(name)}`]
  for (const e of entries) {
    lines.push(
      "BEGIN:VEVENT",
      `UID:${e.uid}@clubsync`,
      `DTSTAMP:${stamp(now)}`,
      `DTSTART:${stamp(e.start)}`,
      `DTEND:${stamp(e.end)}`,
      `SUMMARY:${text(e.summary)}`,
      `LOCATION:${text(e.location)}`
    )
    if (e.description) lines.push(`DESCRIPTION:${text(e.description)}`)
    if (e.status) lines.push(`STATUS:${e.status}`)
    lines.push("END:VEVENT")
  }
  lines.push("END:VCALENDAR")
  return lines.map(fold).join("\r\n") + "\r\n"
}

/** The club's events, one entry each. */
export function eventsCalendar(club: string, events: { id: string; doc: AnyDoc }[]): string {
  return calendar(
    club,
    events.map(({ id, doc }) => {
      const e = eventView(doc)
      return { uid: id, start: e.startsAt, end: e.endsAt, summary: e.title, location: e.place, status: "CONFIRMED" as const }
    })
  )
}

/** A member's shifts (not those they declined), with the event each belongs to. */
export function shiftsCalendar(title: string, member: string, events: { id: string; doc: AnyDoc }[], roleName: (role: string) => string): string {
  const entries: Entry[] = []
  for (const { doc } of events) {
    const e = eventView(doc)
    for (const a of assignments(doc)) {
      if (a.member !== member || a.status === "declined") continue
      const s = shifts(doc).find(x => x.id === a.shift)
      if (!s) continue
      entries.push({
        uid: a.id,
        start: s.startsAt,
        end: s.endsAt,
        summary: `${e.title}: ${roleName(s.role)}`,
        location: s.place || e.place,
        status: a.status === "accepted" ? "CONFIRMED" : "TENTATIVE",
      })
    }
  }
  return calendar(title, entries)
}

/** Downloads `content` as a calendar file named `name`. */
export function downloadCalendar(name: string, content: string): void {
  const link = document.createElement("a")
  link.href = URL.createObjectURL(new Blob([content], { type: "text/calendar" }))
  link.download = name
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000)
}
