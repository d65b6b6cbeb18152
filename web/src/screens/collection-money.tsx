/**
 * The collection screen's money outside tins and its list of donations: a card payment on the
 * club's reader, money given online or by QR code, cash handed over outside a tin, anything
 * else (a cheque); and the donations recorded (a collector's own, every one for a
 * coordinator), each of which can be undone with a reason (a reversal: the donation stays,
 * out of every total).
 */
import { useMemo, useState, type FormEvent } from "react"

import { memberName, useClub } from "../club"
import { Field } from "../components"
import { useLocale } from "../i18n"
import { uuidv7 } from "../ids"
import { parseAmount } from "../money"
import { OUTSIDE_SOURCES, recordDonation, reverseDonation, type AnyDoc, type Donation } from "../schema"

/** How many donations the list shows, newest first. */
const LISTED = 30

interface Props {
  currency: string
  money: (minor: number) => string
  /** Writes one record into the collection; false when refused (the screen says why). */
  write: (what: (d: AnyDoc) => void, ok: string) => boolean
  /** Shows a refusal that came before any write (an amount that does not read). */
  refuse: (text: string) => void
}

/** Money outside tins: source, amount and an optional note. */
export function OutsideTins({ currency, money, write, refuse }: Props) {
  const club = useClub()
  const { t } = useLocale()
  const [source, setSource] = useState<string>("card")
  const [amount, setAmount] = useState("")
  const [note, setNote] = useState("")
  const me = club.me.member_id

  const record = (event: FormEvent) => {
    event.preventDefault()
    const minor = parseAmount(amount, currency)
    if (minor === null || minor <= 0) return refuse(t.typeAmount(money(350)))
    const at = Date.now()
    const text = note.trim()
    const saved = write(
      d =>
        recordDonation(d, {
          id: uuidv7(at),
          source,
          amountMinor: minor,
          currency,
          at,
          collector: me,
          device: club.me.device_id,
          note: text ? text : undefined,
        }),
      t.recordedOutside(money(minor), t.sourceName(source))
    )
    if (saved) {
      setAmount("")
      setNote("")
    }
  }

  return (
    <form data-testid="outside-tins" className="stack card" onSubmit={record}>
      <p className="figures-title">{t.moneyOutsideTins}</p>
      <div className="stack">
        <Field label={t.source}>
          <select data-testid="outside-source" value={source} onChange={e => setSource(e.target.value)}>
            {OUTSIDE_SOURCES.map(s => (
              <option key={s} value={s}>
                {t.sourceName(s)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t.amount}>
          <input
            data-testid="outside-amount"
            inputMode="decimal"
            autoComplete="off"
            placeholder={t.amountPlaceholder(money(350))}
            value={amount}
            onChange={e => setAmount(e.target.value)}
          />
        </Field>
      </div>
      <Field label={t.noteOptional}>
        <input data-testid="outside-note" autoComplete="off" value={note} onChange={e => setNote(e.target.value)} />
      </Field>
      <button data-testid="outside-submit" className="primary" type="submit" disabled={!club.canWrite}>
        {t.recordMoney}
      </button>
    </form>
  )
}

/** The donations recorded (mine; a coordinator's list has everyone's), each undoable with a reason. */
export function DonationList({ all, money, write }: Props & { all: Donation[] }) {
  const club = useClub()
  const { t, format } = useLocale()
  const [undoing, setUndoing] = useState<string>()
  const [reason, setReason] = useState("")
  const me = club.me.member_id
  const everyone = club.me.role === "coordinator"
  const shown = useMemo(
    () =>
      all
        .filter(d => everyone || d.collector === me)
        .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
        .slice(0, LISTED),
    [all, everyone, me]
  )
  if (shown.length === 0) return null

  const undo = (event: FormEvent, d: Donation) => {
    event.preventDefault()
    const at = Date.now()
    if (write(x => reverseDonation(x, { id: uuidv7(at), donation: d.id, reason, by: me, at }), t.undone(money(d.amountMinor)))) {
      setUndoing(undefined)
      setReason("")
    }
  }

  return (
    <section data-testid="donation-list" className="card stack">
      <p className="figures-title">{everyone ? t.donationsEveryone : t.donationsMine}</p>
      <ul className="rows">
        {shown.map(d => (
          <li key={d.id} data-testid="donation-row" data-donation-id={d.id} data-reversed={d.reversed} className="row-item">
            <div className="row-main">
              <span className={d.reversed ? "item-title reversed" : "item-title"}>
                {money(d.amountMinor)} · {d.tin !== undefined ? t.tinNumber(d.tin) : t.sourceName(d.source)}
              </span>
              <span className="item-note">
                {format.time(d.at)}
                {everyone ? ` · ${memberName(club, d.collector, t.memberShort)}` : ""}
                {d.note ? ` · ${d.note}` : ""}
                {d.reversed ? ` · ${t.reversedMark}` : ""}
              </span>
            </div>
            {d.reversed || !club.canWrite ? null : undoing === d.id ? (
              <form className="stack" onSubmit={e => undo(e, d)}>
                <Field label={t.undoWhy}>
                  <input data-testid="donation-undo-reason" autoComplete="off" value={reason} onChange={e => setReason(e.target.value)} />
                </Field>
                <div className="row">
                  <button data-testid="donation-undo-confirm" className="danger" type="submit">
                    {t.undoThis(money(d.amountMinor))}
                  </button>
                  <button className="secondary" type="button" onClick={() => setUndoing(undefined)}>
                    {t.cancel}
                  </button>
                </div>
              </form>
            ) : (
              <div className="row-actions">
                <button data-testid="donation-undo" className="secondary" type="button" onClick={() => setUndoing(d.id)}>
                  {t.undo}
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}
