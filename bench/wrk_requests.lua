-- wrk script of bench/wrkload.py: replays prepared requests (one per line: path, headers and body joined by
-- the ASCII unit separator 0x1F), each wrk thread taking every Nth line so no request is sent twice while the
-- pool lasts (the pool is sized well beyond what the run can send). Prints one RESULT line when done.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  requests, position = {}, 0
  local n = 0
  for line in io.lines(file) do
    if n % nthreads == index - 1 then
      local parts, start = {}, 1
      while true do
        local stop = string.find(line, "\31", start, true)
        if not stop then table.insert(parts, string.sub(line, start)) break end
        table.insert(parts, string.sub(line, start, stop - 1))
        start = stop + 1
      end
      local headers = {}
      for i = 2, #parts - 1 do
        local name, value = parts[i]:match("^([^:]+): (.*)$")
        if name then headers[name] = value end
      end
      table.insert(requests, wrk.format("POST", parts[1], headers, parts[#parts]))
    end
    n = n + 1
  end
end

function request()
  position = math.min(position + 1, #requests)
  return requests[position]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d non2xx=%d errors=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
