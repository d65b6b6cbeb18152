/**
 * Join a club with an invite code (typed, or from a `/app/#join=CODE` link).
 *
 * A phone that is already a member and opens a join link adds the other club: each club keeps
 * its own records on the phone (its own database), and home switches between them. The screen
 * says what the current club still has to send (sent once the phone shows that club again), and
 * the user can keep to their current club instead.
 */
import { useState, type FormEvent } from "react"

import { Field } from "../components"
import { useClub } from "../club"
import { useLocale } from "../i18n"
import { removedFrom } from "../erase"
import { clubName } from "../schema"
import type { Membership } from "../store"
import type { SyncStatus } from "../sync"

/** What the screen needs to know of the membership a join would replace. */
export interface CurrentMembership {
  club: string
  /** True once the club's records held on this phone are loaded and counted. */
  counted: boolean
  status: SyncStatus
  keep(): void
}

const DEVICE_NAME = "clubsync.device-name"

export function JoinScreen({ prefill, onJoined, current }: { prefill: string; onJoined(m: Membership): void; current?: CurrentMembership }) {
  const { t } = useLocale()
  const [code, setCode] = useState(prefill)
  const [name, setName] = useState(() => localStorage.getItem(DEVICE_NAME) ?? "")
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const [removed, setRemoved] = useState(removedFrom.get)

  /** What the phone holds of its current club, said before joining another (which adds a club). */
  let held: string | undefined
  if (current) {
    const { pending, loading } = current.status
    held = pending > 0 ? t.joinHeld(pending, current.club) : loading > 0 || !current.counted ? t.joinChecking(current.club) : undefined
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    const invite = code.trim()
    const device_name = name.trim()
    if (!invite || !device_name) {
      setError(!invite ? t.typeInvite : t.nameDevice)
      return
    }
    setBusy(true)
    try {
      const response = await fetch("/api/join", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ invite, device_name }),
      })
      const body = await response.json().catch(() => ({}))
      if (!response.ok) throw new Error(body?.message ?? t.serverRefused(response.status))
      localStorage.setItem(DEVICE_NAME, device_name)
      onJoined({ ...(body as Omit<Membership, "device_name">), device_name })
    } catch (e) {
      const offline = e instanceof TypeError || !navigator.onLine
      setError(offline ? t.cannotReach : (e as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section data-testid="screen-join" className="screen">
      <h1>{t.joinTitle}</h1>
      <p className="lead">{t.joinLead}</p>
      {removed ? (
        <div data-testid="removed-notice" className="error refusal" role="alert">
          <p>{t.removedFrom(removed)}</p>
          <button
            className="secondary"
            type="button"
            onClick={() => {
              removedFrom.clear()
              setRemoved(null)
            }}
          >
            {t.ok}
          </button>
        </div>
      ) : null}
      <div data-testid="join-unsynced" className="error refusal" role="alert" hidden={!current}>
        <p data-testid="join-unsynced-text">{current ? (held ?? t.joinReplaces(current.club)) : null}</p>
        <button data-testid="join-keep" className="secondary" type="button" onClick={() => current?.keep()}>
          {t.keepClub}
        </button>
      </div>
      <form className="stack" onSubmit={submit}>
        <Field label={t.inviteCode} hint={t.inviteCodeHint}>
          <input
            data-testid="join-code"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            placeholder="K7QM-X2PA-9FTR-WXYZ3"
            required
            value={code}
            onChange={e => setCode(e.target.value)}
          />
        </Field>
        <Field label={t.deviceName} hint={t.deviceNameHint}>
          <input
            data-testid="join-device-name"
            autoComplete="off"
            placeholder={t.deviceNamePlaceholder}
            required
            value={name}
            onChange={e => setName(e.target.value)}
          />
        </Field>
        <p data-testid="join-error" className="error" role="alert" hidden={!error}>
          {error}
        </p>
        <button data-testid="join-submit" className="primary" type="submit" disabled={busy}>
          {busy ? t.joining : t.joinSubmit}
        </button>
      </form>
    </section>
  )
}

/** The join screen on a phone that is already a member: it counts what this phone has not sent yet. */
export function JoinAnotherClub({ prefill, onJoined, keep }: { prefill: string; onJoined(m: Membership): void; keep(): void }) {
  const club = useClub()
  const current: CurrentMembership = {
    club: clubName(club.club()),
    counted: club.club() !== undefined,
    status: club.sync.status(),
    keep,
  }
  return <JoinScreen prefill={prefill} onJoined={onJoined} current={current} />
}
