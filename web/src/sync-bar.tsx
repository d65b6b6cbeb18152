/**
 * The always-visible sync indicator (`data-state` offline | syncing | saved, and the number of
 * records waiting) and what the server refused from this phone, with what was kept
 * (`src/refusal.ts`).
 */
import { useContext, useEffect, useSyncExternalStore } from "react"

import { ClubContext } from "./club"
import { useLocale } from "./i18n"
import { clubName } from "./schema"
import type { Sync } from "./sync"
import { exportUnsynced, notePending, waitedTooLong } from "./unsynced"

const nothing = () => () => undefined

export function SyncBar() {
  const sync = useContext(ClubContext)?.sync
  useSyncExternalStore(
    sync ? listener => sync.subscribe(listener) : nothing,
    () => sync?.version ?? 0
  )
  const { t, format } = useLocale()
  const { state, pending, loading } = sync?.status() ?? { state: "offline", pending: 0, loading: 0 }
  const text = !sync
    ? t.notJoined
    : state === "offline"
      ? t.offline
      : state === "syncing"
        ? t.syncing
        : loading > 0
          ? t.savedFetching
          : t.saved
  return (
    <>
      <div
        data-testid="sync-status"
        data-state={state}
        role="status"
        aria-live="polite"
        className={pending > 0 ? "has-pending" : undefined}
      >
        <span className="dot" aria-hidden="true" />
        <span className="sync-text">{text}</span>
        <span className="waiting">
          <span data-testid="pending-count">{format.number(pending)}</span>
          {t.waiting}
        </span>
      </div>
      {sync ? <Refusals sync={sync} /> : null}
      {sync ? <Waiting sync={sync} pending={pending} saved={state === "saved"} /> : null}
    </>
  )
}

/** A warning once records have waited a day, with a way to keep a copy of them. */
function Waiting({ sync, pending, saved }: { sync: Sync; pending: number; saved: boolean }) {
  const club = useContext(ClubContext)
  const { t } = useLocale()
  useEffect(() => notePending(pending, saved), [pending, saved])
  if (pending === 0 || !club || !waitedTooLong()) return null
  return (
    <div data-testid="unsynced-warning" className="error refusal" role="alert">
      <p>{t.waitedTooLong}</p>
      <button
        data-testid="export-unsynced"
        className="secondary"
        type="button"
        onClick={() => exportUnsynced(sync, club.me, clubName(club.club()))}
      >
        {t.exportUnsynced}
      </button>
    </div>
  )
}

function Refusals({ sync }: { sync: Sync }) {
  const { t } = useLocale()
  const latest = sync.refusals().at(-1)
  if (!latest) return <div data-testid="refusal-notice" className="error refusal" role="alert" hidden />
  const kept = latest.kept.length
  const outcome = latest.failed
    ? t.refusalNotFixed(latest.failed)
    : t.refusalKept(kept) + (latest.dropped.length ? t.refusalLeftOut : "")
  return (
    <div data-testid="refusal-notice" className="error refusal" role="alert">
      <p data-testid="refusal-text">
        {t.refusedChange(latest.why)}
        {outcome}
      </p>
      <ul data-testid="refusal-dropped">
        {latest.dropped.map((d, i) => (
          <li key={i} data-path={d.path}>
            {d.message}
          </li>
        ))}
      </ul>
      <button data-testid="refusal-ok" className="secondary" type="button" onClick={() => sync.dismissRefusals()}>
        {t.ok}
      </button>
    </div>
  )
}
