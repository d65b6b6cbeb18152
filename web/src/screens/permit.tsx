/**
 * The permit (`#/permit/<id>`): "show the licence" for a council officer who asks a collector
 * (large type, everything the paper permit says), with what is unusual now on the club's
 * clock, and for coordinators the form that enters it from the paper one.
 */
import { useEffect, useState, type FormEvent } from "react"

import { useClub } from "../club"
import { Field, Flash, useFlash } from "../components"
import { useLocale } from "../i18n"
import type { Messages } from "../i18n/en"
import { PERMIT_FIELDS, permitOf, permitWarnings, setPermit, type Permit, type PermitField, type PermitWarning } from "../permit"
import { clubTimeZone, refusalText, str, type AnyDoc } from "../schema"

/** A permit warning in the phone's language. */
export function permitWarningText(t: Messages, w: PermitWarning): string {
  switch (w.kind) {
    case "no_permit":
      return t.permitNone
    case "before_first_day":
      return t.permitStarts(w.value)
    case "after_last_day":
      return t.permitEnded(w.value)
    case "outside_hours":
      return t.permitOutsideHours(w.value)
    case "return_due_in":
      return t.permitReturnDue(w.days)
    case "return_overdue":
      return t.permitReturnOverdue(w.value)
  }
}

/** The permit's warnings now, for the collection screen and this one. */
export function PermitWarnings({ doc }: { doc: AnyDoc }) {
  const club = useClub()
  const { t } = useLocale()
  const zone = clubTimeZone(club.club()) ?? "UTC"
  const warnings = permitWarnings(doc, Date.now(), zone)
  if (warnings.length === 0) return null
  return (
    <ul data-testid="permit-warnings" className="card flags">
      {warnings.map(w => (
        <li key={w.kind} data-testid="permit-warning" data-kind={w.kind} className="flag">
          {permitWarningText(t, w)}
        </li>
      ))}
    </ul>
  )
}

export function PermitScreen({ id }: { id: string }) {
  const club = useClub()
  const { t } = useLocale()
  const [message, flash] = useFlash()
  const [edit, setEdit] = useState<Permit>({})
  useEffect(() => {
    club.sync.open(id).catch(() => undefined)
  }, [club, id])
  const doc: AnyDoc | undefined = club.sync.doc(id)
  const nav = (
    <div className="row nav no-print">
      <button data-testid="back-collection" className="secondary" type="button" onClick={() => club.navigate(`#/collection/${id}`)}>
        {t.backToCollection}
      </button>
    </div>
  )
  if (!doc) {
    return (
      <section data-testid="screen-permit" className="screen">
        <h1>{t.permit}</h1>
        <p className="loading">{t.loadingCollection}</p>
        {nav}
      </section>
    )
  }
  const permit = permitOf(doc)
  const coordinator = club.me.role === "coordinator"
  const value = (field: PermitField) => edit[field] ?? permit[field] ?? ""

  const save = (event: FormEvent) => {
    event.preventDefault()
    const changed: Permit = {}
    for (const field of PERMIT_FIELDS) {
      const typed = edit[field]?.trim()
      if (typed !== undefined && typed !== "" && typed !== permit[field]) changed[field] = typed
    }
    const handle = club.sync.handle(id)
    if (!handle) return
    try {
      handle.change(d => setPermit(d, changed))
      setEdit({})
      flash(t.permitSaved)
    } catch (e) {
      flash(refusalText(t, e), "error")
    }
  }

  const shown = (field: PermitField) => permit[field] ?? "—"
  return (
    <section data-testid="screen-permit" className="screen">
      <h1>{t.permit}</h1>
      <PermitWarnings doc={doc} />
      <dl data-testid="permit-licence" className="card licence">
        <dt>{t.permitFieldName("authority")}</dt>
        <dd data-testid="permit-authority">{shown("authority")}</dd>
        <dt>{t.permitFieldName("reference")}</dt>
        <dd data-testid="permit-reference">{shown("reference")}</dd>
        <dt>{t.permitDays}</dt>
        <dd>
          {shown("first_day")} – {shown("last_day")}
        </dd>
        {(["hours", "sites", "beneficiary", "holder", "conditions", "return_due"] as const).map(field => (
          <div key={field}>
            <dt>{t.permitFieldName(field)}</dt>
            <dd>{shown(field)}</dd>
          </div>
        ))}
        <dt>{t.streetCollection}</dt>
        <dd>{str(doc.title) ?? ""}</dd>
      </dl>
      <Flash testid="permit-message" message={message} />
      {coordinator ? (
        <form className="stack card no-print" onSubmit={save}>
          <p className="figures-title">{t.permitEnter}</p>
          {PERMIT_FIELDS.map(field => (
            <Field key={field} label={t.permitFieldName(field)}>
              <input
                data-testid={`permit-${field}-input`}
                type={field.endsWith("_day") || field === "return_due" ? "date" : "text"}
                autoComplete="off"
                value={value(field)}
                onChange={e => setEdit({ ...edit, [field]: e.target.value })}
              />
            </Field>
          ))}
          <button data-testid="permit-save" className="primary" type="submit">
            {t.permitSave}
          </button>
        </form>
      ) : null}
      {nav}
    </section>
  )
}
