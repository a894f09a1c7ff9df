-- Loaded by every scenario script (and used alone for plain GETs): counts the answers of each
-- wrk thread by kind, and done() prints one machine-readable line for tools/bench/wrk.py,
-- because `wrk --latency` prints neither p99.9 nor counts by status or X-Cache.
--
-- wrk runs setup() and done() in its main Lua state and request()/response() in one state
-- per thread: the counters live in the threads, done() collects them with thread:get().

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_index", #threads - 1)   -- 0-based, before the thread's init() runs
end

-- per thread: 2xx/3xx, 503 (load shed), other statuses, X-Cache, and what scripts add; flat
-- tables only (wrk 4.1 crashes copying a table nested in a table from thread to thread)
counts = {ok = 0, shed = 0, bad = 0, hit = 0, miss = 0, issued = 0, unmatched = 0}
statuses = {}   -- every status >= 300 and how often

function count(status, headers)
   if status >= 200 and status < 400 then
      counts.ok = counts.ok + 1
   elseif status == 503 then
      counts.shed = counts.shed + 1
   else
      counts.bad = counts.bad + 1
   end
   if status >= 300 then
      statuses[status] = (statuses[status] or 0) + 1
   end
   local cache = headers["X-Cache"] or headers["x-cache"]
   if cache == "HIT" then
      counts.hit = counts.hit + 1
   elseif cache == "MISS" then
      counts.miss = counts.miss + 1
   end
end

function response(status, headers, body)
   count(status, headers)
end

-- JSON by hand: wrk's Lua has no encoder, and these are numbers only
local function object(t)
   local parts = {}
   for k, v in pairs(t) do
      table.insert(parts, string.format('"%s":%d', tostring(k), v))
   end
   return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
   local per_thread = {}
   for _, thread in ipairs(threads) do
      local counts = object(thread:get("counts"))
      table.insert(per_thread, counts:sub(1, -2) .. ',"statuses":' .. object(thread:get("statuses")) .. "}")
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH-RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"p50":%.1f,"p99":%.1f,"p99.9":%.1f,"max":%.1f,"mean":%.1f},"threads":[%s]}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
      latency.max, latency.mean, table.concat(per_thread, ",")))
end
