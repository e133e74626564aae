-- tests/bench/auth.lua — wrk script used by tests/bench/auth.sh.
--
-- Why: the authentication benchmark sends Bearer tokens: always the same one (the
-- verified-token cache answers every request) or a random one of many (many people,
-- each token verified once, then cached). auth.sh parses the same BENCH line as
-- catalog.sh, so the figures of the two scripts are computed alike.
--
-- Usage: wrk ... -s auth.lua URL -- MODE [FILE]
--   MODE one     GET <path of URL> with "Authorization: Bearer <first line of FILE>"
--   MODE many    GET <path of URL> with a random line of FILE as the Bearer token
--   MODE static  GET <path of URL>, no header (no Lua per request: the public baseline)
-- FILE holds one token per line. The requests are formatted once in init(), so the
-- per-request Lua cost is one math.random and one table lookup (mode many), none
-- otherwise.
--
-- done() prints one line that auth.sh parses:
--   BENCH requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N p999_us=N max_us=N
--         connect=N read=N write=N timeout=N status=N
-- "status" is wrk's count of HTTP responses with status >= 400. No request sends
-- If-None-Match and no route redirects, so 3xx cannot occur: status = non-2xx responses.

local threads_made = 0

function setup(thread)
    threads_made = threads_made + 1
    thread:set("thread_no", threads_made)
end

local requests = {}
local count = 0

function init(args)
    local mode, file = args[1], args[2]
    math.randomseed(os.time() * 1000 + (rawget(_G, "thread_no") or 0) * 7919)
    if mode == "static" or mode == nil then
        request = nil
        return
    end
    if mode ~= "one" and mode ~= "many" then
        error("unknown mode " .. mode)
    end
    local fh = assert(io.open(file, "r"), "cannot open token file " .. tostring(file))
    for token in fh:lines() do
        if token ~= "" then
            count = count + 1
            requests[count] = wrk.format("GET", nil, { Authorization = "Bearer " .. token })
            if mode == "one" then
                break
            end
        end
    end
    fh:close()
    assert(count > 0, "no tokens in " .. file)
    if mode == "one" then
        -- one pre-built request: wrk sends it with no Lua per request
        wrk.headers["Authorization"] = requests[1]:match("Authorization: ([^\r\n]+)")
        request = nil
    end
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
