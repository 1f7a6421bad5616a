// Calls back, debounced, when the configuration file changes. It watches the file's DIRECTORY,
// not the file: editors save by writing a temporary file and renaming it over the original, and
// Kubernetes updates a mounted ConfigMap by swapping the `..data` symlink — either way the inode
// a file watch holds is gone and later changes would be missed. Watching the directory and
// filtering by name survives both, and the file may vanish for a moment without harm.
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'

export interface ConfigWatcher {
  close(): void
}

export interface WatchOptions {
  /** Quiet time after the last event before `onChange` runs. Default 250 ms. */
  readonly debounceMs?: number
  /** The directory watch failed (e.g. the directory was removed); the watcher is then closed. */
  readonly onError?: (err: Error) => void
}

export const DEFAULT_WATCH_DEBOUNCE_MS = 250

/** The symlink kubelet swaps atomically when a ConfigMap or Secret volume is updated. */
const KUBERNETES_DATA_LINK = '..data'

/** Whether an event for `name` in the watched directory may have changed `file`. */
export function isRelevantChange(fileBase: string, name: string | Buffer | null): boolean {
  // Some platforms omit the name; then any change in the directory may be ours.
  if (name === null) return true
  const n = typeof name === 'string' ? name : name.toString('utf8')
  return n === fileBase || n === KUBERNETES_DATA_LINK
}

export function watchConfigFile(file: string, onChange: () => void, opts: WatchOptions = {}): ConfigWatcher {
  const debounceMs = opts.debounceMs ?? DEFAULT_WATCH_DEBOUNCE_MS
  const path = resolve(file)
  const fileBase = basename(path)
  let timer: NodeJS.Timeout | undefined
  let closed = false

  const fire = (): void => {
    timer = undefined
    if (!closed) onChange()
  }

  // `persistent: false`: a watcher alone must not keep the process alive after shutdown.
  const watcher: FSWatcher = watch(dirname(path), { persistent: false }, (_event, name) => {
    if (closed || !isRelevantChange(fileBase, name)) return
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(fire, debounceMs)
  })

  const close = (): void => {
    if (closed) return
    closed = true
    if (timer !== undefined) clearTimeout(timer)
    watcher.close()
  }

  watcher.on('error', (err) => {
    close()
    opts.onError?.(err)
  })

  return { close }
}
