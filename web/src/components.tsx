/** The pieces many screens use: a labelled field, and a short message that fades. */
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react"

/** A labelled form field: the label wraps the input so the whole row is a touch target. */
export function Field({
  label,
  hint,
  children,
  hidden,
  className,
}: {
  label: string
  hint?: string
  children: ReactNode
  hidden?: boolean
  className?: string
}) {
  return (
    <label className={className ? `field ${className}` : "field"} hidden={hidden}>
      <span className="label">{label}</span>
      {children}
      {hint ? <span className="hint">{hint}</span> : null}
    </label>
  )
}

export type FlashKind = "ok" | "error"

/** A message shown after an action: an "ok" fades after four seconds, an error stays. */
export function useFlash(): [{ text: string; kind: FlashKind } | undefined, (text: string, kind?: FlashKind) => void, () => void] {
  const [message, setMessage] = useState<{ text: string; kind: FlashKind; at: number }>()
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined)
  const flash = useCallback((text: string, kind: FlashKind = "ok") => {
    clearTimeout(timer.current)
    setMessage({ text, kind, at: Date.now() })
    if (kind === "ok") timer.current = setTimeout(() => setMessage(undefined), 4000)
  }, [])
  const clear = useCallback(() => setMessage(undefined), [])
  useEffect(() => () => clearTimeout(timer.current), [])
  return [message, flash, clear]
}

/** Where a screen's flash shows (`data-testid` of the screen's message). */
export function Flash({ testid, message }: { testid?: string; message: { text: string; kind: FlashKind } | undefined }) {
  return (
    <p data-testid={testid} className={message ? `flash ${message.kind}` : "flash"} hidden={!message} role="status">
      {message?.text}
    </p>
  )
}
