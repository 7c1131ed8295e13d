-- wrk script for the resolve benchmark: cycles through the paths in $BENCH_PATHS (one a line),
-- each request with "Authorization: Bearer $BENCH_TOKEN" when that is set, and prints one
-- machine-readable line at the end (latencies in microseconds).
-- Requests are formatted once in init(), so the per-request Lua work is a table lookup.
local requests = {}
local n, idx = 0, 0

function init(args)
  local file = os.getenv("BENCH_PATHS")
  if file == nil or file == "" then error("BENCH_PATHS is not set") end
  local token = os.getenv("BENCH_TOKEN")
  local headers = {}
  if token ~= nil and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  for path in io.lines(file) do
    if path ~= "" then
      n = n + 1
      requests[n] = wrk.format("GET", path, headers)
    end
  end
  if n == 0 then error("no paths in " .. file) end
end

function request()
  idx = idx % n + 1
  return requests[idx]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,' ..
    '"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end
