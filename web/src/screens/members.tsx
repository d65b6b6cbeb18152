/**
 * Members, for coordinators: invite someone (a code, a link and a QR code for their phone),
 * another device for a member (a coordinator's laptop), a role changed, "now 16", a member
 * who leaves (two taps: their devices are revoked). Everything goes through the server's
 * coordinators' API, so this screen needs a connection.
 */
import { useCallback, useEffect, useState, type FormEvent } from "react"

import { ApiRefusal, clubApi, joinLink, type ClubMember, type CreatedInvite } from "../club-api"
import { Field, Flash, useFlash } from "../components"
import { useClub } from "../club"
import { useLocale } from "../i18n"
import type { Messages } from "../i18n/en"
import { QrCode } from "../qr"

const ROLES = ["volunteer", "coordinator", "observer"] as const

/** The role as the screen says it. */
export function roleName(t: Messages, role: string): string {
  return role === "coordinator" ? t.roleCoordinator : role === "observer" ? t.roleObserver : role === "volunteer" ? t.roleVolunteer : role
}

/** What to show for a failed call: the server's message, or that a connection is needed. */
export function failure(t: Messages, e: unknown): string {
  return e instanceof ApiRefusal ? e.message : t.needsConnection
}

export function MembersScreen() {
  const club = useClub()
  const { t, format } = useLocale()
  const [message, flash] = useFlash()
  const [members, setMembers] = useState<ClubMember[]>()
  const [invite, setInvite] = useState<CreatedInvite>()
  const [name, setName] = useState("")
  const [role, setRole] = useState<string>("volunteer")
  const [under16, setUnder16] = useState(false)
  const [leaving, setLeaving] = useState<string>()
  const me = club.me

  const reload = useCallback(() => {
    clubApi.members(me).then(setMembers, e => flash(failure(t, e), "error"))
  }, [me, t, flash])
  useEffect(reload, [reload])

  const act = async (work: () => Promise<string>) => {
    try {
      flash(await work())
      reload()
    } catch (e) {
      flash(failure(t, e), "error")
    }
  }

  const makeInvite = (event: FormEvent) => {
    event.preventDefault()
    void act(async () => {
      const made = await clubApi.invite(me, { role, name, under_16: under16 })
      setInvite(made)
      setName("")
      setUnder16(false)
      return t.inviteFor(made.name)
    })
  }

  const when = (text: string) => format.shortTime(Date.parse(text))
  const current = (members ?? []).filter(m => !m.left_at)
  const former = (members ?? []).filter(m => m.left_at)

  return (
    <section data-testid="screen-members" className="screen wide">
      <h1>{t.members}</h1>
      {invite ? <InviteCard invite={invite} /> : null}
      <form className="stack card" onSubmit={makeInvite}>
        <h2>{t.inviteTitle}</h2>
        <Field label={t.inviteName}>
          <input data-testid="invite-name" autoComplete="off" placeholder={t.inviteNamePlaceholder} value={name} onChange={e => setName(e.target.value)} />
        </Field>
        <Field label={t.roleLabel}>
          <select data-testid="invite-role" value={role} onChange={e => setRole(e.target.value)}>
            {ROLES.map(r => (
              <option key={r} value={r}>
                {roleName(t, r)}
              </option>
            ))}
          </select>
        </Field>
        <label className="check">
          <input data-testid="invite-under-16" type="checkbox" checked={under16} onChange={e => setUnder16(e.target.checked)} />
          <span>{t.under16}</span>
        </label>
        <button data-testid="invite-submit" className="primary" type="submit">
          {t.makeInvite}
        </button>
      </form>
      <Flash testid="members-message" message={message} />
      {members === undefined ? <p className="loading">{t.loadingList}</p> : null}
      <ul data-testid="members-list" className="rows">
        {current.map(m => (
          <li key={m.id} data-testid="member-row" data-member-id={m.id} data-member-name={m.display_name} className="row-item">
            <div className="row-main">
              <span className="item-title">{m.display_name}</span>
              <span className="item-note">
                {roleName(t, m.role)} · {t.activeDevices(m.active_devices)}
                {m.age16plus ? "" : ` · ${t.notAdult}`}
              </span>
            </div>
            <div className="row-actions">
              <select
                data-testid="member-role"
                aria-label={t.roleLabel}
                value={m.role}
                onChange={e => {
                  const next = e.target.value
                  void act(async () => {
                    const changed = await clubApi.updateMember(me, m.id, { role: next })
                    return t.roleChanged(changed.display_name, roleName(t, changed.role))
                  })
                }}
              >
                {ROLES.map(r => (
                  <option key={r} value={r}>
                    {roleName(t, r)}
                  </option>
                ))}
              </select>
              {m.age16plus ? null : (
                <button
                  data-testid="member-adult"
                  className="secondary"
                  type="button"
                  onClick={() => void act(async () => t.markedAdult((await clubApi.updateMember(me, m.id, { age16plus: true })).display_name))}
                >
                  {t.markAdult}
                </button>
              )}
              <button
                data-testid="member-add-device"
                className="secondary"
                type="button"
                onClick={() =>
                  void act(async () => {
                    const made = await clubApi.invite(me, { member_id: m.id })
                    setInvite(made)
                    return t.inviteDeviceFor(made.name)
                  })
                }
              >
                {t.addDevice}
              </button>
              {leaving === m.id ? (
                <>
                  <button
                    data-testid="member-leave-confirm"
                    className="danger"
                    type="button"
                    onClick={() =>
                      void act(async () => {
                        setLeaving(undefined)
                        return t.left((await clubApi.leave(me, m.id)).member.display_name)
                      })
                    }
                  >
                    {t.confirmLeave(m.display_name)}
                  </button>
                  <button className="secondary" type="button" onClick={() => setLeaving(undefined)}>
                    {t.cancel}
                  </button>
                </>
              ) : (
                <button data-testid="member-leave" className="secondary" type="button" onClick={() => setLeaving(m.id)}>
                  {t.leaveClub}
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
      {former.length ? (
        <>
          <h2>{t.former}</h2>
          <ul className="rows">
            {former.map(m => (
              <li key={m.id} data-testid="former-row" data-member-name={m.display_name} className="row-item">
                <span className="item-title">{m.display_name}</span>
                <span className="item-note">{t.formerMember(when(m.left_at!))}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <div className="row nav">
        <button data-testid="back-home" className="secondary" type="button" onClick={() => club.navigate("#/home")}>
          {t.backHome}
        </button>
        <button data-testid="open-devices" className="secondary" type="button" onClick={() => club.navigate("#/devices")}>
          {t.devices}
        </button>
      </div>
    </section>
  )
}

/** A new invite: its code, its link and the link's QR code. */
function InviteCard({ invite }: { invite: CreatedInvite }) {
  const { t, format } = useLocale()
  const [message, flash] = useFlash()
  const link = joinLink(invite.code)
  return (
    <div data-testid="invite-result" className="card stack invite">
      <p className="big">{invite.member_id ? t.inviteDeviceFor(invite.name) : t.inviteFor(invite.name)}</p>
      <QrCode testid="invite-qr" text={link} label={link} />
      <p data-testid="invite-code" className="code">
        {invite.code}
      </p>
      <a data-testid="invite-link" href={link} className="link">
        {link}
      </a>
      <button
        className="secondary"
        type="button"
        onClick={() => navigator.clipboard?.writeText(link).then(() => flash(t.linkCopied), () => undefined)}
      >
        {t.copyLink}
      </button>
      <p className="hint">
        {t.inviteExpires(format.shortTime(Date.parse(invite.expires_at)))}. {t.inviteOnce}
      </p>
      <Flash message={message} />
    </div>
  )
}
