/**
 * A sponsored activity (`#/sponsorship/<id>`): the sheet (each sponsor, pledged, paid,
 * outstanding, Gift Aid), the door-to-door sponsor form (the Gift Aid declaration shown with its
 * wording), money received against a pledge, and the distance completed. Sponsors' names and
 * addresses are personal data: shown only on this screen.
 */
import { useEffect, useState, type FormEvent } from "react"

import { memberName, recordWriter, useClub } from "../club"
import { Field, Flash, useFlash } from "../components"
import { useLocale } from "../i18n"
import { uuidv7 } from "../ids"
import { parseAmount } from "../money"
import type { AnyDoc } from "../schema"
import { activityView, pledges, recordPayment, recordPledge, setDistance } from "../sponsorship"

export function SponsorshipScreen({ id }: { id: string }) {
  const club = useClub()
  const { t, format } = useLocale()
  const [message, flash] = useFlash()
  const [name, setName] = useState("")
  const [house, setHouse] = useState("")
  const [postcode, setPostcode] = useState("")
  const [amount, setAmount] = useState("")
  const [giftAid, setGiftAid] = useState(false)
  const [paying, setPaying] = useState<string>()
  const [paid, setPaid] = useState("")
  const [km, setKm] = useState("")
  useEffect(() => {
    club.sync.open(id).catch(() => undefined)
  }, [club, id])
  const doc: AnyDoc | undefined = club.sync.doc(id)
  const nav = (
    <div className="row nav no-print">
      <button data-testid="back-home" className="secondary" type="button" onClick={() => club.navigate("#/home")}>
        {t.backHome}
      </button>
    </div>
  )
  if (!doc) {
    return (
      <section data-testid="screen-sponsorship" className="screen">
        <h1>{t.sponsoredActivities}</h1>
        <p className="loading">{t.loadingList}</p>
        {nav}
      </section>
    )
  }
  const view = activityView(doc)
  const money = (minor: number) => format.money(minor, view.currency)
  const all = pledges(doc)
  const total = (f: (p: (typeof all)[number]) => number) => all.reduce((s, p) => s + f(p), 0)

  const write = recordWriter(club, id, t, flash)

  const addSponsor = (event: FormEvent) => {
    event.preventDefault()
    const minor = parseAmount(amount, view.currency)
    if (minor === null || minor <= 0) return flash(t.typeAmount(money(200)), "error")
    const at = Date.now()
    const text = (v: string) => (v.trim() ? v.trim() : undefined)
    if (
      write(
        d => recordPledge(d, { id: uuidv7(at), sponsorName: name.trim(), house: text(house), postcode: text(postcode), amountMinor: minor, currency: view.currency, giftAid, at }),
        t.pledgeSaved(name.trim(), money(minor))
      )
    ) {
      setName("")
      setHouse("")
      setPostcode("")
      setAmount("")
      setGiftAid(false)
    }
  }

  const pay = (event: FormEvent, pledge: string) => {
    event.preventDefault()
    const minor = parseAmount(paid, view.currency)
    if (minor === null || minor <= 0) return flash(t.typeAmount(money(1000)), "error")
    const at = Date.now()
    if (write(d => recordPayment(d, { id: uuidv7(at), pledge, amountMinor: minor, currency: view.currency, at, receivedBy: club.me.member_id, device: club.me.device_id }), t.paymentSaved(money(minor)))) {
      setPaying(undefined)
      setPaid("")
    }
  }

  const saveDistance = (event: FormEvent) => {
    event.preventDefault()
    const n = Number(km)
    if (write(d => setDistance(d, n), t.distanceSaved(n))) setKm("")
  }

  return (
    <section data-testid="screen-sponsorship" className="screen wide">
      <h1>{view.title}</h1>
      <p className="lead">
        {memberName(club, view.participant, t.memberShort)} · {t.pledgeUnitName(view.unit)}
        {view.unit === "per_km" ? ` · ${t.kmDone(view.unitsCompleted)}` : ""}
      </p>
      <div className="card figures">
        <p className="figure-line">
          {t.pledgedTotal} <span data-testid="sponsorship-pledged" data-minor={total(p => p.pledgedMinor)} className="figure">{money(total(p => p.pledgedMinor))}</span>
        </p>
        <p className="figure-line">
          {t.paidTotal} <span data-testid="sponsorship-paid" data-minor={total(p => p.paidMinor)} className="figure">{money(total(p => p.paidMinor))}</span>
        </p>
        <p className="figure-line">
          {t.outstandingTotal} <span data-testid="sponsorship-outstanding" data-minor={total(p => p.outstandingMinor)} className="figure">{money(total(p => p.outstandingMinor))}</span>
        </p>
      </div>
      <Flash testid="sponsorship-message" message={message} />
      <form className="stack card no-print" onSubmit={addSponsor}>
        <p className="figures-title">{t.addSponsor}</p>
        <Field label={t.sponsorName}>
          <input data-testid="sponsor-name" autoComplete="off" value={name} onChange={e => setName(e.target.value)} />
        </Field>
        <Field label={view.unit === "per_km" ? t.amountPerKm : t.amount}>
          <input data-testid="sponsor-amount" inputMode="decimal" autoComplete="off" value={amount} onChange={e => setAmount(e.target.value)} />
        </Field>
        <label className="check">
          <input data-testid="sponsor-gift-aid" type="checkbox" checked={giftAid} onChange={e => setGiftAid(e.target.checked)} />
          <span>{t.giftAidDeclaration}</span>
        </label>
        <Field label={t.sponsorHouse} hidden={!giftAid}>
          <input data-testid="sponsor-house" autoComplete="off" value={house} onChange={e => setHouse(e.target.value)} />
        </Field>
        <Field label={t.sponsorPostcode} hidden={!giftAid}>
          <input data-testid="sponsor-postcode" autoComplete="off" autoCapitalize="characters" value={postcode} onChange={e => setPostcode(e.target.value)} />
        </Field>
        <button data-testid="sponsor-save" className="primary" type="submit">
          {t.saveSponsor}
        </button>
      </form>
      {view.unit === "per_km" ? (
        <form className="row card no-print" onSubmit={saveDistance}>
          <Field label={t.kmCompleted}>
            <input data-testid="sponsorship-km" inputMode="numeric" value={km} onChange={e => setKm(e.target.value)} />
          </Field>
          <button data-testid="sponsorship-km-save" className="secondary" type="submit">
            {t.save}
          </button>
        </form>
      ) : null}
      <h2>{t.sponsors}</h2>
      <ul className="rows">
        {all.map(p => (
          <li key={p.id} data-testid="pledge-row" data-pledge-id={p.id} className="row-item">
            <div className="row-main">
              <span className="item-title">
                {p.sponsorName} · {money(p.pledgedMinor)}
                {p.giftAid ? ` · ${t.giftAid}` : ""}
              </span>
              <span className="item-note">{t.paidOutstanding(money(p.paidMinor), money(p.outstandingMinor))}</span>
            </div>
            {paying === p.id ? (
              <form className="row" onSubmit={e => pay(e, p.id)}>
                <input data-testid="pledge-paid-amount" inputMode="decimal" aria-label={t.amount} value={paid} onChange={e => setPaid(e.target.value)} />
                <button data-testid="pledge-paid-save" className="primary" type="submit">
                  {t.save}
                </button>
              </form>
            ) : (
              <div className="row-actions no-print">
                <button data-testid="pledge-pay" className="secondary" type="button" onClick={() => setPaying(p.id)}>
                  {t.recordPayment}
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      {nav}
    </section>
  )
}
