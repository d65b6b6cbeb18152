/**
 * The app: the sync indicator, and the screen of the route.
 *
 * Routes live in the hash, so a reload offline reopens the same screen: `#/home`,
 * `#/collection/<id>`, `#/counting/<id>`, `#/petition/<id>`; `#join=CODE` opens the join
 * screen with the code filled in.
 */
import { useState } from "react"
import { createPortal } from "react-dom"
import { Redirect, Route, Router, Switch } from "wouter"
import { navigate, useHashLocation } from "wouter/use-hash-location"

import { ClubContext, useClub } from "./club"
import { LocaleProvider } from "./i18n"
import { clubTimeZone } from "./schema"
import { BankingScreen } from "./screens/banking"
import { CollectionScreen } from "./screens/collection"
import { CountingScreen } from "./screens/counting"
import { DevicesScreen } from "./screens/devices"
import { EventScreen } from "./screens/event"
import { FlagsScreen } from "./screens/flags"
import { HomeScreen } from "./screens/home"
import { JoinAnotherClub, JoinScreen } from "./screens/join"
import { MembersScreen } from "./screens/members"
import { PermitScreen } from "./screens/permit"
import { PetitionScreen } from "./screens/petition"
import { SponsorshipScreen } from "./screens/sponsorship"
import { clubSession } from "./session"
import { membership, type Membership } from "./store"
import { SyncBar } from "./sync-bar"

function joinCodeFromHash(): string | undefined {
  const m = /(?:^#|[#&])join=([^&]*)/.exec(location.hash)
  return m ? decodeURIComponent(m[1]) : undefined
}

export function App({ bar }: { bar: HTMLElement }) {
  useHashLocation() // renders again when the hash changes
  const [me, setMe] = useState<Membership | undefined>(membership.get)
  const code = joinCodeFromHash()

  const joined = (m: Membership) => {
    // Added to this phone's clubs, and shown now; the others stay, each in its own database.
    membership.set(m)
    navigate("/home", { replace: true })
    // Another membership on this phone needs a fresh repo (another IndexedDB database).
    if (me) location.reload()
    else setMe(m)
  }

  if (!me) {
    return (
      <LocaleProvider>
        {createPortal(<SyncBar />, bar)}
        <JoinScreen prefill={code ?? ""} onJoined={joined} />
      </LocaleProvider>
    )
  }
  const club = clubSession(me, to => navigate(to))
  return (
    <ClubContext.Provider value={club}>
      <ClubLocale>
        {createPortal(<SyncBar />, bar)}
        {code !== undefined ? (
          // Already a member: a join link for another club replaces this phone's membership,
          // so the join screen first counts what this phone has not sent yet.
          <JoinAnotherClub prefill={code} onJoined={joined} keep={() => navigate("/home", { replace: true })} />
        ) : (
          <Screens />
        )}
      </ClubLocale>
    </ClubContext.Provider>
  )
}

/** The language layer, in the club's time zone once the club document is here. */
function ClubLocale({ children }: { children: React.ReactNode }) {
  const club = useClub()
  return <LocaleProvider timeZone={clubTimeZone(club.club())}>{children}</LocaleProvider>
}

function Screens() {
  return (
    <Router hook={useHashLocation}>
      <Switch>
        <Route path="/home" component={HomeScreen} />
        <Route path="/collection/:id">{({ id }) => <CollectionScreen key={id} id={id} />}</Route>
        <Route path="/counting/:id">{({ id }) => <CountingScreen key={id} id={id} />}</Route>
        <Route path="/banking/:id">{({ id }) => <BankingScreen key={id} id={id} />}</Route>
        <Route path="/permit/:id">{({ id }) => <PermitScreen key={id} id={id} />}</Route>
        <Route path="/sponsorship/:id">{({ id }) => <SponsorshipScreen key={id} id={id} />}</Route>
        <Route path="/petition/:id">{({ id }) => <PetitionScreen key={id} id={id} />}</Route>
        <Route path="/event/:id">{({ id }) => <EventScreen key={id} id={id} />}</Route>
        <Route path="/members" component={MembersScreen} />
        <Route path="/devices" component={DevicesScreen} />
        <Route path="/flags" component={FlagsScreen} />
        <Route>
          <Redirect to="/home" replace />
        </Route>
      </Switch>
    </Router>
  )
}
