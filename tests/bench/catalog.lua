-- tests/bench/catalog.lua — wrk script used by tests/bench/catalog.sh.
--
-- Why: the catalog benchmark must hit a different category (or product) on every
-- request, as real shoppers do, and catalog.sh needs the figures in a form it can parse
-- (p50/p99 and the error counts), not only wrk's human-readable report.
--
-- Usage: wrk ... -s catalog.lua URL -- MODE [FILE]
--   MODE list    GET /v1/products?category=<random line of FILE>&limit=20
--   MODE detail  GET /v1/products/<random line of FILE>
--   MODE paths   GET <random line of FILE>: each line a whole path with its query string,
--                already URL-encoded (the scenarios of catalog.sh: sorts, filters, search)
--   MODE static  GET <path of URL> every time (no Lua per request: the HTTP ceiling)
-- FILE holds one slug (or path) per line. The request strings are formatted once in
-- init(), so the per-request Lua cost is one math.random and one table lookup.
--
-- done() prints one line that catalog.sh parses:
--   BENCH requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N p999_us=N max_us=N
--         connect=N read=N write=N timeout=N status=N
-- "status" is wrk's count of HTTP responses with status >= 400. No request sends
-- If-None-Match and no route redirects, so 3xx cannot occur: status = non-2xx responses.

-- setup() runs in wrk's main Lua state; thread:set makes a global in the thread's state.
local threads_made = 0

function setup(thread)
    threads_made = threads_made + 1
    thread:set("thread_no", threads_made)
end

local requests = {}
local count = 0

function init(args)
    local mode, file = args[1], args[2]
    -- thread_no (a global) is set by setup() before init runs in this thread's state.
    math.randomseed(os.time() * 1000 + (rawget(_G, "thread_no") or 0) * 7919)
    if mode == "static" or mode == nil then
        request = nil -- wrk then sends its one pre-built request (static mode)
        return
    end
    local fh = assert(io.open(file, "r"), "cannot open slug file " .. tostring(file))
    for slug in fh:lines() do
        if slug ~= "" then
            local path
            if mode == "list" then
                path = "/v1/products?category=" .. slug .. "&limit=20"
            elseif mode == "detail" then
                path = "/v1/products/" .. slug
            elseif mode == "paths" then
                path = slug
            else
                error("unknown mode " .. mode)
            end
            count = count + 1
            requests[count] = wrk.format("GET", path)
        end
    end
    fh:close()
    assert(count > 0, "no slugs in " .. file)
end

function request()
    return requests[math.random(count)]
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
