/**
 * Devices, for coordinators: every device of the club with when it was last seen, and a lost
 * phone revoked in two taps ("Revoke", then "Yes, revoke ..."): its connections end at once and
 * it erases the club's records at its next connection.
 */
import { useCallback, useEffect, useState } from "react"

import { clubApi, type ClubDevice } from "../club-api"
import { Flash, useFlash } from "../components"
import { useClub } from "../club"
import { useLocale } from "../i18n"
import { failure, roleName } from "./members"

export function DevicesScreen() {
  const club = useClub()
  const { t, format } = useLocale()
  const [message, flash] = useFlash()
  const [devices, setDevices] = useState<ClubDevice[]>()
  const [confirming, setConfirming] = useState<string>()
  const me = club.me

  const reload = useCallback(() => {
    clubApi.devices(me).then(setDevices, e => flash(failure(t, e), "error"))
  }, [me, t, flash])
  useEffect(reload, [reload])

  const revoke = async (device: ClubDevice) => {
    setConfirming(undefined)
    try {
      await clubApi.revoke(me, device.id)
      flash(t.revokedDevice(device.name))
      reload()
    } catch (e) {
      flash(failure(t, e), "error")
    }
  }

  const when = (text: string) => format.shortTime(Date.parse(text))
  const seen = (d: ClubDevice) =>
    d.revoked_at ? t.revokedAt(when(d.revoked_at)) : d.open_connections > 0 ? t.connectedNow : d.last_seen_at ? t.lastSeen(when(d.last_seen_at)) : t.neverSeen

  return (
    <section data-testid="screen-devices" className="screen wide">
      <h1>{t.devices}</h1>
      <Flash testid="devices-message" message={message} />
      {devices === undefined ? <p className="loading">{t.loadingList}</p> : null}
      <ul data-testid="devices-list" className="rows">
        {(devices ?? []).map(d => (
          <li key={d.id} data-testid="device-row" data-device-id={d.id} data-device-name={d.name} data-revoked={d.revoked} className="row-item">
            <div className="row-main">
              <span className="item-title">{d.name}</span>
              <span className="item-note">
                {d.member_name} · {roleName(t, d.role)} · {seen(d)}
                {d.id === me.device_id ? ` · ${t.thisDevice}` : ""}
              </span>
            </div>
            {d.revoked || d.id === me.device_id ? null : (
              <div className="row-actions">
                {confirming === d.id ? (
                  <>
                    <button data-testid="device-revoke-confirm" className="danger" type="button" onClick={() => void revoke(d)}>
                      {t.confirmRevoke(d.name)}
                    </button>
                    <button className="secondary" type="button" onClick={() => setConfirming(undefined)}>
                      {t.cancel}
                    </button>
                  </>
                ) : (
                  <button data-testid="device-revoke" className="danger" type="button" onClick={() => setConfirming(d.id)}>
                    {t.revoke}
                  </button>
                )}
              </div>
            )}
          </li>
        ))}
      </ul>
      <div className="row nav">
        <button data-testid="back-home" className="secondary" type="button" onClick={() => club.navigate("#/home")}>
          {t.backHome}
        </button>
        <button data-testid="open-members" className="secondary" type="button" onClick={() => club.navigate("#/members")}>
          {t.members}
        </button>
      </div>
    </section>
  )
}
