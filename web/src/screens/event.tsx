/**
 * An event (a protest, a stall, a concert...): when and where, its status, its shifts with who
 * is on each and their answers. A volunteer answers their own shifts ("I'll come", "I can't");
 * a coordinator adds shifts, puts members on them, marks who came and the event held. An
 * overbooked shift says so. The page prints as a roster.
 */
import { useEffect, useState, type FormEvent } from "react"

import { Field, Flash, useFlash } from "../components"
import { memberName, recordWriter, useClub } from "../club"
import { RecordFlags } from "../flag-list"
import { addShift, advanceEvent, answer, assign, assignments, eventView, overbooked, shifts, SHIFT_ROLES } from "../events"
import { useLocale } from "../i18n"
import { uuidv7 } from "../ids"
import { members, type AnyDoc } from "../schema"

export function EventScreen({ id }: { id: string }) {
  const club = useClub()
  const { t, format } = useLocale()
  const [message, flash] = useFlash()
  const [role, setRole] = useState<string>("steward")
  const [starts, setStarts] = useState("")
  const [ends, setEnds] = useState("")
  const [needed, setNeeded] = useState("2")
  const [chosen, setChosen] = useState<Record<string, string>>({})

  useEffect(() => {
    club.sync.open(id).catch(() => undefined)
  }, [club, id])

  const doc: AnyDoc | undefined = club.sync.doc(id)
  const nav = (
    <div className="row nav no-print">
      <button data-testid="back-home" className="secondary" type="button" onClick={() => club.navigate("#/home")}>
        {t.backHome}
      </button>
      <button data-testid="event-print" className="secondary" type="button" onClick={() => window.print()}>
        {t.printRoster}
      </button>
    </div>
  )
  if (!doc) {
    return (
      <section data-testid="screen-event" className="screen">
        <h1>{t.event}</h1>
        <p className="loading">{t.loadingEvent}</p>
        {nav}
      </section>
    )
  }

  const e = eventView(doc)
  const coordinator = club.me.role === "coordinator"
  const me = club.me.member_id
  const all = assignments(doc)
  const over = overbooked(doc)
  const people = members(club.club()).filter(m => m.leftAt === undefined)
  const name = (member: string) => memberName(club, member, t.memberShort)
  const startValue = starts || format.inputValue(e.startsAt)
  const endValue = ends || format.inputValue(e.endsAt)

  const write = recordWriter(club, id, t, flash)

  const newShift = (event: FormEvent) => {
    event.preventDefault()
    const startsAt = format.fromInput(startValue)
    const endsAt = format.fromInput(endValue)
    if (startsAt === undefined || endsAt === undefined) return flash(t.chooseTimes, "error")
    const at = Date.now()
    write(
      d =>
        addShift(d, {
          id: uuidv7(at),
          role,
          place: e.place,
          startsAt,
          endsAt,
          peopleNeeded: Number(needed),
          adultsOnly: false,
        }),
      t.shiftAdded
    )
  }

  return (
    <section data-testid="screen-event" className="screen roster">
      <h1>{e.title}</h1>
      <p className="lead">
        {t.eventTypeName(e.eventType)} · {format.dayTime(e.startsAt)}–{format.time(e.endsAt)} · {e.place}
      </p>
      <p>
        <span data-testid="event-status" className="status">
          {t.stageName(e.stage)}
        </span>
      </p>
      {coordinator && e.stage === "planned" ? (
        <button data-testid="event-held" className="secondary no-print" type="button" onClick={() => write(d => advanceEvent(d, "held", Date.now()), t.markedHeld)}>
          {t.markHeld}
        </button>
      ) : null}
      <Flash testid="event-message" message={message} />
      <RecordFlags id={id} />
      <h2>{t.shifts}</h2>
      {shifts(doc).length === 0 ? <p className="empty">{t.noShifts}</p> : null}
      <ul className="rows">
        {shifts(doc).map(s => {
          const on = all.filter(a => a.shift === s.id)
          const accepted = new Set(on.filter(a => a.status === "accepted").map(a => a.member)).size
          const flag = over.find(f => f.shift === s.id)
          const mine = on.find(a => a.member === me)
          return (
            <li key={s.id} data-testid="shift-row" data-shift-id={s.id} className="row-item shift">
              <div className="row-main">
                <span className="item-title">
                  {t.shiftRoleName(s.role)} · {format.time(s.startsAt)}–{format.time(s.endsAt)}
                  {s.adultsOnly ? ` · ${t.adultsOnly}` : ""}
                </span>
                <span data-testid="shift-count" className="item-note">
                  {t.acceptedOf(accepted, s.peopleNeeded)}
                </span>
                {flag ? (
                  <span data-testid="shift-overbooked" className="flag">
                    {t.overbookedShift(flag.accepted, flag.needed)}
                  </span>
                ) : null}
                <ul className="people">
                  {on.map(a => (
                    <li key={a.id} data-testid="assignment" data-member-id={a.member} data-status={a.status}>
                      {name(a.member)} · {t.answerName(a.status)}
                      {coordinator ? (
                        <label className="check inline no-print">
                          <input
                            data-testid="assignment-attended"
                            type="checkbox"
                            checked={a.attended === true}
                            onChange={ev => write(d => answer(d, a.id, a.status, ev.target.checked), t.answered)}
                          />
                          <span>{t.came}</span>
                        </label>
                      ) : a.attended ? (
                        ` · ${t.came}`
                      ) : null}
                    </li>
                  ))}
                </ul>
              </div>
              <div className="row-actions no-print">
                {mine ? (
                  <>
                    <span data-testid="shift-my-answer">{t.yourAnswer(t.answerName(mine.status))}</span>
                    <button data-testid="shift-accept" className="primary" type="button" disabled={mine.status === "accepted"} onClick={() => write(d => answer(d, mine.id, "accepted"), t.answered)}>
                      {t.accept}
                    </button>
                    <button data-testid="shift-decline" className="secondary" type="button" disabled={mine.status === "declined"} onClick={() => write(d => answer(d, mine.id, "declined"), t.answered)}>
                      {t.decline}
                    </button>
                  </>
                ) : null}
                {coordinator ? (
                  <>
                    <select
                      data-testid="shift-assign-member"
                      aria-label={t.putOnShift}
                      value={chosen[s.id] ?? ""}
                      onChange={ev => setChosen({ ...chosen, [s.id]: ev.target.value })}
                    >
                      <option value="">{t.choose}</option>
                      {people
                        .filter(m => !on.some(a => a.member === m.id))
                        .map(m => (
                          <option key={m.id} value={m.id}>
                            {m.name}
                          </option>
                        ))}
                    </select>
                    <button
                      data-testid="shift-assign"
                      className="secondary"
                      type="button"
                      disabled={!chosen[s.id]}
                      onClick={() => {
                        const member = people.find(m => m.id === chosen[s.id])
                        const at = Date.now()
                        write(d => assign(d, { id: uuidv7(at), shift: s.id, member, status: "needs_action" }), t.onShift(member?.name ?? ""))
                        setChosen({ ...chosen, [s.id]: "" })
                      }}
                    >
                      {t.putOnShift}
                    </button>
                  </>
                ) : null}
              </div>
            </li>
          )
        })}
      </ul>
      {coordinator ? (
        <form className="stack card no-print" onSubmit={newShift}>
          <h2>{t.addShift}</h2>
          <Field label={t.shiftRole}>
            <select data-testid="new-shift-role" value={role} onChange={ev => setRole(ev.target.value)}>
              {SHIFT_ROLES.map(r => (
                <option key={r} value={r}>
                  {t.shiftRoleName(r)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t.startsAt}>
            <input data-testid="new-shift-starts" type="datetime-local" value={startValue} onChange={ev => setStarts(ev.target.value)} />
          </Field>
          <Field label={t.endsAt}>
            <input data-testid="new-shift-ends" type="datetime-local" value={endValue} onChange={ev => setEnds(ev.target.value)} />
          </Field>
          <Field label={t.peopleNeeded}>
            <input data-testid="new-shift-needed" type="number" inputMode="numeric" min={1} value={needed} onChange={ev => setNeeded(ev.target.value)} />
          </Field>
          <button data-testid="new-shift-submit" className="primary" type="submit">
            {t.addShift}
          </button>
        </form>
      ) : null}
      {nav}
    </section>
  )
}
