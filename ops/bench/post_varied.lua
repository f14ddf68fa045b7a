-- wrk script for the whole-pipeline part of `make bench`: POST the work orders of a file
-- (one JSON body a line, from ops/bench/pipeline_orders.py): thread t of T sends lines t,
-- t+T, t+2T ... with a fresh external_id and received now (from the start again if it ever gets to the end:
-- make the file longer than the run).
-- wrk -s ops/bench/post_varied.lua URL -- RUN_ID FILE THREADS
local next_thread = 1

function setup(thread)
    thread:set("thread_id", next_thread)
    next_thread = next_thread + 1
end

function init(args)
    run_id = args[1] or tostring(os.time())
    local threads = tonumber(args[3] or "1")
    bodies = {}
    local n = 0
    for line in io.lines(args[2]) do
        n = n + 1
        if (n - thread_id) % threads == 0 then
            -- the body without its closing brace, the external_id goes last
            table.insert(bodies, string.sub(line, 1, -2))
        end
    end
    counter = 0
end

request = function()
    counter = counter + 1
    local body = bodies[(counter - 1) % #bodies + 1]
    body = string.format('%s,"external_id":"PIPE-%s-%d-%d","received_at":"%s"}', body, run_id,
                         thread_id, counter, os.date("!%Y-%m-%dT%H:%M:%S+00:00"))
    return wrk.format("POST", "/v1/workorders", {["Content-Type"] = "application/json"}, body)
end
