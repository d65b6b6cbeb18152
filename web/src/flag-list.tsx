/**
 * Flags on screen: on the screen of their record (a collection, an event, a petition) and in the
 * coordinators' list (`#/flags`), each in the phone's language, with a resolve form for
 * coordinators (a note, and whether a record was put right). The list comes from the server
 * (`GET /api/flags`, kept for offline use); a resolution on this phone or synced from another
 * hides its flag at once, from the document itself.
 */
import * as A from "@automerge/automerge"
import { useCallback, useEffect, useState, type FormEvent } from "react"

import { clubApi } from "./club-api"
import { useClub, type Club } from "./club"
import { Field, Flash, useFlash } from "./components"
import { flagCache, openIn, resolveFlag, type ClubFlags, type OpenFlag } from "./flags"
import { useLocale } from "./i18n"
import type { Messages } from "./i18n/en"
import { uuidv7 } from "./ids"
import { refusalText } from "./schema"

/**
 * The club's flags (or one document's): the last list this phone has, refreshed from the
 * server when it can be (not when `ask` is false: a screen that shows them only to
 * coordinators).
 */
export function useClubFlags(club: Club, ask = true, document?: string): [ClubFlags | null, () => void] {
  const scope = document ? `${club.me.device_id}.${document}` : club.me.device_id
  const [flags, setFlags] = useState<ClubFlags | null>(() => flagCache.get(scope))
  const refresh = useCallback(() => {
    if (!ask) return
    clubApi.flags(club.me, document).then(
      list => {
        flagCache.set(scope, list)
        setFlags(list)
      },
      () => {} // offline: the kept list stays
    )
  }, [club.me, scope, ask, document])
  useEffect(refresh, [refresh])
  return [flags, refresh]
}

/** A flag in the phone's language (`money` formats an amount in minor units of a currency). */
export function flagText(t: Messages, money: (minor: number, currency: string) => string, f: OpenFlag): string {
  switch (f.kind) {
    case "tin_issued_twice":
      return t.flagTinIssuedTwice(f.tin ?? 0, f.how_many)
    case "seal_used_twice":
      return t.flagSealUsedTwice(f.seal ?? "", f.how_many)
    case "tin_returned_twice":
      return t.flagTinReturnedTwice(f.tin ?? 0)
    case "two_active_counts":
      return t.flagTwoActiveCounts(f.tin ?? 0, f.how_many)
    case "money_handled_by_under16":
      return t.flagUnder16Money(f.member ?? "?", f.how_many)
    case "overbooked_shift":
      return t.overbookedShift(f.accepted ?? 0, f.needed ?? 0)
    case "likely_duplicate_signatures":
      return t.flagDuplicateSignatures(f.how_many)
    case "petition_text_changed":
      return t.flagPetitionText
    case "negative_stock":
      return t.flagNegativeStock(f.quantity ?? 0)
    case "banked_differs_from_cash":
      return t.flagBankedDiffers(money(f.banked_minor ?? 0, f.currency ?? ""), money(f.cash_minor ?? 0, f.currency ?? ""))
    default:
      return f.message
  }
}

/** The open flags of `list` (one document's, or every document's), each resolvable here. */
export function FlagRows({ flags, showDocument }: { flags: OpenFlag[]; showDocument?: boolean }) {
  const club = useClub()
  const { t, format } = useLocale()
  const [message, flash] = useFlash()
  const [resolving, setResolving] = useState<string>()
  const [note, setNote] = useState("")
  const [corrected, setCorrected] = useState(false)
  const coordinator = club.me.role === "coordinator"
  const key = (f: OpenFlag) => `${f.document}|${f.kind}|${f.records.join(",")}`

  const resolve = async (event: FormEvent, f: OpenFlag) => {
    event.preventDefault()
    try {
      const handle = club.sync.handle(f.document) ?? (await club.sync.open(f.document))
      const at = Date.now()
      const member = club.me.member_id
      if (!member) throw new Error(t.refuseMembershipNotHere)
      handle.change(d =>
        resolveFlag(d, { id: uuidv7(at), flag: f, how: corrected ? "corrected" : "explained", note, by: member, device: club.me.device_id, at })
      )
      setResolving(undefined)
      setNote("")
      setCorrected(false)
      flash(t.flagResolvedHere)
    } catch (err) {
      flash(refusalText(t, err), "error")
    }
  }

  return (
    <>
      <Flash testid="flags-message" message={message} />
      <ul data-testid="flag-list" className="rows flags">
        {flags.map(f => (
          <li key={key(f)} data-testid="flag" data-flag-kind={f.kind} data-document={f.document} className="row-item">
            <div className="row-main">
              {showDocument ? <span className="item-note">{f.document_title}</span> : null}
              <span className="flag">{flagText(t, (minor, currency) => format.money(minor, currency), f)}</span>
              {!f.resolvable ? <span className="item-note">{t.flagNeedsCount}</span> : null}
            </div>
            {coordinator && f.resolvable ? (
              resolving === key(f) ? (
                <form className="stack" onSubmit={e => void resolve(e, f)}>
                  <Field label={t.resolveNote}>
                    <textarea data-testid="flag-note" value={note} onChange={e => setNote(e.target.value)} rows={2} />
                  </Field>
                  <label className="check">
                    <input data-testid="flag-corrected" type="checkbox" checked={corrected} onChange={e => setCorrected(e.target.checked)} />
                    {t.resolveCorrected}
                  </label>
                  <div className="row">
                    <button data-testid="flag-resolve-save" type="submit">
                      {t.resolve}
                    </button>
                    <button className="secondary" type="button" onClick={() => setResolving(undefined)}>
                      {t.cancel}
                    </button>
                  </div>
                </form>
              ) : (
                <div className="row-actions no-print">
                  <button data-testid="flag-resolve" className="secondary" type="button" onClick={() => setResolving(key(f))}>
                    {t.resolve}
                  </button>
                </div>
              )
            ) : null}
          </li>
        ))}
      </ul>
    </>
  )
}

/** How long a record screen waits after its document last changed before asking for flags. */
const ASK_AFTER_CHANGE_MS = 1000

/**
 * The open flags of one document, on its screen (nothing when it has none). A flag comes from
 * records merged on the server, so the screen asks again once its document has changed (a
 * change synced from another device, or this phone's own records sent).
 */
export function RecordFlags({ id }: { id: string }) {
  const club = useClub()
  const { t } = useLocale()
  const [flags, refresh] = useClubFlags(club, true, id)
  const doc = club.sync.doc(id)
  const heads = doc ? A.getHeads(doc as A.Doc<unknown>).join(",") : ""
  const state = club.sync.status().state
  useEffect(() => {
    if (!heads || state !== "saved") return
    const timer = setTimeout(refresh, ASK_AFTER_CHANGE_MS)
    return () => clearTimeout(timer)
  }, [heads, state, refresh])
  const open = openIn(flags?.open ?? [], id, doc)
  if (open.length === 0) return null
  return (
    <section data-testid="record-flags" className="card flags no-print">
      <h2>{t.flagsHere(open.length)}</h2>
      <FlagRows flags={open} />
    </section>
  )
}
