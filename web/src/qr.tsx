/** A QR code of a text (an invite link), drawn as SVG squares for a phone's camera. */
import { encode } from "uqr"

export function QrCode({ text, testid, label }: { text: string; testid?: string; label: string }) {
  const { size, data } = encode(text, { ecc: "M", border: 2 })
  const squares: string[] = []
  data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) squares.push(`M${x} ${y}h1v1h-1z`)
    })
  )
  return (
    <svg
      data-testid={testid}
      className="qr"
      viewBox={`0 0 ${size} ${size}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={squares.join("")} fill="#000" />
    </svg>
  )
}
