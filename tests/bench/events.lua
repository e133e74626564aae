-- tests/bench/events.lua — wrk script used by tests/bench/events.sh.
--
-- Why: the ingestion benchmark posts batches of BATCH events, each with a new
-- UUID-shaped event_id (so every event is a new row, never a duplicate), as a storefront
-- page would: page_url, anonymous and session ids, a small props object. The ids are a
-- per-thread random prefix plus a counter, so threads and runs never collide. (wrk's
-- Lua is LuaJIT, Lua 5.1: no integer division operator, numbers are doubles.)
--
-- Usage: wrk ... -s events.lua URL -- BATCH
--
-- done() prints the BENCH line events.sh parses (the same fields as auth.lua's):
--   BENCH requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N p999_us=N max_us=N
--         connect=N read=N write=N timeout=N status=N
-- "status" is wrk's count of responses with status >= 400.

local threads_made = 0

function setup(thread)
    threads_made = threads_made + 1
    thread:set("thread_no", threads_made)
end

local batch = 50
local prefix
local counter = 0

function init(args)
    batch = tonumber(args[1] or "50")
    local t = rawget(_G, "thread_no") or 0
    math.randomseed(os.time() * 1000 + t * 7919 + math.floor(os.clock() * 1e6))
    prefix = string.format("%08x-%04x", math.random(0, 0x7fffffff), t % 0x10000)
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    local ts = os.time() * 1000
    local parts = {}
    for i = 1, batch do
        counter = counter + 1
        parts[i] = string.format(
            '{"event_id":"%s-4%03x-8%03x-%012x","event_type":"page_view","timestamp":%d,'
                .. '"anonymous_id":"anon-%d","session_id":"sess-%d",'
                .. '"page_url":"https://shop.example.com/products/item-%d","props":{"ab":"b","n":%d}}',
            prefix, i % 0x1000, math.floor(counter / 0x100000000) % 0x1000, counter % 0x100000000, ts,
            counter % 1000, counter % 5000, counter % 200, i)
    end
    return wrk.format(nil, nil, nil, "[" .. table.concat(parts, ",") .. "]")
end

function done(summary, latency, _)
    local e = summary.errors
    local secs = summary.duration / 1e6
    io.write(string.format(
        "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d"
            .. " connect=%d read=%d write=%d timeout=%d status=%d\n",
        summary.requests, summary.duration, summary.requests / secs,
        latency:percentile(50), latency:percentile(90), latency:percentile(99),
        latency:percentile(99.9), latency.max,
        e.connect, e.read, e.write, e.timeout, e.status))
end
