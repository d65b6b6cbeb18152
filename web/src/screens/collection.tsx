/**
 * Collection mode: the whole collection's figures (every phone's donations), my tin, two-tap
 * donations, the running total of my tin, undo as a reversal, and returning the tin; money
 * outside tins and the list of donations, each undoable with a reason (`collection-money`). A tin not
 * issued to anyone can be issued to me with its seal number.
 *
 * The collection's figures read as core reads them (core/src/collection/donations.rs): a reversed
 * donation is left out; a donation into a tin is a tally of what collectors tapped, and the tin's
 * money enters the totals only through its count when the tin is opened, so the tally is shown
 * apart from the money outside tins and from what was counted, never added to them.
 */
import { useEffect, useMemo, useState, type FormEvent } from "react"

import { Field, Flash, useFlash } from "../components"
import { RecordFlags } from "../flag-list"
import { DonationList, OutsideTins } from "./collection-money"
import { PermitWarnings } from "./permit"
import { recordWriter, useClub } from "../club"
import { collectionFigures } from "../figures"
import { useLocale } from "../i18n"
import { uuidv7 } from "../ids"
import { denominationLabel, parseAmount, presets } from "../money"
import {
  activeCustody,
  byTime,
  custodyLog,
  donations,
  issueTin,
  recordTinDonation,
  returnTin,
  reverseDonation,
  str,
  tins,
  type AnyDoc,
} from "../schema"

