/**
 * Home's sponsored activities: each with what is pledged so far, and (coordinators) a new one
 * for a member, flat or per km.
 */
import { useState, type FormEvent } from "react"

import { useClub } from "../club"
import { Field, Flash, useFlash } from "../components"
import { useLocale } from "../i18n"
import { clubCurrency, clubIndex, members, refusalText, RecordError, str, type AnyDoc } from "../schema"
import { activityView, newSponsoredActivity, pledges, PLEDGE_UNITS } from "../sponsorship"
import { localDocuments } from "../store"

const isActivity = (doc: AnyDoc | undefined): doc is AnyDoc => str(doc?.kind) === "sponsored_activity"

export function HomeSponsorship() {
  const club = useClub()
  const { t, format } = useLocale()
  const [message, flash] = useFlash()
  const [open, setOpen] = useState(false)
  const [title, setTitle] = useState("")
  const [participant, setParticipant] = useState("")
  const [unit, setUnit] = useState<string>("flat")

  const ids = new Set([
    ...clubIndex(club.club())
      .filter(d => d.kind === "sponsored_activity")
      .map(d => d.id),
    ...localDocuments
      .all()
      .filter(d => d.kind === "sponsored_activity")
      .map(d => d.id),
  ])
  const activities = [...ids].map(id => ({ id, doc: club.sync.doc(id) })).filter((a): a is { id: string; doc: AnyDoc } => isActivity(a.doc))
  const people = members(club.club()).filter(m => m.leftAt === undefined)
  const coordinator = club.me.role === "coordinator"

  const create = (event: FormEvent) => {
    event.preventDefault()
    try {
      const currency = clubCurrency(club.club())
      if (!currency) throw new RecordError(t.clubNotHere)
      const who = participant || people[0]?.id
      if (!who) throw new RecordError(t.clubNotHere)
      const handle = club.sync.create(newSponsoredActivity({ club: club.me.club_document, title: title.trim(), participant: who, unit, currency, at: Date.now() }))
      localDocuments.add({ id: handle.documentId, kind: "sponsored_activity", title: title.trim() })
      setOpen(false)
      setTitle("")
      club.navigate(`#/sponsorship/${handle.documentId}`)
    } catch (e) {
      flash(refusalText(t, e), "error")
    }
  }

  return (
    <>
      <h2>{t.sponsoredActivities}</h2>
      {activities.length ? (
        <ul className="items">
          {activities.map(({ id, doc }) => {
            const view = activityView(doc)
            const pledged = pledges(doc).reduce((s, p) => s + p.pledgedMinor, 0)
            return (
              <li key={id}>
                <a data-testid="sponsorship-item" data-doc-id={id} className="item" href={`#/sponsorship/${id}`}>
                  <span className="item-title">{view.title}</span>
                  <span className="item-note">{t.pledgedSoFar(format.money(pledged, view.currency))}</span>
                </a>
              </li>
            )
          })}
        </ul>
      ) : (
        <p className="empty">{t.noSponsoredActivities}</p>
      )}
      {coordinator ? (
        <>
          <button data-testid="new-sponsorship" className="secondary" type="button" onClick={() => setOpen(!open)}>
            {t.newSponsoredActivity}
          </button>
          <form className="stack card" hidden={!open} onSubmit={create}>
            <Field label={t.activityTitle}>
              <input data-testid="new-sponsorship-title" autoComplete="off" value={title} onChange={e => setTitle(e.target.value)} />
            </Field>
            <Field label={t.participant}>
              <select data-testid="new-sponsorship-participant" value={participant || people[0]?.id || ""} onChange={e => setParticipant(e.target.value)}>
                {people.map(m => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t.pledgeUnit}>
              <select data-testid="new-sponsorship-unit" value={unit} onChange={e => setUnit(e.target.value)}>
                {PLEDGE_UNITS.map(u => (
                  <option key={u} value={u}>
                    {t.pledgeUnitName(u)}
                  </option>
                ))}
              </select>
            </Field>
            <button data-testid="new-sponsorship-submit" className="primary" type="submit">
              {t.create}
            </button>
          </form>
        </>
      ) : null}
      <Flash testid="sponsorship-home-message" message={message} />
    </>
  )
}
