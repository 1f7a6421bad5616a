-- Request generator for wrk (bench/lib/load.js passes the arguments after "--"):
--   fixed  <path> <token|->  <threads>   one request, repeated ("-": no Authorization header)
--   rotate <path> <file>     <threads>   cycle through the file's tokens, one per line; thread k of
--                                        n takes lines k, k+n, … so threads never share a token
--   unique <path> <prefix>   <threads>   a token never seen before on every request
-- Requests are built in init() so request() is a table lookup, except in "unique" mode.
-- done() prints one machine-readable line: BENCH_JSON {…} (latencies in microseconds).

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  threads[#threads + 1] = thread
end

local mode, path, prefix
local reqs, n, i, counter = {}, 0, 0, 0

function init(args)
  mode, path = args[1], args[2]
  local arg, nthreads = args[3], tonumber(args[4]) or 1
  local id = thread_index or 0
  if mode == "fixed" then
    local headers = {}
    if arg ~= nil and arg ~= "-" then headers["Authorization"] = "Bearer " .. arg end
    reqs[1], n = wrk.format("GET", path, headers), 1
  elseif mode == "rotate" then
    local k = 0
    for line in io.lines(arg) do
      if line ~= "" then
        if k % nthreads == id then
          n = n + 1
          reqs[n] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. line })
        end
        k = k + 1
      end
    end
  elseif mode == "unique" then
    prefix = arg .. id .. "-"
  else
    error("tokens.lua: unknown mode " .. tostring(mode))
  end
end

function request()
  if mode == "unique" then
    counter = counter + 1
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. prefix .. counter })
  end
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"non2xx":%d,"connectErrors":%d,"readErrors":%d,' ..
    '"writeErrors":%d,"timeouts":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%.1f}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50.0), latency:percentile(90.0), latency:percentile(99.0), latency.max, latency.mean))
end
