// Which frames a process spends more on after some traffic than before: the counted instructions
// per request of each frame, after minus before, largest growth first. Pure, for the history mode
// of instructions.js.

/**
 * `before` and `after` are `[{ name, irPerRequest }]`; a frame missing from one side counts 0
 * there. Returns the `top` frames that grew most, `[{ name, before, after, growth }]`, leaving out
 * those that did not grow.
 */
export function framesGrown(before, after, top) {
  const was = new Map(before.map((f) => [f.name, f.irPerRequest]))
  const now = new Map(after.map((f) => [f.name, f.irPerRequest]))
  const names = new Set([...was.keys(), ...now.keys()])
  return [...names]
    .map((name) => ({ name, before: was.get(name) ?? 0, after: now.get(name) ?? 0 }))
    .map((f) => ({ ...f, growth: f.after - f.before }))
    .filter((f) => f.growth > 0)
    .sort((a, b) => b.growth - a.growth)
    .slice(0, top)
}
