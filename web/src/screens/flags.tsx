/**
 * The coordinators' list of flags (`#/flags`): every open flag of the club's documents, by
 * document, each resolvable with a note, and the resolutions made so far (who, when, how).
 */
import { useClub } from "../club"
import { FlagRows, useClubFlags } from "../flag-list"
import { openAll } from "../flags"
import { useLocale } from "../i18n"

export function FlagsScreen() {
  const club = useClub()
  const { t, format } = useLocale()
  const [flags, refresh] = useClubFlags(club)
  const open = openAll(flags?.open ?? [], id => club.sync.doc(id))

  return (
    <section data-testid="screen-flags" className="screen wide">
      <h1>{t.flags}</h1>
      {flags === null ? <p className="loading">{t.loadingList}</p> : null}
      {flags !== null && open.length === 0 ? (
        <p data-testid="no-flags" className="empty">
          {t.noFlags}
        </p>
      ) : null}
      <FlagRows flags={open} showDocument />
      <h2>{t.resolvedFlags}</h2>
      {(flags?.resolved ?? []).length === 0 ? <p className="empty">{t.noResolvedFlags}</p> : null}
      <ul data-testid="resolved-list" className="rows">
        {(flags?.resolved ?? []).map(r => (
          <li key={`${r.document}|${r.at}|${r.kind}`} data-testid="resolved-flag" className="row-item">
            <div className="row-main">
              <span className="item-title">
                {r.document_title} · {t.flagKindName(r.kind)}
              </span>
              <span className="item-note">{t.resolvedBy(r.by, format.shortTime(Date.parse(r.at)), r.how === "corrected")}</span>
              <span>{r.note}</span>
            </div>
          </li>
        ))}
      </ul>
      <div className="row nav">
        <button data-testid="back-home" className="secondary" type="button" onClick={() => club.navigate("#/home")}>
          {t.backHome}
        </button>
        <button data-testid="flags-refresh" className="secondary" type="button" onClick={refresh}>
          {t.refresh}
        </button>
      </div>
    </section>
  )
}
