/**
 * A collection's banking (`#/banking/<id>`), for coordinators on a laptop or a phone: what there
 * is to bank (the tins' counts and cash handed over outside tins), deposits with their
 * paying-in slips, expenses with their receipts, remittances to the NGO, and reconciling once
 * the bank holds the cash, or with a reasoned difference (which stays flagged). Every figure is
 * read as core reads it (`figures.ts`, `ledger.ts`).
 */
import { useEffect, useMemo, useState, type FormEvent } from "react"

import { memberName, recordWriter, useClub } from "../club"
import { Field, Flash, useFlash } from "../components"
import { collectionFigures } from "../figures"
import { useLocale } from "../i18n"
import { uuidv7 } from "../ids"
import { collectionStage, ledgerEntries, reconcile, reconcilable, recordLedgerEntry } from "../ledger"
import { parseAmount } from "../money"
import { refusalText, str, type AnyDoc } from "../schema"

const KINDS = ["deposit", "expense", "remittance"] as const

export function BankingScreen({ id }: { id: string }) {
  const club = useClub()
  const { t, format } = useLocale()
  const [message, flash] = useFlash()
  const [kind, setKind] = useState<string>("deposit")
  const [amount, setAmount] = useState("")
  const [reference, setReference] = useState("")
  const [note, setNote] = useState("")
  const [reason, setReason] = useState("")

  useEffect(() => {
    club.sync.open(id).catch(() => undefined)
  }, [club, id])
  const doc: AnyDoc | undefined = club.sync.doc(id)
  const read = useMemo(() => (doc ? { f: collectionFigures(doc), ledger: ledgerEntries(doc), stage: collectionStage(doc) } : undefined), [doc])
  const back = (
    <div className="row nav no-print">
      <button data-testid="back-collection" className="secondary" type="button" onClick={() => club.navigate(`#/collection/${id}`)}>
        {t.backToCollection}
      </button>
      <button data-testid="back-home" className="secondary" type="button" onClick={() => club.navigate("#/home")}>
        {t.backHome}
      </button>
    </div>
  )
  if (!doc || !read) {
    return (
      <section data-testid="screen-banking" className="screen">
        <h1>{t.banking}</h1>
        <p className="loading">{t.loadingCollection}</p>
        {back}
      </section>
    )
  }
  const { f, ledger, stage } = read
  const currency = str(doc.currency) ?? ""
  const money = (minor: number) => format.money(minor, currency)
  const coordinator = club.me.role === "coordinator"
  const reconciled = stage === "reconciled" || stage === "return_submitted"
  const difference = f.bankedMinusCashMinor

  const write = recordWriter(club, id, t, flash)

  const add = (event: FormEvent) => {
    event.preventDefault()
    const minor = parseAmount(amount, currency)
    if (minor === null || minor <= 0) return flash(t.typeAmount(money(350)), "error")
    if (kind === "expense" && !note.trim()) return flash(t.expenseFor, "error")
    const at = Date.now()
    const text = note.trim()
    const ref = reference.trim()
    const saved = write(
      d =>
        recordLedgerEntry(d, {
          id: uuidv7(at),
          kind,
          amountMinor: minor,
          currency,
          reference: ref ? ref : undefined,
          createdBy: club.me.member_id,
          device: club.me.device_id,
          at,
          note: text ? text : undefined,
        }),
      t.ledgerSaved(t.ledgerKindName(kind), money(minor))
    )
    if (saved) {
      setAmount("")
      setReference("")
      setNote("")
    }
  }

  const markReconciled = () => {
    const at = Date.now()
    const handle = club.sync.handle(id)
    if (!handle) return
    try {
      if (difference !== 0 && !reconcilable(doc)) {
        if (!reason.trim()) throw new Error(t.refuseDifferenceReason)
        // The difference and the status: one record per change, as every writer does.
        handle.change(d =>
          recordLedgerEntry(d, {
            id: uuidv7(at),
            kind: "difference",
            amountMinor: Math.abs(difference),
            currency,
            createdBy: club.me.member_id,
            device: club.me.device_id,
            at,
            note: reason.trim(),
          })
        )
      }
      handle.change(d => reconcile(d, at))
      setReason("")
      flash(t.reconciledNow)
    } catch (e) {
      flash(refusalText(t, e), "error")
    }
  }

  const line = (label: string, minor: number, testid: string, check = false) => (
    <p className="figure-line">
      <span>{label}</span>{" "}
      <span data-testid={testid} data-minor={minor} className={check && minor !== 0 ? "figure flag" : "figure"}>
        {money(minor)}
      </span>
    </p>
  )

  return (
    <section data-testid="screen-banking" className="screen wide">
      <h1>
        {t.banking} · {str(doc.title) ?? t.streetCollection}
      </h1>
      <p className="lead">
        <span data-testid="banking-status" className="status">
          {t.stageName(stage)}
        </span>
      </p>
      <div className="card figures">
        {line(t.countedFromTins, f.countedMinor, "bank-counted")}
        {line(t.cashOutsideTins, f.cashOutsideMinor, "bank-cash-outside")}
        {line(t.cashToBank, f.cashToBankMinor, "bank-to-bank")}
        {line(t.banked, f.bankedMinor, "bank-banked")}
        {line(t.bankedMinusCash, difference, "bank-difference", true)}
        {line(t.expenses, f.expensesMinor, "bank-expenses")}
        {line(t.remitted, f.remittedMinor, "bank-remitted")}
        {line(t.remittedMinusDue, f.remittedMinusDueMinor, "bank-due", true)}
      </div>
      <Flash testid="banking-message" message={message} />
      {coordinator ? (
        <form className="stack card no-print" onSubmit={add}>
          <Field label={t.ledgerKind}>
            <select data-testid="bank-kind" value={kind} onChange={e => setKind(e.target.value)}>
              {KINDS.map(k => (
                <option key={k} value={k}>
                  {t.ledgerKindName(k)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t.amount}>
            <input data-testid="bank-amount" inputMode="decimal" autoComplete="off" placeholder={t.amountPlaceholder(money(10550))} value={amount} onChange={e => setAmount(e.target.value)} />
          </Field>
          <Field label={t.ledgerReference(kind)}>
            <input data-testid="bank-reference" autoComplete="off" value={reference} onChange={e => setReference(e.target.value)} />
          </Field>
          <Field label={kind === "expense" ? t.expenseWhat : t.noteOptional}>
            <input data-testid="bank-note" autoComplete="off" value={note} onChange={e => setNote(e.target.value)} />
          </Field>
          <button data-testid="bank-submit" className="primary" type="submit">
            {t.recordMoney}
          </button>
        </form>
      ) : null}
      {coordinator && !reconciled ? (
        <div className="stack card no-print">
          {difference !== 0 ? (
            <Field label={t.differenceWhy(money(Math.abs(difference)))}>
              <input data-testid="bank-difference-reason" autoComplete="off" value={reason} onChange={e => setReason(e.target.value)} />
            </Field>
          ) : null}
          <button data-testid="bank-reconcile" className="secondary" type="button" onClick={markReconciled}>
            {t.markReconciled}
          </button>
        </div>
      ) : null}
      <h2>{t.ledger}</h2>
      {ledger.length === 0 ? <p className="empty">{t.noLedger}</p> : null}
      <ul className="rows">
        {ledger.map(e => (
          <li key={e.id} data-testid="ledger-row" data-kind={e.kind} className="row-item">
            <div className="row-main">
              <span className={e.reversed ? "item-title reversed" : "item-title"}>
                {t.ledgerKindName(e.kind)} · {money(e.amountMinor)}
              </span>
              <span className="item-note">
                {format.dayTime(e.at)} · {memberName(club, e.createdBy, t.memberShort)}
                {e.reference ? ` · ${e.reference}` : ""}
                {e.note ? ` · ${e.note}` : ""}
              </span>
            </div>
          </li>
        ))}
      </ul>
      {back}
    </section>
  )
}
