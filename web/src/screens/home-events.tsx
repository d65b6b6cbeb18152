/**
 * Home's events: the club's events (the next first), a new event, "my shifts" across them with
 * my answer, and calendar files of the club's events and of my shifts.
 */
import { useState, type FormEvent } from "react"

import { Field, Flash, useFlash } from "../components"
import { useClub } from "../club"
import { assignments, eventView, EVENT_TYPES, isEvent, newEvent, shifts } from "../events"
import { downloadCalendar, eventsCalendar, shiftsCalendar } from "../ics"
import { useLocale } from "../i18n"
import { clubIndex, clubName, type AnyDoc, refusalText } from "../schema"
import { localDocuments } from "../store"

export function HomeEvents() {
  const club = useClub()
  const { t, format } = useLocale()
  const [message, flash] = useFlash()
  const [open, setOpen] = useState(false)
  const [title, setTitle] = useState("")
  const [type, setType] = useState<string>("protest")
  const [starts, setStarts] = useState("")
  const [ends, setEnds] = useState("")
  const [place, setPlace] = useState("")

  const ids = new Set([
    ...clubIndex(club.club())
      .filter(d => d.kind === "event")
      .map(d => d.id),
    ...localDocuments
      .all()
      .filter(d => d.kind === "event")
      .map(d => d.id),
  ])
  const events = [...ids]
    .map(id => ({ id, doc: club.sync.doc(id) as AnyDoc | undefined }))
    .filter((e): e is { id: string; doc: AnyDoc } => isEvent(e.doc))
    .sort((a, b) => eventView(a.doc).startsAt - eventView(b.doc).startsAt)
  const me = club.me.member_id
  const mine = events.flatMap(({ id, doc }) =>
    assignments(doc)
      .filter(a => a.member === me)
      .map(a => ({ event: id, title: eventView(doc).title, a, shift: shifts(doc).find(s => s.id === a.shift) }))
  )

  const create = (ev: FormEvent) => {
    ev.preventDefault()
    const startsAt = format.fromInput(starts)
    const endsAt = format.fromInput(ends)
    try {
      if (startsAt === undefined || endsAt === undefined) throw new Error(t.chooseTimes)
      if (endsAt <= startsAt) throw new Error(t.endAfterStart)
      const at = Date.now()
      const handle = club.sync.create(newEvent({ club: club.me.club_document, title, eventType: type, startsAt, endsAt, place, at }))
      localDocuments.add({ id: handle.documentId, kind: "event", title: title.trim() })
      setOpen(false)
      setTitle("")
      club.navigate(`#/event/${handle.documentId}`)
    } catch (e) {
      flash(refusalText(t, e), "error")
    }
  }

  const clubTitle = clubName(club.club())
  return (
    <>
      <h2>{t.myShifts}</h2>
      {mine.length ? (
        <ul className="items">
          {mine.map(m => (
            <li key={m.a.id}>
              <a data-testid="my-shift-item" data-doc-id={m.event} data-status={m.a.status} className="item" href={`#/event/${m.event}`}>
                <span className="item-title">
                  {m.title}
                  {m.shift ? ` · ${t.shiftRoleName(m.shift.role)} ${format.dayTime(m.shift.startsAt)}` : ""}
                </span>
                <span className="item-note">{t.answerName(m.a.status)}</span>
              </a>
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">{t.noMyShifts}</p>
      )}
      {mine.length ? (
        <button
          data-testid="my-shifts-ics"
          className="secondary"
          type="button"
          onClick={() => downloadCalendar("my-shifts.ics", shiftsCalendar(t.myShiftsTitle(club.me.member_name), me, events, t.shiftRoleName))}
        >
          {t.myShiftsCalendar}
        </button>
      ) : null}
      <h2>{t.events}</h2>
      {events.length ? (
        <ul className="items" aria-label={t.events}>
          {events.map(({ id, doc }) => {
            const e = eventView(doc)
            return (
              <li key={id}>
                <a data-testid="event-item" data-doc-id={id} className="item" href={`#/event/${id}`}>
                  <span className="item-title">{e.title}</span>
                  <span className="item-note">
                    {t.eventTypeName(e.eventType)} · {format.dayTime(e.startsAt)}
                  </span>
                </a>
              </li>
            )
          })}
        </ul>
      ) : (
        <p className="empty">{t.noEvents}</p>
      )}
      <div className="row">
        <button data-testid="new-event" className="secondary" type="button" disabled={!club.canWrite} onClick={() => setOpen(!open)}>
          {t.newEvent}
        </button>
        {events.length ? (
          <button data-testid="events-ics" className="secondary" type="button" onClick={() => downloadCalendar("club-events.ics", eventsCalendar(clubTitle, events))}>
            {t.addToCalendar}
          </button>
        ) : null}
      </div>
      <form className="stack card" hidden={!open} onSubmit={create}>
        <Field label={t.eventTitle}>
          <input data-testid="new-event-title" autoComplete="off" placeholder={t.eventTitlePlaceholder} value={title} onChange={e => setTitle(e.target.value)} />
        </Field>
        <Field label={t.eventType}>
          <select data-testid="new-event-type" value={type} onChange={e => setType(e.target.value)}>
            {EVENT_TYPES.map(ty => (
              <option key={ty} value={ty}>
                {t.eventTypeName(ty)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t.startsAt}>
          <input data-testid="new-event-starts" type="datetime-local" value={starts} onChange={e => setStarts(e.target.value)} />
        </Field>
        <Field label={t.endsAt}>
          <input data-testid="new-event-ends" type="datetime-local" value={ends} onChange={e => setEnds(e.target.value)} />
        </Field>
        <Field label={t.eventPlace}>
          <input data-testid="new-event-place" autoComplete="off" value={place} onChange={e => setPlace(e.target.value)} />
        </Field>
        <button data-testid="new-event-submit" className="primary" type="submit">
          {t.createEvent}
        </button>
      </form>
      <Flash message={message} />
    </>
  )
}