export function CollectionScreen({ id }: { id: string }) {
  const club = useClub()
  const { t, format } = useLocale()
  const [message, flash] = useFlash()
  const [chosen, setChosen] = useState("")
  const [seal, setSeal] = useState("")
  const [custom, setCustom] = useState("")
  const [sealIntact, setSealIntact] = useState(true)
  const me = club.me.member_id

  useEffect(() => {
    club.sync.open(id).catch(() => undefined)
  }, [club, id])

  const doc: AnyDoc | undefined = club.sync.doc(id)
  // Read once per state of the document (a new object after each change), not per render: the
  // screen renders again for every notification of the sync engine, and a collection may hold
  // thousands of donations.
  const read = useMemo(
    () => {
      if (!doc) return undefined
      const all = donations(doc)
      return { figures: collectionFigures(doc, all), tins: tins(doc), log: custodyLog(doc), donations: all }
    },
    [doc]
  )
  if (!doc || !read) {
    return (
      <section data-testid="screen-collection" className="screen">
        <h1>{t.streetCollection}</h1>
        <p className="loading">{t.loadingCollection}</p>
        <Flash testid="collection-message" message={message} />
        <Nav id={id} />
      </section>
    )
  }

  const currency = str(doc.currency) ?? ""
  const money = (minor: number) => format.money(minor, currency)
  const f = read.figures

  // Tins: mine first, then the ones nobody has.
  const all = read.tins
  const open = new Map<number, string>()
  for (const c of read.log) if (c.returnedAt === undefined) open.set(c.tin, c.collector)
  const myTins = all.filter(tin => open.get(tin) === me)
  const free = all.filter(tin => !open.has(tin))
  const values = [...myTins, ...free].map(String)
  const selected = values.includes(chosen) ? chosen : (values[0] ?? "")
  const tin = selected === "" ? undefined : Number(selected)
  const active = tin === undefined ? undefined : activeCustody(doc, tin)
  const custody = active && active.collector === me ? active : undefined
  /** My donations in my current issue of the selected tin, not reversed. */
  const mine = custody ? byTime(read.donations.filter(x => x.custody === custody.id && x.collector === me && !x.reversed)) : []
  const last = mine.at(-1)

  const write = recordWriter(club, id, t, flash)

  const donate = (amountMinor: number) => {
    if (!custody) return
    const at = Date.now()
    write(
      x =>
        recordTinDonation(x, {
          id: uuidv7(at),
          tin: custody.tin,
          custody: custody.id,
          amountMinor,
          currency,
          at,
          collector: me,
          device: club.me.device_id,
        }),
      t.added(money(amountMinor), custody.tin)
    )
  }

  const take = (event: FormEvent) => {
    event.preventDefault()
    if (tin === undefined) return
    const at = Date.now()
    const collector = club.member()
    if (write(d => issueTin(d, { id: uuidv7(at), tin, collector, seal, issuedBy: me, at }), t.tinIsYours(tin, seal.trim()))) {
      setSeal("")
    }
  }

  const addCustom = (event: FormEvent) => {
    event.preventDefault()
    const amount = parseAmount(custom, currency)
    if (amount === null || amount <= 0) {
      flash(t.typeAmount(money(350)), "error")
      return
    }
    donate(amount)
    setCustom("")
  }

  const undo = () => {
    if (!last) return
    const at = Date.now()
    write(d => reverseDonation(d, { id: uuidv7(at), donation: last.id, reason: t.undoReason, by: me, at }), t.undone(money(last.amountMinor)))
  }

  const giveBack = () => {
    if (!custody) return
    const intact = sealIntact
    if (write(d => returnTin(d, custody.id, { at: Date.now(), to: me, sealIntact: intact }), t.returned(custody.tin, intact))) {
      setSealIntact(true)
      setChosen("")
    }
  }

  const readOnly = !club.canWrite
  const moneyProps = { currency, money, write, refuse: (text: string) => flash(text, "error") }
  return (
    <section data-testid="screen-collection" className="screen">
      <h1>{str(doc.title) ?? t.streetCollection}</h1>
      <PermitWarnings doc={doc} />
      {/* My tin first (the collector's one-handed controls stay at the top), then the whole collection. */}
      <div className="stack">
        <Field label={t.tin}>
          <select data-testid="tin-select" aria-label={t.tin} value={selected} onChange={e => setChosen(e.target.value)}>
            {myTins.length ? (
              <optgroup label={t.myTins}>
                {myTins.map(n => (
                  <option key={n} value={n}>
                    {t.tinMine(n)}
                  </option>
                ))}
              </optgroup>
            ) : null}
            {free.length ? (
              <optgroup label={t.freeTins}>
                {free.map(n => (
                  <option key={n} value={n}>
                    {t.tinNumber(n)}
                  </option>
                ))}
              </optgroup>
            ) : null}
          </select>
        </Field>
        <p className="empty" hidden={values.length > 0}>
          {t.noTinsFree}
        </p>
        <form className="stack card" hidden={!!custody || tin === undefined || open.has(tin)} onSubmit={take}>
          <p>{t.tinFree}</p>
          <Field label={t.sealNumber}>
            <input
              data-testid="issue-tin-seal"
              autoComplete="off"
              autoCapitalize="characters"
              placeholder="A-1043"
              value={seal}
              onChange={e => setSeal(e.target.value)}
            />
          </Field>
          <button data-testid="issue-tin-submit" className="primary" type="submit" disabled={readOnly}>
            {tin === undefined ? t.takeThisTin : t.takeTin(tin)}
          </button>
        </form>
        <div className="stack" hidden={!custody}>
          <p className="tin-label">{custody ? t.tinLabel(custody.tin, custody.seal, format.time(custody.issuedAt)) : null}</p>
          <p className="total-line">
            <span className="currency">{currency}</span>{" "}
            <span data-testid="tin-total" className="total">
              {money(mine.reduce((s, x) => s + x.amountMinor, 0))}
            </span>
          </p>
          <p className="sub">
            <span data-testid="donation-count">{format.number(mine.length)}</span>
            {t.donationsInTin}
          </p>
          <div className="presets">
            {presets(currency).map(minor => (
              <button
                key={minor}
                data-testid="amount-preset"
                data-amount-minor={minor}
                className="preset"
                type="button"
                disabled={readOnly}
                onClick={() => donate(minor)}
              >
                {denominationLabel(minor, currency)}
              </button>
            ))}
          </div>
          <form className="row" onSubmit={addCustom}>
            <input
              data-testid="amount-custom"
              inputMode="decimal"
              autoComplete="off"
              placeholder={t.amountPlaceholder(money(350))}
              aria-label={t.otherAmount}
              value={custom}
              onChange={e => setCustom(e.target.value)}
            />
            <button data-testid="amount-custom-submit" className="primary" type="submit" disabled={readOnly}>
              {t.add}
            </button>
          </form>
          <button data-testid="undo-last" className="secondary" type="button" disabled={!last || readOnly} onClick={undo}>
            {last ? t.undoLastAmount(money(last.amountMinor)) : t.undoLast}
          </button>
          <div className="card stack">
            <label className="check">
              <input data-testid="return-seal-intact" type="checkbox" checked={sealIntact} onChange={e => setSealIntact(e.target.checked)} />
              <span>{t.sealIntact}</span>
            </label>
            <button data-testid="return-tin" className="danger" type="button" disabled={readOnly} onClick={giveBack}>
              {t.returnTin}
            </button>
          </div>
        </div>
        <OutsideTins {...moneyProps} />
        <div data-testid="collection-figures" className="card figures" role="group" aria-label={t.wholeCollectionLabel}>
          <p className="figures-title">{t.wholeCollection}</p>
          <p className="figure-line">
            <span data-testid="collection-donation-count" className="figure">
              {format.number(f.recorded)}
            </span>
            <span>
              {t.donationsRecorded(f.recorded)}
              {f.outside ? t.inTinsOutside(f.inTins, f.outside) : ""}
            </span>
          </p>
          <p className="figure-line">
            <span>{currency}</span>{" "}
            <span data-testid="collection-tally-total" className="figure">
              {money(f.tallyMinor)}
            </span>
            {t.talliedInTins}
          </p>
          <p className="figure-line" hidden={f.outside === 0}>
            <span>{currency}</span>{" "}
            <span data-testid="collection-outside-total" className="figure">
              {money(f.outsideMinor)}
            </span>
            {t.outsideTins}
          </p>
          <p className="figure-line" hidden={f.countedTins === 0}>
            <span>{currency}</span>{" "}
            <span data-testid="collection-counted-total" className="figure">
              {money(f.countedMinor)}
            </span>
            {t.countedFrom}
            <span>{t.tins(f.countedTins)}</span>
          </p>
          <p className="figure-line" hidden={f.postClose === 0}>
            <span data-testid="collection-post-close" className="figure">
              {t.entries(f.postClose)}
            </span>
            {t.postClose}
          </p>
          <p className="hint">{t.tallyHint}</p>
        </div>
      </div>
      <Flash testid="collection-message" message={message} />
      <DonationList {...moneyProps} all={read.donations} />
      <RecordFlags id={id} />
      <Nav id={id} />
    </section>
  )
}

/** Home, and the collection's counting. */
function Nav({ id }: { id: string }) {
  const club = useClub()
  const { t } = useLocale()
  return (
    <div className="row nav">
      <button data-testid="back-home" className="secondary" type="button" onClick={() => club.navigate("#/home")}>
        {t.backHome}
      </button>
      <button data-testid="open-counting" className="secondary" type="button" onClick={() => club.navigate(`#/counting/${id}`)}>
        {t.counting}
      </button>
      <button data-testid="open-permit" className="secondary" type="button" onClick={() => club.navigate(`#/permit/${id}`)}>
        {t.showPermit}
      </button>
      {club.me.role === "coordinator" ? (
        <button data-testid="open-banking" className="secondary" type="button" onClick={() => club.navigate(`#/banking/${id}`)}>
          {t.openBanking}
        </button>
      ) : null}
    </div>
  )
}
