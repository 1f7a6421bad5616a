// The loaded config is shared by every request: freezing it makes an accidental write throw (in
// strict mode) instead of silently changing behaviour for everyone.

/** Freezes objects, arrays and Maps recursively; a frozen Map also refuses set/delete/clear. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k)
      deepFreeze(v)
    }
    freezeMap(value)
  } else {
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return Object.freeze(value)
}

function freezeMap(map: Map<unknown, unknown>): void {
  const refuse = (): never => {
    throw new TypeError('the loaded configuration is frozen')
  }
  Object.defineProperties(map, {
    set: { value: refuse },
    delete: { value: refuse },
    clear: { value: refuse },
  })
}
