/**
 * The coordinators' API (`/api/club/...`) and `GET /api/device`, called with this phone's
 * token. The shapes are the server's (`clubsync_protocol::club_api`); a refusal carries the
 * server's `error` code and message.
 */
import type { ClubFlags } from "./flags"
import type { Membership } from "./store"

export interface ClubMember {
  id: string
  display_name: string
  role: string
  age16plus: boolean
  created_at: string
  left_at: string | null
  active_devices: number
}

export interface ClubDevice {
  id: string
  name: string
  member_id: string
  member_name: string
  role: string
  created_at: string
  last_seen_at: string | null
  revoked: boolean
  revoked_at: string | null
  open_connections: number
}

export interface CreatedInvite {
  id: string
  code: string
  role: string
  name: string
  under_16: boolean
  member_id: string | null
  expires_at: string
}

export interface DeviceNow {
  device_id: string
  member_id: string
  role: string
  age16plus: boolean
}

/** A refusal of the server: its code (`revoked`, `last_coordinator`, ...) and message. */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

async function call<T>(me: Membership, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${me.token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const answer = await response.json().catch(() => ({}))
  if (!response.ok) throw new ApiRefusal(response.status, answer?.error ?? "unknown", answer?.message ?? `HTTP ${response.status}`)
  return answer as T
}

export const clubApi = {
  /** Any device of the club: the open flags and resolutions of its documents, or of one. */
  flags: (me: Membership, document?: string) =>
    call<ClubFlags>(me, "GET", document ? `/api/flags?document=${encodeURIComponent(document)}` : "/api/flags"),
  members: (me: Membership) => call<ClubMember[]>(me, "GET", "/api/club/members"),
  devices: (me: Membership) => call<ClubDevice[]>(me, "GET", "/api/club/devices"),
  invite: (me: Membership, invite: { role?: string; name?: string; under_16?: boolean; member_id?: string }) =>
    call<CreatedInvite>(me, "POST", "/api/club/invites", invite),
  updateMember: (me: Membership, id: string, change: { role?: string; age16plus?: boolean }) =>
    call<ClubMember>(me, "PATCH", `/api/club/members/${encodeURIComponent(id)}`, change),
  leave: (me: Membership, id: string) => call<{ member: ClubMember }>(me, "POST", `/api/club/members/${encodeURIComponent(id)}/leave`),
  revoke: (me: Membership, id: string) =>
    call<{ device: ClubDevice; closed_connections: number }>(me, "POST", `/api/club/devices/${encodeURIComponent(id)}/revoke`),
  setTimeZone: (me: Membership, time_zone: string) => call<unknown>(me, "PATCH", "/api/club", { time_zone }),
  deviceNow: (me: Membership) => call<DeviceNow>(me, "GET", "/api/device"),
}

/** The link that opens the app on a phone with an invite code filled in. */
export function joinLink(code: string): string {
  return `${location.origin}/app/#join=${encodeURIComponent(code)}`
}
