-- tests/bench/checkout.lua — wrk script used by tests/bench/checkout.sh.
--
-- Why: a checkout closes the customer's one open cart, so no request may be sent twice
-- with the same token: the second would find no cart (409) or, with the same key, be
-- answered from the idempotency table (a replay, not a checkout). checkout.sh prepares
-- one customer with a filled cart per line of FILE; each wrk thread takes its own lines
-- (thread k of T: lines k, k+T, k+2T, ...) in order, each exactly once, with a unique
-- Idempotency-Key. The requests are formatted once in init(), so the per-request Lua
-- cost is one table lookup; response() counts the 201s and the replays.
--
-- Usage: wrk ... -s checkout.lua URL -- FILE TAG THREADS
--   FILE     one access token per line (a primed customer with an open one-line cart)
--   TAG      prefix of the Idempotency-Keys (TAG-<line number>), unique per run
--   THREADS  wrk's -t (setup() cannot know how many threads will follow)
-- When a thread has used all its lines it stops and sends no more checkouts (it sends
-- one GET /healthz while stopping, never a checkout twice); done() reports it as
-- exhausted=N, and then the run was shorter than wrk's duration: the rate is a floor.
--
-- done() prints one line that checkout.sh parses (lib.sh's fields, plus):
--   BENCH requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N p999_us=N max_us=N
--         connect=N read=N write=N timeout=N status=N created=N replayed=N other=N
--         sent=N exhausted=N
-- status = wrk's count of responses >= 400; created = 201s that were not replays;
-- other = responses that were neither 201 nor >= 400 (the /healthz of a stopping
-- thread); sent = checkouts formatted and handed to wrk.

local threads = {}

function setup(thread)
    threads[#threads + 1] = thread
    thread:set("thread_no", #threads)
end

local requests = {}
local count = 0
local next_i = 1
local stopping = nil
created, replayed, other, sent, exhausted = 0, 0, 0, 0, 0

local BODY = '{"shipping_address":{"name":"Bench Customer","line1":"1 Load Test Way",'
    .. '"city":"Springfield","region":"IL","postal_code":"62701","country":"US"},'
    .. '"shipping_method":"standard","payment_method":"cod"}'

function init(args)
    local file, tag, nthreads = args[1], args[2], tonumber(args[3])
    assert(file and tag and nthreads and nthreads >= 1, "usage: -- FILE TAG THREADS")
    local k = rawget(_G, "thread_no") or 1
    local fh = assert(io.open(file, "r"), "cannot open token file " .. tostring(file))
    local line = 0
    for token in fh:lines() do
        if token ~= "" then
            line = line + 1
            if (line - 1) % nthreads == k - 1 then
                count = count + 1
                requests[count] = wrk.format("POST", nil, {
                    ["Authorization"] = "Bearer " .. token,
                    ["Content-Type"] = "application/json",
                    ["Idempotency-Key"] = tag .. "-" .. line,
                }, BODY)
            end
        end
    end
    fh:close()
    stopping = wrk.format("GET", "/healthz", {}, nil)
end

function request()
    if next_i > count then
        if exhausted == 0 then
            exhausted = 1
            wrk.thread:stop()
        end
        return stopping
    end
    local r = requests[next_i]
    requests[next_i] = nil -- sent once; let the memory go
    next_i = next_i + 1
    sent = sent + 1
    return r
end

function response(status, headers, _)
    if status == 201 then
        if headers["Idempotent-Replayed"] or headers["idempotent-replayed"] then
            replayed = replayed + 1
        else
            created = created + 1
        end
    elseif status < 400 then
        other = other + 1
    end
end

function done(summary, latency, _)
    local e = summary.errors
    local secs = summary.duration / 1e6
    local c, rp, o, s, x = 0, 0, 0, 0, 0
    for _, t in ipairs(threads) do
        c = c + (t:get("created") or 0)
        rp = rp + (t:get("replayed") or 0)
        o = o + (t:get("other") or 0)
        s = s + (t:get("sent") or 0)
        x = x + (t:get("exhausted") or 0)
    end
    io.write(string.format(
        "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d"
            .. " connect=%d read=%d write=%d timeout=%d status=%d created=%d replayed=%d other=%d"
            .. " sent=%d exhausted=%d\n",
        summary.requests, summary.duration, summary.requests / secs,
        latency:percentile(50), latency:percentile(90), latency:percentile(99),
        latency:percentile(99.9), latency.max,
        e.connect, e.read, e.write, e.timeout, e.status, c, rp, o, s, x))
end
