-- wrk script for the bounded load test (tests/e2e/http-load.test.mjs): POST tools/call echo with
-- a unique JSON-RPC id per request; counts every answer that is not a 200 carrying the echo.
local counter = 0
local prefix = tostring(math.random(1, 1e9))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, '{"jsonrpc":"2.0","id":"' .. prefix .. '-' .. counter ..
    '","method":"tools/call","params":{"name":"echo","arguments":{"message":"load"}}}')
end
local bad = 0
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, '"text":"load"', 1, true) then bad = bad + 1 end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('JSON: {"requests":%d,"bad":%d,"status_errors":%d,"socket_errors":%d}\n',
    summary.requests, bad, e.status or 0, e.connect + e.read + e.write + e.timeout))
end
