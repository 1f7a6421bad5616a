// Regular expressions from the config are anchored to the whole value they test, as in Envoy's
// safe_regex and Gloo: `/ratings/[0-9]+` must not also match `/ratings/1/admin`.

/** The compiled, anchored pattern, or the engine's reason it does not compile. */
export function compileAnchored(source: string, ignoreCase = false): { regex?: RegExp; problem?: string } {
  try {
    return { regex: new RegExp(`^(?:${source})$`, ignoreCase ? 'i' : '') }
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err)
    return { problem: `invalid regular expression ${JSON.stringify(source)}: ${reason}` }
  }
}
