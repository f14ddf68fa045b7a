-- wrk script for `make bench`: POST distinct 12345 work orders (a fresh external_id each).
-- wrk -s ops/bench/post_workorder.lua URL -- RUN_ID
local threads = {}
local next_thread = 1

function setup(thread)
    thread:set("thread_id", next_thread)
    next_thread = next_thread + 1
    table.insert(threads, thread)
end

function init(args)
    run_id = args[1] or tostring(os.time())
    counter = 0
end

request = function()
    counter = counter + 1
    local body = string.format(
        '{"line":"12345","external_id":"BENCH-%s-%d-%d","caller_name":"张三",' ..
        '"phone":"13800000000","address":"城关镇人民路1号","region":"城关镇",' ..
        '"title":"小区夜间施工噪音扰民","content":"人民路小区旁工地每晚十点后仍在施工，噪音很大，影响休息，请相关部门处理。",' ..
        '"operator_id":"1001","received_at":"2026-11-23T10:00:00+08:00"}',
        run_id, thread_id, counter)
    return wrk.format("POST", "/v1/workorders", {["Content-Type"] = "application/json"}, body)
end
